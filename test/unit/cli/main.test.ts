import { describe, expect, it } from "@jest/globals";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { main } from "../../../src/main.ts";
import { captureIo } from "../../support/cli-io.ts";

describe("rke2-lifecycle CLI", () => {
  it("prints readable help listing the commands", async () => {
    const io = captureIo();
    expect(await main(["--help"], {}, io)).toBe(0);
    expect(io.out).toContain("Usage: rke2-lifecycle <command>");
    expect(io.out).toMatch(/operator\s+run the controllers/);
    expect(io.out).toMatch(/crds\s+print the CustomResourceDefinitions/);
  });

  it.each([
    [["frobnicate"], /unknown command "frobnicate"/],
    [["crds", "--bogus"], /^rke2-lifecycle crds: --bogus: unknown flag/],
    [["operator", "--workers", "abc"], /^rke2-lifecycle operator: --workers: expected an integer 1-64, got "abc"/],
    [["operator", "--listen-port", "70000"], /--listen-port: expected an integer 0-65535/],
    [["operator", "--log-level", "loud"], /--log-level: expected one of trace, debug/],
  ])("%j is a one-line error with exit code 2", async (argv, message) => {
    const io = captureIo();
    expect(await main(argv, {}, io)).toBe(2);
    expect(io.err).toMatch(message);
    expect(io.err.trimEnd().split("\n")).toHaveLength(1);
  });

  it("names a bad environment variable", async () => {
    const io = captureIo();
    expect(await main(["operator"], { RKE2_LIFECYCLE_WORKERS: "0" }, io)).toBe(2);
    expect(io.err).toContain("RKE2_LIFECYCLE_WORKERS: expected an integer 1-64");
  });

  it("crds prints the three CRDs as YAML documents", async () => {
    const io = captureIo();
    expect(await main(["crds"], {}, io)).toBe(0);
    const docs = parseAllDocuments(io.out).map((doc) => doc.toJS() as { kind: string; metadata: { name: string } });
    expect(docs.map((doc) => doc.metadata.name).sort()).toEqual([
      "certrotations.rke2-lifecycle.io",
      "etcdsnapshotpolicies.rke2-lifecycle.io",
      "upgradeplans.rke2-lifecycle.io",
    ]);
    expect(docs.every((doc) => doc.kind === "CustomResourceDefinition")).toBe(true);
  });

  it("crds --out writes files that --check then accepts, and --check names a drifted file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "crds-"));
    expect(await main(["crds", "--out", dir], {}, captureIo())).toBe(0);
    expect(readdirSync(dir).length).toBe(3);
    expect(await main(["crds", "--check", dir], {}, captureIo())).toBe(0);
    const victim = readdirSync(dir)[0]!;
    writeFileSync(join(dir, victim), "# edited by hand\n");
    const io = captureIo();
    expect(await main(["crds", "--check", dir], {}, io)).toBe(1);
    expect(io.err).toContain(victim);
  });
});
