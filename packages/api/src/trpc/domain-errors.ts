import { DomainError } from '../domain/errors';
import { toTrpcError } from '../errors/mapping';
import { middleware } from './init';

/** Domain errors thrown by services become tRPC errors with the mapped code, in one place. */
export const domainErrors = middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof DomainError) throw toTrpcError(result.error.cause);
  return result;
});
