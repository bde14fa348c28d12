import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { KubeConfig } from "@kubernetes/client-node";
import { startApiServer, type SimApiServer } from "../../../../src/sim/apiserver/index.ts";
import { createKubePort } from "../../../../src/runtime/kube/adapter.ts";
import { kubeConfigConnection } from "../../../../src/runtime/kube/kubeconfig-files.ts";
import type { ResourceType } from "../../../../src/runtime/kube/types.ts";

const CONFIG_MAPS: ResourceType = { apiVersion: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true };

let server: SimApiServer;
beforeAll(async () => {
  server = await startApiServer();
});
afterAll(async () => {
  await server.stop();
});

function portAs(userAgent: string) {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(server.kubeconfigYaml());
  return createKubePort(kubeConfigConnection(kubeConfig), { userAgent });
}

describe("request accounting", () => {
  it("attributes requests to the client's User-Agent and records object names as RBAC sees them", async () => {
    const operator = portAs("rke2-lifecycle-operator/0.1.0");
    const other = portAs("someone-else");
    await other.create(CONFIG_MAPS, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "a", namespace: "default" },
    });
    await operator.get(CONFIG_MAPS, "a", "default");
    await operator.list(CONFIG_MAPS, { namespace: "default", fieldSelector: "metadata.name=a" });
    await operator.list(CONFIG_MAPS, { namespace: "default" });

    const mine = server.requests.entries("rke2-lifecycle-operator").map((e) => e.key);
    expect(mine).toEqual(
      expect.arrayContaining([
        {
          verb: "get",
          group: "",
          resource: "configmaps",
          namespace: "default",
          client: "rke2-lifecycle-operator",
          name: "a",
        },
        {
          verb: "list",
          group: "",
          resource: "configmaps",
          namespace: "default",
          client: "rke2-lifecycle-operator",
          name: "a",
        },
        { verb: "list", group: "", resource: "configmaps", namespace: "default", client: "rke2-lifecycle-operator" },
      ]),
    );
    expect(mine.some((key) => key.verb === "create")).toBe(false);
    expect(server.requests.count({ verb: "create", client: "someone-else" })).toBe(1);
  });
});
