import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client';

export interface PrismaClientOptions {
  /** Size of the pg pool behind the client. Default 10. */
  poolMax?: number;
}

/**
 * A PrismaClient on a node-postgres pool (Prisma 7 driver adapter: no native query engine). The pool
 * belongs to the client: `$disconnect()` closes it.
 */
export function createPrismaClient(databaseUrl: string, options: PrismaClientOptions = {}): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: databaseUrl,
    max: options.poolMax ?? 10,
    // The adapter exchanges timestamps without an offset; pin the session to UTC so that a server whose
    // TimeZone setting is something else cannot shift every instant we store or read.
    options: '-c TimeZone=UTC',
  });
  // Writes on one campaign queue on its row lock; under a burst the default 2 s wait for a connection and
  // 5 s per transaction would turn a queue into 500s.
  return new PrismaClient({ adapter, transactionOptions: { maxWait: 10_000, timeout: 15_000 } });
}
