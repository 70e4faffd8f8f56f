import { defineConfig } from "vitest/config";

/**
 * Tests whose subject is a process (e2e, faults, security, the browser, sandbox-process and `phone`
 * tests) run each file in a fresh worker. Everything else runs in process and shares workers: a file
 * then skips re-importing src, which was most of its time (helpers must keep no state across files;
 * temp dirs are removed after each file by test/helpers/setup.ts). Vitest starts projects in name
 * order, so "processes" (long, mostly waiting) starts first and "shared-workers" fills in after.
 */
const PROCESS_TESTS = [
  "test/e2e/**/*.test.ts",
  "test/faults/**/*.test.ts",
  "test/security/**/*.test.ts",
  "test/sandbox/softphone.test.ts",
  "test/sandbox/softphone-usability.test.ts",
  "test/sandbox/process.test.ts",
  "test/cli/phone.test.ts",
];

const shared = {
  testTimeout: 30_000,
  hookTimeout: 30_000,
  setupFiles: ["test/helpers/setup.ts"],
};

export default defineConfig({
  test: {
    // Most process tests wait (timeouts, backoffs, grace periods) rather than compute, so more
    // workers than the 2 cores overlap the waiting; measured in the issue 12 report.
    maxWorkers: 3,
    reporters: ["default"],
    projects: [
      {
        test: { ...shared, name: "processes", include: PROCESS_TESTS, isolate: true },
      },
      {
        test: {
          ...shared,
          name: "shared-workers",
          include: ["test/**/*.test.ts"],
          exclude: PROCESS_TESTS,
          isolate: false,
        },
      },
    ],
  },
});
