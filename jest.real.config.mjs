// The real lane (`npm run test:real`): every integration and contract test file against one real
// kube-apiserver + controller-manager + scheduler + etcd (test/support/control-plane), files in
// band because they share that cluster. See docs/development.md.
import base from "./jest.config.mjs";

export default {
  ...base,
  testMatch: ["<rootDir>/test/integration/**/*.test.ts", "<rootDir>/test/contract/**/*.test.ts"],
  globalSetup: "<rootDir>/test/support/control-plane/global-setup.ts",
  globalTeardown: "<rootDir>/test/support/control-plane/global-teardown.ts",
  reporters: ["default", "<rootDir>/test/support/control-plane/skip-reporter.ts"],
  testTimeout: 60000,
};
