/**
 * The import boundaries (eslint.boundaries.mjs) refuse an import the wrong way: each case lints
 * one line as if it were a file at `file`, with the project's own zones.
 */
import { describe, expect, it } from "@jest/globals";
import { ESLint } from "eslint";
import importX from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";
import { boundaryZones } from "../../../eslint.boundaries.mjs";

const ROOT = new URL("../../../", import.meta.url).pathname;

const eslint = new ESLint({
  cwd: ROOT,
  overrideConfigFile: true,
  overrideConfig: [
    {
      files: ["**/*.ts"],
      languageOptions: { parser: tseslint.parser },
      plugins: { "import-x": importX },
      rules: { "import-x/no-restricted-paths": ["error", { basePath: ROOT, zones: boundaryZones() }] },
    },
  ],
});

async function violations(file: string, line: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${line}\n`, { filePath: `${ROOT}${file}` });
  return (result?.messages ?? []).map((message) => message.message);
}

describe("import boundaries", () => {
  it.each([
    [
      "src/runtime/probe.ts",
      `import type { OperatorMetrics } from "../observability/metrics.ts";`,
      /src\/runtime \(layer 0\)/,
    ],
    [
      "src/rollout/probe.ts",
      `import { CONTROLLER_FACTORIES } from "../controllers/index.ts";`,
      /src\/rollout \(layer 1\)/,
    ],
    ["src/controllers/probe.ts", `import { runOperator } from "../operator/run.ts";`, /src\/controllers \(layer 2\)/],
    ["src/operator/probe.ts", `import { startSim } from "../sim/index.ts";`, /src\/operator \(layer 3\)/],
    ["src/operator/probe.ts", `const sim = await import("../sim/index.ts");`, /src\/operator \(layer 3\)/],
    ["src/cli/probe.ts", `import { demoManifests } from "../demo/manifests.ts";`, /src\/cli \(layer 3\)/],
    ["src/certs/probe.ts", `import { buildNodeJob } from "../nodeops/job.ts";`, /src\/certs \(layer 1\)/],
    [
      "src/controllers/upgradeplan/probe.ts",
      `import { policyPreUpgradeSource } from "../etcdsnapshotpolicy/pre-upgrade.ts";`,
      /another kind's folder/,
    ],
    [
      "src/controllers/status-probe.ts",
      `import { reconcileUpgradePlan } from "./upgradeplan/reconciler.ts";`,
      /only controllers\/index.ts/,
    ],
  ])("%s: %s fails", async (file, line, message) => {
    const found = await violations(file, line);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });

  it.each([
    ["src/observability/probe.ts", `import type { Clock } from "../runtime/clock.ts";`],
    ["src/rollout/probe.ts", `import { buildNodeJob } from "../nodeops/job.ts";`],
    ["src/operator/probe.ts", `import { CONTROLLER_FACTORIES } from "../controllers/index.ts";`],
    ["src/controllers/index.ts", `import { reconcileUpgradePlan } from "./upgradeplan/reconciler.ts";`],
    ["src/cli/sim.ts", `import { startSim } from "../sim/index.ts";`],
    ["src/sim/probe.ts", `import { runOperator } from "../operator/run.ts";`],
  ])("%s: %s passes", async (file, line) => {
    expect(await violations(file, line)).toEqual([]);
  });
});
