/**
 * The one place that declares which tests run on the simulated server only, and why. Every other
 * test runs on both lanes. On the real lane (`npm run test:real`) such a test is skipped with its
 * reason in the title, and the lane's reporter prints how many were skipped and why.
 * A reason must be a sim-only knob: time the real server cannot be made to keep, or the sim's own
 * internals. (API faults run on both lanes: the real lane puts a fault proxy in front of the server.)
 */
import { describe, it } from "@jest/globals";
import { onRealServer } from "./lane-env.ts";

export const SIM_ONLY = {
  shiftedClock:
    "moves the cluster's clock (a maintenance window, days of certificate time); " +
    "a real kube-apiserver and its controllers stamp real time (a Job's completion, which the health " +
    "gate's settle counts from, is months away from the shifted clock)",
  compressedTime:
    "runs the operator's clock 30 times faster than real time (cron minutes in 2 s), while a real " +
    "server's controllers stamp Job completions in real time, which the policy's ledger compares with " +
    "times taken on the operator's clock",
  simInternals: "measures the simulated API server itself (its start-up at 1,000 nodes, its heap), not the operator",
} as const;

export type SimOnlyReason = keyof typeof SIM_ONLY;

const title = (name: string, reason: SimOnlyReason): string => `${name} [sim-only: ${SIM_ONLY[reason]}]`;

/** `it` on the sim lane; a skipped test that names its reason on the real lane. */
export function itOnSim(reason: SimOnlyReason): (name: string, fn: () => Promise<void>, timeout?: number) => void {
  return (name, fn, timeout) => {
    if (onRealServer()) it.skip(title(name, reason), fn, timeout);
    else it(name, fn, timeout);
  };
}

/** `describe` on the sim lane; its tests are skipped with the reason on the real lane. */
export function describeOnSim(reason: SimOnlyReason): (name: string, fn: () => void) => void {
  return (name, fn) => {
    if (onRealServer()) describe.skip(title(name, reason), fn);
    else describe(name, fn);
  };
}
