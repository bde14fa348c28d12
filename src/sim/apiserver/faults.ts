/** Fault injection (all off by default) and per-request accounting of the simulated API server. */

export interface FaultConfig {
  /** Fraction (0..1) of non-watch requests answered 500 InternalError. */
  errorRate: number;
  /** Fraction (0..1) of non-watch requests answered 429 TooManyRequests with Retry-After. */
  throttleRate: number;
  /** Retry-After seconds sent with injected 429s. */
  retryAfterSeconds: number;
  /** Added latency in ms before each answer. */
  latencyMs: number;
  /** Watch streams end after this many seconds (0 = never): cleanly, like a server-side timeout. */
  dropWatchEverySeconds: number;
  /** With dropWatchEverySeconds: reset the connection instead of ending the stream cleanly. */
  abruptWatchDrops: boolean;
  /** Fraction (0..1) of resumed watches (with a resourceVersion) answered with 410 Gone. */
  goneOnReconnectRate: number;
  /**
   * Watch events of this resource (its plural, e.g. "etcdsnapshotpolicies"; "" = none) reach
   * watchers `watchDelayMs` late, in order: a client's cache of that kind lags behind the others.
   */
  delayedWatchResource: string;
  watchDelayMs: number;
  /**
   * Only this client (the User-Agent's product name, e.g. "rke2-lifecycle-operator") gets the
   * injected 500s and 429s; "" = every client. The sim's kubelets do not retry every write as real
   * ones do, so scenarios about the operator aim the errors at it.
   */
  faultyClient: string;
}

export function noFaults(): FaultConfig {
  return {
    errorRate: 0,
    throttleRate: 0,
    retryAfterSeconds: 1,
    latencyMs: 0,
    dropWatchEverySeconds: 0,
    abruptWatchDrops: false,
    goneOnReconnectRate: 0,
    delayedWatchResource: "",
    watchDelayMs: 0,
    faultyClient: "",
  };
}

export type InjectedFault = { code: 500 } | { code: 429; retryAfterSeconds: number } | undefined;

/** Which fault, if any, to answer a request with; `random` is injectable for tests. */
export function pickFault(faults: FaultConfig, random: () => number = Math.random): InjectedFault {
  if (faults.errorRate > 0 && random() < faults.errorRate) return { code: 500 };
  if (faults.throttleRate > 0 && random() < faults.throttleRate)
    return { code: 429, retryAfterSeconds: faults.retryAfterSeconds };
  return undefined;
}

export interface RequestKey {
  verb: string;
  group: string;
  resource: string;
  namespace: string;
  /** Who asked: the User-Agent's product name, as the real server derives a field manager from it. */
  client?: string;
  /** The object's name, for requests that name one (RBAC can be scoped to names). */
  name?: string;
}

export interface AccountingSnapshot {
  total: number;
  byVerb: Record<string, number>;
  byResource: Record<string, number>;
  /** `verb group/resource namespace` -> count. */
  detailed: Record<string, number>;
}

/** Counts requests per verb, group, resource and namespace (for benchmarks and tests). */
export class RequestAccounting {
  private counts = new Map<string, { key: RequestKey; count: number }>();

  record(key: RequestKey): void {
    const id = JSON.stringify([key.verb, key.group, key.resource, key.namespace, key.client ?? "", key.name ?? ""]);
    const entry = this.counts.get(id);
    if (entry) entry.count += 1;
    else this.counts.set(id, { key, count: 1 });
  }

  /** Sum of the requests matching every given part of the key. */
  count(filter: Partial<RequestKey> = {}): number {
    let sum = 0;
    for (const { key, count } of this.counts.values()) {
      const ok = (Object.keys(filter) as (keyof RequestKey)[]).every((k) => filter[k] === key[k]);
      if (ok) sum += count;
    }
    return sum;
  }

  snapshot(): AccountingSnapshot {
    const snap: AccountingSnapshot = { total: 0, byVerb: {}, byResource: {}, detailed: {} };
    for (const { key, count } of this.counts.values()) {
      const id = `${key.verb} ${key.group}/${key.resource} ${key.namespace}`;
      snap.total += count;
      snap.byVerb[key.verb] = (snap.byVerb[key.verb] ?? 0) + count;
      const resource = key.group ? `${key.resource}.${key.group}` : key.resource;
      snap.byResource[resource] = (snap.byResource[resource] ?? 0) + count;
      snap.detailed[id] = (snap.detailed[id] ?? 0) + count;
    }
    return snap;
  }

  /** Every distinct request with its count, optionally only those of one client. */
  entries(client?: string): { key: RequestKey; count: number }[] {
    return [...this.counts.values()]
      .filter((entry) => client === undefined || entry.key.client === client)
      .map((entry) => ({ key: { ...entry.key }, count: entry.count }));
  }

  reset(): void {
    this.counts = new Map();
  }
}
