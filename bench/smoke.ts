/**
 * CI smoke bench (docs/testing.md "Benchmarks"): the upgrade benchmark at 100 nodes, compared with
 * the committed baseline (bench/baseline-100.json). Fails when the median overhead per node, the
 * operator's peak RSS or the API requests per node are more than twice the baseline's.
 *
 *   npx node bench/smoke.ts [--update-baseline]
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { regressions, type SmokeFigures } from "./analysis.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BASELINE = join(root, "bench", "baseline-100.json");
const NODES = "100";
const { values: flags } = parseArgs({ options: { "update-baseline": { type: "boolean", default: false } } });

interface UpgradeResults {
  overheadMs: { median: number };
  operatorPeakRssMb: number;
  operatorRequests: { perNode: number };
}

const dir = await mkdtemp(join(tmpdir(), "rke2-lifecycle-smoke-"));
try {
  const out = join(dir, `upgrade-${NODES}.json`);
  const code = await new Promise<number | null>((done) => {
    const child = spawn(
      process.execPath,
      ["--disable-warning=ExperimentalWarning", "bench/upgrade.ts", "--nodes", NODES, "--out", out],
      { cwd: root, stdio: ["ignore", "ignore", "inherit"] },
    );
    child.on("exit", done);
  });
  if (code !== 0) throw new Error(`bench/upgrade.ts --nodes ${NODES} exited with ${String(code)}`);
  const results = JSON.parse(await readFile(out, "utf8")) as UpgradeResults;
  const measured: SmokeFigures = {
    overheadMedianMs: results.overheadMs.median,
    operatorPeakRssMb: Math.round(results.operatorPeakRssMb),
    requestsPerNode: Math.round(results.operatorRequests.perNode * 10) / 10,
  };
  if (flags["update-baseline"]) {
    await writeFile(BASELINE, `${JSON.stringify(measured, null, 2)}\n`);
    process.stdout.write(`baseline written to ${BASELINE}: ${JSON.stringify(measured)}\n`);
  } else {
    const baseline = JSON.parse(await readFile(BASELINE, "utf8")) as SmokeFigures;
    const found = regressions(baseline, measured);
    for (const figure of Object.keys(baseline) as (keyof SmokeFigures)[])
      process.stdout.write(`${figure}: ${String(measured[figure])} (baseline ${String(baseline[figure])})\n`);
    for (const r of found)
      process.stderr.write(
        `REGRESSION ${r.figure}: ${String(r.measured)}, above ${String(r.limit)} (2x baseline ${String(r.baseline)})\n`,
      );
    process.exitCode = found.length > 0 ? 1 : 0;
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
