# One image for the operator and the node-agent (node Jobs and the certificate DaemonSet run it too).
# Build: docker build -t rke2-lifecycle-operator .
# The root filesystem can be read-only: nothing is written outside /tmp at run time.

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# The `node` dev dependency pins Node 24 for machines whose system Node is older; the base image has it already.
# npm install (not npm ci): the lock file lists only the linux builds of platform-specific
# optional packages (swc, unrs-resolver), and npm ci refuses a lock without the others.
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The image ships the operator and the node-agent only: the simulator, the demo and the CRD schema
# machinery the simulator serves with (kube-schema, CEL) are left out; `rke2-lifecycle demo` and
# `sim` say so. test/unit/dockerfile.test.ts keeps this list and the image layout in step.
RUN npx tsc -p tsconfig.build.json \
 && rm -r dist/sim dist/demo dist/kube-schema dist/cli/demo.* dist/cli/sim.* \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
# glibc malloc for a small process (docs/operations.md "Sizing"): two arenas, not eight per core for
# V8's and libuv's threads, and a fixed 128 KiB mmap threshold so freed large blocks go back to the
# system instead of raising the threshold and staying in the heap. bench/operator-process.ts
# IMAGE_MALLOC_ENV runs the same.
ENV MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
COPY --from=build --chown=root:root /src/package.json ./package.json
COPY --from=build --chown=root:root /src/node_modules ./node_modules
COPY --from=build --chown=root:root /src/dist ./dist
# etcd's own etcd, etcdctl and etcdutl for the node-agent's restore drill: RKE2's rancher/hardened-etcd
# image is FROM scratch with etcd and etcdctl only, and etcdctl 3.6 no longer restores snapshots
# (docs/restore.md). The minor release RKE2 ships (3.6); etcdutl restores snapshots of older ones.
COPY --from=gcr.io/etcd-development/etcd:v3.6.7 /usr/local/bin/etcd /usr/local/bin/etcdctl /usr/local/bin/etcdutl /usr/local/bin/
# Non-root by default; node Jobs that must act on the host override this in their pod spec.
USER 65532:65532
# V8 tuned for a small process that mostly waits (docs/operations.md "Sizing"): --optimize-for-size keeps
# the heap near its live data (peak RSS 278 -> 192 MB in the 1,000-node bench, for about 20 % more CPU),
# --max-semi-space-size=1 keeps the young generation at 1 MB instead of growing to 32 MB semi-spaces while
# lists of thousands of Nodes are parsed. On the command line (NODE_OPTIONS refuses the first), so a
# NODE_OPTIONS set in the pod adds to them. bench/operator-process.ts IMAGE_NODE_FLAGS runs the same.
ENTRYPOINT ["node", "--optimize-for-size", "--max-semi-space-size=1", "/app/dist/main.js"]
CMD ["operator"]
