/** The simulated Kubernetes API server (sim.md section 1). */
export { startApiServer, kubeconfigFor, DEFAULT_GIT_VERSION, type ApiServerOptions, type SimApiServer } from "./server.ts";
export { noFaults, RequestAccounting, type FaultConfig, type AccountingSnapshot, type RequestKey } from "./faults.ts";
export { AuditLog, type AuditEntry } from "./audit.ts";
export { ObjectStore } from "./store.ts";
export { ApiService } from "./service.ts";
