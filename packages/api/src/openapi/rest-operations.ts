import { z } from 'zod';
import { PROCEDURES } from '../procedure-meta';
import type { Meta } from '../trpc';

type HttpMethod = NonNullable<Meta['openapi']>['method'];

/** One REST operation: the route a procedure's OpenAPI metadata declares, and how to call it. */
export interface RestOperation {
  /** The tRPC path, e.g. `campaigns.schedule`. */
  procedurePath: string;
  type: 'query' | 'mutation';
  method: HttpMethod;
  /** The OpenAPI path, e.g. `/v1/messaging/campaigns/{id}/schedule`. */
  path: string;
  /** Its `{…}` parameters, e.g. `['id']`. */
  pathParameters: readonly string[];
  /** 201 for creates, else 200. */
  successStatus: 200 | 201 | 202;
  /** Whether the input comes from the JSON body (POST, PUT, PATCH) or the query string (GET, DELETE). */
  readsBody: boolean;
  /** Input fields that are numbers: a query string carries them as text, to be read as numbers. */
  numericQueryParameters: ReadonlySet<string>;
}

/** The schema under `.optional()`, `.nullable()`, `.default()` and a `.pipe()`'s input side. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) return unwrap(schema.unwrap());
  if (schema instanceof z.ZodDefault) return unwrap(schema.unwrap());
  if (schema instanceof z.ZodPipe) return unwrap(schema.in);
  return schema;
}

function numericFields(input: unknown): Set<string> {
  if (!(input instanceof z.ZodObject)) return new Set();
  const shape: Record<string, z.core.$ZodType> = input.shape;
  return new Set(
    Object.entries(shape)
      .filter(([, field]) => unwrap(field) instanceof z.ZodNumber)
      .map(([key]) => key),
  );
}

const pathParametersOf = (path: string) =>
  [...path.matchAll(/\{(\w+)\}/g)].flatMap((match) => (match[1] ? [match[1]] : []));

/**
 * Every REST operation of the router, derived once from the procedures' metadata — the same metadata
 * the OpenAPI document is generated from, so the routes served and the routes documented cannot differ.
 */
export const REST_OPERATIONS: readonly RestOperation[] = Object.entries(PROCEDURES).flatMap(
  ([procedurePath, procedure]) => {
    const meta = (procedure._def.meta ?? {}) as Meta;
    const { type } = procedure._def;
    if (!meta.openapi || (type !== 'query' && type !== 'mutation')) return [];
    const { method, path } = meta.openapi;
    const readsBody = method !== 'GET' && method !== 'DELETE';
    return [
      {
        procedurePath,
        type,
        method,
        path,
        pathParameters: pathParametersOf(path),
        successStatus: meta.successStatus ?? 200,
        readsBody,
        numericQueryParameters: readsBody ? new Set<string>() : numericFields(procedure._def.inputs[0]),
      },
    ];
  },
);
