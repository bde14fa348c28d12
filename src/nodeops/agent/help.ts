/**
 * `node-agent <subcommand> --help`. The operator builds these command lines (../agent-args.ts) and
 * a person reads them in a Job's pod spec or runs one by hand on a node; the help says what each
 * flag means. cli.test.ts checks that every flag the operator passes is described here.
 */
import { BUCKET_LOOKUP_TYPES, S3_CREDENTIAL_ENV } from "../agent-args.ts";

const CREDENTIAL_VARIABLES = Object.values(S3_CREDENTIAL_ENV).join(", ");

const S3_HELP = `S3 flags (as RKE2's --etcd-s3-* flags; credentials only from ${CREDENTIAL_VARIABLES}):
  --s3                      also upload to / delete from S3
  --s3-bucket <name>        bucket (required with --s3)
  --s3-endpoint <host>      endpoint, e.g. minio.example:9000 (default: AWS)
  --s3-endpoint-ca <path>   CA bundle on the host for the endpoint
  --s3-skip-ssl-verify      do not verify the endpoint's certificate
  --s3-region <region>      region
  --s3-folder <folder>      folder in the bucket
  --s3-insecure             plain HTTP to the endpoint
  --s3-timeout <duration>   a Go duration such as 5m0s
  --s3-bucket-lookup-type <${BUCKET_LOOKUP_TYPES.join("|")}>
  --s3-proxy <url>          proxy for the S3 requests
  --s3-config-secret <name> kube-system Secret with the S3 settings (RKE2's etcd-s3-config-secret)`;

/** Where a Job's result goes, as cli.ts defines it: the default file and the env var overriding it. */
export interface ResultFile {
  path: string;
  env: string;
}

/** The help of one subcommand, undefined for a name that has none. */
export function subcommandHelp(name: string, resultFile: ResultFile): string | undefined {
  const result = `Writes one JSON result to ${resultFile.path} (override with ${resultFile.env}) and
exits 0 (done), 1 (the action failed) or 2 (wrong arguments).`;
  return helps(result)[name];
}

const helps = (RESULT: string): Record<string, string> => ({
  "snapshot-save": `Usage: rke2-lifecycle node-agent snapshot-save --name <prefix> [--compress] [--dir <dir>] [S3 flags]

Runs 'rke2 etcd-snapshot save' in the host's namespaces, then lists the snapshots to report the
files it made (local, and on S3 with --s3).
${RESULT}

Flags:
  --name <prefix>           snapshot name prefix; RKE2 names the file <prefix>-<node>-<unix time> (required)
  --compress                zip the snapshot
  --dir <dir>               local snapshot folder (default: RKE2's <data-dir>/server/db/snapshots)
${S3_HELP}
`,
  "snapshot-delete": `Usage: rke2-lifecycle node-agent snapshot-delete [--dir <dir>] [S3 flags] [--] <snapshot>...

Runs 'rke2 etcd-snapshot delete' for the named snapshots (RKE2 names, not paths).
${RESULT}

Flags:
  --dir <dir>               local snapshot folder (default: RKE2's <data-dir>/server/db/snapshots)
${S3_HELP}
`,
  "cert-rotate": `Usage: rke2-lifecycle node-agent cert-rotate [--service <name>]... [--data-dir <dir>]

Stops rke2, runs 'rke2 certificate rotate' and starts rke2 again, in the host's namespaces, then
waits until the renewed files are on disk with a later expiry. rke2 is started again whatever
failed, also on SIGTERM.
${RESULT}

Flags:
  --service <name>          a service to rotate (repeatable; none: all of them)
  --data-dir <dir>          RKE2's data-dir on the node when it is not /var/lib/rancher/rke2
`,
  "restore-drill": `Usage: rke2-lifecycle node-agent restore-drill --snapshot <host path> --scratch <dir>
       [--client-port <port>] [--peer-port <port>]

Proves a snapshot restores without touching the live etcd: unzips it when compressed, reads it
with 'etcdutl snapshot status', restores it with 'etcdutl snapshot restore' (which checks its
SHA-256) into a new folder under --scratch, starts a throwaway etcd there on loopback and reads
the revision, the key count, /registry/namespaces/kube-system and the KV hash; then stops that
etcd and deletes the folder. Tools run under nice and ionice; paths from ETCDUTL_BIN, ETCD_BIN,
ETCDCTL_BIN, else /usr/local/bin or /usr/bin (etcdctl stands in for a missing etcdutl).
${RESULT}

Flags:
  --snapshot <host path>    the snapshot file on the node, e.g. /var/lib/rancher/rke2/server/db/snapshots/<name>.zip
  --scratch <dir>           a folder of the Job's own (not a host path) to work in
  --client-port <port>      loopback client port of the throwaway etcd (default 32379)
  --peer-port <port>        loopback peer port of the throwaway etcd (default 32380)
`,
  "cert-inventory": `Usage: rke2-lifecycle node-agent cert-inventory [--namespace <ns>] [--scan-interval <duration>]
       [--data-dir <dir>]

Runs until SIGTERM (the certificate inventory DaemonSet): scans the node's RKE2 certificates and
reports them to the Lease cert-inventory-<node>. Needs NODE_NAME and the pod's service account.

Flags:
  --namespace <ns>          namespace of the inventory Lease (default: the pod's own)
  --scan-interval <duration> rescan period, at least 1s (default 1m)
  --data-dir <dir>          RKE2's data-dir as mounted in the pod (default /var/lib/rancher/rke2)
`,
});

/** `--help`/`-h` among the flags (not after `--`, where a snapshot name could be spelled so). */
export function asksForHelp(args: readonly string[]): boolean {
  const terminator = args.indexOf("--");
  const flags = terminator === -1 ? args : args.slice(0, terminator);
  return flags.includes("--help") || flags.includes("-h");
}
