import type { AnyProcedure } from '@trpc/server';
import { appRouter } from './router';
import type { Meta } from './trpc';

/**
 * Every procedure by its path (`campaigns.create`). tRPC keeps them in this flat record at run time; its
 * declared type is the nested router, hence the one cast, here.
 */
export const PROCEDURES = appRouter._def.procedures as unknown as Readonly<Record<string, AnyProcedure>>;

/** Every procedure's path (e.g. `campaigns.create`) and metadata. */
export const PROCEDURE_META: ReadonlyMap<string, Meta> = new Map(
  Object.entries(PROCEDURES).map(([path, procedure]) => [path, (procedure._def.meta ?? {}) as Meta]),
);
