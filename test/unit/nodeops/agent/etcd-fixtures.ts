/**
 * Outputs of etcd's tools as the restore drill reads them, RECORDED from etcd 3.4.23 (the etcd
 * server of the real lane's assets, etcdctl from Debian's etcd-client) on a 44-revision store
 * with /registry/namespaces/kube-system, default and 40 ConfigMaps: `snapshot save`, then
 * `snapshot status|restore` on it, on a copy with 8 bytes overwritten, on an empty file, and
 * `endpoint health|status|hashkv` and `get` against a throwaway etcd on the restored data dir.
 * etcdutl 3.5/3.6 prints the same `snapshot status` JSON and the same restore errors. Each output
 * is kept verbatim in etcd-recorded/ (long JSON lines, as the tools print them).
 */
import { readFileSync } from "node:fs";

/** One recorded output, byte for byte, from `etcd-recorded/<name>.txt`. */
const recorded = (name: string): string =>
  readFileSync(new URL(`./etcd-recorded/${name}.txt`, import.meta.url), "utf8");

export const SNAPSHOT_STATUS = recorded("snapshot-status");
export const RESTORE_LOG = recorded("restore-log");
export const RESTORE_CORRUPT = recorded("restore-corrupt");
export const RESTORE_EMPTY = recorded("restore-empty");
export const ENDPOINT_HEALTH = recorded("endpoint-health");
export const ENDPOINT_STATUS = recorded("endpoint-status");
export const COUNT_KEYS = recorded("count-keys");
export const GET_KUBE_SYSTEM = recorded("get-kube-system");
export const GET_MISSING = recorded("get-missing");
export const HASHKV = recorded("hashkv");
export const PORT_IN_USE = recorded("port-in-use");
