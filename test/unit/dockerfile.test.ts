/**
 * What can be checked of the image without a Docker engine: the Dockerfile's stages, what the
 * build context sends, and that the runtime layout the image builds (/app/package.json,
 * /app/node_modules, /app/dist from `tsc -p tsconfig.build.json`) starts the CLI on Node 24.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import { IMAGE_MALLOC_ENV, IMAGE_NODE_FLAGS } from "../../bench/operator-process.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
const dockerignore = readFileSync(join(ROOT, ".dockerignore"), "utf8")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line !== "" && !line.startsWith("#"));

interface Stage {
  from: string;
  name: string | undefined;
  instructions: { op: string; args: string }[];
}

/** Stages with their instructions; comments dropped, continuation lines joined. */
function parseDockerfile(text: string): Stage[] {
  const lines = text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [op = "", ...rest] = line.split(/\s+/);
    const args = rest.join(" ");
    if (op.toUpperCase() === "FROM") {
      const match = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ from: match?.[1] ?? args, name: match?.[2], instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ op: op.toUpperCase(), args });
    }
  }
  return stages;
}

/** A .dockerignore pattern as a RegExp: `*` and `?` stay within one path segment, `**` spans them. */
function globToRegExp(pattern: string): RegExp {
  const text = pattern.replace(/^\//, "");
  let source = "";
  for (let i = 0; i < text.length; i++) {
    const char = text.charAt(i);
    if (char === "*" && text.charAt(i + 1) === "*") {
      source += ".*";
      i++;
    } else if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else source += char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  // A pattern that names a folder keeps out everything below it too.
  return new RegExp(`^${source}(/.*)?$`);
}

/**
 * Whether .dockerignore keeps `path` (relative to the context) out of the build context; the last
 * matching pattern wins.
 */
function ignored(path: string): boolean {
  let result = false;
  for (const pattern of dockerignore) {
    const negated = pattern.startsWith("!");
    if (globToRegExp(negated ? pattern.slice(1) : pattern).test(path)) result = !negated;
  }
  return result;
}

const stages = parseDockerfile(dockerfile);
const runtime = stages.at(-1);

/** What the build stage deletes from dist/ after compiling: the `rm -r` arguments of its RUN. */
const removedFromDist = (stages[0]?.instructions ?? [])
  .filter((i) => i.op === "RUN")
  .flatMap((i) => /\brm -r ([^&]+)/.exec(i.args)?.[1]?.trim().split(/\s+/) ?? []);

/** Deletes what the image's build deletes; `name.*` is every file of that name with an extension. */
function removeLikeTheImage(app: string): void {
  for (const path of removedFromDist) {
    if (!path.endsWith(".*")) {
      rmSync(join(app, path), { recursive: true });
      continue;
    }
    const base = path.slice(0, -2);
    const dir = join(app, base, "..");
    const name = base.split("/").at(-1) ?? "";
    for (const file of readdirSync(dir).filter((entry) => entry.startsWith(`${name}.`))) rmSync(join(dir, file));
  }
}

describe("Dockerfile", () => {
  it("builds on the official Node 24 image in every stage", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.from).toMatch(/^node:24([.-]|$)/);
  });

  it("ends in a runtime stage that runs as a non-root user the Deployment's runAsUser matches", () => {
    const users = runtime?.instructions.filter((i) => i.op === "USER").map((i) => i.args) ?? [];
    const user = users.at(-1) ?? "";
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user.split(":")[0])).toBeGreaterThan(0);
    const chart = readFileSync(join(ROOT, "charts/rke2-lifecycle-operator/templates/deployment.yaml"), "utf8");
    expect(chart).toContain(`runAsUser: ${user.split(":")[0] ?? ""}`);
  });

  it("starts the compiled CLI in exec form, the operator by default", () => {
    const last = (op: string): unknown => {
      const found = runtime?.instructions.filter((i) => i.op === op).at(-1);
      return found === undefined ? undefined : JSON.parse(found.args);
    };
    expect(last("ENTRYPOINT")).toEqual(["node", ...IMAGE_NODE_FLAGS, "/app/dist/main.js"]);
    expect(last("CMD")).toEqual(["operator"]);
  });

  it("sets the glibc malloc environment the benchmarks measure", () => {
    const env = Object.fromEntries(
      (runtime?.instructions.filter((i) => i.op === "ENV") ?? []).flatMap((i) =>
        i.args.split(/\s+/).map((pair) => pair.split("=") as [string, string]),
      ),
    );
    for (const [name, value] of Object.entries(IMAGE_MALLOC_ENV)) expect(env[name]).toBe(value);
  });

  it("runs node with the V8 flags the benchmarks measure, flags this Node accepts", () => {
    const entrypoint = runtime?.instructions.filter((i) => i.op === "ENTRYPOINT").at(-1)?.args ?? "[]";
    const flags = (JSON.parse(entrypoint) as string[]).slice(1, -1);
    expect(flags).toEqual(IMAGE_NODE_FLAGS);
    // An unknown flag makes node exit with "bad option"; these must also act: after 2 million short-lived
    // objects the default young generation has grown to 64 MB, the image's stays at 1 MB semi-spaces.
    const code = [
      "const kept = [];",
      "for (let i = 0; i < 2e6; i++) kept.push({ i });",
      "const space = require('node:v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');",
      "process.stdout.write(String(space.space_size));",
    ].join("\n");
    const newSpace = (nodeFlags: string[]): number =>
      Number(
        execFileSync(process.execPath, [...nodeFlags, "-e", code], {
          env: { ...process.env, NODE_OPTIONS: "" },
          encoding: "utf8",
        }),
      );
    expect(newSpace(flags)).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(newSpace([])).toBeGreaterThan(2 * 1024 * 1024);
  });

  it("leaves the simulator, the demo and the schema machinery they use out of the image", () => {
    expect(removedFromDist).toEqual(["dist/sim", "dist/demo", "dist/kube-schema", "dist/cli/demo.*", "dist/cli/sim.*"]);
  });

  it("copies into the build stage only files that exist and that the build context sends", () => {
    const build = stages[0];
    const sources = (build?.instructions ?? [])
      .filter((i) => i.op === "COPY" && !i.args.includes("--from"))
      .flatMap((i) =>
        i.args
          .split(/\s+/)
          .filter((part) => !part.startsWith("--"))
          .slice(0, -1),
      );
    expect(sources).toEqual(expect.arrayContaining(["package.json", "package-lock.json", "src"]));
    for (const source of sources) {
      expect([source, existsSync(join(ROOT, source))]).toEqual([source, true]);
      expect([source, ignored(source)]).toEqual([source, false]);
    }
  });
});

describe(".dockerignore", () => {
  it("keeps dependencies, history, tests and build output out of the build context", () => {
    for (const path of [
      "node_modules",
      "node_modules/yaml/package.json",
      ".git",
      "test",
      "test/unit/dockerfile.test.ts",
      "dist",
      "coverage",
      ".tools/bin/helm",
    ]) {
      expect([path, ignored(path)]).toEqual([path, true]);
    }
  });

  it("sends what the build needs", () => {
    for (const path of ["package.json", "package-lock.json", "tsconfig.json", "tsconfig.build.json", "src/main.ts"]) {
      expect([path, ignored(path)]).toEqual([path, false]);
    }
  });
});

describe("the runtime layout", () => {
  let app: string;

  beforeAll(() => {
    // /app as the image lays it out: package.json (for "type": "module"), node_modules, dist.
    app = mkdtempSync(join(tmpdir(), "rke2-image-"));
    copyFileSync(join(ROOT, "package.json"), join(app, "package.json"));
    symlinkSync(join(ROOT, "node_modules"), join(app, "node_modules"), "dir");
    mkdirSync(join(app, "dist"));
    execFileSync(
      process.execPath,
      [
        join(ROOT, "node_modules/typescript/bin/tsc"),
        "-p",
        join(ROOT, "tsconfig.build.json"),
        "--outDir",
        join(app, "dist"),
      ],
      {
        cwd: ROOT,
        stdio: "pipe",
      },
    );
    removeLikeTheImage(app);
  }, 180_000);

  afterAll(() => {
    rmSync(app, { recursive: true, force: true });
  });

  const run = (...args: string[]): string =>
    execFileSync(process.execPath, [join(app, "dist/main.js"), ...args], {
      cwd: app,
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "" },
    });

  it("compiles src/ into dist/ with main.js at its root", () => {
    expect(readdirSync(join(app, "dist"))).toEqual(expect.arrayContaining(["main.js", "cli", "api"]));
    expect(existsSync(join(app, "dist/main.ts"))).toBe(false);
  });

  it("answers --help with the commands", () => {
    expect(run("--help")).toMatch(/Commands:[\s\S]*operator[\s\S]*crds/);
    expect(run("operator", "--help")).toContain("--jobs-namespace");
    expect(run("node-agent", "--help")).toContain("cert-inventory");
  });

  it("holds no simulator, and says so when asked for the demo", () => {
    expect(existsSync(join(app, "dist/sim"))).toBe(false);
    expect(existsSync(join(app, "dist/cli/demo.js"))).toBe(false);
    expect(() => run("demo")).toThrow(/the simulator is not part of this build/);
  });

  it("prints the CRDs, the same as crds/", () => {
    const printed = parseAllDocuments(run("crds")).map((doc) => doc.toJS() as { metadata: { name: string } });
    expect(printed.map((crd) => crd.metadata.name).sort()).toEqual(
      readdirSync(join(ROOT, "crds"))
        .map((file) => file.replace(/^rke2-lifecycle\.io_(.*)\.yaml$/, "$1.rke2-lifecycle.io"))
        .sort(),
    );
    expect(
      execFileSync(process.execPath, [join(app, "dist/main.js"), "crds", "--check", join(ROOT, "crds")], { cwd: app })
        .length,
    ).toBe(0);
  });
});
