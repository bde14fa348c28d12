/**
 * What etcd's tools print with `-w json`, read for the restore drill. Pure. The shapes are etcd's
 * own: `etcdutl snapshot status` (and `etcdctl snapshot status` before 3.6) prints
 * `{"hash","revision","totalKey","totalSize"}`; `etcdctl endpoint status|hashkv` a list of
 * `{Endpoint, Status|HashKV}`; `etcdctl get` a RangeResponse whose `count` is the number of keys
 * in the range whatever `--limit` cut (fixtures recorded from etcd 3.4.23 in
 * test/unit/nodeops/agent/etcd-fixtures.ts).
 */
import { z } from "zod";

const snapshotStatusSchema = z.object({
  hash: z.number(),
  revision: z.number(),
  totalKey: z.number(),
  totalSize: z.number(),
});
export type SnapshotStatus = z.infer<typeof snapshotStatusSchema>;

const headerSchema = z.object({ revision: z.union([z.number(), z.string()]).optional() });
const endpointStatusSchema = z
  .array(z.object({ Status: z.object({ header: headerSchema, dbSize: z.number().optional() }) }))
  .min(1);
const hashKvSchema = z.array(z.object({ HashKV: z.object({ hash: z.number() }) })).min(1);
const healthSchema = z.array(z.object({ health: z.boolean() })).min(1);
const rangeSchema = z.object({
  header: headerSchema,
  kvs: z.array(z.object({ key: z.string() })).optional(),
  count: z.union([z.number(), z.string()]).optional(),
});

type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

function parseJson<T>(what: string, text: string, schema: z.ZodType<T>): Parsed<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(text.trim());
  } catch {
    return { ok: false, error: `${what}: not JSON: ${text.trim().slice(0, 200)}` };
  }
  const parsed = schema.safeParse(raw);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, error: `${what}: unexpected output: ${text.trim().slice(0, 200)}` };
}

export function parseSnapshotStatus(text: string): Parsed<SnapshotStatus> {
  return parseJson("snapshot status", text, snapshotStatusSchema);
}

/** etcd prints int64s as numbers or (grpc-gateway) strings. */
const toNumber = (value: number | string | undefined): number => Number(value ?? 0);

export function parseEndpointStatus(text: string): Parsed<{ revision: number; dbSize: number }> {
  const parsed = parseJson("endpoint status", text, endpointStatusSchema);
  if (!parsed.ok) return parsed;
  const status = parsed.value[0]?.Status;
  return { ok: true, value: { revision: toNumber(status?.header.revision), dbSize: status?.dbSize ?? 0 } };
}

export function parseHashKv(text: string): Parsed<number> {
  const parsed = parseJson("endpoint hashkv", text, hashKvSchema);
  return parsed.ok ? { ok: true, value: parsed.value[0]?.HashKV.hash ?? 0 } : parsed;
}

export function parseHealthy(text: string): boolean {
  const parsed = parseJson("endpoint health", text, healthSchema);
  return parsed.ok && parsed.value.every((entry) => entry.health);
}

/** The number of keys in the range (`count`; absent when there are none). */
export function parseRangeCount(text: string): Parsed<number> {
  const parsed = parseJson("get", text, rangeSchema);
  return parsed.ok ? { ok: true, value: toNumber(parsed.value.count) } : parsed;
}

/** etcd's tools end a failure with `Error: <why>`; the last such line, else the last line. */
export function etcdToolError(stdout: string, stderr: string): string {
  const lines = `${stdout}\n${stderr}`
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  const error = [...lines].reverse().find((line) => line.startsWith("Error: "));
  const chosen = error ?? lines[lines.length - 1] ?? "no output";
  return chosen.length > 300 ? `${chosen.slice(0, 300)}…` : chosen;
}
