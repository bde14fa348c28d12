/**
 * @kubernetes/client-node (the user's chosen client) against the lane's API server: a Watch from
 * a resourceVersion the server no longer holds ends with the server's own 410 Expired event, and an
 * informer reconnects after dropped streams and relists after a 410 on reconnect (the fault knobs:
 * the sim's own, or on the real lane the fault proxy in front of kube-apiserver).
 */
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { CoreV1Api, KubeConfig, makeInformer, Watch, type V1ConfigMap } from "@kubernetes/client-node";
import { startContractServer, type ContractServer } from "../support/contract-server.ts";

let server: ContractServer;
let kc: KubeConfig;

beforeEach(async () => {
  server = await startContractServer();
  kc = new KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
});

afterEach(async () => {
  await server.stop();
});

async function until(check: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("@kubernetes/client-node against the API server", () => {
  it("a Watch from a resourceVersion the server no longer holds gets an ERROR event with 410 Expired", async () => {
    await server.createConfigMap("a");
    const staleVersion = await server.expiredResourceVersion();
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
    await server.createConfigMap("a");
    const api = kc.makeApiClient(CoreV1Api);
    const informer = makeInformer<V1ConfigMap>(kc, "/api/v1/namespaces/default/configmaps", () =>
      api.listNamespacedConfigMap({ namespace: "default" }),
    );
    const added: string[] = [];
    informer.on("add", (cm) => added.push(cm.metadata?.name ?? ""));
    // Streams end after 1s, and the informer reconnects from the last resourceVersion it saw.
    server.faults.dropWatchEverySeconds = 1;
    await informer.start();
    try {
      await until(() => added.includes("a"));
      await server.createConfigMap("live");
      await until(() => added.includes("live"));
      await until(() => server.requests.count({ verb: "watch", resource: "configmaps" }) >= 2);
      const lists = server.requests.count({ verb: "list", resource: "configmaps" });
      // The next reconnects are answered 410 Expired, as a server whose history moved on answers.
      server.faults.goneOnReconnectRate = 1;
      await server.createConfigMap("missed");
      await until(() => server.requests.count({ verb: "list", resource: "configmaps" }) > lists);
      server.faults.goneOnReconnectRate = 0;
      await until(() => added.includes("missed"));
      // kube-controller-manager puts kube-root-ca.crt in every namespace of a real cluster.
      const names = informer.list().map((cm) => cm.metadata?.name);
      expect(names.filter((name) => name !== "kube-root-ca.crt").sort()).toEqual(["a", "live", "missed"]);
    } finally {
      server.faults.dropWatchEverySeconds = 0;
      server.faults.goneOnReconnectRate = 0;
      await informer.stop();
    }
  });
});
