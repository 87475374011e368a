import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
    // One PostgreSQL per run (TEST_DATABASE_URL or embedded) and a migrated template database;
    // test files get their own copy via createTestDatabase() from '@campaigns/db/testing'.
    globalSetup: ['packages/db/src/test-global-setup.ts'],
    pool: 'forks',
    // Files share their fork's loaded modules (no fresh module graph per file): 250 s -> 168 s here,
    // the per-file import of the server, Prisma and tRPC being ~1.2 s of 72 files. Every file builds its
    // own servers, databases and clocks (useTestServer, createTestDatabase); none keeps module state.
    isolate: false,
    // One file at a time on a 2-core machine (Vitest's default, cores - 1). Two side by side were tried:
    // 205 s instead of 300 s, but the timing tests (hostile clients vs /healthz) lose their margin, and
    // the event feed holds back events behind another file's open transaction: its commit-order horizon
    // is the cluster's oldest snapshot, and every test database shares one cluster (docs/events.md).
    testTimeout: 20_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    // CI (.ci/run) also wants machine-readable results to print its closing "N passed, N failed".
    reporters: process.env.VITEST_JSON_REPORT
      ? ['default', ['json', { outputFile: process.env.VITEST_JSON_REPORT }]]
      : ['default'],
  },
});
