import { afterEach, beforeEach, expect, it } from "@jest/globals";
import { CoreV1Api, KubeConfig, makeInformer, Watch, type V1ConfigMap } from "@kubernetes/client-node";
import { startApiServer, type SimApiServer } from "../../src/sim/apiserver/index.ts";
import { describeOnSim } from "../support/lanes.ts";

let server: SimApiServer;
let kc: KubeConfig;

beforeEach(async () => {
  server = await startApiServer();
  kc = new KubeConfig();
  kc.loadFromString(server.kubeconfigYaml());
});

afterEach(async () => {
  await server.stop();
});

function createConfigMap(name: string): void {
  const def = server.service.catalog.find("", "v1", "configmaps");
  if (!def) throw new Error("configmaps not served");
  server.service.create(def, "v1", "default", { metadata: { name } }, { manager: "test" });
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describeOnSim("faultInjection")("@kubernetes/client-node against the simulated API server", () => {
  it("a Watch from a compacted resourceVersion gets an ERROR event with 410 Expired", async () => {
    createConfigMap("a");
    const staleVersion = String(server.store.currentRevision() - 1);
    server.store.compact();
    const events: { type: string; code?: number; reason?: string }[] = [];
    let ended = false;
    await new Watch(kc).watch(
      "/api/v1/namespaces/default/configmaps",
      { resourceVersion: staleVersion },
      (type, object: { code?: number; reason?: string }) => {
        events.push({ type, code: object.code, reason: object.reason });
      },
      () => {
        ended = true;
      },
    );
    await until(() => ended);
    expect(events).toEqual([{ type: "ERROR", code: 410, reason: "Expired" }]);
  });

  it("an informer lists, watches, and relists after a 410 on reconnect", async () => {
    createConfigMap("a");
    const api = kc.makeApiClient(CoreV1Api);
    const informer = makeInformer<V1ConfigMap>(kc, "/api/v1/namespaces/default/configmaps", () =>
      api.listNamespacedConfigMap({ namespace: "default" }),
    );
    const added: string[] = [];
    informer.on("add", (cm) => added.push(cm.metadata?.name ?? ""));
    // Streams end after 1s; the reconnect then waits 500ms in the server, long enough to compact.
    server.faults.dropWatchEverySeconds = 1;
    server.faults.latencyMs = 500;
    await informer.start();
    try {
      await until(() => added.includes("a"));
      createConfigMap("live");
      await until(() => added.includes("live"));
      await until(() => server.requests.count({ verb: "watch", resource: "configmaps" }) >= 2);
      createConfigMap("missed");
      server.store.compact();
      await until(() => added.includes("missed"));
      expect(server.requests.count({ verb: "list", resource: "configmaps" })).toBeGreaterThanOrEqual(2);
      expect(
        informer
          .list()
          .map((cm) => cm.metadata?.name)
          .sort(),
      ).toEqual(["a", "live", "missed"]);
    } finally {
      server.faults.dropWatchEverySeconds = 0;
      await informer.stop();
    }
  });
});
