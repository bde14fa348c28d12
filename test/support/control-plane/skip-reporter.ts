/**
 * Counts, at the end of a real-lane shard, how many tests were skipped there and why: a sim-only
 * test carries its reason in its title (test/support/lanes.ts), so the reasons are read from there.
 * It prints the shard's count and keeps it in `.real/skipped-<shard>.json`, which run-real-lane.ts
 * adds up over the shards.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REAL_LANE_DIR } from "../request-log.ts";
import { describeSkips, shardLabel, type ShardedConfig, type SkipCount } from "./shards.ts";

/** The part of Jest's AggregatedResult read here. */
interface RunResults {
  testResults: { testResults: { fullName: string; status: string }[] }[];
}

export default class SkipReporter {
  private readonly label: string;

  constructor(globalConfig: ShardedConfig) {
    this.label = shardLabel(globalConfig);
  }

  onRunComplete(_contexts: unknown, results: RunResults): void {
    const count: SkipCount = { skipped: 0, total: 0, reasons: {} };
    for (const file of results.testResults) {
      for (const test of file.testResults) {
        count.total += 1;
        if (test.status !== "pending" && test.status !== "skipped") continue;
        const reason = /\[sim-only: ([^\]]+)\]/.exec(test.fullName)?.[1] ?? "skipped without a declared reason";
        count.skipped += 1;
        count.reasons[reason] = (count.reasons[reason] ?? 0) + 1;
      }
    }
    mkdirSync(REAL_LANE_DIR, { recursive: true });
    writeFileSync(join(REAL_LANE_DIR, `skipped-${this.label}.json`), JSON.stringify(count));
    process.stdout.write(`\n${describeSkips(`real lane (${this.label})`, count)}`);
  }
}
