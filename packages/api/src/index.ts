// The transport layer over @campaigns/core: tRPC init and middlewares, the routers, the OpenAPI
// metadata and document, and the one mapping from domain errors to tRPC errors and contract bodies.
export type { ApiDeps, Context, RequestLike } from './context';
export { createContextFactory, headersWithoutVersion } from './context';
export {
  type ContractErrorBody,
  clientErrorResponse,
  type ErrorResponse,
  errorResponse,
  type FrameworkError,
  frameworkErrorResponse,
  frameworkTrpcError,
  internalErrorBody,
  noRouteResponse,
  toErrorBody,
} from './errors/bodies';
export {
  ERROR_CODES,
  toTrpcError,
  UNAVAILABLE_MESSAGE,
  UNAVAILABLE_RETRY_AFTER_SECONDS,
} from './errors/mapping';
export { type Invocation, invokeProcedure } from './invoke';
export { COMMITTED_OPENAPI_BASE_URL, renderCommittedOpenApi } from './openapi/committed';
export { buildOpenApiDocument } from './openapi/document';
export { REST_OPERATIONS, type RestOperation } from './openapi/rest-operations';
export {
  PROCEDURE_META,
  PROCEDURE_TYPES,
  PROCEDURES,
  type ProcedureType,
  TRPC_CONFIG,
} from './procedure-meta';
export { type AppRouter, appRouter, createCaller } from './router';
export { EVENT_STREAM_PATH } from './routers/campaigns/meta';
export type { Meta } from './trpc';
