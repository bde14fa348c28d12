import { crdDrift, renderCrdYaml, writeCrdFiles } from "../api/crd-files.ts";
import { flagUsage, parseFlags } from "../flags.ts";
import { PROGRAM, usageError, wantsHelp, type CliIo, type ExitCode } from "./usage.ts";

const CRDS_FLAGS = {
  out: { type: "string", description: "write one YAML file per CRD into this folder instead of printing" },
  check: {
    type: "string",
    description: "compare this folder with the schemas; exit 1 and name the files that drifted",
  },
} as const;

export const CRDS_HELP = `Usage: ${PROGRAM} crds [--out DIR | --check DIR]

Prints the CustomResourceDefinitions of rke2-lifecycle.io/v1alpha1, rendered from the zod schemas
in src/api (the single source of truth). kubectl apply -f - accepts the output.

Flags:
${flagUsage(CRDS_FLAGS, null)}
`;

export function runCrds(argv: readonly string[], io: CliIo): ExitCode {
  if (wantsHelp(argv)) {
    io.stdout(CRDS_HELP);
    return 0;
  }
  const parsed = parseFlags(argv, {}, CRDS_FLAGS, { envPrefix: null });
  if (!parsed.ok) return usageError(io, "crds", parsed.error);
  const { out, check } = parsed.values;
  if (out !== undefined && check !== undefined) return usageError(io, "crds", "--out and --check: choose one");
  if (out !== undefined) {
    for (const file of writeCrdFiles(out)) io.stdout(`wrote ${file}\n`);
    return 0;
  }
  if (check !== undefined) {
    const drifted = crdDrift(check);
    if (drifted.length === 0) return 0;
    io.stderr(
      `${check}/ drifted from the schemas in src/api: ${drifted.join(", ")}. ` +
        "Run 'npm run crds' and commit the result.\n",
    );
    return 1;
  }
  io.stdout(renderCrdYaml());
  return 0;
}
