import { describe, expect, it } from "@jest/globals";
import {
  decodeReport,
  encodeReport,
  MAX_REPORTED_ERRORS,
  MAX_REPORTED_FILES,
  sameContent,
  type InventoryReport,
} from "../../../src/certs/report.ts";

const report: InventoryReport = {
  scannedAtMs: Date.parse("2026-03-01T10:00:00Z"),
  certificates: [
    { file: "server/tls/server-ca.crt", notAfterMs: Date.parse("2035-02-27T10:00:00Z"), isCA: true },
    { file: "agent/client-kubelet.crt", notAfterMs: Date.parse("2027-03-01T10:00:00Z"), isCA: false },
  ],
  errors: [{ file: "agent/broken.crt", error: "certificate 1 is not valid X.509" }],
};

describe("the inventory report's wire form", () => {
  it("is compact JSON: scan time, and per file notAfter (ca only when true), sorted by file", () => {
    expect(JSON.parse(encodeReport(report))).toEqual({
      v: 1,
      scannedAt: "2026-03-01T10:00:00Z",
      files: {
        "agent/client-kubelet.crt": { notAfter: "2027-03-01T10:00:00Z" },
        "server/tls/server-ca.crt": { notAfter: "2035-02-27T10:00:00Z", ca: true },
      },
      errors: { "agent/broken.crt": "certificate 1 is not valid X.509" },
    });
  });

  it("round-trips", () => {
    const decoded = decodeReport(encodeReport(report));
    expect(decoded.ok && decoded.report).toEqual({ ...report, certificates: [...report.certificates].reverse() });
  });

  it("stays a few KiB whatever a folder holds", () => {
    const many: InventoryReport = {
      scannedAtMs: 0,
      certificates: Array.from({ length: 500 }, (_, i) => ({
        file: `agent/x-${String(i).padStart(3, "0")}.crt`,
        notAfterMs: 0,
        isCA: false,
      })),
      errors: Array.from({ length: 50 }, (_, i) => ({
        file: `agent/e-${String(i).padStart(2, "0")}.crt`,
        error: "x".repeat(1000),
      })),
    };
    const decoded = decodeReport(encodeReport(many));
    expect(decoded.ok && decoded.report.certificates).toHaveLength(MAX_REPORTED_FILES);
    expect(decoded.ok && decoded.report.errors).toHaveLength(MAX_REPORTED_ERRORS);
    expect(decoded.ok && decoded.report.errors[0]?.error.length).toBe(200);
  });

  it.each([
    [undefined, "no certificate report"],
    ["", "no certificate report"],
    ["{not json", "the certificate report is not JSON"],
    [JSON.stringify({ v: 2, scannedAt: "2026-03-01T00:00:00Z", files: {} }), "the certificate report is malformed"],
    [JSON.stringify({ v: 1, scannedAt: "yesterday", files: {} }), "the certificate report is malformed"],
    [
      JSON.stringify({ v: 1, scannedAt: "2026-03-01T00:00:00Z", files: { "a.crt": { notAfter: 5 } } }),
      "the certificate report is malformed",
    ],
  ])("refuses %p without throwing", (text, message) => {
    const decoded = decodeReport(text);
    expect(decoded.ok).toBe(false);
    expect(!decoded.ok && decoded.message).toContain(message);
  });

  it("compares content without the scan time, at the second precision of the wire", () => {
    expect(sameContent(report, { ...report, scannedAtMs: report.scannedAtMs + 60_000 })).toBe(true);
    expect(sameContent(report, { ...report, certificates: [...report.certificates].reverse() })).toBe(true);
    const first = report.certificates[1];
    if (!first) throw new Error("fixture");
    expect(
      sameContent(report, {
        ...report,
        certificates: [report.certificates[0] ?? first, { ...first, notAfterMs: first.notAfterMs + 400 }],
      }),
    ).toBe(true);
    expect(
      sameContent(report, {
        ...report,
        certificates: [report.certificates[0] ?? first, { ...first, notAfterMs: first.notAfterMs + 365 * 86_400_000 }],
      }),
    ).toBe(false);
    expect(sameContent(report, { ...report, errors: [] })).toBe(false);
  });
});
