/** The resources currently served: the built-in ones plus one per established CRD. */
import { builtinResources, resourceKey, type ResourceDef } from "./resources.ts";

/** Kubernetes version priority: GA over beta over alpha, higher numbers first (v2 > v1 > v1beta2). */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [-1, 0, 0];
    const stability = m[2] === undefined ? 3 : m[2] === "beta" ? 2 : 1;
    return [stability, Number(m[1]), Number(m[3] ?? 0)];
  };
  const [sa, ma, na] = parse(a);
  const [sb, mb, nb] = parse(b);
  if (sa !== sb) return sb - sa;
  if (ma !== mb) return mb - ma;
  if (na !== nb) return nb - na;
  return a.localeCompare(b);
}

export interface GroupVersions {
  group: string;
  /** Served versions, preferred first. */
  versions: string[];
}

export class Catalog {
  private readonly builtins: ResourceDef[] = builtinResources();
  private readonly custom = new Map<string, ResourceDef>();

  all(): ResourceDef[] {
    return [...this.builtins, ...this.custom.values()];
  }

  /** The resource served at /api(s)/<group>/<version>/<plural>. */
  find(group: string, version: string, plural: string): ResourceDef | undefined {
    return this.all().find((d) => d.group === group && d.plural === plural && d.versions.includes(version));
  }

  byKey(key: string): ResourceDef | undefined {
    return this.all().find((d) => resourceKey(d) === key);
  }

  /** The resource of an `apiVersion` + `kind` (owner references name kinds, not resources). */
  byKind(group: string, kind: string): ResourceDef | undefined {
    return this.all().find((d) => d.group === group && d.kind === kind);
  }

  /** Serves (or, with undefined, stops serving) the resource of the CRD `crdName`. */
  setCustom(crdName: string, def: ResourceDef | undefined): void {
    if (def) this.custom.set(crdName, def);
    else this.custom.delete(crdName);
  }

  customFor(crdName: string): ResourceDef | undefined {
    return this.custom.get(crdName);
  }

  /** Groups in discovery order: built-in groups first, then custom groups by name. */
  groups(): GroupVersions[] {
    const order: string[] = [];
    const versions = new Map<string, Set<string>>();
    for (const def of this.all()) {
      if (!versions.has(def.group)) {
        order.push(def.group);
        versions.set(def.group, new Set());
      }
      for (const v of def.versions) versions.get(def.group)?.add(v);
    }
    return order.map((group) => ({ group, versions: [...(versions.get(group) ?? [])].sort(compareKubeVersions) }));
  }

  resourcesIn(group: string, version: string): ResourceDef[] {
    return this.all().filter((d) => d.group === group && d.versions.includes(version));
  }
}
