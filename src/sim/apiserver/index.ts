/** The simulated Kubernetes API server (docs/sim-apiserver.md). */
export { startApiServer, type SimApiServer } from "./server.ts";
export { RequestAccounting, type RequestKey } from "./faults.ts";
