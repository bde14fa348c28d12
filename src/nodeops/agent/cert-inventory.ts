/**
 * The node-agent's `cert-inventory`: the long-running process of the read-only DaemonSet. It
 * rescans the node's RKE2 certificate folders every `--scan-interval` (default 1m) and when
 * their content changes (inotify through fs.watch), and publishes the report to the node's
 * inventory Lease only when the certificates changed or the report interval (the CertRotations'
 * shortest checkInterval) has passed. A rotation therefore shows up within seconds, and an idle
 * node costs one API write per interval.
 */
import { watch } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { durationToMs } from "../../api/duration.ts";
import { DEFAULT_SCAN_INTERVAL_MS } from "../../certs/interval.ts";
import { RKE2_DATA_DIR } from "../../certs/layout.ts";
import { InventoryReporter } from "../../certs/reporter.ts";
import { scanCertificates, type CertTreeFs } from "../../certs/scan.ts";
import type { Clock } from "../../runtime/clock.ts";
import type { KubePort } from "../../runtime/kube/port.ts";
import type { AgentLog } from "./snapshot.ts";

/** The chart's namespace for node Jobs and this DaemonSet, when the pod cannot tell. */
export const DEFAULT_INVENTORY_NAMESPACE = "rke2-lifecycle-jobs";
/** Where Kubernetes mounts the pod's namespace next to its token. */
export const SERVICE_ACCOUNT_NAMESPACE_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
/** Files change in bursts during an rke2 start; rescan once it settles. */
const CHANGE_DEBOUNCE_MS = 2000;

export interface CertInventoryFlags {
  namespace?: string;
  scanIntervalMs: number;
  dataDir: string;
}

export type ParsedFlags = { ok: true; flags: CertInventoryFlags } | { ok: false; error: string };

/** `node-agent cert-inventory [--namespace NS] [--scan-interval 1m] [--data-dir DIR]`. */
export function parseCertInventoryArgs(argv: readonly string[]): ParsedFlags {
  try {
    const { values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: { namespace: { type: "string" }, "scan-interval": { type: "string" }, "data-dir": { type: "string" } },
    });
    const interval = values["scan-interval"];
    const scanIntervalMs = interval === undefined ? DEFAULT_SCAN_INTERVAL_MS : durationToMs(interval);
    if (scanIntervalMs === undefined || scanIntervalMs < 1000)
      return { ok: false, error: `--scan-interval must be a duration of at least 1s, not ${interval ?? ""}` };
    return {
      ok: true,
      flags: {
        scanIntervalMs,
        dataDir: values["data-dir"] ?? RKE2_DATA_DIR,
        ...(values.namespace ? { namespace: values.namespace } : {}),
      },
    };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** The flag, else the pod's own namespace, else the chart's default. */
export async function resolveNamespace(
  flag: string | undefined,
  read: (path: string) => Promise<string> = (path) => readFile(path, "utf8"),
): Promise<string> {
  if (flag) return flag;
  try {
    const fromFile = (await read(SERVICE_ACCOUNT_NAMESPACE_FILE)).trim();
    if (fromFile) return fromFile;
  } catch {
    // No token mounted (run by hand): fall through.
  }
  return DEFAULT_INVENTORY_NAMESPACE;
}

/** Calls `onChange` when an entry of one of `dirs` changes; missing folders are skipped. */
export type DirWatcher = (dirs: readonly string[], onChange: () => void) => () => void;

export const fsDirWatcher: DirWatcher = (dirs, onChange) => {
  const watchers = dirs.flatMap((dir) => {
    try {
      const watcher = watch(dir, { persistent: false }, () => {
        onChange();
      });
      watcher.on("error", () => undefined);
      return [watcher];
    } catch {
      return [];
    }
  });
  return () => {
    for (const watcher of watchers) watcher.close();
  };
};

export interface CertInventoryDeps {
  port: KubePort;
  clock: Clock;
  certFs: CertTreeFs;
  /** RKE2's data dir as mounted in the pod (`/host/var/lib/rancher/rke2`). */
  dataDir: string;
  node: string;
  namespace: string;
  scanIntervalMs: number;
  log: AgentLog;
  signal: AbortSignal;
  watchDirs?: DirWatcher;
  /** Test seam for the report interval; default: read from the CertRotations. */
  readInterval?: () => Promise<number>;
}

/** Folders whose entries change when RKE2 writes certificates (not recursive: agent/ holds containerd). */
export function watchedDirs(dataDir: string): string[] {
  return ["server/tls", "server/tls/etcd", "agent"].map((dir) => join(dataDir, dir));
}

/** Runs until `signal` aborts. Scan or publish failures are logged and retried at the next scan. */
export async function runCertInventory(deps: CertInventoryDeps): Promise<void> {
  const { clock, log, signal } = deps;
  const reporter = new InventoryReporter({
    port: deps.port,
    namespace: deps.namespace,
    node: deps.node,
    ...(deps.readInterval ? { readInterval: deps.readInterval } : {}),
  });
  let wake: AbortController | undefined;
  let cancelDebounce: (() => void) | undefined;
  const stopWatching = (deps.watchDirs ?? fsDirWatcher)(watchedDirs(deps.dataDir), () => {
    cancelDebounce?.();
    cancelDebounce = clock.setTimer(CHANGE_DEBOUNCE_MS, () => wake?.abort());
  });
  try {
    while (!signal.aborted) {
      try {
        const report = await scanCertificates({ fs: deps.certFs, dataDir: deps.dataDir, nowMs: clock.now() });
        const outcome = await reporter.offer(report, clock.now());
        if (outcome === "published")
          log(
            `published ${report.certificates.length} certificate(s), ${report.errors.length} unreadable, ` +
              `next report within ${Math.round(reporter.currentIntervalMs / 60_000)}m`,
          );
      } catch (err) {
        log(
          `inventory round failed (retrying in ${Math.round(deps.scanIntervalMs / 1000)}s): ` +
            (err instanceof Error ? err.message : String(err)),
        );
      }
      wake = new AbortController();
      const current = wake;
      const onStop = (): void => {
        current.abort();
      };
      signal.addEventListener("abort", onStop, { once: true });
      await clock.sleep(deps.scanIntervalMs, current.signal);
      signal.removeEventListener("abort", onStop);
    }
  } finally {
    cancelDebounce?.();
    stopWatching();
  }
}
