import { describe, expect, it } from "@jest/globals";
import { idealWallMs, quantile, regressions } from "../../../bench/analysis.ts";

describe("the CI smoke bench's comparison with its baseline", () => {
  const baseline = { overheadMedianMs: 25, operatorPeakRssMb: 290, requestsPerNode: 12.8 };
  it.each([
    ["the baseline itself", baseline, []],
    ["just under twice", { overheadMedianMs: 99, operatorPeakRssMb: 580, requestsPerNode: 25.6 }, []],
    ["memory doubled and more", { ...baseline, operatorPeakRssMb: 581 }, ["operatorPeakRssMb"]],
    ["requests per node doubled and more", { ...baseline, requestsPerNode: 25.7 }, ["requestsPerNode"]],
    // 25 ms is below the 50 ms noise floor: the limit is 100 ms, not 50 ms.
    ["overhead above twice the floor", { ...baseline, overheadMedianMs: 101 }, ["overheadMedianMs"]],
    ["a figure that was not measured", { ...baseline, overheadMedianMs: Number.NaN }, ["overheadMedianMs"]],
  ])("%s", (_, measured, expected) => {
    expect(regressions(baseline, measured).map((r) => r.figure)).toEqual(expected);
  });

  it("applies the factor to a baseline above its floor", () => {
    const high = { ...baseline, overheadMedianMs: 80 };
    expect(regressions(high, { ...high, overheadMedianMs: 161 })).toEqual([
      { figure: "overheadMedianMs", baseline: 80, measured: 161, limit: 160 },
    ]);
  });
});

describe("benchmark arithmetic", () => {
  it("takes the nearest-rank quantile", () => {
    expect(quantile([5, 1, 3, 2, 4], 0.5)).toBe(3);
    expect(quantile([5, 1, 3, 2, 4], 0.99)).toBe(5);
    expect(quantile([], 0.5)).toBeNaN();
  });
  it("sums each tier's rounds of one node's time", () => {
    expect(
      idealWallMs(
        [
          { nodes: 3, concurrency: 1 },
          { nodes: 10, concurrency: 4 },
        ],
        100,
      ),
    ).toBe(600);
  });
});
