// Jest runs TypeScript through @swc/jest as native ES modules (node --experimental-vm-modules),
// because @kubernetes/client-node 2.x ships ESM only.
export default {
  testEnvironment: "node",
  extensionsToTreatAsEsm: [".ts"],
  transform: {
    "^.+\\.ts$": [
      "@swc/jest",
      {
        jsc: { parser: { syntax: "typescript" }, target: "es2023" },
        module: { type: "es6" },
      },
    ],
  },
  testMatch: ["<rootDir>/test/**/*.test.ts"],
  testTimeout: 30000,
  clearMocks: true,
};
