import js from "@eslint/js";
import stylistic from "@stylistic/eslint-plugin";
import importX from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";
import { boundaryZones } from "./eslint.boundaries.mjs";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/", "charts/", "crds/"] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-extraneous-class": "off",
      "@typescript-eslint/no-unnecessary-condition": ["error", { allowConstantLoopConditions: true }],
    },
  },
  {
    // Imports only go down the layers of docs/development.md "Layout"; the simulator may use
    // product code, product code never the simulator. eslint.boundaries.mjs lists the layers.
    files: ["src/**/*.ts"],
    plugins: { "import-x": importX },
    rules: {
      "import-x/no-restricted-paths": ["error", { basePath: import.meta.dirname, zones: boundaryZones() }],
    },
  },
  {
    // Prettier wraps code at 120 columns but leaves long strings, comments and names alone; this
    // catches those. Everything linted is hand-written: crds/ and charts/ (the generated files)
    // are YAML and ignored above.
    plugins: { "@stylistic": stylistic },
    rules: { "@stylistic/max-len": ["error", { code: 120, tabWidth: 2 }] },
  },
  {
    files: ["test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/unbound-method": "off",
    },
  },
);
