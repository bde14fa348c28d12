import { describe, expect, it } from "@jest/globals";
import { decodeReport } from "../../../../src/certs/report.ts";
import { CERTIFICATES_ANNOTATION } from "../../../../src/certs/inventory-lease.ts";
import type { CertTreeFs, DirEntry } from "../../../../src/certs/scan.ts";
import {
  DEFAULT_INVENTORY_NAMESPACE,
  parseCertInventoryArgs,
  resolveNamespace,
  runCertInventory,
  watchedDirs,
} from "../../../../src/nodeops/agent/cert-inventory.ts";
import { FakeClock, flushMicrotasks } from "../../../../src/runtime/clock.ts";
import { LEASE_RESOURCE, type Lease } from "../../../../src/runtime/lease.ts";
import { KubeError } from "../../../../src/runtime/kube/errors.ts";
import { MemoryKubePort } from "../../../support/memory-port.ts";
import { certificatePem, leafBundlePem } from "../../certs/fixtures.ts";

const H = 3_600_000;
const DATA = "/host/var/lib/rancher/rke2";

/** A node's certificate folders in memory (the scan of real files is tested in test/unit/certs). */
class MemoryTree implements CertTreeFs {
  readonly files = new Map<string, string>();

  list(path: string): Promise<DirEntry[]> {
    const prefix = `${path}/`;
    const names = new Map<string, boolean>();
    for (const file of this.files.keys()) {
      if (!file.startsWith(prefix)) continue;
      const [name, ...rest] = file.slice(prefix.length).split("/");
      if (name) names.set(name, rest.length > 0);
    }
    if (names.size === 0) return Promise.reject(Object.assign(new Error(`ENOENT ${path}`), { code: "ENOENT" }));
    return Promise.resolve([...names].map(([name, isDirectory]) => ({ name, isDirectory })));
  }

  readText(path: string): Promise<string> {
    const text = this.files.get(path);
    return text === undefined
      ? Promise.reject(Object.assign(new Error(`ENOENT ${path}`), { code: "ENOENT" }))
      : Promise.resolve(text);
  }
}

async function setUp() {
  const clock = new FakeClock(Date.UTC(2026, 2, 1));
  const port = new MemoryKubePort({ clock });
  const tree = new MemoryTree();
  tree.files.set(
    `${DATA}/agent/server-ca.crt`,
    certificatePem({ commonName: "rke2-server-ca@1", notAfter: new Date("2036-01-01T00:00:00Z"), isCA: true }),
  );
  tree.files.set(
    `${DATA}/agent/client-kubelet.crt`,
    leafBundlePem("system:node:agent-1", new Date("2026-03-20T00:00:00Z"), new Date("2036-01-01T00:00:00Z")),
  );
  let onChange: (() => void) | undefined;
  let watched: readonly string[] = [];
  const controller = new AbortController();
  const lines: string[] = [];
  const done = runCertInventory({
    port,
    clock,
    certFs: tree,
    dataDir: DATA,
    node: "agent-1",
    namespace: "jobs",
    scanIntervalMs: 60_000,
    log: (line) => lines.push(line),
    signal: controller.signal,
    watchDirs: (dirs, callback) => {
      watched = dirs;
      onChange = callback;
      return () => {
        onChange = undefined;
      };
    },
    readInterval: () => Promise.resolve(H),
  });
  await flushMicrotasks();
  const lease = async () => port.get<Lease>(LEASE_RESOURCE, "cert-inventory-agent-1", "jobs");
  const writes = () => port.requestCount("mergePatch", "leases");
  return {
    clock,
    port,
    tree,
    controller,
    done,
    lease,
    writes,
    lines,
    watched: () => watched,
    change: () => onChange?.(),
  };
}

describe("node-agent cert-inventory", () => {
  it("publishes at start, stays quiet while nothing changes, and renews the report each interval", async () => {
    const t = await setUp();
    const first = await t.lease();
    const report = decodeReport(first?.metadata.annotations?.[CERTIFICATES_ANNOTATION]);
    expect(
      report.ok && report.report.certificates.map((c) => [c.file, new Date(c.notAfterMs).toISOString(), c.isCA]),
    ).toEqual([
      ["agent/client-kubelet.crt", "2026-03-20T00:00:00.000Z", false],
      ["agent/server-ca.crt", "2036-01-01T00:00:00.000Z", true],
    ]);
    expect(first?.spec?.holderIdentity).toBe("agent-1");
    expect(t.watched()).toEqual(watchedDirs(DATA));
    const afterFirst = t.writes();
    await t.clock.advance(30 * 60_000);
    expect(t.writes()).toBe(afterFirst);
    await t.clock.advance(31 * 60_000);
    expect(t.writes()).toBe(afterFirst + 1);
    expect((await t.lease())?.spec?.renewTime).toBe("2026-03-01T01:00:00.000000Z");
    t.controller.abort();
    await t.done;
  });

  it("publishes a rotation within seconds of the files changing", async () => {
    const t = await setUp();
    const before = t.writes();
    t.tree.files.set(
      `${DATA}/agent/client-kubelet.crt`,
      leafBundlePem("system:node:agent-1", new Date("2027-03-01T00:00:00Z"), new Date("2036-01-01T00:00:00Z")),
    );
    t.change();
    t.change();
    await t.clock.advance(2000);
    expect(t.writes()).toBe(before + 1);
    const report = decodeReport((await t.lease())?.metadata.annotations?.[CERTIFICATES_ANNOTATION]);
    expect(report.ok && report.report.certificates[0]?.notAfterMs).toBe(Date.parse("2027-03-01T00:00:00Z"));
    expect(t.lines.some((line) => line.startsWith("published 2 certificate(s)"))).toBe(true);
    t.controller.abort();
    await t.done;
  });

  it("keeps running through API errors and retries at the next scan", async () => {
    const t = await setUp();
    t.tree.files.set(
      `${DATA}/agent/client-kubelet.crt`,
      leafBundlePem("system:node:agent-1", new Date("2027-03-01T00:00:00Z"), new Date("2036-01-01T00:00:00Z")),
    );
    t.port.failNext("mergePatch", new KubeError("Retriable", "apiserver unavailable", { code: 503 }));
    await t.clock.advance(60_000);
    expect(t.lines.at(-1)).toContain("apiserver unavailable");
    await t.clock.advance(60_000);
    const report = decodeReport((await t.lease())?.metadata.annotations?.[CERTIFICATES_ANNOTATION]);
    expect(report.ok && report.report.certificates[0]?.notAfterMs).toBe(Date.parse("2027-03-01T00:00:00Z"));
    t.controller.abort();
    await t.done;
    expect(t.clock.pendingTimers()).toBe(0);
  });
});

describe("cert-inventory flags", () => {
  it.each([
    [[], { ok: true, flags: { scanIntervalMs: 60_000, dataDir: "/var/lib/rancher/rke2" } }],
    [
      ["--scan-interval", "30s", "--namespace", "ops", "--data-dir", "/opt/rke2"],
      { ok: true, flags: { scanIntervalMs: 30_000, dataDir: "/opt/rke2", namespace: "ops" } },
    ],
  ])("%j", (argv, expected) => {
    expect(parseCertInventoryArgs(argv)).toEqual(expected);
  });

  it.each([[["--scan-interval", "10ms"]], [["--scan-interval", "soon"]], [["--bogus"]], [["extra"]]])(
    "refuses %j",
    (argv) => {
      expect(parseCertInventoryArgs(argv).ok).toBe(false);
    },
  );

  it("takes the namespace from the flag, else the pod's service account, else the chart default", async () => {
    expect(await resolveNamespace("ops", () => Promise.resolve("x"))).toBe("ops");
    expect(await resolveNamespace(undefined, () => Promise.resolve("rke2-jobs\n"))).toBe("rke2-jobs");
    expect(await resolveNamespace(undefined, () => Promise.reject(new Error("ENOENT")))).toBe(
      DEFAULT_INVENTORY_NAMESPACE,
    );
  });
});
