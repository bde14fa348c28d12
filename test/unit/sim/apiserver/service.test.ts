import { describe, expect, it } from "@jest/globals";
import { FakeClock } from "../../../../src/runtime/clock.ts";
import { Catalog } from "../../../../src/sim/apiserver/catalog.ts";
import { Deleter } from "../../../../src/sim/apiserver/deletion.ts";
import { ApiError } from "../../../../src/sim/apiserver/errors.ts";
import type { ResourceDef } from "../../../../src/sim/apiserver/resources.ts";
import { ApiService } from "../../../../src/sim/apiserver/service.ts";
import { ObjectStore } from "../../../../src/sim/apiserver/store.ts";

type Obj = Record<string, unknown> & {
  metadata: Record<string, unknown>;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
};

function setup(): {
  service: ApiService;
  deleter: Deleter;
  def: (g: string, p: string) => ResourceDef;
  clock: FakeClock;
} {
  const clock = new FakeClock();
  const catalog = new Catalog();
  const service = new ApiService(new ObjectStore(), catalog, clock);
  const deleter = new Deleter(service);
  const def = (g: string, p: string): ResourceDef => catalog.all().find((d) => d.group === g && d.plural === p)!;
  service.create(def("", "namespaces"), "v1", undefined, { metadata: { name: "ns" } }, { manager: "test" });
  return { service, deleter, def, clock };
}

const opts = { manager: "test" };

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err.code;
    throw err;
  }
  return undefined;
}

describe("ApiService REST semantics", () => {
  it("fills uid, creationTimestamp, resourceVersion, generation and generateName", () => {
    const { service, def } = setup();
    const job = service.create(
      def("batch", "jobs"),
      "v1",
      "ns",
      { metadata: { generateName: "snap-" }, spec: { a: 1 }, status: { x: 1 } },
      opts,
    ) as Obj;
    expect(job.metadata.name).toMatch(/^snap-[a-z0-9]{5}$/);
    expect(job.metadata.uid).toEqual(expect.any(String));
    expect(job.metadata.creationTimestamp).toBe("2026-01-01T00:00:00Z");
    expect(job.metadata.generation).toBe(1);
    expect(job.status).toBeUndefined();
  });

  it("answers 404 for a missing namespace, 409 AlreadyExists, 422 for a bad name", () => {
    const { service, def } = setup();
    const cm = def("", "configmaps");
    expect(codeOf(() => service.create(cm, "v1", "nope", { metadata: { name: "a" } }, opts))).toBe(404);
    service.create(cm, "v1", "ns", { metadata: { name: "a" } }, opts);
    expect(codeOf(() => service.create(cm, "v1", "ns", { metadata: { name: "a" } }, opts))).toBe(409);
    expect(codeOf(() => service.create(cm, "v1", "ns", { metadata: { name: "Bad_Name" } }, opts))).toBe(422);
  });

  it("bumps generation on spec changes only; status only through /status; 409 on a stale resourceVersion", () => {
    const { service, def } = setup();
    const jobs = def("batch", "jobs");
    const created = service.create(
      jobs,
      "v1",
      "ns",
      { metadata: { name: "j" }, spec: { parallelism: 1 } },
      opts,
    ) as Obj;
    const withStatus = service.update(
      jobs,
      "v1",
      "ns",
      "j",
      { ...created, status: { active: 1 }, spec: { parallelism: 9 } },
      "status",
      opts,
    ) as Obj;
    expect(withStatus.status).toEqual({ active: 1 });
    expect(withStatus.spec).toEqual({ parallelism: 1 });
    expect(withStatus.metadata.generation).toBe(1);
    const specChanged = service.update(
      jobs,
      "v1",
      "ns",
      "j",
      { ...withStatus, spec: { parallelism: 2 }, status: { active: 5 } },
      undefined,
      opts,
    ) as Obj;
    expect(specChanged.metadata.generation).toBe(2);
    expect(specChanged.status).toEqual({ active: 1 });
    expect(codeOf(() => service.update(jobs, "v1", "ns", "j", created, undefined, opts))).toBe(409);
    const labelsOnly = service.update(
      jobs,
      "v1",
      "ns",
      "j",
      { ...specChanged, metadata: { ...specChanged.metadata, labels: { a: "b" } } },
      undefined,
      opts,
    ) as Obj;
    expect(labelsOnly.metadata.generation).toBe(2);
  });

  it("lists with selectors and pages with limit/continue", () => {
    const { service, def } = setup();
    const cm = def("", "configmaps");
    for (const name of ["a", "b", "c"])
      service.create(cm, "v1", "ns", { metadata: { name, labels: { keep: name === "b" ? "no" : "yes" } } }, opts);
    expect(service.list(cm, "ns", { labelSelector: "keep=yes" }).items.map((o) => (o as Obj).metadata.name)).toEqual([
      "a",
      "c",
    ]);
    const first = service.list(cm, "ns", { limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.remainingItemCount).toBe(1);
    const second = service.list(cm, "ns", { limit: 2, continueToken: first.continueToken });
    expect(second.items.map((o) => (o as Obj).metadata.name)).toEqual(["c"]);
    expect(codeOf(() => service.list(cm, "ns", { fieldSelector: "spec.nodeName=x" }))).toBe(400);
  });

  it("marks objects with finalizers and removes them when the last finalizer goes", () => {
    const { service, deleter, def } = setup();
    const cm = def("", "configmaps");
    service.create(cm, "v1", "ns", { metadata: { name: "f", finalizers: ["example.io/hold"] } }, opts);
    const marked = deleter.delete(cm, "ns", "f", {}) as Obj;
    expect(marked.metadata.deletionTimestamp).toBe("2026-01-01T00:00:00Z");
    const current = service.get(cm, "ns", "f") as Obj;
    service.update(
      cm,
      "v1",
      "ns",
      "f",
      { ...current, metadata: { ...current.metadata, finalizers: [] } },
      undefined,
      opts,
    );
    expect(codeOf(() => service.get(cm, "ns", "f"))).toBe(404);
  });

  it("refuses new finalizers on an object being deleted (422), as ValidateNoNewFinalizers does", () => {
    const { service, deleter, def } = setup();
    const cm = def("", "configmaps");
    service.create(cm, "v1", "ns", { metadata: { name: "f", finalizers: ["example.io/a", "example.io/b"] } }, opts);
    deleter.delete(cm, "ns", "f", {});
    const current = service.get(cm, "ns", "f") as Obj;
    expect(
      codeOf(() =>
        service.update(
          cm,
          "v1",
          "ns",
          "f",
          { ...current, metadata: { ...current.metadata, finalizers: ["example.io/a", "example.io/c"] } },
          undefined,
          opts,
        ),
      ),
    ).toBe(422);
    service.update(
      cm,
      "v1",
      "ns",
      "f",
      { ...current, metadata: { ...current.metadata, finalizers: ["example.io/b"] } },
      undefined,
      opts,
    );
    expect((service.get(cm, "ns", "f") as Obj).metadata.finalizers).toEqual(["example.io/b"]);
  });

  it("deletes bound pods gracefully and unbound pods at once", () => {
    const { service, deleter, def } = setup();
    const pods = def("", "pods");
    service.create(
      pods,
      "v1",
      "ns",
      { metadata: { name: "bound" }, spec: { nodeName: "n1", terminationGracePeriodSeconds: 20 } },
      opts,
    );
    service.create(pods, "v1", "ns", { metadata: { name: "free" }, spec: {} }, opts);
    const terminating = deleter.delete(pods, "ns", "bound", {}) as Obj;
    expect(terminating.metadata.deletionGracePeriodSeconds).toBe(20);
    expect(terminating.metadata.deletionTimestamp).toBe("2026-01-01T00:00:20Z");
    deleter.delete(pods, "ns", "free", {});
    expect(codeOf(() => service.get(pods, "ns", "free"))).toBe(404);
    deleter.delete(pods, "ns", "bound", { gracePeriodSeconds: 0 });
    expect(codeOf(() => service.get(pods, "ns", "bound"))).toBe(404);
  });

  it("garbage-collects dependents in the background and orphans on request", () => {
    const { service, deleter, def } = setup();
    const jobs = def("batch", "jobs");
    const pods = def("", "pods");
    const job = service.create(jobs, "v1", "ns", { metadata: { name: "j" } }, opts) as Obj;
    const ref = { apiVersion: "batch/v1", kind: "Job", name: "j", uid: job.metadata.uid, controller: true };
    service.create(pods, "v1", "ns", { metadata: { name: "p", ownerReferences: [ref] } }, opts);
    deleter.delete(jobs, "ns", "j", {});
    expect(codeOf(() => service.get(pods, "ns", "p"))).toBe(404);

    const job2 = service.create(jobs, "v1", "ns", { metadata: { name: "j2" } }, opts) as Obj;
    service.create(
      pods,
      "v1",
      "ns",
      { metadata: { name: "p2", ownerReferences: [{ ...ref, name: "j2", uid: job2.metadata.uid }] } },
      opts,
    );
    deleter.delete(jobs, "ns", "j2", { propagationPolicy: "Orphan" });
    expect((service.get(pods, "ns", "p2") as Obj).metadata.ownerReferences).toBeUndefined();
  });

  it("holds a foreground owner until its dependents are gone", () => {
    const { service, deleter, def } = setup();
    const jobs = def("batch", "jobs");
    const pods = def("", "pods");
    const job = service.create(jobs, "v1", "ns", { metadata: { name: "j" } }, opts) as Obj;
    const ref = { apiVersion: "batch/v1", kind: "Job", name: "j", uid: job.metadata.uid };
    service.create(
      pods,
      "v1",
      "ns",
      { metadata: { name: "p", ownerReferences: [ref] }, spec: { nodeName: "n1" } },
      opts,
    );
    const owner = deleter.delete(jobs, "ns", "j", { propagationPolicy: "Foreground" }) as Obj;
    expect(owner.metadata.finalizers).toEqual(["foregroundDeletion"]);
    expect((service.get(pods, "ns", "p") as Obj).metadata.deletionTimestamp).toBeDefined();
    deleter.delete(pods, "ns", "p", { gracePeriodSeconds: 0 });
    expect(codeOf(() => service.get(jobs, "ns", "j"))).toBe(404);
  });

  it("records managedFields per manager", () => {
    const { service, def } = setup();
    const cm = def("", "configmaps");
    const created = service.create(
      cm,
      "v1",
      "ns",
      { metadata: { name: "m" }, data: { a: "1" } },
      { manager: "one" },
    ) as Obj;
    const updated = service.update(cm, "v1", "ns", "m", { ...created, data: { a: "1", b: "2" } }, undefined, {
      manager: "two",
    }) as Obj;
    expect(updated.metadata.managedFields).toEqual([
      expect.objectContaining({ manager: "one", operation: "Update", fieldsV1: { "f:data": { "f:a": {} } } }),
      expect.objectContaining({ manager: "two", operation: "Update", fieldsV1: { "f:data": { "f:b": {} } } }),
    ]);
  });

  it("tracks fields of list items whose merge key contains a slash (volumeMounts by mountPath)", () => {
    const { service, def } = setup();
    const pods = def("", "pods");
    const container = { name: "c", image: "i", volumeMounts: [{ name: "host-root", mountPath: "/host" }] };
    const created = service.create(
      pods,
      "v1",
      "ns",
      { metadata: { name: "p" }, spec: { containers: [container] } },
      { manager: "one" },
    ) as Obj;
    const updated = service.update(
      pods,
      "v1",
      "ns",
      "p",
      { ...created, metadata: { ...created.metadata, labels: { a: "b" } } },
      undefined,
      { manager: "two" },
    ) as Obj;
    expect(JSON.stringify(updated.metadata.managedFields)).toContain('k:{\\"mountPath\\":\\"/host\\"}');
  });
});
