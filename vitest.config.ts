import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
    // One PostgreSQL per run (TEST_DATABASE_URL or embedded) and a migrated template database;
    // test files get their own copy via createTestDatabase() from '@campaigns/db/testing'.
    globalSetup: ['packages/db/src/test-global-setup.ts'],
    pool: 'forks',
    // Vitest's default is one fewer than the cores: one file at a time on a 2-core machine. Most files
    // wait on PostgreSQL, child processes and sockets rather than on the CPU, so two run side by side.
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    // CI (.ci/run) also wants machine-readable results to print its closing "N passed, N failed".
    reporters: process.env.VITEST_JSON_REPORT
      ? ['default', ['json', { outputFile: process.env.VITEST_JSON_REPORT }]]
      : ['default'],
  },
});
