/**
 * The logger type the runtime takes: pino's. The runtime only logs through it; creating one
 * (level, redaction, destination) is observability's job (src/observability/logger.ts).
 */
export type { Logger } from "pino";
