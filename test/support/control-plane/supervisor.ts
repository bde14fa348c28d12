/**
 * Runs a real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler) on loopback until its parent goes away. Started by `control-plane/index.ts` as
 * `node supervisor.ts <binDir>`; prints one JSON line (`ControlPlaneInfo`) once /readyz answers ok,
 * then stops everything when its standard input closes (the parent exited, however it died: a
 * SIGKILLed jest closes the pipe too) or on SIGTERM/SIGINT. So no process outlives the test run.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { OPERATOR_SERVICE_ACCOUNT } from "../lane-env.ts";

export interface ControlPlaneInfo {
  server: string;
  workDir: string;
  adminKubeconfig: string;
  /** The operator's ServiceAccount identity: RBAC applies to it exactly as to a pod's token. */
  operatorKubeconfig: string;
  operatorUser: string;
  auditLog: string;
  /** etcd's client URL (plain HTTP on loopback), for tests that compact its history. */
  etcdUrl: string;
}

const READY_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 3_000;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** The serving certificate kube-apiserver generates in --cert-dir holds its own CA: clients verify with it. */
function kubeconfig(server: string, caFile: string, user: string, token: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `- name: real\n  cluster:\n    server: ${server}\n    certificate-authority: ${caFile}`,
    "users:",
    `- name: ${user}\n  user:\n    token: ${token}`,
    "contexts:",
    `- name: real\n  context:\n    cluster: real\n    user: ${user}`,
    "current-context: real",
    "",
  ].join("\n");
}

/** Resolves with the HTTP status and body of a GET (TLS not verified: the serving cert is self-signed). */
function get(url: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { authorization: `Bearer ${token}` }, rejectUnauthorized: false }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on("error", reject);
    req.setTimeout(2_000, () => req.destroy(new Error("timeout")));
    req.end();
  });
}

class Supervisor {
  private readonly children: { name: string; child: ChildProcess }[] = [];
  private stopping = false;

  private readonly bin: string;
  private readonly workDir: string;

  constructor(bin: string, workDir: string) {
    this.bin = bin;
    this.workDir = workDir;
  }

  start(name: string, args: string[]): ChildProcess {
    const log = createWriteStream(join(this.workDir, `${name}.log`));
    const child = spawn(join(this.bin, name), args, { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    child.on("exit", (code, signal) => {
      if (!this.stopping) this.fail(`${name} exited (${signal ?? code}); see ${join(this.workDir, `${name}.log`)}`);
    });
    this.children.push({ name, child });
    return child;
  }

  fail(message: string): void {
    process.stderr.write(`control plane: ${message}\n`);
    void this.stop(1);
  }

  async stop(code: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    // Reverse order: the components first, etcd last. kube-scheduler may ignore SIGTERM.
    for (const { child } of [...this.children].reverse()) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }
    }
    if (process.env.RKE2_LIFECYCLE_KEEP_CONTROL_PLANE_DIR !== "1")
      rmSync(this.workDir, { recursive: true, force: true });
    process.exit(code);
  }
}

async function waitUntil(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what} was not ready within ${READY_TIMEOUT_MS / 1000} s`);
}

async function main(bin: string): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), "rke2-real-cp-"));
  const supervisor = new Supervisor(bin, workDir);
  process.stdin.on("end", () => void supervisor.stop(0));
  process.stdin.on("error", () => void supervisor.stop(0));
  process.stdin.resume();
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => void supervisor.stop(0));

  const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  writeFileSync(join(workDir, "sa.key"), privateKey.export({ type: "pkcs1", format: "pem" }));
  writeFileSync(join(workDir, "sa.pub"), publicKey.export({ type: "spki", format: "pem" }));
  const adminToken = randomBytes(16).toString("hex");
  const operatorToken = randomBytes(16).toString("hex");
  const { namespace, name } = OPERATOR_SERVICE_ACCOUNT;
  const operatorUser = `system:serviceaccount:${namespace}:${name}`;
  const groups = `system:serviceaccounts,system:serviceaccounts:${namespace},system:authenticated`;
  writeFileSync(
    join(workDir, "tokens.csv"),
    `${adminToken},admin,admin,"system:masters"\n${operatorToken},${operatorUser},operator-uid,"${groups}"\n`,
  );
  // Only the operator's requests are audited: they are what the RBAC check reads.
  writeFileSync(
    join(workDir, "audit-policy.yaml"),
    `apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n` +
      `- level: Metadata\n  users: ["${operatorUser}"]\n- level: None\n`,
  );
  const server = `https://127.0.0.1:${apiPort}`;
  const adminKubeconfig = join(workDir, "admin.kubeconfig");
  const operatorKubeconfig = join(workDir, "operator.kubeconfig");
  const caFile = join(workDir, "certs", "apiserver.crt");
  writeFileSync(adminKubeconfig, kubeconfig(server, caFile, "admin", adminToken));
  writeFileSync(operatorKubeconfig, kubeconfig(server, caFile, "operator", operatorToken));
  mkdirSync(join(workDir, "certs"));
  const auditLog = join(workDir, "audit.log");

  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  supervisor.start("etcd", [
    `--data-dir=${join(workDir, "etcd")}`,
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
  ]);
  supervisor.start("kube-apiserver", [
    `--etcd-servers=${etcdUrl}`,
    `--secure-port=${apiPort}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--cert-dir=${join(workDir, "certs")}`,
    "--service-account-issuer=https://kubernetes.default.svc",
    `--service-account-key-file=${join(workDir, "sa.pub")}`,
    `--service-account-signing-key-file=${join(workDir, "sa.key")}`,
    `--token-auth-file=${join(workDir, "tokens.csv")}`,
    "--authorization-mode=Node,RBAC",
    "--service-cluster-ip-range=10.96.0.0/16",
    "--allow-privileged=true",
    "--feature-gates=CustomResourceValidationExpressions=true",
    "--enable-admission-plugins=OwnerReferencesPermissionEnforcement",
    `--audit-policy-file=${join(workDir, "audit-policy.yaml")}`,
    `--audit-log-path=${auditLog}`,
    "--audit-log-mode=blocking",
    // ConfigMaps are watched from etcd, not the watch cache, so a watch from a revision etcd has
    // compacted gets etcd's real 410 Expired (test/contract/client-node.test.ts). A cached kind
    // would need more writes than the cache holds before its window moves.
    "--watch-cache-sizes=configmaps#0",
  ]);
  await waitUntil("kube-apiserver", async () => (await get(`${server}/readyz`, adminToken)).body === "ok");
  const common = [`--kubeconfig=${adminKubeconfig}`, `--authentication-kubeconfig=${adminKubeconfig}`];
  const component = [...common, `--authorization-kubeconfig=${adminKubeconfig}`, "--leader-elect=false"];
  supervisor.start("kube-controller-manager", [
    ...component,
    "--use-service-account-credentials=false",
    `--service-account-private-key-file=${join(workDir, "sa.key")}`,
    "--controllers=*,-nodeipam,-serviceaccount-token",
    "--bind-address=127.0.0.1",
    "--secure-port=0",
  ]);
  supervisor.start("kube-scheduler", [...component, "--bind-address=127.0.0.1", "--secure-port=0"]);
  const info: ControlPlaneInfo = {
    server,
    workDir,
    adminKubeconfig,
    operatorKubeconfig,
    operatorUser,
    auditLog,
    etcdUrl,
  };
  process.stdout.write(`${JSON.stringify(info)}\n`);
}

// Runs only as a program (`node supervisor.ts <binDir>`), never when imported.
const bin = process.argv[2];
if (bin && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(bin).catch((err: unknown) => {
    process.stderr.write(`control plane: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
