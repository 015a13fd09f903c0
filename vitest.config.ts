import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The servers (moto, PostgreSQL, Temporal dev server) start once per run, here.
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-env.ts'],
    // Temporal's native worker runs best in child processes; two cores, two at a time.
    pool: 'forks',
    maxWorkers: 2,
    // CI also writes a JSON summary, from which .ci/run prints its closing "N passed, N failed" line.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: 'test-results.json' },
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
