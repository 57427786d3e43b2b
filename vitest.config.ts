import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    // The tests that start handlers and workers run dist/ (tests/unit/built.ts): built
    // here first when it is older than the sources.
    globalSetup: ['tests/unit/global_setup.ts'],
    // Several tests start real processes (concurrent writers, orchestrators).
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Files at once: vitest's default is CPUs - 1 (one file at a time on 2 cores), but
    // most of these tests wait on processes they started (distributed/ alone waits
    // minutes on heartbeats), so several overlap well. ARGO_TEST_JOBS overrides.
    maxWorkers: Number(process.env.ARGO_TEST_JOBS) || 3,
    minWorkers: 1,
  },
});
