import { describe, expect, it } from "@jest/globals";
import {
  beforeRotation,
  decodeBefore,
  encodeBefore,
  verifyRotation,
  type RotationRecord,
} from "../../../../src/controllers/certrotation/verify.ts";
import { ca, DAY, inventory, leaf, NOW } from "./fixtures.ts";

const record: RotationRecord = {
  job: "cert-rotate-x",
  attempt: 1,
  completedAtMs: NOW,
  before: { file: "server/tls/client-admin.crt", notAfterMs: NOW + 20 * DAY },
};
const base = { record, services: [] as string[], renewBeforeMs: 30 * DAY, timeoutMs: 15 * 60_000 };
const renewed = inventory(
  "n",
  [
    leaf("server/tls/client-admin.crt", 365),
    leaf("agent/client-kubelet.crt", 365),
    ca("server/tls/server-ca.crt", 3000),
  ],
  NOW + 60_000,
);
const unchanged = inventory(
  "n",
  [leaf("server/tls/client-admin.crt", 20), leaf("agent/client-kubelet.crt", 365)],
  NOW - 60_000,
);

describe("the inventory's verdict on a rotation", () => {
  it("confirms renewed certificates at once", () => {
    expect(verifyRotation({ ...base, inventory: renewed, nowMs: NOW + 60_000 })).toEqual({ state: "confirmed" });
  });

  it("waits for a report until the timeout after the Job ended, then fails the attempt", () => {
    expect(verifyRotation({ ...base, inventory: unchanged, nowMs: NOW + 60_000 })).toEqual({
      state: "pending",
      message:
        "waiting for the certificate inventory to confirm renewed certificates " +
        "(server/tls/client-admin.crt still expire(s) within renewBefore, first at 2026-03-21T00:00:00.000Z)",
      recheckInMs: 14 * 60_000,
    });
    const verdict = verifyRotation({ ...base, inventory: unchanged, nowMs: NOW + 15 * 60_000 });
    expect(verdict).toEqual({
      state: "failed",
      message:
        "certificates did not change after rotation: " +
        "server/tls/client-admin.crt still expire(s) within renewBefore, first at 2026-03-21T00:00:00.000Z",
    });
    expect(verifyRotation({ ...base, inventory: undefined, nowMs: NOW + 15 * 60_000 })).toEqual({
      state: "failed",
      message: "certificates did not change after rotation: no certificate inventory report for the node",
    });
  });

  it("names a due certificate the chosen services do not cover", () => {
    const verdict = verifyRotation({
      ...base,
      services: ["etcd"],
      record: { ...record, before: undefined },
      inventory: unchanged,
      nowMs: NOW + 15 * 60_000,
    });
    expect(verdict.state === "failed" && verdict.message).toContain(
      "(server/tls/client-admin.crt not covered by spec.services)",
    );
  });

  it("fails a trigger rotation whose certificates kept their expiry, though none was due", () => {
    const fresh = { ...record, before: { file: "server/tls/client-admin.crt", notAfterMs: NOW + 300 * DAY } };
    const same = inventory(
      "n",
      [leaf("server/tls/client-admin.crt", 300), leaf("agent/client-kubelet.crt", 365)],
      NOW + 60_000,
    );
    expect(verifyRotation({ ...base, record: fresh, inventory: same, nowMs: NOW + 15 * 60_000 })).toEqual({
      state: "failed",
      message:
        "certificates did not change after rotation: " +
        "server/tls/client-admin.crt still expires 2026-12-26T00:00:00.000Z: not renewed",
    });
  });

  it("records the earliest leaf the rotation renews, and reads it back", () => {
    const certs = [
      leaf("agent/client-kubelet.crt", 40),
      leaf("server/tls/etcd/client.crt", 50),
      ca("server/tls/server-ca.crt", 10),
    ];
    expect(beforeRotation(certs, [])).toEqual({ file: "agent/client-kubelet.crt", notAfterMs: NOW + 40 * DAY });
    expect(beforeRotation(certs, ["etcd"])).toEqual({ file: "server/tls/etcd/client.crt", notAfterMs: NOW + 50 * DAY });
    expect(beforeRotation(certs, ["admin"])).toBeUndefined();
    const before = beforeRotation(certs, []);
    if (!before) throw new Error("fixture");
    expect(decodeBefore(encodeBefore(before))).toEqual(before);
    expect(decodeBefore("{")).toBeUndefined();
    expect(decodeBefore(JSON.stringify({ file: "x" }))).toBeUndefined();
  });
});
