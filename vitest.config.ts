import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // e2e tests spawn real processes; keep the 2-core machine from thrashing.
    maxWorkers: 2,
    reporters: ["default"],
  },
});
