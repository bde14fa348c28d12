/** Pure arithmetic over what the upgrade benchmark observed (times in ms, real clock). */

export interface Observed {
  name: string;
  /** When the node's upgrade Job appeared. */
  jobCreatedAt: number;
  /** When the node was first seen healthy at the target after its Job (Ready, version, mirror pods). */
  healthyAt: number | undefined;
}

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

/**
 * Orchestration overhead: from a node passing its gate (first seen healthy + settle) to the next
 * node's Job. Each gate pass frees one slot, so gate passes and Job creations are paired first in,
 * first out; a Job created while no gate pass is waiting (the first ones of a tier started
 * together) has no trigger of its own and gives no sample.
 */
export interface OverheadSample {
  /** The node whose gate passed, and the node whose Job followed. */
  gate: string;
  job: string;
  ms: number;
}

export function overheadSamples(nodes: readonly Observed[], settleMs: number): OverheadSample[] {
  const gates = nodes
    .flatMap((node) => (node.healthyAt === undefined ? [] : [{ name: node.name, at: node.healthyAt + settleMs }]))
    .sort((a, b) => a.at - b.at);
  const jobs = [...nodes].sort((a, b) => a.jobCreatedAt - b.jobCreatedAt);
  const samples: OverheadSample[] = [];
  let next = 0;
  for (const job of jobs) {
    const gate = gates[next];
    if (gate === undefined || gate.at > job.jobCreatedAt) continue;
    samples.push({ gate: gate.name, job: job.name, ms: job.jobCreatedAt - gate.at });
    next++;
  }
  return samples;
}

/** Ideal wall time: each tier in ceil(n / concurrency) rounds of one node's own time. */
export function idealWallMs(tiers: readonly { nodes: number; concurrency: number }[], perNodeMs: number): number {
  return tiers.reduce((sum, tier) => sum + Math.ceil(tier.nodes / Math.max(1, tier.concurrency)) * perNodeMs, 0);
}

/** Sums a Prometheus text exposition's samples of one metric, grouped by one label. */
export function sumByLabel(exposition: string, metric: string, label: string): Record<string, number> {
  const sums: Record<string, number> = {};
  const pattern = new RegExp(`^${metric}\\{([^}]*)\\} ([0-9.eE+-]+)$`);
  for (const line of exposition.split("\n")) {
    const match = pattern.exec(line);
    if (!match) continue;
    const labels = match[1] ?? "";
    const value = Number(match[2]);
    const key = new RegExp(`${label}="([^"]*)"`).exec(labels)?.[1] ?? "";
    sums[key] = (sums[key] ?? 0) + value;
  }
  return sums;
}

export function metricValue(exposition: string, metric: string): number | undefined {
  const line = exposition.split("\n").find((l) => l.startsWith(`${metric} `));
  return line === undefined ? undefined : Number(line.slice(metric.length + 1));
}

/** The figures the CI smoke bench compares against its committed baseline (bench/baseline-100.json). */
export interface SmokeFigures {
  overheadMedianMs: number;
  operatorPeakRssMb: number;
  requestsPerNode: number;
}

export interface Regression {
  figure: keyof SmokeFigures;
  baseline: number;
  measured: number;
  limit: number;
}

/**
 * Figures more than `factor` times their baseline. A baseline below its noise floor counts as the
 * floor: a median overhead of a few tens of milliseconds doubles on a busy 2-core machine without
 * any change to the operator.
 */
export function regressions(
  baseline: SmokeFigures,
  measured: SmokeFigures,
  factor = 2,
  floors: Partial<SmokeFigures> = { overheadMedianMs: 50 },
): Regression[] {
  const figures = Object.keys(baseline) as (keyof SmokeFigures)[];
  return figures.flatMap((figure) => {
    const limit = factor * Math.max(baseline[figure], floors[figure] ?? 0);
    return measured[figure] > limit || Number.isNaN(measured[figure])
      ? [{ figure, baseline: baseline[figure], measured: measured[figure], limit }]
      : [];
  });
}
