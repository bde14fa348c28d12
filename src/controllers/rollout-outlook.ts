/**
 * The status fields both rollout owners (UpgradePlan, CertRotation) share about what is ahead:
 * `preview` before the rollout starts and while it is paused, `estimatedCompletion` while nodes
 * are being changed. Pure; both are functions of the round's observed input, rounded so that a
 * reconcile that observes nothing new writes nothing new.
 */
import { toKubeTime } from "../api/condition.ts";
import type { PreviewStatus } from "../api/preview.ts";
import { previewRollout, rolloutEta } from "../rollout/preview.ts";
import { previewStatus } from "../rollout/preview-status.ts";
import type { RolloutInput } from "../rollout/types.ts";

/** `preview`: not started or paused; `eta`: running; `none`: done, halted, or no round ran. */
export type OutlookMode = "preview" | "eta" | "none";

export interface Outlook {
  preview?: PreviewStatus;
  estimatedCompletion?: string;
}

export function rolloutOutlook(input: RolloutInput | undefined, mode: OutlookMode): Outlook {
  if (input === undefined || mode === "none") return {};
  const preview = previewRollout(input);
  if (mode === "preview") return { preview: previewStatus(preview, input.policy.healthGate.settleMs) };
  const eta = rolloutEta(preview, input.now);
  return eta === undefined ? {} : { estimatedCompletion: toKubeTime(eta) };
}
