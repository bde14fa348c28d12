/**
 * RKE2 versions look like `v1.31.4+rke2r1`: the Kubernetes version, then the RKE2 release
 * revision as build metadata. Semver ignores build metadata when ordering, but `r2` of the same
 * Kubernetes patch is a newer RKE2 release, so the revision is compared explicitly.
 */
import semver from "semver";

export interface Rke2Version {
  major: number;
  minor: number;
  patch: number;
  /** The `rke2rN` revision; 0 when the string carries none (a plain Kubernetes version). */
  revision: number;
  /** Pre-release tag such as `rc1`, empty for releases. */
  prerelease: string;
  /** The version as given, normalised with a leading `v`. */
  raw: string;
}

const RKE2_BUILD = /^rke2r(\d+)$/;

export function parseRke2Version(input: string): Rke2Version | undefined {
  const text = input.trim();
  const parsed = semver.parse(text.startsWith("v") ? text.slice(1) : text);
  if (!parsed) return undefined;
  let revision = 0;
  if (parsed.build.length > 0) {
    const match = RKE2_BUILD.exec(parsed.build.join("."));
    if (!match?.[1]) return undefined;
    revision = Number(match[1]);
  }
  return {
    major: parsed.major,
    minor: parsed.minor,
    patch: parsed.patch,
    revision,
    prerelease: parsed.prerelease.join("."),
    raw: text.startsWith("v") ? text : `v${text}`,
  };
}

/** Negative when a < b, 0 when equal, positive when a > b. */
export function compareRke2Versions(a: Rke2Version, b: Rke2Version): number {
  const core = semver.compare(coreOf(a), coreOf(b));
  if (core !== 0) return core;
  return a.revision - b.revision;
}

function coreOf(v: Rke2Version): string {
  return `${v.major}.${v.minor}.${v.patch}${v.prerelease ? `-${v.prerelease}` : ""}`;
}

/** The tag of `rancher/rke2-upgrade` for a version: `v1.31.4+rke2r1` -> `v1.31.4-rke2r1` (tags cannot hold `+`). */
export function upgradeImageTag(version: string): string {
  return version.replace(/\+/g, "-");
}

export type SkewVerdict =
  | { allowed: true; kind: "same" | "patch" | "minor" | "skip" | "downgrade" }
  | { allowed: false; kind: "downgrade" | "skip" | "major"; message: string };

export interface SkewPolicy {
  allowMinorSkip: boolean;
  allowDowngrade: boolean;
}

/**
 * Whether moving a node from `current` to `target` respects the version-skew policy: never skip a
 * minor version and never go back, unless the plan explicitly allows it. A major change is never
 * allowed (Kubernetes has no supported path for it).
 */
export function checkSkew(current: Rke2Version, target: Rke2Version, policy: SkewPolicy): SkewVerdict {
  if (current.major !== target.major) {
    return {
      allowed: false,
      kind: "major",
      message: `cannot change major version from ${current.raw} to ${target.raw}`,
    };
  }
  const order = compareRke2Versions(target, current);
  if (order === 0) return { allowed: true, kind: "same" };
  if (order < 0) {
    if (policy.allowDowngrade) return { allowed: true, kind: "downgrade" };
    return {
      allowed: false,
      kind: "downgrade",
      message: `${target.raw} is older than ${current.raw}: downgrades need skew.allowDowngrade`,
    };
  }
  const minorStep = target.minor - current.minor;
  if (minorStep === 0) return { allowed: true, kind: "patch" };
  if (minorStep === 1) return { allowed: true, kind: "minor" };
  if (policy.allowMinorSkip) return { allowed: true, kind: "skip" };
  return {
    allowed: false,
    kind: "skip",
    message:
      `${current.raw} -> ${target.raw} skips ${minorStep - 1} minor version(s): ` +
      "upgrade one minor at a time or set skew.allowMinorSkip",
  };
}
