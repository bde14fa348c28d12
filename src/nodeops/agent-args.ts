/**
 * The node-agent's command line for etcd snapshot and certificate actions. The operator builds the
 * argv of a node Job with the `build*` functions; the node-agent (and the simulated kubelet) read it
 * back with the `parse*` functions, so both sides share one definition of every flag.
 *
 * The flags mirror RKE2's `etcd-snapshot` flags (docs/etcd-snapshots.md "Fields") without their
 * `etcd-` / `etcd-snapshot-` prefixes. S3 credentials never travel in argv (it is visible in the
 * pod spec and in `ps`): the Job maps them from a Secret into the env vars below, which RKE2 reads
 * for `--etcd-s3-access-key` / `--etcd-s3-secret-key` / `--etcd-s3-session-token` itself.
 */
import { parseArgs } from "node:util";

export const AGENT_COMMAND = "node-agent";

/** The Job sets this to the node it is pinned to. */
export const NODE_NAME_ENV = "NODE_NAME";

/** Where the Job mounts files the operator hands the agent (the S3 endpoint CA). Container path. */
export const JOB_FILES_DIR = "/run/rke2-lifecycle";

/** Env vars RKE2's etcd-snapshot command reads the S3 credentials from. */
export const S3_CREDENTIAL_ENV = {
  accessKey: "AWS_ACCESS_KEY_ID",
  secretKey: "AWS_SECRET_ACCESS_KEY",
  sessionToken: "AWS_SESSION_TOKEN",
} as const;

export const BUCKET_LOOKUP_TYPES = ["auto", "dns", "path"] as const;
export type BucketLookupType = (typeof BUCKET_LOOKUP_TYPES)[number];

/** Everything about the S3 target except credentials. */
export interface S3Target {
  bucket: string;
  endpoint?: string;
  /** Path (on the host) of a CA bundle for the endpoint. */
  endpointCa?: string;
  skipSslVerify?: boolean;
  region?: string;
  folder?: string;
  /** Plain HTTP to the endpoint. */
  insecure?: boolean;
  /** A Go duration such as `5m0s`, as RKE2 takes it. */
  timeout?: string;
  bucketLookupType?: BucketLookupType;
  proxy?: string;
  /** Name of a kube-system Secret holding the S3 settings (RKE2's `etcd-s3-config-secret`). */
  configSecret?: string;
}

export interface SnapshotSaveOptions {
  /** The name prefix; RKE2 names the file `<name>-<node>-<unix-ts>`. */
  name: string;
  compress: boolean;
  /** Local snapshot directory; RKE2's default (`${data-dir}/server/db/snapshots`) when absent. */
  dir?: string;
  s3?: S3Target;
}

export interface SnapshotDeleteOptions {
  /** RKE2 snapshot names (not file paths). */
  names: string[];
  dir?: string;
  s3?: S3Target;
}

export interface CertRotateOptions {
  /** `rke2 certificate rotate -s` services; empty means all. */
  services: string[];
  /** RKE2's data dir on the node when it is not the default (from the node's `rke2.io/node-args`). */
  dataDir?: string;
}

export interface RestoreDrillOptions {
  /** Host path of the snapshot file (`.zip` when RKE2 compressed it). */
  snapshot: string;
  /** Folder in the container (the Job's emptyDir) the drill makes its scratch folder in; never a host path. */
  scratch: string;
  /** Loopback ports of the throwaway etcd (the drill Job has its own network namespace). */
  clientPort: number;
  peerPort: number;
}

export const DRILL_DEFAULT_PORTS = { client: 32379, peer: 32380 } as const;

export type ParsedArgs<T> = { ok: true; options: T } | { ok: false; error: string };

function s3Args(s3: S3Target | undefined): string[] {
  if (!s3) return [];
  const args = ["--s3", "--s3-bucket", s3.bucket];
  const optional: [string, string | undefined][] = [
    ["--s3-endpoint", s3.endpoint],
    ["--s3-endpoint-ca", s3.endpointCa],
    ["--s3-region", s3.region],
    ["--s3-folder", s3.folder],
    ["--s3-timeout", s3.timeout],
    ["--s3-bucket-lookup-type", s3.bucketLookupType],
    ["--s3-proxy", s3.proxy],
    ["--s3-config-secret", s3.configSecret],
  ];
  for (const [flag, value] of optional) if (value !== undefined && value !== "") args.push(flag, value);
  if (s3.skipSslVerify) args.push("--s3-skip-ssl-verify");
  if (s3.insecure) args.push("--s3-insecure");
  return args;
}

export function buildSnapshotSaveArgs(options: SnapshotSaveOptions): string[] {
  const args = [AGENT_COMMAND, "snapshot-save", "--name", options.name];
  if (options.compress) args.push("--compress");
  if (options.dir) args.push("--dir", options.dir);
  return [...args, ...s3Args(options.s3)];
}

export function buildSnapshotDeleteArgs(options: SnapshotDeleteOptions): string[] {
  const args = [AGENT_COMMAND, "snapshot-delete"];
  if (options.dir) args.push("--dir", options.dir);
  // `--` keeps a snapshot name that starts with a dash from being read as a flag.
  return [...args, ...s3Args(options.s3), "--", ...options.names];
}

export function buildCertRotateArgs(options: CertRotateOptions): string[] {
  const dataDir = options.dataDir !== undefined ? ["--data-dir", options.dataDir] : [];
  return [AGENT_COMMAND, "cert-rotate", ...options.services.flatMap((service) => ["--service", service]), ...dataDir];
}

export function buildRestoreDrillArgs(options: RestoreDrillOptions): string[] {
  return [
    AGENT_COMMAND,
    "restore-drill",
    "--snapshot",
    options.snapshot,
    "--scratch",
    options.scratch,
    "--client-port",
    String(options.clientPort),
    "--peer-port",
    String(options.peerPort),
  ];
}

const S3_FLAGS = {
  s3: { type: "boolean" },
  "s3-bucket": { type: "string" },
  "s3-endpoint": { type: "string" },
  "s3-endpoint-ca": { type: "string" },
  "s3-skip-ssl-verify": { type: "boolean" },
  "s3-region": { type: "string" },
  "s3-folder": { type: "string" },
  "s3-insecure": { type: "boolean" },
  "s3-timeout": { type: "string" },
  "s3-bucket-lookup-type": { type: "string" },
  "s3-proxy": { type: "string" },
  "s3-config-secret": { type: "string" },
} as const;

type S3Values = { [K in keyof typeof S3_FLAGS]?: (typeof S3_FLAGS)[K]["type"] extends "boolean" ? boolean : string };

function s3FromValues(values: S3Values): ParsedArgs<S3Target | undefined> {
  const anyS3Flag = Object.keys(values).some((key) => key.startsWith("s3-"));
  if (!values.s3) {
    return anyS3Flag ? { ok: false, error: "--s3-* flags need --s3" } : { ok: true, options: undefined };
  }
  if (!values["s3-bucket"]) return { ok: false, error: "--s3 needs --s3-bucket" };
  const lookup = values["s3-bucket-lookup-type"];
  if (lookup !== undefined && !(BUCKET_LOOKUP_TYPES as readonly string[]).includes(lookup)) {
    return {
      ok: false,
      error: `--s3-bucket-lookup-type must be one of ${BUCKET_LOOKUP_TYPES.join(", ")}, not ${lookup}`,
    };
  }
  const target: S3Target = { bucket: values["s3-bucket"] };
  if (values["s3-endpoint"]) target.endpoint = values["s3-endpoint"];
  if (values["s3-endpoint-ca"]) target.endpointCa = values["s3-endpoint-ca"];
  if (values["s3-skip-ssl-verify"]) target.skipSslVerify = true;
  if (values["s3-region"]) target.region = values["s3-region"];
  if (values["s3-folder"]) target.folder = values["s3-folder"];
  if (values["s3-insecure"]) target.insecure = true;
  if (values["s3-timeout"]) target.timeout = values["s3-timeout"];
  if (lookup) target.bucketLookupType = lookup as BucketLookupType;
  if (values["s3-proxy"]) target.proxy = values["s3-proxy"];
  if (values["s3-config-secret"]) target.configSecret = values["s3-config-secret"];
  return { ok: true, options: target };
}

/** Strips `node-agent <subcommand>` and checks the subcommand is the expected one. */
function argsOf(argv: readonly string[], subcommand: string): ParsedArgs<string[]> {
  if (argv[0] !== AGENT_COMMAND || argv[1] !== subcommand) {
    return { ok: false, error: `expected "${AGENT_COMMAND} ${subcommand}", got "${argv.slice(0, 2).join(" ")}"` };
  }
  return { ok: true, options: argv.slice(2) };
}

/** util.parseArgs throws on unknown flags and missing values; turn that into a result. */
function safeParse<T>(parse: () => ParsedArgs<T>): ParsedArgs<T> {
  try {
    return parse();
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

export function parseSnapshotSaveArgs(argv: readonly string[]): ParsedArgs<SnapshotSaveOptions> {
  const rest = argsOf(argv, "snapshot-save");
  if (!rest.ok) return rest;
  return safeParse(() => {
    const { values } = parseArgs({
      args: rest.options,
      strict: true,
      allowPositionals: false,
      options: { name: { type: "string" }, compress: { type: "boolean" }, dir: { type: "string" }, ...S3_FLAGS },
    });
    if (!values.name) return { ok: false, error: "snapshot-save needs --name" };
    const s3 = s3FromValues(values);
    if (!s3.ok) return s3;
    const options: SnapshotSaveOptions = { name: values.name, compress: values.compress ?? false };
    if (values.dir) options.dir = values.dir;
    if (s3.options) options.s3 = s3.options;
    return { ok: true, options };
  });
}

export function parseSnapshotDeleteArgs(argv: readonly string[]): ParsedArgs<SnapshotDeleteOptions> {
  const rest = argsOf(argv, "snapshot-delete");
  if (!rest.ok) return rest;
  return safeParse(() => {
    const { values, positionals } = parseArgs({
      args: rest.options,
      strict: true,
      allowPositionals: true,
      options: { dir: { type: "string" }, ...S3_FLAGS },
    });
    if (positionals.length === 0) return { ok: false, error: "snapshot-delete needs at least one snapshot name" };
    const s3 = s3FromValues(values);
    if (!s3.ok) return s3;
    const options: SnapshotDeleteOptions = { names: positionals };
    if (values.dir) options.dir = values.dir;
    if (s3.options) options.s3 = s3.options;
    return { ok: true, options };
  });
}

export function parseCertRotateArgs(argv: readonly string[]): ParsedArgs<CertRotateOptions> {
  const rest = argsOf(argv, "cert-rotate");
  if (!rest.ok) return rest;
  return safeParse(() => {
    const { values } = parseArgs({
      args: rest.options,
      strict: true,
      allowPositionals: false,
      options: { service: { type: "string", multiple: true }, "data-dir": { type: "string" } },
    });
    const dataDir = values["data-dir"];
    if (dataDir !== undefined && !dataDir.startsWith("/")) {
      return { ok: false, error: `--data-dir must be an absolute path, not ${dataDir}` };
    }
    return { ok: true, options: { services: values.service ?? [], ...(dataDir !== undefined ? { dataDir } : {}) } };
  });
}

function port(value: string | undefined, fallback: number, flag: string): number | string {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed > 0 && parsed < 65536 ? parsed : `${flag} must be a port, not ${value}`;
}

export function parseRestoreDrillArgs(argv: readonly string[]): ParsedArgs<RestoreDrillOptions> {
  const rest = argsOf(argv, "restore-drill");
  if (!rest.ok) return rest;
  return safeParse(() => {
    const { values } = parseArgs({
      args: rest.options,
      strict: true,
      allowPositionals: false,
      options: {
        snapshot: { type: "string" },
        scratch: { type: "string" },
        "client-port": { type: "string" },
        "peer-port": { type: "string" },
      },
    });
    const { snapshot, scratch } = values;
    if (!snapshot?.startsWith("/")) return { ok: false, error: "restore-drill needs --snapshot <absolute host path>" };
    if (!scratch?.startsWith("/")) return { ok: false, error: "restore-drill needs --scratch <absolute path>" };
    const clientPort = port(values["client-port"], DRILL_DEFAULT_PORTS.client, "--client-port");
    const peerPort = port(values["peer-port"], DRILL_DEFAULT_PORTS.peer, "--peer-port");
    if (typeof clientPort === "string") return { ok: false, error: clientPort };
    if (typeof peerPort === "string") return { ok: false, error: peerPort };
    return { ok: true, options: { snapshot, scratch, clientPort, peerPort } };
  });
}
