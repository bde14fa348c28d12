/**
 * Outputs of etcd's tools as the restore drill reads them, RECORDED from etcd 3.4.23 (the etcd
 * server of the real lane's assets, etcdctl from Debian's etcd-client) on a 44-revision store
 * with /registry/namespaces/kube-system, default and 40 ConfigMaps: `snapshot save`, then
 * `snapshot status|restore` on it, on a copy with 8 bytes overwritten, on an empty file, and
 * `endpoint health|status|hashkv` and `get` against a throwaway etcd on the restored data dir.
 * etcdutl 3.5/3.6 prints the same `snapshot status` JSON and the same restore errors.
 */
export const SNAPSHOT_STATUS = '{"hash":1030938715,"revision":44,"totalKey":47,"totalSize":24576}\n';
export const RESTORE_LOG =
  '{"level":"info","ts":1796649967.067238,"caller":"snapshot/v3_snapshot.go:296","msg":"restoring snapshot","path":"snap.db","wal-dir":"scratch/data/member/wal","data-dir":"scratch/data","snap-dir":"scratch/data/member/snap"}\n{"level":"info","ts":1796649967.0982745,"caller":"membership/cluster.go:392","msg":"added member","cluster-id":"38c37875cea2e172","local-member-id":"0","added-peer-id":"d778d8feec177d1f","added-peer-peer-urls":["http://127.0.0.1:32380"]}\n{"level":"info","ts":1796649967.133568,"caller":"snapshot/v3_snapshot.go:309","msg":"restored snapshot","path":"snap.db","wal-dir":"scratch/data/member/wal","data-dir":"scratch/data","snap-dir":"scratch/data/member/snap"}\n';
export const RESTORE_CORRUPT =
  '{"level":"info","ts":1796649967.199976,"caller":"snapshot/v3_snapshot.go:296","msg":"restoring snapshot","path":"bad.db","wal-dir":"scratch-bad/data/member/wal","data-dir":"scratch-bad/data","snap-dir":"scratch-bad/data/member/snap"}\nError: expected sha256 [185 92 21 210 152 56 43 174 7 156 107 3 116 102 80 57 0 207 58 38 198 143 43 142 126 160 115 125 214 120 199 117], got [126 181 82 221 193 63 49 74 60 42 115 111 250 219 90 28 65 177 185 88 243 43 137 13 138 51 67 93 150 40 250 210]\n';
export const RESTORE_EMPTY =
  '{"level":"info","ts":1796649967.2613854,"caller":"snapshot/v3_snapshot.go:296","msg":"restoring snapshot","path":"empty.db","wal-dir":"scratch-empty/data/member/wal","data-dir":"scratch-empty/data","snap-dir":"scratch-empty/data/member/snap"}\nError: seek empty.db: invalid argument\n';
export const ENDPOINT_HEALTH = '[{"endpoint":"http://127.0.0.1:32379","health":true,"took":"2.069801ms"}]\n';
export const ENDPOINT_STATUS =
  '[{"Endpoint":"http://127.0.0.1:32379","Status":{"header":{"cluster_id":4090245333955830130,"member_id":15526398304754040095,"revision":44,"raft_term":2},"version":"3.4.23","dbSize":24576,"leader":15526398304754040095,"raftIndex":4,"raftTerm":2,"raftAppliedIndex":4,"dbSizeInUse":20480}}]\n';
export const COUNT_KEYS =
  '{"header":{"cluster_id":4090245333955830130,"member_id":15526398304754040095,"revision":44,"raft_term":3},"kvs":[{"key":"L3JlZ2lzdHJ5L2NvbmZpZ21hcHMvZGVmYXVsdC9jbS0x","create_revision":4,"mod_revision":44,"version":2}],"more":true,"count":42}\n';
export const GET_KUBE_SYSTEM =
  '{"header":{"cluster_id":4090245333955830130,"member_id":15526398304754040095,"revision":44,"raft_term":2},"kvs":[{"key":"L3JlZ2lzdHJ5L25hbWVzcGFjZXMva3ViZS1zeXN0ZW0=","create_revision":2,"mod_revision":2,"version":1,"value":"eyJraW5kIjoiTmFtZXNwYWNlIn0="}],"count":1}\n';
export const GET_MISSING =
  '{"header":{"cluster_id":4090245333955830130,"member_id":15526398304754040095,"revision":44,"raft_term":2}}\n';
export const HASHKV =
  '[{"Endpoint":"http://127.0.0.1:32379","HashKV":{"header":{"cluster_id":4090245333955830130,"member_id":15526398304754040095,"revision":44,"raft_term":2},"hash":2317390565,"compact_revision":-1}}]\n';
export const PORT_IN_USE =
  "[WARNING] Deprecated '--logger=capnslog' flag is set; use '--logger=zap' flag instead\n[WARNING] Deprecated '--logger=capnslog' flag is set; use '--logger=zap' flag instead\n2026-12-07 13:26:23.852201 C | etcdmain: listen tcp 127.0.0.1:32379: bind: address already in use\n";
