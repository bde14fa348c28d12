/**
 * Preflight on the simulated cluster: a downgrade, a minor skip and an unhealthy etcd are each
 * refused with a clear status and no node is touched; a channel is resolved through a local
 * update server; an unhealthy etcd member that recovers lets the plan go on.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { upgradePlanResource } from "../../../src/api/upgradeplan.ts";
import { CLAIM_ANNOTATION } from "../../../src/rollout/claim.ts";
import { POD_RESOURCE } from "../../../src/nodeops/job.ts";
import { isPodReady, NODE_RESOURCE, type NodeObject, type PodObject } from "../../../src/rollout/kube-objects.ts";
import { isNotFound } from "../../../src/runtime/kube/errors.ts";
import { waitFor, withSim } from "../../support/sim-harness.ts";
import {
  condition,
  plan,
  quickSpec,
  startOperator,
  TO,
  upgradeJobs,
  waitForPlan,
  type RunningOperator,
} from "./harness.ts";

const sim = withSim();
let operator: RunningOperator | undefined;
let updateServer: Server | undefined;
let channelBase = "";

beforeAll(async () => {
  operator = await startOperator(sim().operatorPort);
  updateServer = createServer((req, res) => {
    if (req.url === "/v1-release/channels/v1.31")
      res.writeHead(302, { Location: "https://github.com/rancher/rke2/releases/tag/v1.31.4%2Brke2r1" }).end();
    else res.writeHead(404, "Not Found").end();
  });
  await new Promise<void>((resolve) => updateServer?.listen(0, "127.0.0.1", resolve));
  channelBase = `http://127.0.0.1:${(updateServer.address() as AddressInfo).port}/v1-release/channels`;
});
afterAll(async () => {
  await operator?.stop();
  await new Promise((resolve) => updateServer?.close(resolve));
});

async function expectNothingTouched(): Promise<void> {
  const nodes = (await sim().port.list<NodeObject>(NODE_RESOURCE)).items;
  for (const node of nodes) {
    expect(node.spec?.unschedulable).toBeUndefined();
    expect(node.metadata.annotations?.[CLAIM_ANNOTATION]).toBeUndefined();
  }
  expect(await upgradeJobs(sim().port)).toEqual([]);
}

async function remove(name: string): Promise<void> {
  try {
    await sim().port.delete(upgradePlanResource, name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

describe("UpgradePlan preflight on the simulated cluster", () => {
  it.each([
    ["a downgrade", "v1.30.5+rke2r1", "is older than v1.30.6+rke2r1: downgrades need skew.allowDowngrade"],
    [
      "a minor skip",
      "v1.32.1+rke2r1",
      "skips 1 minor version(s): upgrade one minor at a time or set skew.allowMinorSkip",
    ],
  ])("refuses %s with SkewNotAllowed and touches no node", async (_, version, message) => {
    const name = `skew-${version.replace(/[.+]/g, "-")}`;
    await sim().port.create(upgradePlanResource, plan(name, quickSpec({ version })));
    const refused = await waitForPlan(
      sim().port,
      name,
      (p) => condition(p, "PreflightPassed")?.status === "False",
      "the refusal",
    );
    expect(refused.status?.phase).toBe("Blocked");
    expect(refused.status?.message).toContain(message);
    expect(condition(refused, "PreflightPassed")).toMatchObject({
      reason: "SkewNotAllowed",
      message: expect.stringContaining(message),
    });
    expect(condition(refused, "Degraded")).toMatchObject({ status: "True", reason: "SkewNotAllowed" });
    expect(refused.status?.preflight?.find((c) => c.name === "VersionSkew")).toMatchObject({
      passed: false,
      message: expect.stringContaining(message),
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await expectNothingTouched();
    await remove(name);
  });

  it("resolves a channel into status.targetVersion, and explains one it cannot resolve", async () => {
    await sim().port.create(
      upgradePlanResource,
      plan("by-channel", { channel: `${channelBase}/v1.31`, paused: true, snapshot: { required: false } }),
    );
    const resolved = await waitForPlan(
      sim().port,
      "by-channel",
      (p) => p.status?.targetVersion !== undefined,
      "the channel to resolve",
    );
    expect(resolved.status).toMatchObject({ targetVersion: TO, phase: "Paused" });
    await sim().port.create(
      upgradePlanResource,
      plan("bad-channel", { channel: `${channelBase}/nope`, snapshot: { required: false } }),
    );
    const failed = await waitForPlan(
      sim().port,
      "bad-channel",
      (p) => condition(p, "Ready")?.reason === "ChannelUnresolved",
      "ChannelUnresolved",
    );
    expect(condition(failed, "Ready")?.message).toBe(`channel ${channelBase}/nope answered 404 Not Found`);
    expect(failed.status?.phase).toBe("Waiting");
    await expectNothingTouched();
    await remove("by-channel");
    await remove("bad-channel");
  });

  it("waits with EtcdUnhealthy while an etcd member is unhealthy, touching nothing; goes on on recovery", async () => {
    sim().cluster.setFaults({ etcdUnhealthy: true }, "server-2");
    await waitFor(
      async () => {
        const pod = await sim().port.get<PodObject>(POD_RESOURCE, "etcd-server-2", "kube-system");
        return pod !== undefined && !isPodReady(pod);
      },
      { what: "etcd-server-2 to turn unready" },
    );
    await sim().port.create(upgradePlanResource, plan("etcd-guard", quickSpec()));
    const waiting = await waitForPlan(
      sim().port,
      "etcd-guard",
      (p) => condition(p, "PreflightPassed")?.reason === "EtcdUnhealthy",
      "EtcdUnhealthy",
    );
    expect(waiting.status?.phase).toBe("Waiting");
    expect(condition(waiting, "PreflightPassed")?.message).toBe(
      "EtcdHealthy: etcd quorum guard: etcd-server-2 is not Ready",
    );
    expect(condition(waiting, "Degraded")?.status).toBe("False");
    await new Promise((resolve) => setTimeout(resolve, 500));
    await expectNothingTouched();

    sim().cluster.setFaults({ etcdUnhealthy: false }, "server-2");
    const done = await waitForPlan(
      sim().port,
      "etcd-guard",
      (p) => p.status?.phase === "Succeeded",
      "the plan to finish",
      60_000,
    );
    expect(condition(done, "PreflightPassed")).toMatchObject({ status: "True", reason: "PreflightSucceeded" });
  }, 90_000);
});
