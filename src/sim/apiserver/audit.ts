/**
 * A request log in the shape of the real API server's audit log (one entry per request at
 * ResponseComplete: when it was received, who sent it, the verb, the object, the answer's code).
 * Off by default: tests that need it turn it on (`server.audit.enabled = true`).
 */
export interface AuditEntry {
  /** Wall-clock ms when the request was received (requestReceivedTimestamp). */
  receivedAt: number;
  /** The full User-Agent (the accounting keeps only its product name). */
  userAgent: string;
  /** Accounting verb: get, list, watch, create, update, patch, delete, deletecollection. */
  verb: string;
  group: string;
  /** Plural, with `/<subresource>` when there is one (e.g. `pods/eviction`, `nodes/status`). */
  resource: string;
  namespace: string;
  name?: string;
  code: number;
}

export class AuditLog {
  enabled = false;
  private entries: AuditEntry[] = [];

  record(entry: AuditEntry): void {
    if (this.enabled) this.entries.push(entry);
  }

  /** Entries so far, oldest first. */
  list(): AuditEntry[] {
    return [...this.entries];
  }
}
