/**
 * The simulated RKE2 cluster: nodes with their kubelets, workloads on the agents, fault knobs,
 * and a read API over each node's certificates. A client of the API only.
 */
import type { Logger } from "../../observability/logger.ts";
import type { Clock } from "../../runtime/clock.ts";
import { isAlreadyExists } from "../../runtime/kube/errors.ts";
import type { KubePort } from "../../runtime/kube/port.ts";
import type { CertificateFile } from "./certificates.ts";
import { SIM_INVENTORY_NAMESPACE, SimCertInventory } from "./cert-inventory.ts";
import { scaleDurations, type SimDurations } from "./durations.ts";
import { FaultBook, type NodeFaults } from "./faults.ts";
import { Heartbeats } from "./heartbeats.ts";
import { Kubelets } from "./kubelet.ts";
import { SimNode, type SimNodeDeps } from "./sim-node.ts";
import { expandTopology, type TopologySpec } from "./topology.ts";
import { buildWorkloads, type WorkloadOptions } from "./workloads.ts";

export interface SimClusterOptions {
  port: KubePort;
  clock: Clock;
  log: Logger;
  topology: TopologySpec;
  /** Multiplies every node duration: 0.02 makes a 60 s restart 1.2 s. */
  timeScale: number;
  durations?: Partial<SimDurations>;
  /** Workloads on the agents; `false` for none (scale runs). Default on. */
  workloads?: WorkloadOptions | false;
  /**
   * Size of each snapshot file. Default 3 MiB, a small cluster's compressed snapshot: the sim's
   * node-agent hashes every byte it "saves" (and the test S3 uploader sends them), so a larger
   * default costs every snapshot test CPU time.
   */
  snapshotSizeBytes?: number;
  /** Nodes registered at once. Default 32. */
  registrationConcurrency?: number;
  /** The certificate inventory DaemonSet (one report Lease per node); `false` for none. Default on. */
  certInventory?: { namespace?: string } | false;
  /** Clients under the field managers of the components that write Nodes (sim-node.ts). */
  writers?: SimNodeDeps["writers"];
}

export interface NodeView {
  name: string;
  version: string;
  health: SimNode["health"];
}

export class SimCluster {
  readonly faults = new FaultBook();
  readonly durations: SimDurations;
  private readonly options: SimClusterOptions;
  private readonly nodes = new Map<string, SimNode>();
  private readonly kubelets: Kubelets;
  private readonly inventory: SimCertInventory | undefined;
  private readonly heartbeats: Heartbeats;

  constructor(options: SimClusterOptions) {
    this.options = options;
    this.durations = scaleDurations(options.timeScale, options.durations);
    const deps = {
      port: options.port,
      clock: options.clock,
      log: options.log.child({ component: "sim-cluster" }),
      durations: this.durations,
      faults: this.faults,
      ...(options.writers ? { writers: options.writers } : {}),
    };
    for (const spec of expandTopology(options.topology))
      this.nodes.set(spec.name, new SimNode(spec, options.topology.version, deps));
    this.heartbeats = new Heartbeats(options.clock, this.durations.heartbeatMs, this.nodes.values());
    this.kubelets = new Kubelets({
      ...deps,
      nodes: this.nodes,
      snapshotSizeBytes: options.snapshotSizeBytes ?? 3 * 1024 * 1024,
    });
    const inventory = options.certInventory;
    this.inventory =
      inventory === false
        ? undefined
        : new SimCertInventory({
            ...deps,
            namespace: inventory?.namespace ?? SIM_INVENTORY_NAMESPACE,
            timeScale: options.timeScale,
            nodes: () => this.nodes.values(),
          });
    this.faults.onChange((node) => {
      void this.applyFaults(node);
    });
  }

  async start(): Promise<void> {
    const pending = [...this.nodes.values()];
    const workers = Array.from({ length: this.options.registrationConcurrency ?? 32 }, async () => {
      for (let node = pending.shift(); node; node = pending.shift()) await node.register();
    });
    await Promise.all(workers);
    this.heartbeats.start();
    await this.kubelets.start();
    await this.inventory?.start();
    if (this.options.workloads !== false) await this.createWorkloads(this.options.workloads ?? {});
  }

  async stop(): Promise<void> {
    this.heartbeats.stop();
    for (const node of this.nodes.values()) node.stop();
    this.inventory?.stop();
    await this.kubelets.stop();
  }

  nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  node(name: string): NodeView | undefined {
    const node = this.nodes.get(name);
    return node && { name: node.name, version: node.version, health: node.health };
  }

  /** Sets fault knobs on one node, or on all when `node` is omitted. */
  setFaults(faults: Partial<NodeFaults>, node?: string): void {
    this.faults.set(faults, node);
  }

  certificatesOf(node: string): CertificateFile[] {
    return [...this.mustGet(node).certificates.values()];
  }

  /** Moves one certificate's expiry (to emulate a cluster close to expiry). */
  setCertificateExpiry(node: string, file: string, notAfter: Date): void {
    const sim = this.mustGet(node);
    const cert = sim.certificates.get(file);
    if (!cert) throw new Error(`node ${node} has no certificate ${file}`);
    sim.certificates = new Map([...sim.certificates, [file, { ...cert, notAfter: notAfter.getTime() }]]);
  }

  private mustGet(name: string): SimNode {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no simulated node ${name}`);
    return node;
  }

  private async applyFaults(name: string | undefined): Promise<void> {
    const affected = name === undefined ? [...this.nodes.values()] : [this.mustGet(name)];
    for (const node of affected) {
      try {
        await node.refreshMirrorPods();
        this.kubelets.resync(node.name);
      } catch (err) {
        this.options.log.warn({ err, node: node.name }, "could not apply fault knobs");
      }
    }
  }

  private async createWorkloads(options: WorkloadOptions): Promise<void> {
    const agents = [...this.nodes.values()]
      .filter((n) => !n.spec.roles.etcd && !n.spec.roles.controlPlane)
      .map((n) => n.name);
    for (const [type, object] of buildWorkloads(agents, options)) {
      try {
        await this.options.port.create(type, object);
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
    }
  }
}
