/**
 * Jest globalTeardown of the real lane: keeps the shard's audit log (the operator's requests, which
 * the RBAC check reads: test/rbac/operator-rbac.check.ts) and stops the control plane.
 */
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { REAL_LANE_DIR } from "../request-log.ts";
import { shardLabel, type ShardedConfig } from "./shards.ts";

export default async function globalTeardown(globalConfig: ShardedConfig): Promise<void> {
  const plane = globalThis.rke2LifecycleControlPlane;
  if (!plane) return;
  if (existsSync(plane.info.auditLog)) {
    mkdirSync(REAL_LANE_DIR, { recursive: true });
    copyFileSync(plane.info.auditLog, join(REAL_LANE_DIR, `audit-${shardLabel(globalConfig)}.log`));
  }
  await plane.stop();
}
