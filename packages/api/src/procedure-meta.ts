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

/** The REST success status of a procedure: 201 for creates, else 200. */
export const restSuccessStatus = (path: string): 200 | 201 => PROCEDURE_META.get(path)?.successStatus ?? 200;
