import type { AnyProcedure } from '@trpc/server';
import { appRouter } from './router';
import type { Meta } from './trpc';

// The one module outside openapi/ that reads tRPC's router internals (`_def`): the HTTP edge gets
// paths, types, metadata and the runtime config from here.

/**
 * Every procedure by its path (`campaigns.create`). tRPC keeps them in this flat record at run time; its
 * declared type is the nested router, hence the one cast, here.
 */
export const PROCEDURES = appRouter._def.procedures as unknown as Readonly<Record<string, AnyProcedure>>;

/** Every procedure's path (e.g. `campaigns.create`) and metadata. */
export const PROCEDURE_META: ReadonlyMap<string, Meta> = new Map(
  Object.entries(PROCEDURES).map(([path, procedure]) => [path, (procedure._def.meta ?? {}) as Meta]),
);

export type ProcedureType = 'query' | 'mutation' | 'subscription';

/** Every procedure's type by its path (`campaigns.get` → `query`). */
export const PROCEDURE_TYPES: ReadonlyMap<string, ProcedureType> = new Map(
  Object.entries(PROCEDURES).map(([path, procedure]) => [path, procedure._def.type]),
);

/** The router's runtime config (transformer, error formatter), for error shapes and responses. */
export const TRPC_CONFIG = appRouter._def._config;
