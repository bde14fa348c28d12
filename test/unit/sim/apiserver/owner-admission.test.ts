import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { KubeConfig } from "@kubernetes/client-node";
import { startApiServer, type SimApiServer } from "../../../../src/sim/apiserver/index.ts";
import { Catalog } from "../../../../src/sim/apiserver/catalog.ts";
import type { JsonObject } from "../../../../src/sim/apiserver/json.ts";
import { ownerReferenceChecks } from "../../../../src/sim/apiserver/owner-admission.ts";
import { createKubePort } from "../../../../src/runtime/kube/adapter.ts";
import { kubeConfigConnection } from "../../../../src/runtime/kube/kubeconfig-files.ts";
import type { ResourceType } from "../../../../src/runtime/kube/types.ts";

const catalog = new Catalog();
const configMaps = catalog.find("", "v1", "configmaps");
const OWNER = { apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "u-1" };

function configMap(ownerReferences?: JsonObject[]): JsonObject {
  return { metadata: { name: "cm", namespace: "default", ...(ownerReferences ? { ownerReferences } : {}) } };
}

describe("ownerReferenceChecks (OwnerReferencesPermissionEnforcement)", () => {
  if (!configMaps) throw new Error("configmaps not served");
  const finalizers = {
    verb: "update",
    group: "apps",
    resource: "deployments/finalizers",
    namespace: "default",
    name: "web",
  };
  const deleteSelf = { verb: "delete", group: "", resource: "configmaps", namespace: "default", name: "cm" };
  const cases: [what: string, previous: JsonObject | undefined, next: JsonObject, expected: object[]][] = [
    ["create without owners", undefined, configMap(), []],
    ["create with a non-blocking owner: creating implies the power to set owners", undefined, configMap([OWNER]), []],
    ["create with a blocking owner", undefined, configMap([{ ...OWNER, blockOwnerDeletion: true }]), [finalizers]],
    [
      "update that leaves owners as they are",
      configMap([{ ...OWNER, blockOwnerDeletion: true }]),
      configMap([{ ...OWNER, blockOwnerDeletion: true }]),
      [],
    ],
    ["update that adds a non-blocking owner", configMap(), configMap([OWNER]), [deleteSelf]],
    [
      "update that makes an owner blocking",
      configMap([OWNER]),
      configMap([{ ...OWNER, blockOwnerDeletion: true }]),
      [deleteSelf, finalizers],
    ],
    [
      "update that drops a blocking owner",
      configMap([{ ...OWNER, blockOwnerDeletion: true }]),
      configMap(),
      [deleteSelf],
    ],
    [
      "an owner of a kind nobody serves",
      undefined,
      configMap([{ ...OWNER, apiVersion: "example.com/v1", kind: "Nope", blockOwnerDeletion: true }]),
      [],
    ],
  ];
  it.each(cases)("%s", (_what, previous, next, expected) => {
    expect(ownerReferenceChecks(catalog, configMaps, previous, next)).toEqual(expected);
  });
});

describe("the simulated API server records admission's authorization checks per client", () => {
  let server: SimApiServer;
  beforeAll(async () => {
    server = await startApiServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it("records an owner-finalizers check for a create with blockOwnerDeletion, none for a patch", async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(server.kubeconfigYaml());
    const port = createKubePort(kubeConfigConnection(kubeConfig), { userAgent: "rke2-lifecycle-operator/0.1.0" });
    const type: ResourceType = { apiVersion: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true };
    const owners = [{ ...OWNER, controller: true, blockOwnerDeletion: true }];
    await port.create(type, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "cm", namespace: "default", ownerReferences: owners },
    });
    await port.mergePatch(type, "cm", { data: { a: "b" } }, "default");

    expect(server.authorizationChecks.entries("rke2-lifecycle-operator")).toEqual([
      { key: { ...finalizersOf("web"), client: "rke2-lifecycle-operator" }, count: 1 },
    ]);
    expect(server.requests.count({ verb: "update", resource: "deployments/finalizers" })).toBe(0);
  });
});

function finalizersOf(name: string): object {
  return { verb: "update", group: "apps", resource: "deployments/finalizers", namespace: "default", name };
}
