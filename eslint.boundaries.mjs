/**
 * The import boundaries of src/, as zones for import-x's no-restricted-paths: a folder may import
 * its own layer's folders it lists in PEERS and every lower layer, nothing above. Kept as data so
 * docs/development.md "Layout" and this file say the same; test/unit/lint/boundaries.test.ts shows
 * that an import the wrong way fails.
 */

/** Bottom to top. Entries are folders of src/ (or single files: `config.ts`, `flags.ts`, `main.ts`). */
const LAYERS = [
  ["api", "rke2", "runtime", "kube-schema", "config.ts", "flags.ts", "version.ts"],
  ["rollout", "nodeops", "certs", "storage", "observability"],
  ["controllers"],
  ["operator", "cli", "main.ts"],
  // The simulated cluster and the demo: they may use any product code; no product code uses them.
  ["sim", "demo"],
];

/** Imports allowed within a layer; any other same-layer import is refused. Must stay acyclic. */
const PEERS = {
  api: ["runtime", "kube-schema"],
  "config.ts": ["flags.ts"],
  rollout: ["nodeops", "observability"],
  nodeops: ["certs"],
  cli: ["operator"],
  "main.ts": ["cli", "nodeops"],
  sim: ["demo"],
  demo: [],
};

/** The kinds under src/controllers: they never import each other (controllers/index.ts wires them). */
const CONTROLLER_KINDS = ["certrotation", "etcdsnapshotpolicy", "upgradeplan"];

/** The `sim` and `demo` commands live in src/cli but belong to the simulator's side. */
const SIMULATOR_COMMANDS = "src/cli/!(sim|demo).ts";

function layerOf(entry) {
  return LAYERS.findIndex((layer) => layer.includes(entry));
}

export function boundaryZones() {
  const zones = [];
  for (const [index, layer] of LAYERS.entries()) {
    for (const entry of layer) {
      const allowedPeers = PEERS[entry] ?? [];
      const forbidden = [
        ...layer.filter((peer) => peer !== entry && !allowedPeers.includes(peer)),
        ...LAYERS.slice(index + 1).flat(),
      ];
      if (forbidden.length === 0) continue;
      const allowed = [...allowedPeers, ...LAYERS.slice(0, index).flat()];
      zones.push({
        target: entry === "cli" ? SIMULATOR_COMMANDS : `src/${entry}`,
        from: forbidden.map((name) => `src/${name}`),
        message:
          `src/${entry} (layer ${layerOf(entry)}) may import only ${allowed.join(", ") || "nothing in src"} ` +
          `(docs/development.md "Layout").`,
      });
    }
  }
  for (const kind of CONTROLLER_KINDS) {
    zones.push({
      target: `src/controllers/${kind}`,
      from: CONTROLLER_KINDS.filter((other) => other !== kind).map((other) => `src/controllers/${other}`),
      message:
        "a controller does not import another kind's folder: " +
        "put the shared part behind an interface wired in controllers/index.ts.",
    });
  }
  zones.push({
    target: "src/controllers/!(index).ts",
    from: CONTROLLER_KINDS.map((kind) => `src/controllers/${kind}`),
    message: "the shared files of src/controllers sit below the kinds; only controllers/index.ts wires the kinds.",
  });
  return zones;
}
