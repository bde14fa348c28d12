/**
 * The real lane runs its test files in shards (`jest --shard=i/n`), each with its own control
 * plane (run-real-lane.ts); these name a shard and add up what each one skipped.
 */

/** The part of Jest's global config read here. */
export interface ShardedConfig {
  shard?: { shardIndex: number; shardCount: number } | null;
}

export interface SkipCount {
  skipped: number;
  total: number;
  reasons: Record<string, number>;
}

/** `1-of-2` for a shard, `all` for an unsharded run (one file run by hand). */
export function shardLabel(config: ShardedConfig): string {
  return config.shard ? `${String(config.shard.shardIndex)}-of-${String(config.shard.shardCount)}` : "all";
}

export function addSkips(counts: readonly SkipCount[]): SkipCount {
  const sum: SkipCount = { skipped: 0, total: 0, reasons: {} };
  for (const count of counts) {
    sum.skipped += count.skipped;
    sum.total += count.total;
    for (const [reason, n] of Object.entries(count.reasons)) sum.reasons[reason] = (sum.reasons[reason] ?? 0) + n;
  }
  return sum;
}

/** `<what>: 4 of 113 tests skipped (3.5 %)`, then one line per reason. */
export function describeSkips(what: string, count: SkipCount): string {
  const share = count.total === 0 ? 0 : (100 * count.skipped) / count.total;
  const lines = [`${what}: ${String(count.skipped)} of ${String(count.total)} tests skipped (${share.toFixed(1)} %)`];
  for (const [reason, n] of Object.entries(count.reasons)) lines.push(`  ${String(n)} sim-only: ${reason}`);
  return `${lines.join("\n")}\n`;
}
