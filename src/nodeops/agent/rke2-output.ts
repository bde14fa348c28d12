/**
 * Reading what `rke2 etcd-snapshot` prints. Pure.
 *
 * RKE2 logs with logrus' text format on stderr: `time="..." level=info msg="..."`.
 * - `save` (RKE2 with k3s #9816, 2024 on: the CLI asks the running server to do the work) logs
 *   `Snapshot <name> saved.` once per copy it created: once for the node's disk and once more when
 *   the S3 upload worked. An S3 upload failure does NOT fail the command: the server logs it
 *   and the CLI exits 0 having named only the local copy. Older releases snapshot in-process
 *   and log `Saving etcd snapshot to <path>`.
 * - `delete` logs `Snapshot <name> deleted.` per copy removed and warns `Snapshot <name> not found.`
 * - `ls -o json` prints a `List` of ETCDSnapshotFile objects (spec.snapshotName, nodeName,
 *   location; status.size as a Quantity, creationTime, readyToUse). Older releases print their
 *   internal records instead, an array or a map of `{name, location, nodeName, createdAt, size,
 *   status}`.
 * - a failure ends with `level=fatal msg="<error>"` and exit code 1.
 */
import { snapshotSizeBytes } from "../../api/etcdsnapshotfile.ts";

export interface ListedSnapshot {
  /** RKE2's snapshot name (file name), `<name>-<node>-<unix-ts>[.zip]`. */
  name: string;
  /** The node that took it, or "s3" on releases that do not record it for S3 copies. */
  nodeName: string;
  location: string;
  size: number;
  /** RFC 3339. */
  createdAt: string;
  ok: boolean;
}

interface LogLine {
  level: string;
  msg: string;
}

/** logrus text lines; anything else (a panic, a plain message) is kept as an `unknown` level line. */
export function parseLogLines(output: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const raw of output.split("\n")) {
    const line = raw.trim();
    if (line === "") continue;
    const level = /(?:^|\s)level=(\w+)/.exec(line)?.[1];
    const msg = /(?:^|\s)msg="((?:[^"\\]|\\.)*)"/.exec(line)?.[1];
    if (level !== undefined && msg !== undefined) lines.push({ level, msg: msg.replace(/\\(.)/g, "$1") });
    else lines.push({ level: "unknown", msg: line });
  }
  return lines;
}

/** Names `save` reported as created, each once, in order. */
export function savedSnapshotNames(output: string): string[] {
  const names: string[] = [];
  for (const { msg } of parseLogLines(output)) {
    const current = /^Snapshot (\S+) saved\.?$/.exec(msg)?.[1];
    const legacyPath = /^Saving etcd snapshot to (\S+)$/.exec(msg)?.[1];
    const legacyCompressed = /^Compressed snapshot: (\S+)$/.exec(msg)?.[1];
    const name = current ?? baseName(legacyCompressed) ?? baseName(legacyPath);
    if (name === undefined) continue;
    // The legacy log names the uncompressed file first, then the .zip that replaced it.
    if (legacyCompressed !== undefined) {
      const plain = name.replace(/\.zip$/, "");
      const index = names.indexOf(plain);
      if (index >= 0) names.splice(index, 1);
    }
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/** Names `delete` reported as removed (from disk or S3), each once. Undefined when the release logs no such lines. */
export function deletedSnapshotNames(output: string): { deleted: string[]; notFound: string[] } | undefined {
  const deleted: string[] = [];
  const notFound: string[] = [];
  let recognised = false;
  for (const { msg } of parseLogLines(output)) {
    const gone = /^Snapshot (\S+) deleted(?: locally| from S3)?\.?$/.exec(msg)?.[1];
    const missing = /^Snapshot (\S+) not found(?: locally| in S3)?\.?$/.exec(msg)?.[1];
    if (gone !== undefined) {
      recognised = true;
      if (!deleted.includes(gone)) deleted.push(gone);
    } else if (missing !== undefined) {
      recognised = true;
      if (!notFound.includes(missing)) notFound.push(missing);
    }
  }
  return recognised ? { deleted, notFound: notFound.filter((name) => !deleted.includes(name)) } : undefined;
}

/** The error a failed command ended with: its fatal line, else its last error line, else its last line. */
export function failureMessage(stdout: string, stderr: string): string {
  const lines = parseLogLines(`${stdout}\n${stderr}`);
  const pick =
    [...lines].reverse().find((l) => l.level === "fatal") ??
    [...lines].reverse().find((l) => l.level === "error") ??
    lines.at(-1);
  const message = (pick?.msg ?? "").replace(/^Error: /, "").trim();
  return message === "" ? "rke2 etcd-snapshot failed without a message" : message.slice(0, 1000);
}

export function isSaveInProgress(message: string): boolean {
  return message.includes("snapshot save already in progress");
}

/** Parses `ls -o json` output of any release; throws with a short reason when it is not JSON of a known shape. */
export function parseSnapshotList(stdout: string): ListedSnapshot[] {
  let raw: unknown;
  try {
    raw = JSON.parse(stdout);
  } catch {
    throw new Error(`rke2 etcd-snapshot ls printed no JSON: ${stdout.trim().slice(0, 200)}`);
  }
  if (isRecord(raw) && Array.isArray(raw.items)) return raw.items.flatMap((item) => fromSnapshotFile(item));
  if (Array.isArray(raw)) return raw.flatMap((item) => fromLegacyRecord(item));
  if (isRecord(raw)) return Object.values(raw).flatMap((item) => fromLegacyRecord(item));
  throw new Error("rke2 etcd-snapshot ls printed JSON of an unknown shape");
}

function fromSnapshotFile(item: unknown): ListedSnapshot[] {
  if (!isRecord(item) || !isRecord(item.spec)) return [];
  const spec = item.spec;
  const status = isRecord(item.status) ? item.status : {};
  const name = text(spec.snapshotName);
  const location = text(spec.location);
  if (name === undefined || location === undefined) return [];
  const size =
    snapshotSizeBytes(typeof status.size === "number" || typeof status.size === "string" ? status.size : undefined) ??
    0;
  return [
    {
      name,
      nodeName: text(spec.nodeName) ?? (isRecord(spec.s3) ? "s3" : ""),
      location,
      size,
      createdAt: text(status.creationTime) ?? "",
      ok: status.readyToUse === true && size > 0,
    },
  ];
}

function fromLegacyRecord(item: unknown): ListedSnapshot[] {
  if (!isRecord(item)) return [];
  const name = text(item.name);
  const location = text(item.location);
  if (name === undefined || location === undefined) return [];
  const size = typeof item.size === "number" ? item.size : 0;
  const failed = item.status === "failed";
  return [
    {
      name,
      nodeName: text(item.nodeName) ?? "",
      location,
      size,
      createdAt: text(item.createdAt) ?? "",
      ok: !failed && size > 0,
    },
  ];
}

function baseName(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  return path.slice(path.lastIndexOf("/") + 1) || undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
