import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './generated/schema';

// The REST SDK: openapi-fetch over the types that openapi-typescript generates from the committed
// document (`pnpm sdk:generate`). Every call returns `{ data, error, response }`: `data` is the typed
// success body, `error` the typed `Error` body of any non-2xx answer.

export type { components, operations, paths } from './generated/schema';

type Schemas = components['schemas'];
export type Campaign = Schemas['Campaign'];
export type CampaignStatus = Schemas['CampaignStatus'];
export type Step = Schemas['Step'];
export type Delivery = Schemas['Delivery'];
/** The body of every non-2xx `/v1` response: `{ error, message, details? }`. */
export type ApiError = Schemas['ErrorResponse'];

export type RestClient = Client<paths, 'application/json'>;

export interface RestClientOptions {
  /** Where the server is, e.g. `http://127.0.0.1:3000`; the operations' paths start with `/v1`. */
  baseUrl: string;
  /** A bearer token (JWT) with the `messaging:campaigns:*` scopes the calls need. */
  token?: string;
  /** Another fetch, e.g. for tests or proxies; defaults to the global one. */
  fetch?: (request: Request) => Promise<Response>;
}

/** A typed client of the REST API, e.g. `client.GET('/v1/messaging/campaigns/{id}', { params: { path: { id } } })`. */
export function createRestClient(options: RestClientOptions): RestClient {
  return createClient<paths, 'application/json'>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
