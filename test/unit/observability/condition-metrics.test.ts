import { describe, expect, it } from "@jest/globals";
import { conditionMetricsHandler } from "../../../src/observability/condition-metrics.ts";
import { createMetrics } from "../../../src/observability/metrics.ts";
import type { KubeObject } from "../../../src/runtime/kube/types.ts";

type Cr = KubeObject & { status?: { conditions?: { type: string; status: string }[] } };
const cr = (name: string, conditions: [string, string][]): Cr => ({
  apiVersion: "rke2-lifecycle.io/v1alpha1",
  kind: "UpgradePlan",
  metadata: { name },
  status: { conditions: conditions.map(([type, status]) => ({ type, status })) },
});

async function series(metrics: ReturnType<typeof createMetrics>): Promise<string[]> {
  const text = await metrics.registry.getSingleMetricAsString("rke2_lifecycle_condition");
  return text
    .split("\n")
    .filter((line) => line.startsWith("rke2_lifecycle_condition{"))
    .sort();
}

describe("condition metrics", () => {
  it("exports 1 for each condition's current status and follows flips, removals and deletes", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const handler = conditionMetricsHandler(metrics, "UpgradePlan");
    handler.onAdd?.(
      cr("p", [
        ["Ready", "False"],
        ["Degraded", "False"],
      ]),
    );
    expect(await series(metrics)).toEqual([
      'rke2_lifecycle_condition{kind="UpgradePlan",name="p",type="Degraded",status="False"} 1',
      'rke2_lifecycle_condition{kind="UpgradePlan",name="p",type="Ready",status="False"} 1',
    ]);

    handler.onUpdate?.(cr("p", []), cr("p", [["Degraded", "True"]]));
    expect(await series(metrics)).toEqual([
      'rke2_lifecycle_condition{kind="UpgradePlan",name="p",type="Degraded",status="True"} 1',
    ]);

    handler.onDelete?.(cr("p", [["Degraded", "True"]]));
    expect(await series(metrics)).toEqual([]);
  });
});
