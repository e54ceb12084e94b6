// ESLint: typescript-eslint's recommended rules on the TypeScript sources, tests and benchmarks.
// The import-direction rule and the cycle check are scripts/check-imports.mjs; unused exports,
// files and dependencies are knip's (knip.json). All three run in `npm run lint`, part of `npm test`.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "test/fixtures/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: "readonly", console: "readonly", URL: "readonly", performance: "readonly", setTimeout: "readonly", clearTimeout: "readonly", Buffer: "readonly", global: "readonly" },
    },
    rules: {
      // A `let` assigned once, after a closure that reads it was made, cannot be a const.
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
  // Tests read `--json` documents and child-process results whose shape they assert: `any` there is the point.
  { files: ["test/**"], rules: { "@typescript-eslint/no-explicit-any": "off" } },
);
