/** Field paths in the style of k8s.io/apimachinery field.Path: `spec.nodes[0].name`, `spec.labels[app]`. */
export function childPath(path: string, name: string): string {
  return path === "" ? name : `${path}.${name}`;
}

export function indexPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

export function keyPath(path: string, key: string): string {
  return `${path}[${key}]`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Fields the API server owns at the root of every object (and of embedded resources). */
export const TYPE_AND_OBJECT_META = new Set(["apiVersion", "kind", "metadata"]);
