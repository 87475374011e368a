/**
 * Whether an error means "the database cannot be reached or dropped the connection" — a fault of the
 * infrastructure, answered as 503 `unavailable` with Retry-After, never as a 500 that blames the code.
 * Errors arrive in three forms: node-postgres errors (SQLSTATE in `code`, or a socket errno), pg-pool's
 * own messages, and Prisma errors wrapping the driver adapter's error in `meta.driverAdapterError`.
 */

/** SQLSTATEs of a lost or refused server: class 08 (connection exception), 57P01–57P03 (shutdown, crash, starting up), 53300 (too many connections). */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300)$/;
const UNAVAILABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
/** Prisma's codes for an unreachable server, a closed connection, a pool timeout and a transaction lost with its connection. */
const UNAVAILABLE_PRISMA = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028']);
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|not queryable|Connection is closed|Can't reach database server/i;
const UNAVAILABLE_ADAPTER_KIND = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);

const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;

function looksUnavailable(error: Record<string, unknown>): boolean {
  const { code, message, kind, originalCode, name } = error;
  if (typeof code === 'string') {
    if (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_ERRNO.has(code)) return true;
    if (name !== undefined && String(name).startsWith('PrismaClient') && UNAVAILABLE_PRISMA.has(code))
      return true;
  }
  if (typeof originalCode === 'string' && UNAVAILABLE_SQLSTATE.test(originalCode)) return true;
  if (typeof kind === 'string' && UNAVAILABLE_ADAPTER_KIND.has(kind)) return true;
  return typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message);
}

export function isDatabaseUnavailable(error: unknown): boolean {
  // Walk `cause` and Prisma's `meta.driverAdapterError(.cause)`, a few levels at most.
  const queue: unknown[] = [error];
  for (let seen = 0; queue.length > 0 && seen < 8; seen++) {
    const current = asRecord(queue.shift());
    if (!current) continue;
    if (looksUnavailable(current)) return true;
    queue.push(current.cause);
    const adapterError = asRecord(asRecord(current.meta)?.driverAdapterError);
    if (adapterError) queue.push(adapterError, adapterError.cause);
    if (Array.isArray(current.errors)) queue.push(...current.errors); // AggregateError (dual-stack connect)
  }
  return false;
}
