/**
 * The Pod Security Standards' baseline and restricted checks (kubernetes.io "Pod Security
 * Standards", the controls Pod Security Admission enforces), for rendered pod specs. Windows-only
 * and AppArmor controls are left out: nothing here sets them.
 */

interface SecurityContext {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  procMount?: string;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type?: string };
  seLinuxOptions?: { type?: string; user?: string; role?: string };
  sysctls?: { name: string }[];
}

interface Container {
  name: string;
  securityContext?: SecurityContext;
  ports?: { hostPort?: number }[];
}

export interface PodSpec {
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: SecurityContext;
  containers: Container[];
  initContainers?: Container[];
  volumes?: Record<string, unknown>[];
}

const BASELINE_CAPABILITIES = [
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
];
const RESTRICTED_VOLUMES = [
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
];
const SAFE_SYSCTLS = [
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
];
const SELINUX_TYPES = ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"];

function baseline(pod: PodSpec, containers: Container[]): string[] {
  const out: string[] = [];
  for (const field of ["hostNetwork", "hostPID", "hostIPC"] as const) if (pod[field]) out.push(`${field} is true`);
  for (const volume of pod.volumes ?? [])
    if ("hostPath" in volume) out.push(`volume ${String(volume.name)} is a hostPath`);
  for (const sysctl of pod.securityContext?.sysctls ?? [])
    if (!SAFE_SYSCTLS.includes(sysctl.name)) out.push(`unsafe sysctl ${sysctl.name}`);
  const contexts: [string, SecurityContext | undefined][] = [
    ["pod", pod.securityContext],
    ...containers.map((c): [string, SecurityContext | undefined] => [c.name, c.securityContext]),
  ];
  for (const [where, context] of contexts) {
    if (context?.seccompProfile?.type === "Unconfined") out.push(`${where}: seccomp Unconfined`);
    const selinux = context?.seLinuxOptions;
    if (selinux && (!SELINUX_TYPES.includes(selinux.type ?? "") || selinux.user || selinux.role))
      out.push(`${where}: SELinux options`);
  }
  for (const c of containers) {
    const context = c.securityContext;
    if (context?.privileged) out.push(`${c.name}: privileged`);
    for (const cap of context?.capabilities?.add ?? [])
      if (!BASELINE_CAPABILITIES.includes(cap)) out.push(`${c.name}: adds ${cap}`);
    if (context?.procMount !== undefined && context.procMount !== "Default")
      out.push(`${c.name}: procMount ${context.procMount}`);
    for (const port of c.ports ?? []) if (port.hostPort) out.push(`${c.name}: hostPort ${port.hostPort}`);
  }
  return out;
}

function restricted(pod: PodSpec, containers: Container[]): string[] {
  const out: string[] = [];
  for (const volume of pod.volumes ?? []) {
    const type = Object.keys(volume).find((key) => key !== "name") ?? "";
    if (!RESTRICTED_VOLUMES.includes(type)) out.push(`volume ${String(volume.name)} of type ${type}`);
  }
  const podContext = pod.securityContext ?? {};
  if (podContext.runAsUser === 0) out.push("pod: runAsUser 0");
  for (const c of containers) {
    const context = c.securityContext ?? {};
    if (context.allowPrivilegeEscalation !== false) out.push(`${c.name}: allowPrivilegeEscalation is not false`);
    if ((context.runAsNonRoot ?? podContext.runAsNonRoot) !== true) out.push(`${c.name}: runAsNonRoot is not true`);
    if (context.runAsUser === 0) out.push(`${c.name}: runAsUser 0`);
    const seccomp = context.seccompProfile?.type ?? podContext.seccompProfile?.type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost")
      out.push(`${c.name}: seccomp profile ${seccomp ?? "unset"}`);
    if (!(context.capabilities?.drop ?? []).includes("ALL")) out.push(`${c.name}: does not drop ALL capabilities`);
    for (const cap of context.capabilities?.add ?? [])
      if (cap !== "NET_BIND_SERVICE") out.push(`${c.name}: adds ${cap}`);
  }
  return out;
}

/** What Pod Security Admission at `level` would reject in this pod spec; empty means admitted. */
export function podSecurityViolations(pod: PodSpec, level: "baseline" | "restricted"): string[] {
  const containers = [...(pod.initContainers ?? []), ...pod.containers];
  const found = baseline(pod, containers);
  return level === "baseline" ? found : [...found, ...restricted(pod, containers)];
}
