import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    // Several tests start real processes (concurrent writers, orchestrators).
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
