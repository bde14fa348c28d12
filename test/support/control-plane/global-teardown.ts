/**
 * Jest globalTeardown of the real lane: keeps the audit log (the operator's requests, which the
 * RBAC check reads: test/rbac/operator-rbac.check.ts) and stops the control plane.
 */
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { REAL_AUDIT_LOG } from "../request-log.ts";

export default async function globalTeardown(): Promise<void> {
  const plane = globalThis.rke2LifecycleControlPlane;
  if (!plane) return;
  if (existsSync(plane.info.auditLog)) {
    mkdirSync(dirname(REAL_AUDIT_LOG), { recursive: true });
    copyFileSync(plane.info.auditLog, REAL_AUDIT_LOG);
  }
  await plane.stop();
}
