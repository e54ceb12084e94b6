import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    // Tests run the real Prisma CLI and copy real databases: seconds, not milliseconds.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    restoreMocks: true,
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
