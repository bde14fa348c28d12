/** Server-side printing: meta.k8s.io/v1 Table answers for `Accept: ...;as=Table`. */
import { metaOf, type JsonObject } from "./json.ts";
import { humanDuration } from "../../runtime/human-duration.ts";
import { evaluateJsonPath } from "./jsonpath.ts";
import { BUILTIN_PRINTERS, column, DEFAULT_PRINTER, type Printer } from "./printing.ts";
import type { PrinterColumn, ResourceDef } from "./resources.ts";

export type IncludeObject = "None" | "Metadata" | "Object";

/** A CRD without additionalPrinterColumns gets an Age column, as the real server defaults it. */
const DEFAULT_CUSTOM_COLUMNS: PrinterColumn[] = [
  { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
];

function cellText(value: unknown): string {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean"
    ? String(value)
    : JSON.stringify(value);
}

function customCell(object: JsonObject, col: PrinterColumn, now: number): unknown {
  const values = evaluateJsonPath(object, col.jsonPath);
  if (values.length === 0) return null;
  const first = values[0];
  if (col.type === "date" && typeof first === "string") return humanDuration(now - Date.parse(first));
  if (values.length > 1) return values.map(cellText).join(",");
  if (col.type === "integer" || col.type === "number" || col.type === "boolean") return first;
  return cellText(first);
}

export function printerFor(def: ResourceDef, version: string): Printer {
  if (def.custom) {
    const defined = def.custom.printerColumns[version] ?? [];
    const columns = defined.length > 0 ? defined : DEFAULT_CUSTOM_COLUMNS;
    return {
      columns: [
        column("Name", "string", 0, "name"),
        ...columns.map((c) => ({
          name: c.name,
          type: c.type,
          format: c.format ?? "",
          description: c.description ?? "",
          priority: c.priority ?? 0,
        })),
      ],
      cells: (o, now) => [metaOf(o).name, ...columns.map((c) => customCell(o, c, now))],
    };
  }
  return BUILTIN_PRINTERS[def.kind] ?? DEFAULT_PRINTER;
}

/** Parses the `includeObject` query parameter (default Metadata, as the real server). */
export function includeObjectOf(value: string | null): IncludeObject {
  return value === "None" || value === "Object" ? value : "Metadata";
}

function rowObject(object: JsonObject, include: IncludeObject): JsonObject | undefined {
  if (include === "None") return undefined;
  if (include === "Object") return object;
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: object.metadata };
}

/** A Table of `objects` (already presented with apiVersion and kind). */
export function toTable(
  printer: Printer,
  objects: JsonObject[],
  include: IncludeObject,
  metadata: JsonObject,
  now: number,
): JsonObject {
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata,
    columnDefinitions: printer.columns,
    rows: objects.map((o) => {
      const row: JsonObject = { cells: printer.cells(o, now) };
      const embedded = rowObject(o, include);
      if (embedded) row.object = embedded;
      return row;
    }),
  };
}
