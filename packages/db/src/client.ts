import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { type Prisma, PrismaClient } from './generated/prisma/client';
import { PipelinedLanes } from './pipelined-lanes';
import { PipelinedReads } from './pipelined-reads';
import { StatementBatch, StatementPreparation } from './statement-batch';
import { isDatabaseUnavailable } from './unavailable';

export interface PrismaClientOptions {
  /** Size of the pg pool behind the client. Default 10. */
  poolMax?: number;
  /** Connections of `readRows` (pipelined-reads.ts), besides the pool; 0: reads use the pool. Default 2. */
  readLanes?: number;
  /**
   * Connections of the one-round-trip changes (`pipelinedTransaction` without `before`), besides the
   * pool and the read lanes (pipelined-lanes.ts); 0: they use the pool. Default 8.
   */
  writeLanes?: number;
}

/** The pg pool behind each client made by createPrismaClient (see withTransaction, queryRows). */
const pools = new WeakMap<PrismaClient, pg.Pool>();
/** The pipelined read lanes of each client made by createPrismaClient (see readRows). */
const readers = new WeakMap<PrismaClient, PipelinedReads>();
/** The write lanes of each client made by createPrismaClient (see pipelinedTransaction). */
const writers = new WeakMap<PrismaClient, PipelinedLanes>();

/**
 * A PrismaClient on a node-postgres pool (Prisma 7 driver adapter: no native query engine). The pool
 * belongs to the client: `$disconnect()` closes it. The same pool also runs the hot paths' raw SQL
 * (withTransaction, queryRows) without Prisma's per-query client work, so both share one connection
 * limit.
 */
export function createPrismaClient(databaseUrl: string, options: PrismaClientOptions = {}): PrismaClient {
  const connection = {
    connectionString: databaseUrl,
    // The adapter exchanges timestamps without an offset; pin the session to UTC so that a server whose
    // TimeZone setting is something else cannot shift every instant we store or read.
    options: '-c TimeZone=UTC',
    // Waiting longer than this for a connection is an overload, reported, not an unbounded queue (the same
    // bound as Prisma's maxWait below, for the raw paths that bypass it).
    connectionTimeoutMillis: 10_000,
  };
  const pool = new pg.Pool({ ...connection, max: options.poolMax ?? 10 });
  const readLanes = options.readLanes ?? 2;
  const reads = readLanes > 0 ? new PipelinedReads(connection, readLanes) : undefined;
  const writeLanes = options.writeLanes ?? 8;
  const writes = writeLanes > 0 ? new PipelinedLanes(connection, writeLanes) : undefined;
  // An idle connection that dies (e.g. the server restarts) is dropped by the pool; without a listener the
  // 'error' event would crash the process before Prisma has attached its own.
  pool.on('error', () => {});
  // pg-pool removes its own listener while a connection is checked out, so a backend terminated between
  // two statements of a transaction would emit an unhandled 'error' and end the process. With this one the
  // failure surfaces where it belongs: the next statement on that connection rejects, and the connection
  // is discarded when it is released with that error (withTransaction below).
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  // Writes on one campaign queue on its row lock; under a burst the default 2 s wait for a connection and
  // 5 s per transaction would turn a queue into 500s.
  const client = new PrismaClient({ adapter, transactionOptions: { maxWait: 10_000, timeout: 15_000 } });
  pools.set(client, pool);
  if (reads) readers.set(client, reads);
  if (writes) writers.set(client, writes);
  // Prisma ends the pool on $disconnect only if it ever connected; the raw paths may have used it alone.
  const disconnect = client.$disconnect.bind(client);
  client.$disconnect = async () => {
    await disconnect();
    await reads?.close();
    await writes?.close();
    if (!pool.ending && !pool.ended) await pool.end();
  };
  return client;
}

/**
 * Named prepared statements for the raw statements (parsed and planned once per connection, as the
 * baseline does). A name always stands for the same text; past 200 distinct texts (SQL built from
 * variable parts) statements go unnamed, so neither this map nor a connection's statements grow unbounded.
 */
const statementNames = new Map<string, string>();

/**
 * Statement shapes: a statement composed afresh per call from fragments is a rope, and flattening and
 * hashing it to find its name cost 10–19 µs per call for a change's ~3 KB statement (microbenchmark).
 * A caller that knows which shape it built marks it with a key that determines the text; the text is
 * then built once per key and reused (its hash kept with it). Under tests every use is checked: a key
 * naming two texts throws. The key is kept on the statement itself (a WeakMap entry per call cost ~1 µs
 * and GC work).
 */
const SHAPE = Symbol('statement shape');
type ShapedSql = Prisma.Sql & { [SHAPE]?: string };
const textsByShape = new Map<string, string>();
const CHECK_SHAPES = process.env.NODE_ENV === 'test';

/** Marks `sql` as shape `key`: every statement marked with the same key must have the same text. */
export function withShape(sql: Prisma.Sql, key: string): Prisma.Sql {
  (sql as ShapedSql)[SHAPE] = key;
  return sql;
}

function textOf(sql: Prisma.Sql): string {
  const key = (sql as ShapedSql)[SHAPE];
  if (key === undefined) return sql.text;
  const known = textsByShape.get(key);
  if (known === undefined) {
    const text = sql.text;
    if (textsByShape.size < 200) textsByShape.set(key, text);
    return text;
  }
  if (CHECK_SHAPES && known !== sql.text) throw new Error(`statement shape "${key}" names two texts`);
  return known;
}

function statement(sql: Prisma.Sql): pg.QueryConfig {
  const text = textOf(sql);
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < 200) {
    name = `campaigns_raw_${statementNames.size}`;
    statementNames.set(text, name);
  }
  return name === undefined ? { text, values: sql.values } : { name, text, values: sql.values };
}

/** Runs `Prisma.sql` statements and returns their rows (raw pg rows: timestamptz → Date, jsonb parsed). */
export interface SqlRunner {
  query<R>(sql: Prisma.Sql): Promise<R[]>;
}

/**
 * One statement outside a transaction. On a client from createPrismaClient it goes straight to the pg
 * pool (no Prisma query interpreter); on any other client through `$queryRaw`, with the same rows.
 */
export async function queryRows<R>(db: PrismaClient, sql: Prisma.Sql): Promise<R[]> {
  const pool = pools.get(db);
  if (!pool) return db.$queryRaw<R[]>(sql);
  return (await pool.query(statement(sql))).rows as R[];
}

/**
 * A short read: one statement outside a transaction that takes no lock (never `FOR UPDATE`, never a
 * write). Pipelined with the other reads of the same turn (pipelined-reads.ts); else as queryRows.
 */
export async function readRows<R>(db: PrismaClient, sql: Prisma.Sql): Promise<R[]> {
  const reads = readers.get(db);
  if (!reads) return queryRows(db, sql);
  return (await reads.read(statement(sql))) as R[];
}

/** A row as the columns' text (PostgreSQL's output form; NULL is null), in the statement's column order. */
export type TextRow = readonly (string | null)[];

/** Every column as PostgreSQL sent it (no Date, number or JSON parsing), each row an array, not an object. */
const AS_TEXT = { rowMode: 'array', types: { getTypeParser: () => (text: string) => text } } as const;

/**
 * Rows of a client not made by createPrismaClient (no pool to ask for text), each value in the form
 * PostgreSQL would send it or, for an instant, as RFC 3339 (a reader of TextRow accepts both).
 */
function asTextRow(row: Record<string, unknown>): TextRow {
  return Object.values(row).map((value) => {
    if (value === null || value === undefined) return null;
    if (value instanceof Date) return value.toISOString();
    if (typeof value === 'boolean') return value ? 't' : 'f';
    if (typeof value === 'object') return JSON.stringify(value);
    return String(value);
  });
}

/**
 * queryRows with each row as its columns' text (TextRow). For a hot read that maps rows itself: pg builds
 * an array per row instead of an object and parses no Date and no JSON, so a page of rows leaves far
 * less garbage (docs/performance.md, "Garbage collection").
 */
export async function queryTextRows(db: PrismaClient, sql: Prisma.Sql): Promise<TextRow[]> {
  const pool = pools.get(db);
  if (!pool) return (await db.$queryRaw<Record<string, unknown>[]>(sql)).map(asTextRow);
  return (await pool.query<string[]>({ ...statement(sql), ...AS_TEXT })).rows;
}

/** readRows with each row as its columns' text (TextRow); see queryTextRows. */
export async function readTextRows(db: PrismaClient, sql: Prisma.Sql): Promise<TextRow[]> {
  const reads = readers.get(db);
  if (!reads) return queryTextRows(db, sql);
  return (await reads.read({ ...statement(sql), ...AS_TEXT })) as TextRow[];
}

export interface TransactionOptions {
  /** Bounds each statement of the transaction (SET LOCAL statement_timeout); default: the server's. */
  statementTimeoutMs?: number;
}

/**
 * `fn` in one READ COMMITTED transaction on one pooled connection: BEGIN, fn's statements, COMMIT; ROLLBACK
 * if fn throws (its error is rethrown). The raw-SQL counterpart of `db.$transaction(async (tx) => …)`,
 * without Prisma's per-statement and per-transaction client cost. On a client not made by
 * createPrismaClient it falls back to `$transaction` and `$queryRaw`.
 */
export async function withTransaction<T>(
  db: PrismaClient,
  fn: (sql: SqlRunner) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const pool = pools.get(db);
  const timeout = options.statementTimeoutMs;
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0))
    throw new RangeError('statementTimeoutMs must be a positive integer');
  if (!pool) {
    return db.$transaction((tx) => fn({ query: <R>(sql: Prisma.Sql) => tx.$queryRaw<R[]>(sql) }), {
      ...(timeout !== undefined ? { timeout } : {}),
    });
  }
  const client = await pool.connect();
  try {
    // One round trip either way: a simple-protocol query may carry both statements.
    await client.query(timeout === undefined ? 'BEGIN' : `BEGIN; SET LOCAL statement_timeout = ${timeout}`);
  } catch (error) {
    client.release(error as Error);
    throw error;
  }
  return completeTransaction(client, () =>
    fn({ query: async <R>(sql: Prisma.Sql) => (await client.query(statement(sql))).rows as R[] }),
  );
}

/**
 * Runs `work` in the transaction open on `client`, then COMMIT; ROLLBACK if `work` throws (its error is
 * rethrown). The client is released either way, destroyed when the connection's state is unknown.
 */
async function completeTransaction<T>(client: pg.PoolClient, work: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await work();
  } catch (error) {
    try {
      await client.query('ROLLBACK');
      client.release();
    } catch (rollbackError) {
      // The connection is in an unknown state: destroy it rather than hand it to the next caller.
      client.release(rollbackError as Error);
    }
    throw error;
  }
  try {
    await client.query('COMMIT');
  } catch (error) {
    client.release(error as Error);
    throw error;
  }
  client.release();
  return result;
}

/**
 * `statements` in one READ COMMITTED transaction, in ONE round trip: sent together with a single Sync
 * (statement-batch.ts), each still a named prepared statement with parameters, so the server runs them
 * as one implicit transaction and answers in one flush. Each statement takes its own snapshot, so a
 * statement after a row lock sees every change committed before the lock. If one fails, the server
 * skips the rest and rolls all back: all or nothing. Returns each statement's rows.
 *
 * The statements cannot branch on each other's results in JavaScript; a change whose checks fail must be
 * written so that it changes nothing (its conditions in its WHERE clause), and its caller reads why from
 * the rows. With `before`, the transaction stays open after the statements: `before(rows, sql)` runs
 * in it (e.g. the idempotency record) and COMMIT follows; if it throws, ROLLBACK.
 *
 * Without `before`, it goes on a write lane (pipelined-lanes.ts) when the client has them: the changes of
 * one event-loop turn then share a socket write, one after another in the lane's backend, each still
 * its own transaction. With `before`, it holds a pool connection (JavaScript runs inside it).
 */
export async function pipelinedTransaction(
  db: PrismaClient,
  statements: readonly Prisma.Sql[],
  before?: (rows: unknown[][], sql: SqlRunner) => Promise<void>,
): Promise<unknown[][]> {
  const pool = pools.get(db);
  if (!pool) {
    return db.$transaction(async (tx) => {
      const rows: unknown[][] = [];
      for (const sql of statements) rows.push(await tx.$queryRaw<unknown[]>(sql));
      await before?.(rows, { query: <R>(sql: Prisma.Sql) => tx.$queryRaw<R[]>(sql) });
      return rows;
    });
  }
  // Without `before`, the statements are the whole transaction: implicit, committed at the Sync. With
  // it, an explicit BEGIN keeps the transaction open after them for `before`, then COMMIT. Built before
  // the connection is taken: building may throw (a shape key naming two texts).
  const configs = [...(before ? [{ text: 'BEGIN' }] : []), ...statements.map(statement)];
  const lanes = before ? undefined : writers.get(db);
  if (lanes) return lanes.send((client) => sendPrepared(client, configs));
  const client = await pool.connect();
  const batch = new StatementBatch(configs, client);
  client.query(batch);
  let rows: unknown[][];
  try {
    rows = await batch.done;
  } catch (error) {
    if (batch.parsedOnConnection || isDatabaseUnavailable(error)) {
      // The connection's prepared statements, or the connection itself, are in doubt: drop it.
      client.release(error as Error);
    } else if (before) {
      await completeTransaction(client, () => Promise.reject(error));
    } else {
      client.release(); // the server rolled the implicit transaction back at the Sync
    }
    throw error;
  }
  if (!before) {
    client.release();
    return rows;
  }
  const statementRows = rows.slice(1);
  await completeTransaction(client, () =>
    before(statementRows, {
      query: async <R>(sql: Prisma.Sql) => (await client.query(statement(sql))).rows as R[],
    }),
  );
  return statementRows;
}

/**
 * One batch on a write lane: each of its named statements this connection has not seen parsed first
 * (StatementPreparation, in the same socket write), then the batch. When a preparation fails, the batch
 * fails for want of the statement: it reports the preparation's error, which says why.
 */
function sendPrepared(client: pg.Client, configs: readonly pg.QueryConfig[]): Promise<unknown[][]> {
  const connection = (client as unknown as { connection: pg.Connection }).connection;
  const preparations = StatementPreparation.needed(connection, configs).map((statement) => {
    const preparation = new StatementPreparation(statement);
    client.query(preparation);
    return preparation.done;
  });
  const batch = new StatementBatch(configs, client, true);
  client.query(batch);
  if (preparations.length === 0) return batch.done;
  for (const preparation of preparations) preparation.catch(() => {}); // reported below
  return batch.done.catch(async (error: unknown) => {
    await Promise.all(preparations); // answered before the batch: settled by now
    throw error;
  });
}
