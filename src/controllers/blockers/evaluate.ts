/**
 * Evaluates an owner's blockers: the one side effect of the gates (HTTP to Prometheus and
 * Alertmanager, a pod list, a Secret read). The verdicts feed the pure decision
 * (rollout/tier-gates.ts). A blocker that cannot be evaluated holds, with why (fail closed).
 * Evaluation is bounded: one per owner per `ttlMs` (the injected clock) unless the blockers
 * change, each request with its own timeout.
 */
import { durationToMs } from "../../api/duration.ts";
import type { Blocker, PrometheusConnection } from "../../api/rollout-gates.ts";
import { POD_RESOURCE } from "../../nodeops/job.ts";
import type { PodObject } from "../../rollout/kube-objects.ts";
import { labelSelectorString } from "../../rollout/selector.ts";
import type { HoldingBlocker } from "../../rollout/types.ts";
import type { Clock } from "../../runtime/clock.ts";
import type { KubePort } from "../../runtime/kube/port.ts";
import { readSecret, secretValue } from "../../storage/credentials.ts";
import { holdingAlerts } from "./match.ts";
import { firingAlerts, queryResultSize, suppressedAlerts, type HttpAuth, type HttpTarget } from "./prometheus.ts";

export const DEFAULT_BLOCKER_TTL_MS = 15_000;
const NAMES_SHOWN = 3;

export interface BlockerEvaluatorOptions {
  port: KubePort;
  clock: Clock;
  /** Where credentials Secrets live: the operator's namespace. */
  secretNamespace: string;
  /** How long one evaluation serves an owner. */
  ttlMs?: number;
}

export interface BlockerReport {
  holding: HoldingBlocker[];
  /** When to look again (only while something holds: a clear verdict is re-read when a node would start). */
  recheckInMs: number | undefined;
}

interface Cached {
  key: string;
  at: number;
  holding: HoldingBlocker[];
}

export class BlockerEvaluator {
  private readonly options: BlockerEvaluatorOptions;
  private readonly cache = new Map<string, Cached>();

  constructor(options: BlockerEvaluatorOptions) {
    this.options = options;
  }

  private get ttlMs(): number {
    return this.options.ttlMs ?? DEFAULT_BLOCKER_TTL_MS;
  }

  async evaluate(owner: string, blockers: readonly Blocker[]): Promise<BlockerReport> {
    if (blockers.length === 0) {
      this.cache.delete(owner);
      return { holding: [], recheckInMs: undefined };
    }
    const key = JSON.stringify(blockers);
    const now = this.options.clock.now();
    let cached = this.cache.get(owner);
    if (!cached || cached.key !== key || now - cached.at >= this.ttlMs) {
      const verdicts = await Promise.all(blockers.map((blocker) => this.evaluateOne(blocker)));
      cached = { key, at: now, holding: verdicts.filter((verdict) => verdict !== undefined) };
      this.cache.set(owner, cached);
    }
    const recheckInMs = cached.holding.length > 0 ? Math.max(0, cached.at + this.ttlMs - now) : undefined;
    return { holding: cached.holding, recheckInMs };
  }

  forget(owner: string): void {
    this.cache.delete(owner);
  }

  private async evaluateOne(blocker: Blocker): Promise<HoldingBlocker | undefined> {
    try {
      const message = await this.holds(blocker);
      return message === undefined ? undefined : { name: blocker.name, message };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      return { name: blocker.name, message: `cannot be evaluated: ${reason}` };
    }
  }

  /** Why the blocker holds, or undefined when it does not. */
  private async holds(blocker: Blocker): Promise<string | undefined> {
    if (blocker.pods) {
      const pods = await this.options.port.list<PodObject>(POD_RESOURCE, {
        ...(blocker.pods.namespace ? { namespace: blocker.pods.namespace } : {}),
        labelSelector: labelSelectorString(blocker.pods.selector),
      });
      // A finished pod (a Job's, say) no longer does anything: only pods still running hold.
      const live = pods.items.filter((pod) => !["Succeeded", "Failed"].includes(podPhase(pod)));
      if (live.length === 0) return undefined;
      const names = live.map((pod) => `${pod.metadata.namespace ?? ""}/${pod.metadata.name}`);
      return `${live.length} pod(s) exist: ${shown(names)}`;
    }
    const connection = blocker.prometheus;
    if (!connection) throw new Error("no prometheus connection");
    const prometheus = await this.target(connection, connection.url);
    if (blocker.alerts) {
      const firing = await firingAlerts(prometheus);
      const suppressed = connection.alertmanagerUrl
        ? await suppressedAlerts({ ...prometheus, baseUrl: connection.alertmanagerUrl })
        : [];
      const names = holdingAlerts(firing, suppressed, blocker.alerts);
      return names.length === 0 ? undefined : `alert(s) firing: ${shown(names)}`;
    }
    if (blocker.query !== undefined) {
      const size = await queryResultSize(prometheus, blocker.query);
      return size === 0 ? undefined : `the query returns ${size} result(s)`;
    }
    throw new Error("none of alerts, query and pods is set");
  }

  private async target(connection: PrometheusConnection, baseUrl: string): Promise<HttpTarget> {
    return {
      baseUrl,
      timeoutMs: durationToMs(connection.timeout) ?? 5000,
      auth: connection.credentialsSecret ? await this.auth(connection.credentialsSecret) : undefined,
    };
  }

  private async auth(secretName: string): Promise<HttpAuth> {
    const found = await readSecret(this.options.port, this.options.secretNamespace, secretName);
    if (!found.ok) throw new Error(found.message);
    const where = `Secret ${this.options.secretNamespace}/${secretName}`;
    const token = secretValue(found.value, "token")?.trim();
    if (token) return { authorization: `Bearer ${token}` };
    const username = secretValue(found.value, "username");
    const password = secretValue(found.value, "password");
    if (username === undefined || password === undefined)
      throw new Error(`${where} has neither key token nor keys username and password`);
    return { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}` };
  }
}

function podPhase(pod: PodObject): string {
  return pod.status?.phase ?? "";
}

function shown(names: readonly string[]): string {
  const head = names.slice(0, NAMES_SHOWN).join(", ");
  return names.length > NAMES_SHOWN ? `${head} and ${names.length - NAMES_SHOWN} more` : head;
}
