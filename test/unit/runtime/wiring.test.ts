import { describe, expect, it } from "@jest/globals";
import { FakeClock, flushMicrotasks } from "../../../src/runtime/clock.ts";
import { Controller } from "../../../src/runtime/controller.ts";
import { enqueueOnChange, Informer } from "../../../src/runtime/informer.ts";
import type { KubeObject, ResourceType } from "../../../src/runtime/kube/types.ts";
import { valueIndex } from "../../../src/runtime/store.ts";
import { silentLogger } from "../../../src/observability/logger.ts";
import { MemoryKubePort } from "../../support/memory-port.ts";

interface Pod extends KubeObject {
  spec: { nodeName: string };
}

const PODS: ResourceType = { apiVersion: "v1", kind: "Pod", plural: "pods", namespaced: true };
const pod = (name: string, nodeName: string): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "ns" },
  spec: { nodeName },
});

describe("informer to controller", () => {
  it("reconciles a node key from the cache whenever a pod on that node changes", async () => {
    const clock = new FakeClock();
    const port = new MemoryKubePort({ clock });
    const informer = new Informer<Pod>({
      port,
      type: PODS,
      clock,
      logger: silentLogger(),
      indexers: { node: valueIndex((p: Pod) => p.spec.nodeName) },
    });
    const seen: string[] = [];
    const controller = new Controller({
      name: "pods-per-node",
      clock,
      logger: silentLogger(),
      reconcile: (node) => {
        seen.push(`${node}=${informer.cache.byIndex("node", node).length}`);
        return Promise.resolve();
      },
    });
    informer.addHandler(enqueueOnChange<Pod>(controller.queue, (p) => p.spec.nodeName));
    informer.start();
    await informer.synced;
    controller.start();
    await port.create(PODS, pod("a", "n1"));
    await flushMicrotasks();
    await port.create(PODS, pod("b", "n1"));
    await flushMicrotasks();
    await port.mergePatch(PODS, "a", { spec: { nodeName: "n2" } }, "ns");
    await flushMicrotasks();
    expect(seen).toEqual(["n1=1", "n1=2", "n1=1", "n2=1"]);
    await controller.stop();
    await informer.stop();
  });
});
