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
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: options.poolMax ?? 10 });
  return new PrismaClient({ adapter });
}
