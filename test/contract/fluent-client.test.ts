/**
 * kubernetes-fluent-client (the user's chosen fluent client) against the lane's API server: gets
 * and applies on both lanes; on the simulated server, its Watcher also lists, watches, reconnects
 * after a dropped stream and relists after 410 Gone (fault knobs only the sim has).
 * The client reads KUBECONFIG on each call, so the test points it at the lane's kubeconfig.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { K8s, kind } from "kubernetes-fluent-client";
import { startApiServer, type SimApiServer } from "../../src/sim/apiserver/index.ts";
import { resetCluster } from "../support/control-plane/reset.ts";
import { externalKubeconfig } from "../support/lane-env.ts";
import { itOnSim } from "../support/lanes.ts";

let simServer: SimApiServer | undefined;
const savedKubeconfig = process.env.KUBECONFIG;

beforeAll(async () => {
  const external = externalKubeconfig();
  if (external) {
    await resetCluster(external);
    process.env.KUBECONFIG = external;
    return;
  }
  simServer = await startApiServer();
  const path = join(mkdtempSync(join(tmpdir(), "kfc-")), "kubeconfig");
  await simServer.writeKubeconfig(path);
  process.env.KUBECONFIG = path;
});

afterAll(async () => {
  process.env.KUBECONFIG = savedKubeconfig;
  await simServer?.stop();
});

/** The simulated server: only the sim-only test uses its knobs. */
function sim(): SimApiServer {
  if (!simServer) throw new Error("this test needs the simulated API server");
  return simServer;
}

function createConfigMap(name: string): void {
  const server = sim();
  const def = server.service.catalog.find("", "v1", "configmaps");
  if (!def) throw new Error("configmaps not served");
  server.service.create(def, "v1", "default", { metadata: { name } }, { manager: "test" });
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

  itOnSim("faultInjection")("a Watcher sees changes, survives dropped streams and relists after 410", async () => {
    const server = sim();
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
      createConfigMap("w-live");
      await until("w-live seen", () => seen.has("w-live"));
      await until("second watch", () => server.requests.count({ verb: "watch", resource: "configmaps" }) >= 2);
      createConfigMap("w-after-drop");
      await until("w-after-drop seen", () => seen.has("w-after-drop"));
      const listsBeforeGone = server.requests.count({ verb: "list", resource: "configmaps" });
      server.faults.goneOnReconnectRate = 1;
      server.store.compact();
      await until("watch after 410", () => server.requests.count({ verb: "watch", resource: "configmaps" }) >= 4);
      server.faults.goneOnReconnectRate = 0;
      createConfigMap("w-after-gone");
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
