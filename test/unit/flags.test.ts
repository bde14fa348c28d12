import { describe, expect, it } from "@jest/globals";
import { envName, flagName, flagUsage, parseFlags } from "../../src/flags.ts";

describe("parseFlags for other subcommands", () => {
  const SIM_FLAGS = {
    nodes: { type: "integer", min: 1, max: 5000, default: 3, description: "simulated nodes" },
    out: { type: "string", description: "output directory" },
    check: { type: "boolean", default: false, description: "only compare" },
  } as const;

  it("parses with typed values, sources and positionals when allowed", () => {
    const result = parseFlags(["--nodes", "7", "extra"], { RKE2_LIFECYCLE_OUT: "dir" }, SIM_FLAGS, {
      allowPositionals: true,
    });
    expect(result).toEqual({
      ok: true,
      values: { nodes: 7, out: "dir", check: false },
      sources: { nodes: "--nodes", out: "RKE2_LIFECYCLE_OUT", check: "default" },
      positionals: ["extra"],
    });
  });

  it("leaves --flag=value after -- to the positionals", () => {
    const result = parseFlags(["--check=false", "--", "--check=true"], {}, SIM_FLAGS, { allowPositionals: true });
    expect(result.ok && [result.values.check, result.positionals]).toEqual([false, ["--check=true"]]);
  });

  it("can ignore the environment", () => {
    const result = parseFlags([], { RKE2_LIFECYCLE_NODES: "9" }, SIM_FLAGS, { envPrefix: null });
    expect(result.ok && result.values.nodes).toBe(3);
  });

  it("reports errors the same way", () => {
    expect(parseFlags(["--nodes", "0"], {}, SIM_FLAGS)).toEqual({
      ok: false,
      error: '--nodes: expected an integer 1-5000, got "0"',
    });
  });

  it("names flags and env vars from camelCase keys", () => {
    expect(flagName("nodeAgentImage")).toBe("node-agent-image");
    expect(envName("nodeAgentImage")).toBe("RKE2_LIFECYCLE_NODE_AGENT_IMAGE");
  });

  it("prints usage with env vars and defaults", () => {
    expect(flagUsage(SIM_FLAGS)).toContain(
      "--nodes <integer>\n      simulated nodes (env RKE2_LIFECYCLE_NODES; default 3)",
    );
  });
});
