import { afterAll, beforeAll } from 'vitest';
import { createPrismaClient } from '../../src/client';
import type { PrismaClient } from '../../src/index';
import { createTestDatabase, type TestDatabase } from '../../src/testing';

/** A fresh migrated database and a Prisma client on it for a file's tests; both gone afterwards. */
export function usePrismaDatabase(options: { poolMax: number; writeLanes?: number }): {
  readonly url: string;
  readonly prisma: PrismaClient;
} {
  let database: TestDatabase | undefined;
  let prisma: PrismaClient | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    prisma = createPrismaClient(database.url, options);
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await database?.drop();
  });
  const opened = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('usePrismaDatabase: read it in a hook or test');
    return value;
  };
  return {
    get url() {
      return opened(database).url;
    },
    get prisma() {
      return opened(prisma);
    },
  };
}
