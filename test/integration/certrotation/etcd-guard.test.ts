/**
 * One etcd member unhealthy: no server is rotated (the quorum guard), and the CertRotation says
 * why in its Progressing condition; once the member is healthy again the rotation proceeds.
 */
import { describe, expect, it } from "@jest/globals";
import { certRotationResource } from "../../../src/api/certrotation.ts";
import { waitFor, withSim } from "../../support/sim-harness.ts";
import { POD_RESOURCE } from "../../../src/nodeops/job.ts";
import { isPodReady, type PodObject } from "../../../src/rollout/kube-objects.ts";
import {
  AGENT,
  certRotation,
  condition,
  DAY_MS,
  nodeOf,
  quickSpec,
  rotateJobs,
  withOperatorAndTimeline,
  TLS,
  waitForCr,
  waitForReported,
} from "./harness.ts";

const sim = withSim();
const running = withOperatorAndTimeline(sim);

describe("CertRotation with an unhealthy etcd member", () => {
  it("rotates no server while a member is unhealthy, says so, and resumes once it is healthy", async () => {
    const port = sim().port;
    const due = Date.now() + 20 * DAY_MS;
    sim().cluster.setCertificateExpiry("server-1", `${TLS}/serving-kube-apiserver.crt`, new Date(due));
    sim().cluster.setCertificateExpiry("agent-1", `${AGENT}/serving-kubelet.crt`, new Date(due));
    await waitForReported(port, "server-1", `${TLS}/serving-kube-apiserver.crt`, due);
    await waitForReported(port, "agent-1", `${AGENT}/serving-kubelet.crt`, due);
    sim().cluster.setFaults({ etcdUnhealthy: true }, "server-2");
    await waitFor(
      async () => {
        const pod = await port.get<PodObject>(POD_RESOURCE, "etcd-server-2", "kube-system");
        return pod !== undefined && !isPodReady(pod);
      },
      { what: "etcd-server-2 to turn unready" },
    );

    await port.create(certRotationResource, certRotation("default", quickSpec()));
    const blocked = await waitForCr(
      port,
      "default",
      (cr) => condition(cr, "Progressing")?.reason === "EtcdUnhealthy",
      "the quorum guard to block the rotation",
    );
    expect(condition(blocked, "Progressing")).toMatchObject({ status: "False", reason: "EtcdUnhealthy" });
    expect(condition(blocked, "Progressing")?.message).toContain("etcd-server-2 is not Ready");
    expect(condition(blocked, "Ready")).toMatchObject({ status: "False", reason: "EtcdUnhealthy" });
    expect(blocked.status?.phase).toBe("Waiting");
    expect(blocked.status?.message).toContain("etcd-server-2 is not Ready");
    expect(blocked.status?.summary).toMatchObject({ nodes: 7, expiringSoon: 2, rotating: 0, failed: 0 });
    expect(blocked.status?.nodes?.map((n) => [n.name, n.phase])).toEqual([
      ["server-1", "Pending"],
      ["agent-1", "Pending"],
    ]);

    // It stays blocked: no Job, no claim, on servers nor (tier order) on the agent.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await rotateJobs(port)).toEqual([]);
    expect(running().timeline.entries).toEqual([]);

    sim().cluster.setFaults({ etcdUnhealthy: false }, "server-2");
    await waitForCr(
      port,
      "default",
      (cr) => cr.status?.phase === "Idle" && condition(cr, "Ready")?.status === "True",
      "the rotation to finish once etcd is healthy",
      60_000,
    );
    expect((await rotateJobs(port)).map(nodeOf).sort()).toEqual(["agent-1", "server-1"]);
    expect(running().timeline.maxClaimedAtOnce(["etcd-1", "server-1", "server-2", "cp-1", "agent-1"])).toBe(1);
  }, 90_000);
});
