/**
 * A module hook for child processes (`node --import ./test/support/record-modules.ts ...`): records
 * every module the process loads, ESM and CommonJS, and Node's own, and writes their URLs, one a
 * line, to the file MODULE_GRAPH_OUT names when the process exits.
 */
import { writeFileSync } from "node:fs";
import { registerHooks } from "node:module";

const loaded = new Set<string>();
registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    loaded.add(resolved.url);
    return resolved;
  },
});
process.on("exit", () => {
  const out = process.env.MODULE_GRAPH_OUT;
  // Node's own modules too, as `node-internal:<id>` (e.g. node-internal:internal/deps/undici/undici).
  const internal = ((process as NodeJS.Process & { moduleLoadList?: string[] }).moduleLoadList ?? [])
    .filter((entry) => entry.startsWith("NativeModule "))
    .map((entry) => `node-internal:${entry.slice("NativeModule ".length)}`);
  if (out) writeFileSync(out, [...loaded, ...internal].join("\n"));
});
