/**
 * kubernetes-fluent-client (the user's chosen fluent client) against the lane's API server: gets
 * and applies, and its Watcher lists, watches, reconnects after a dropped stream and relists after
 * 410 Gone (the fault knobs: the sim's own, or the fault proxy in front of kube-apiserver).
 * The client reads KUBECONFIG on each call, so the test points it at the lane's kubeconfig.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { K8s, kind } from "kubernetes-fluent-client";
import { startContractServer, type ContractServer } from "../support/contract-server.ts";

let server: ContractServer | undefined;
const savedKubeconfig = process.env.KUBECONFIG;

beforeAll(async () => {
  server = await startContractServer();
  process.env.KUBECONFIG = server.kubeconfigPath;
});

afterAll(async () => {
  process.env.KUBECONFIG = savedKubeconfig;
  await server?.stop();
});

function apiServer(): ContractServer {
  if (!server) throw new Error("the API server is not started");
  return server;
}

async function until(what: string, check: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not met in time`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("kubernetes-fluent-client against the lane's API server", () => {
  it("gets and applies through the fluent API", async () => {
    await K8s(kind.ConfigMap).Apply({ metadata: { name: "fluent-get", namespace: "default" } });
    const cm = await K8s(kind.ConfigMap).InNamespace("default").Get("fluent-get");
    expect(cm.metadata?.name).toBe("fluent-get");
    const applied = await K8s(kind.ConfigMap).Apply({
      metadata: { name: "fluent-applied", namespace: "default" },
      data: { a: "1" },
    });
    expect(applied.data).toEqual({ a: "1" });
  });

  it("a Watcher sees changes, survives dropped streams and relists after 410", async () => {
    const server = apiServer();
    const seen = new Map<string, string>();
    const watcher = K8s(kind.ConfigMap)
      .InNamespace("default")
      .Watch(
        (cm, phase) => {
          seen.set(cm.metadata?.name ?? "", phase);
        },
        { resyncDelaySec: 1, resyncFailureMax: 100, lastSeenLimitSeconds: 30 },
      );
    // Every watch stream the server opens from now on ends after a second.
    server.faults.dropWatchEverySeconds = 1;
    await watcher.start();
    try {
      await server.createConfigMap("w-live");
      await until("w-live seen", () => seen.has("w-live"));
      await until("second watch", () => server.requests.count({ verb: "watch", resource: "configmaps" }) >= 2);
      await server.createConfigMap("w-after-drop");
      await until("w-after-drop seen", () => seen.has("w-after-drop"));
      const listsBeforeGone = server.requests.count({ verb: "list", resource: "configmaps" });
      server.faults.goneOnReconnectRate = 1;
      await until("watch after 410", () => server.requests.count({ verb: "watch", resource: "configmaps" }) >= 4);
      server.faults.goneOnReconnectRate = 0;
      await server.createConfigMap("w-after-gone");
      await until("w-after-gone seen", () => seen.has("w-after-gone"));
      expect(seen.get("w-live")).toBe("ADDED");
      // A 410 on reconnect makes the watcher list again instead of resuming.
      expect(server.requests.count({ verb: "list", resource: "configmaps" })).toBeGreaterThan(listsBeforeGone);
    } finally {
      server.faults.dropWatchEverySeconds = 0;
      watcher.close();
    }
  });
});
