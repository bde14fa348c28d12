/**
 * `npm run test:real`: every integration and contract test file on a real control plane, in
 * shards that run side by side (`RKE2_LIFECYCLE_REAL_SHARDS`, default 2), each a jest process with
 * its own kube-apiserver, controller-manager, scheduler and etcd (global-setup.ts), its files in
 * band. The files wait on timers far more than they compute, so two control planes on two cores
 * halve the lane's time. Each shard's output is printed when it ends; then the skipped tests of
 * all shards are added up. Extra arguments go to every jest (a path pattern, say).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { realLaneFiles } from "../request-log.ts";
import { addSkips, describeSkips, type SkipCount } from "./shards.ts";

const SHARDS_ENV = "RKE2_LIFECYCLE_REAL_SHARDS";
const shards = Number(process.env[SHARDS_ENV] ?? "2");
if (!Number.isInteger(shards) || shards < 1) throw new Error(`${SHARDS_ENV} must be a whole number >= 1`);

const NODE_FLAGS = ["--disable-warning=ExperimentalWarning", "--experimental-vm-modules", "--openssl-legacy-provider"];
const JEST = ["node_modules/jest/bin/jest.js", "--config", "jest.real.config.mjs", "--runInBand", "--forceExit"];
const children = new Set<ChildProcess>();

function runShard(index: number): Promise<{ index: number; code: number; output: string }> {
  const shard = shards > 1 ? [`--shard=${String(index)}/${String(shards)}`] : [];
  const child = spawn(process.execPath, [...NODE_FLAGS, ...JEST, ...shard, ...process.argv.slice(2)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  const chunks: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve) => {
    child.on("close", (code, signal) => {
      children.delete(child);
      const output = Buffer.concat(chunks).toString("utf8");
      resolve({ index, code: code ?? (signal ? 1 : 0), output });
    });
  });
}

// Stopped from outside: stop the shards (each one's supervisor then stops its control plane).
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    for (const child of children) child.kill(signal);
    process.exitCode = 130;
  });
}

const started = Array.from({ length: shards }, (_, i) => runShard(i + 1));
const finished = await Promise.all(
  started.map((run) =>
    run.then((result) => {
      process.stdout.write(`\n== real lane shard ${String(result.index)}/${String(shards)} ==\n${result.output}`);
      return result;
    }),
  ),
);
const counts = realLaneFiles(/^skipped-.*\.json$/).map((file) => JSON.parse(readFileSync(file, "utf8")) as SkipCount);
process.stdout.write(`\n${describeSkips("real lane, all shards", addSkips(counts))}`);
const failed = finished.filter((result) => result.code !== 0).map((result) => result.index);
if (failed.length > 0) process.stderr.write(`real lane: shard(s) ${failed.join(", ")} failed\n`);
process.exitCode = failed.length > 0 ? 1 : (process.exitCode ?? 0);
