/**
 * The node-agent's restore-drill on recorded etcd outputs (etcd-fixtures.ts): a good snapshot, a
 * compressed one, a corrupt one, an empty one, one without Kubernetes in it, an etcd that cannot
 * start; the scratch folder always goes, the live data dir is never named.
 */
import { describe, expect, it } from "@jest/globals";
import type { RestoreDrillOptions } from "../../../../src/nodeops/agent-args.ts";
import type { CommandResult, CommandRunner } from "../../../../src/nodeops/agent/host.ts";
import {
  LOW_PRIORITY,
  restoreDrill,
  type BackgroundProcess,
  type DrillHost,
} from "../../../../src/nodeops/agent/restore-drill.ts";
import * as rec from "./etcd-fixtures.ts";
import { FakeFs, failed, ok } from "./fixtures.ts";

const SNAPSHOTS = "/var/lib/rancher/rke2/server/db/snapshots";

interface Answers {
  status?: CommandResult;
  restore?: CommandResult;
  health?: CommandResult;
  kubeSystem?: CommandResult;
}

/** Answers etcdutl/etcdctl by what they are asked, after the nice/ionice prefix. */
class EtcdRunner implements CommandRunner {
  readonly calls: string[][] = [];
  private readonly answers: Answers;
  constructor(answers: Answers = {}) {
    this.answers = answers;
  }

  run(argv: readonly string[]): Promise<CommandResult> {
    this.calls.push([...argv]);
    const words = argv.slice(LOW_PRIORITY.length);
    const has = (...parts: string[]): boolean => parts.every((part) => words.includes(part));
    const a = this.answers;
    let result: CommandResult = { exitCode: 127, stdout: "", stderr: `unexpected ${argv.join(" ")}` };
    if (has("snapshot", "status")) result = a.status ?? ok(rec.SNAPSHOT_STATUS);
    else if (has("snapshot", "restore")) result = a.restore ?? ok("", rec.RESTORE_LOG);
    else if (has("endpoint", "health")) result = a.health ?? ok(rec.ENDPOINT_HEALTH);
    else if (has("endpoint", "status")) result = ok(rec.ENDPOINT_STATUS);
    else if (has("endpoint", "hashkv")) result = ok(rec.HASHKV);
    else if (has("get", "/registry/namespaces/kube-system")) result = a.kubeSystem ?? ok(rec.GET_KUBE_SYSTEM);
    else if (has("get", "--prefix")) result = ok(rec.COUNT_KEYS);
    return Promise.resolve(result);
  }

  commands(): string[] {
    return this.calls.map((argv) => argv.slice(LOW_PRIORITY.length).join(" "));
  }
}

class FakeDrillHost implements DrillHost {
  readonly started: string[][] = [];
  stopped = 0;
  readonly scratches: string[] = [];
  readonly removed: string[] = [];
  readonly unzipped: [string, string][] = [];
  private readonly sizes: Record<string, number>;
  private readonly serverOutput: CommandResult;
  constructor(sizes: Record<string, number>, serverOutput: CommandResult = ok("")) {
    this.sizes = sizes;
    this.serverOutput = serverOutput;
  }

  start(argv: readonly string[]): BackgroundProcess {
    this.started.push([...argv]);
    return {
      stop: () => {
        this.stopped++;
        return Promise.resolve(this.serverOutput);
      },
    };
  }
  fileSize(path: string): Promise<number | undefined> {
    return Promise.resolve(this.sizes[path]);
  }
  makeScratch(parent: string): Promise<string> {
    const dir = `${parent}/restore-drill-${this.scratches.length + 1}`;
    this.scratches.push(dir);
    return Promise.resolve(dir);
  }
  removeScratch(dir: string): Promise<void> {
    this.removed.push(dir);
    return Promise.resolve();
  }
  unzipSingle(zip: string, to: string): Promise<void> {
    this.unzipped.push([zip, to]);
    return Promise.resolve();
  }
  sleep(): Promise<void> {
    return Promise.resolve();
  }
}

const TOOLS = { "/usr/local/bin/etcdutl": "elf", "/usr/local/bin/etcd": "elf", "/usr/local/bin/etcdctl": "elf" };

function drill(file: string, options: { answers?: Answers; size?: number; tools?: Record<string, string> } = {}) {
  const runner = new EtcdRunner(options.answers);
  const host = new FakeDrillHost({ [`/host${SNAPSHOTS}/${file}`]: options.size ?? 24_576 });
  const logs: string[] = [];
  const drillOptions: RestoreDrillOptions = {
    snapshot: `${SNAPSHOTS}/${file}`,
    scratch: "/scratch",
    clientPort: 32379,
    peerPort: 32380,
  };
  const context = { runner, fs: new FakeFs(options.tools ?? TOOLS), env: {}, hostRoot: "/host" };
  const result = restoreDrill(context, host, drillOptions, (line) => logs.push(line));
  return { result, runner, host, logs };
}

describe("node-agent restore-drill", () => {
  it("restores a good snapshot into scratch, reads it through a throwaway etcd, then removes everything", async () => {
    const { result, runner, host } = drill("nightly-server-1-1765065600");
    expect(await result).toEqual({
      ok: true,
      action: "restore-drill",
      snapshot: "nightly-server-1-1765065600",
      revision: 44,
      keys: 42,
      hashKV: 2317390565,
    });
    const file = `/host${SNAPSHOTS}/nightly-server-1-1765065600`;
    const peerUrl = "http://127.0.0.1:32380";
    const peer = `--name drill --initial-cluster drill=${peerUrl} --initial-advertise-peer-urls ${peerUrl}`;
    const ctl = "/usr/local/bin/etcdctl --endpoints http://127.0.0.1:32379";
    expect(runner.commands()).toEqual([
      `/usr/local/bin/etcdutl snapshot status ${file} -w json`,
      `/usr/local/bin/etcdutl snapshot restore ${file} --data-dir /scratch/restore-drill-1/data ${peer}`,
      `${ctl} endpoint health -w json`,
      `${ctl} endpoint status -w json`,
      `${ctl} get  --prefix --keys-only --limit 1 -w json`,
      `${ctl} get /registry/namespaces/kube-system --keys-only -w json`,
      `${ctl} endpoint hashkv -w json`,
    ]);
    for (const argv of [...runner.calls, ...host.started])
      expect(argv.slice(0, LOW_PRIORITY.length)).toEqual([...LOW_PRIORITY]);
    expect(host.started[0]?.slice(LOW_PRIORITY.length).join(" ")).toBe(
      `/usr/local/bin/etcd --data-dir /scratch/restore-drill-1/data ${peer} --listen-peer-urls ${peerUrl} ` +
        "--listen-client-urls http://127.0.0.1:32379 --advertise-client-urls http://127.0.0.1:32379 --log-level error",
    );
    expect([host.stopped, host.removed]).toEqual([1, ["/scratch/restore-drill-1"]]);
    // Nothing it runs names RKE2's live etcd data dir.
    for (const argv of [...runner.calls, ...host.started]) expect(argv.join(" ")).not.toMatch(/server\/db\/etcd/);
  });

  it("unzips a compressed snapshot into scratch first", async () => {
    const { result, runner, host } = drill("nightly-server-1-1765065600.zip");
    expect((await result).ok).toBe(true);
    expect(host.unzipped).toEqual([
      [`/host${SNAPSHOTS}/nightly-server-1-1765065600.zip`, "/scratch/restore-drill-1/snapshot.db"],
    ]);
    expect(runner.commands()[1]).toContain("snapshot restore /scratch/restore-drill-1/snapshot.db ");
  });

  it.each([
    [
      "a corrupt file: the SHA-256 check fails",
      { answers: { restore: failed(rec.RESTORE_CORRUPT) } },
      "restore failed: Error: expected sha256 [185 92",
    ],
    ["a truncated file", { answers: { restore: failed(rec.RESTORE_EMPTY) } }, "restore failed: Error: seek"],
    ["an empty file", { size: 0 }, "is empty"],
    [
      "a store without Kubernetes",
      { answers: { kubeSystem: ok(rec.GET_MISSING) } },
      "/registry/namespaces/kube-system is not in the snapshot",
    ],
    ["no etcd tools", { tools: {} }, "no etcd and etcdctl in this image"],
  ] as const)("fails visibly on %s, and still cleans up", async (_, options, message) => {
    const { result, host } = drill("nightly-server-1-1765065600", options);
    const outcome = await result;
    expect(outcome).toMatchObject({ ok: false, action: "restore-drill", snapshot: "nightly-server-1-1765065600" });
    expect(outcome.ok ? "" : outcome.error).toContain(message);
    expect(host.removed).toEqual(host.scratches);
    expect(host.stopped).toBe(host.started.length);
  });

  it("says why the throwaway etcd never became healthy (its own last words)", async () => {
    const runner = new EtcdRunner({ health: failed("Error: context deadline exceeded") });
    const host = new FakeDrillHost({ [`/host${SNAPSHOTS}/s`]: 10 }, failed(rec.PORT_IN_USE));
    const context = { runner, fs: new FakeFs(TOOLS), env: {}, hostRoot: "/host" };
    const options = { snapshot: `${SNAPSHOTS}/s`, scratch: "/scratch", clientPort: 32379, peerPort: 32380 };
    const outcome = await restoreDrill(context, host, options, () => undefined);
    expect(outcome.ok ? "" : outcome.error).toBe(
      "the restored member did not become healthy: 2026-12-07 13:26:23.852201 C | " +
        "etcdmain: listen tcp 127.0.0.1:32379: bind: address already in use",
    );
    expect(runner.commands().filter((c) => c.includes("endpoint health"))).toHaveLength(30);
    expect([host.stopped, host.removed.length]).toEqual([1, 1]);
  });

  it("uses etcdctl snapshot where the image has no etcdutl", async () => {
    const { result, runner } = drill("s", { tools: { "/usr/bin/etcd": "elf", "/usr/bin/etcdctl": "elf" } });
    expect((await result).ok).toBe(true);
    expect(runner.commands()[0]).toBe(`/usr/bin/etcdctl snapshot status /host${SNAPSHOTS}/s -w json`);
  });

  it("refuses a scratch folder on the host and a snapshot that is not there", async () => {
    const runner = new EtcdRunner();
    const host = new FakeDrillHost({});
    const context = { runner, fs: new FakeFs(TOOLS), env: {}, hostRoot: "/host" };
    const base = { clientPort: 1, peerPort: 2 };
    const onHost = await restoreDrill(
      context,
      host,
      { ...base, snapshot: "/x", scratch: "/host/var/lib/x" },
      () => undefined,
    );
    expect(onHost.ok ? "" : onHost.error).toContain("is on the host's filesystem");
    const missing = await restoreDrill(
      context,
      host,
      { ...base, snapshot: "/x", scratch: "/scratch" },
      () => undefined,
    );
    expect(missing.ok ? "" : missing.error).toBe("snapshot file /x is not on this node");
    expect([runner.calls, host.scratches]).toEqual([[], []]);
  });
});
