/**
 * `kubectl get upgradeplans` alone says what is wrong and what to change, for the plans a person
 * gets stuck with: a minor skip, a downgrade, a missing snapshot policy, a closed window and a
 * snapshot storage that does not answer. A stock kubectl prints the table; the test compares it.
 * Then a watch over a minute of waiting (the operator's clock runs 10 times faster) prints each
 * plan once, and the plan waiting for its storage starts its snapshot by itself once S3 answers.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import S3rver from "s3rver";
import { etcdSnapshotPolicyResource } from "../../../src/api/etcdsnapshotpolicy.ts";
import { upgradePlanResource, type UpgradePlan } from "../../../src/api/upgradeplan.ts";
import { JOB_RESOURCE, type Job } from "../../../src/nodeops/job.ts";
import { SECRET_RESOURCE, type Secret } from "../../../src/storage/credentials.ts";
import { FastClock } from "../etcdsnapshotpolicy/harness.ts";
import { waitFor, withSim } from "../../support/sim-harness.ts";
import { toolPath } from "../../support/tools.ts";
import { JOBS_NAMESPACE, OPERATOR_NAMESPACE, plan, quickSpec, startOperator, type RunningOperator } from "./harness.ts";

const SPEED = 10;
const clock = new FastClock(SPEED, Date.now());
const sim = withSim();
let operator: RunningOperator | undefined;
let s3: S3rver | undefined;
let s3Port = 0;

/** A loopback port nothing listens on (yet): the storage that does not answer. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === "object" && address ? address.port : 0;
}

const hhmm = (ms: number): string => new Date(ms).toISOString().slice(11, 16);

beforeAll(async () => {
  s3Port = await freePort();
  await sim().port.create<Secret>(SECRET_RESOURCE, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "etcd-s3", namespace: OPERATOR_NAMESPACE },
    data: { accessKey: Buffer.from("S3RVER").toString("base64"), secretKey: Buffer.from("S3RVER").toString("base64") },
  });
  const s3Spec = {
    bucket: "backups",
    endpoint: `127.0.0.1:${String(s3Port)}`,
    insecure: true,
    bucketLookup: "path",
    credentialsSecret: "etcd-s3",
  };
  await sim().port.create(etcdSnapshotPolicyResource, {
    apiVersion: etcdSnapshotPolicyResource.apiVersion,
    kind: etcdSnapshotPolicyResource.kind,
    metadata: { name: "offsite" },
    spec: { schedule: "0 0 1 1 *", s3: s3Spec },
  });
  operator = await startOperator(sim().operatorPort, { clock, snapshotPollMs: 2000 });
});
afterAll(async () => {
  await operator?.stop();
  await s3?.close();
});

const kubectl = (args: string[]) =>
  promisify(execFile)(toolPath("kubectl"), ["--kubeconfig", sim().kubeconfigPath, ...args]);

/** Rows of a kubectl table as records, cut at the header's column starts (cells may hold spaces). */
function table(stdout: string): Record<string, string>[] {
  const [header = "", ...rows] = stdout.trimEnd().split("\n");
  const starts = [...header.matchAll(/\S+/g)].map((match) => ({ name: match[0], at: match.index }));
  return rows.map((row) =>
    Object.fromEntries(
      starts.map((column, i) => [column.name, row.slice(column.at, starts[i + 1]?.at ?? row.length).trim()]),
    ),
  );
}

async function phases(): Promise<Map<string, UpgradePlan>> {
  const plans = (await sim().port.list<UpgradePlan>(upgradePlanResource)).items;
  return new Map(plans.map((p) => [p.metadata.name, p]));
}

describe("kubectl get upgradeplans on stuck plans", () => {
  const opensAt = Math.ceil((clock.now() + 3 * 3_600_000) / 60_000) * 60_000;

  it("says what is wrong and what to change in PHASE, READY and MESSAGE", async () => {
    const noSnapshot = { snapshot: { required: false } };
    const plans: [string, Parameters<typeof quickSpec>[0]][] = [
      ["minor-skip", { version: "v1.32.1+rke2r1", ...noSnapshot }],
      ["downgrade", { version: "v1.30.5+rke2r1", ...noSnapshot }],
      ["missing-policy", { snapshot: { required: true, policyRef: "nightly" } }],
      ["closed-window", { window: { startTime: hhmm(opensAt), endTime: hhmm(opensAt + 3_600_000) }, ...noSnapshot }],
      ["no-storage", { snapshot: { required: true, policyRef: "offsite" } }],
    ];
    for (const [name, spec] of plans) await sim().port.create(upgradePlanResource, plan(name, quickSpec(spec)));
    const expected: Record<string, string> = {
      "minor-skip": "Blocked",
      downgrade: "Blocked",
      "missing-policy": "Blocked",
      "closed-window": "Waiting",
      "no-storage": "Waiting",
    };
    await waitFor(
      async () => {
        const seen = await phases();
        return Object.entries(expected).every(([name, phase]) => seen.get(name)?.status?.phase === phase);
      },
      { timeoutMs: 30_000, what: "every plan to settle in its phase" },
    );

    const { stdout } = await kubectl(["get", "upgradeplans"]);
    const rows = table(stdout).map((row) => ({
      NAME: row.NAME,
      PHASE: row.PHASE,
      READY: row.READY,
      MESSAGE: row.MESSAGE,
    }));
    expect(rows).toEqual([
      {
        NAME: "closed-window",
        PHASE: "Waiting",
        READY: "False",
        MESSAGE: `outside the maintenance window; it opens at ${new Date(opensAt).toISOString().replace(".000Z", "Z")}`,
      },
      {
        NAME: "downgrade",
        PHASE: "Blocked",
        READY: "False",
        MESSAGE:
          "VersionSkew: agent-1: v1.30.5+rke2r1 is older than v1.30.6+rke2r1: downgrades need skew.allowDowngrade",
      },
      {
        NAME: "minor-skip",
        PHASE: "Blocked",
        READY: "False",
        MESSAGE:
          "VersionSkew: agent-1: v1.30.6+rke2r1 -> v1.32.1+rke2r1 skips 1 minor version(s): " +
          "upgrade one minor at a time or set skew.allowMinorSkip",
      },
      {
        NAME: "missing-policy",
        PHASE: "Blocked",
        READY: "False",
        MESSAGE: "EtcdSnapshotPolicy nightly not found: create it or change spec.snapshot.policyRef",
      },
      {
        NAME: "no-storage",
        PHASE: "Waiting",
        READY: "False",
        MESSAGE: expect.stringMatching(
          new RegExp(
            "^storage of EtcdSnapshotPolicy offsite is unavailable: " +
              `S3 127\\.0\\.0\\.1:${s3Port} unreachable: .*ECONNREFUSED`,
          ),
        ),
      },
    ]);

    // -o wide adds the nodes being upgraded and the lock holder (none here: nothing was started).
    const wide = (await kubectl(["get", "upgradeplans", "-o", "wide"])).stdout.split("\n")[0] ?? "";
    expect(wide.split(/\s+/)).toEqual(expect.arrayContaining(["NODES", "LOCK", "MESSAGE"]));
    // The policy: READY False while its storage is down, the reason in MESSAGE.
    const policies = table((await kubectl(["get", "etcdsnapshotpolicies"])).stdout);
    expect(policies.map((row) => [row.NAME, row.STORAGE, row.READY])).toEqual([["offsite", "Unavailable", "False"]]);
    expect(policies[0]?.MESSAGE).toMatch(/^storage unavailable: .*ECONNREFUSED/);
    expect(await jobs()).toEqual([]);
  }, 90_000);

  it("prints each waiting plan once over a minute of kubectl get -w, and writes no status", async () => {
    const before = new Map([...(await phases())].map(([name, p]) => [name, p.metadata.resourceVersion]));
    const watch = spawn(toolPath("kubectl"), ["--kubeconfig", sim().kubeconfigPath, "get", "upgradeplans", "-w"]);
    let output = "";
    watch.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    await new Promise((resolve) => setTimeout(resolve, clock.real(60_000) + 1000));
    watch.kill();
    const lines = output.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+TARGET\s+PHASE/);
    expect(lines.slice(1).map((line) => line.split(/\s+/)[0])).toEqual([
      "closed-window",
      "downgrade",
      "minor-skip",
      "missing-policy",
      "no-storage",
    ]);
    const after = new Map([...(await phases())].map(([name, p]) => [name, p.metadata.resourceVersion]));
    expect(after).toEqual(before);
  }, 60_000);

  it("starts the snapshot by itself once the storage answers", async () => {
    s3 = new S3rver({
      port: s3Port,
      address: "127.0.0.1",
      silent: true,
      directory: mkdtempSync(join(tmpdir(), "plan-s3-")),
      configureBuckets: [{ name: "backups", configs: [] }],
    });
    await s3.run();
    const started = await waitFor(
      async () => {
        const current = (await phases()).get("no-storage");
        return current?.status?.phase !== "Waiting" ? current : undefined;
      },
      { timeoutMs: 30_000, what: "the plan to leave Waiting once S3 answers" },
    );
    expect(started.status?.phase).toBe("Upgrading");
    expect(started.status?.message).toMatch(/pre-upgrade snapshot/);
    expect((await jobs()).map((job) => job.metadata.labels?.["rke2-lifecycle.io/owner"])).toEqual(["no-storage"]);
  }, 60_000);
});

async function jobs(): Promise<Job[]> {
  return (
    await sim().port.list<Job>(JOB_RESOURCE, {
      namespace: JOBS_NAMESPACE,
      labelSelector: "rke2-lifecycle.io/action=snapshot-save",
    })
  ).items;
}
