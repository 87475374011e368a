import type pg from 'pg';
import { expect } from 'vitest';
import { isDatabaseUnavailable } from '../../src/index';

/**
 * Starts `call` (a statement that runs `pg_sleep`), terminates the one backend sleeping in this
 * database while it is in flight, and expects the call to fail as unavailable.
 */
export async function expectUnavailableWhenTerminated(admin: pg.Client, call: () => Promise<unknown>) {
  const inFlight = call().then(
    () => 'answered',
    (error: unknown) => error,
  );
  await new Promise((resolve) => setTimeout(resolve, 200));
  const { rows: sleepers } = await admin.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep%'
        AND pid <> pg_backend_pid()`,
  );
  expect(sleepers).toHaveLength(1);
  await admin.query('SELECT pg_terminate_backend($1)', [sleepers[0]?.pid]);
  const outcome = await inFlight;
  expect(outcome).not.toBe('answered');
  expect(isDatabaseUnavailable(outcome)).toBe(true);
}
