/**
 * `rke2-lifecycle snapshot now` and `rke2-lifecycle status` as a person runs them, against the
 * simulated cluster with the operator running: a child process on the sim's kubeconfig, and the
 * same through a stock kubectl (`kubectl rke2 ...`). The outputs are checked against what the
 * objects say.
 */
import { describe, expect, it } from "@jest/globals";
import { certRotationResource, type CertRotation } from "../../../src/api/certrotation.ts";
import { etcdSnapshotPolicyResource, type EtcdSnapshotPolicy } from "../../../src/api/etcdsnapshotpolicy.ts";
import { pluginEnv, runCli, runProgram } from "../../support/cli-process.ts";
import { startTestOperator, type RunningOperator } from "../../support/operator-harness.ts";
import { waitFor, withSim } from "../../support/sim-harness.ts";
import { toolPath } from "../../support/tools.ts";
import { afterAll, beforeAll } from "@jest/globals";

const sim = withSim();
let operator: RunningOperator | undefined;
beforeAll(async () => {
  operator = await startTestOperator(sim().operatorPort);
}, 120_000);
afterAll(async () => {
  await operator?.stop();
});

const DAY_MS = 86_400_000;
const EXPIRING_FILE = "/var/lib/rancher/rke2/server/tls/client-admin.crt";

const readPolicy = async (name: string): Promise<EtcdSnapshotPolicy> => {
  const policy = await sim().port.get<EtcdSnapshotPolicy>(etcdSnapshotPolicyResource, name);
  if (!policy) throw new Error(`etcdsnapshotpolicy ${name} is gone`);
  return policy;
};

async function createPolicy(name: string): Promise<void> {
  await sim().port.create<EtcdSnapshotPolicy>(etcdSnapshotPolicyResource, {
    apiVersion: etcdSnapshotPolicyResource.apiVersion,
    kind: etcdSnapshotPolicyResource.kind,
    metadata: { name },
    // A yearly slot: only the trigger takes snapshots during the test.
    spec: { schedule: "0 3 1 1 *", retention: { count: 5 } },
  });
  await waitFor(async () => (await readPolicy(name)).status?.observedGeneration !== undefined, {
    timeoutMs: 30_000,
    what: `the operator to reconcile ${name}`,
  });
}

describe("rke2-lifecycle snapshot now", () => {
  it("takes a snapshot through the policy and prints the verified copy", async () => {
    await createPolicy("cli-now");
    const result = await runCli([
      "snapshot",
      "now",
      "cli-now",
      "--kubeconfig",
      sim().kubeconfigPath,
      "--timeout",
      "90s",
    ]);
    expect([result.code, result.err]).toEqual([0, ""]);
    const policy = await readPolicy("cli-now");
    const last = policy.status?.lastSuccessfulSnapshot;
    expect(last).toBeDefined();
    expect(policy.spec.trigger).toBe(policy.status?.lastTrigger);
    const lines = result.out.split("\n");
    expect(lines[0]).toBe(
      `etcdsnapshotpolicy/cli-now: spec.trigger set to ${policy.spec.trigger ?? ""}; waiting up to 90s`,
    );
    expect(lines[1]).toBe("etcdsnapshotpolicy/cli-now: snapshot taken and verified:");
    expect(lines[2]).toMatch(
      new RegExp(`^ {2}${last?.name ?? "?"} {2}node ${last?.node ?? "?"} {2}\\d+\\.\\d MiB {2}file://`),
    );
    expect(lines[2]).toContain(last?.location ?? "?");
  }, 120_000);

  it("works as a kubectl plugin, and a second trigger is a second snapshot", async () => {
    const first = (await readPolicy("cli-now")).status?.lastSuccessfulSnapshot?.name;
    const kubectl = toolPath("kubectl");
    const result = await runProgram(kubectl, ["rke2", "snapshot", "now", "cli-now"], pluginEnv(sim().kubeconfigPath));
    expect([result.code, result.err]).toEqual([0, ""]);
    const second = (await readPolicy("cli-now")).status?.lastSuccessfulSnapshot?.name;
    expect(second).not.toBe(first);
    expect(result.out).toContain(`\n  ${second ?? "?"}  node `);
  }, 120_000);

  it("says in one line when the policy is not there, and refuses a bad timeout", async () => {
    const missing = await runCli(["snapshot", "now", "nope"], { KUBECONFIG: sim().kubeconfigPath });
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^rke2-lifecycle snapshot: etcdsnapshotpolicy "nope" not found at \S+ \(/);
    const bad = await runCli(["snapshot", "now", "cli-now", "--timeout", "soon"], { KUBECONFIG: sim().kubeconfigPath });
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^rke2-lifecycle snapshot: --timeout: /);
  }, 60_000);
});

describe("rke2-lifecycle status", () => {
  it("shows nodes by tier, earliest expiry, last verified snapshot, the lock and what needs attention", async () => {
    // A server certificate inside warnBefore but not inside renewBefore: ExpiringSoon, no rotation.
    const notAfter = Date.now() + 20 * DAY_MS;
    sim().cluster.setCertificateExpiry("server-1", EXPIRING_FILE, new Date(notAfter));
    await sim().port.create<CertRotation>(certRotationResource, {
      apiVersion: certRotationResource.apiVersion,
      kind: certRotationResource.kind,
      metadata: { name: "cli-status" },
      spec: { renewBefore: "240h", warnBefore: "672h", criticalBefore: "120h" },
    });
    await waitFor(
      async () => {
        const rotation = await sim().port.get<CertRotation>(certRotationResource, "cli-status");
        return rotation?.status?.earliestExpiry?.node === "server-1";
      },
      { timeoutMs: 30_000, what: "the CertRotation to report server-1's certificate" },
    );

    const status = await runCli(["status", "--kubeconfig", sim().kubeconfigPath]);
    expect([status.code, status.err]).toEqual([0, ""]);
    const last = (await readPolicy("cli-now")).status?.lastSuccessfulSnapshot;
    const out = status.out;
    expect(out).toMatch(/^NODES \(by tier, in rollout order\)\n {2}etcd {11}3 nodes {3}v1\.30\.6\+rke2r1 x3 {2}/m);
    expect(out).toMatch(/^ {2}etcd {11}3 nodes {3}v1\.30\.6\+rke2r1 x3 {2}etcd-1 server-1 server-2\n/m);
    expect(out).toMatch(/^ {2}control-plane {2}1 node {4}v1\.30\.6\+rke2r1 x1 {2}cp-1\n/m);
    expect(out).toMatch(/^ {2}worker {9}3 nodes {3}v1\.30\.6\+rke2r1 x3 {2}agent-1 agent-2 agent-3\n/m);
    expect(out).toMatch(
      /^ {2}earliest expiry \S+ \(in 19d\) on server-1: server\/tls\/client-admin\.crt \(certrotation\/cli-status\)$/m,
    );
    expect(out).toContain(`  cli-now: storage Available; last verified ${last?.name ?? "?"} on ${last?.node ?? "?"}, `);
    expect(out).toContain("\nOPERATION\n  none (no upgrade or rotation in progress)\n");
    expect(out).toContain("  lock rke2-lifecycle-system/rke2-lifecycle-disruption: free\n");
    expect(out).toMatch(/^ {2}certrotation\/cli-status: ExpiringSoon=True ExpiringWarning: /m);

    // The same screen through a stock kubectl.
    const plugin = await runProgram(toolPath("kubectl"), ["rke2", "status"], pluginEnv(sim().kubeconfigPath));
    expect([plugin.code, plugin.err]).toEqual([0, ""]);
    const stable = (text: string): string => text.replace(/\((in )?[0-9a-z]+( ago)?\)/g, "(age)");
    expect(stable(plugin.out)).toBe(stable(out));
  }, 90_000);

  it("says in one line when there is no cluster to talk to", async () => {
    const none = await runCli(["status"]);
    expect(none).toEqual({
      code: 1,
      out: "",
      err:
        "rke2-lifecycle status: no kubeconfig found: pass --kubeconfig, set KUBECONFIG, " +
        "or create ~/.kube/config (as for kubectl)\n",
    });
  }, 30_000);
});
