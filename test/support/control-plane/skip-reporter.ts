/**
 * Prints, at the end of the real lane, how many tests were skipped there and why: a sim-only test
 * carries its reason in its title (test/support/lanes.ts), so the reasons are read from there.
 */
/** The part of Jest's AggregatedResult read here. */
interface RunResults {
  testResults: { testResults: { fullName: string; status: string }[] }[];
}

export default class SkipReporter {
  onRunComplete(_contexts: unknown, results: RunResults): void {
    const reasons = new Map<string, number>();
    let total = 0;
    for (const file of results.testResults) {
      for (const test of file.testResults) {
        total += 1;
        if (test.status !== "pending" && test.status !== "skipped") continue;
        const reason = /\[sim-only: ([^\]]+)\]/.exec(test.fullName)?.[1] ?? "skipped without a declared reason";
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
    }
    const skipped = [...reasons.values()].reduce((sum, n) => sum + n, 0);
    const share = total === 0 ? 0 : (100 * skipped) / total;
    process.stdout.write(`\nreal lane: ${String(skipped)} of ${String(total)} tests skipped (${share.toFixed(1)} %)\n`);
    for (const [reason, count] of reasons) process.stdout.write(`  ${String(count)} sim-only: ${reason}\n`);
  }
}
