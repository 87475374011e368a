import { afterAll, beforeAll } from 'vitest';
import { startTestServer, type TestServer, type TestServerOptions, type TokenOptions } from './harness';
import { type Rest, restClient } from './rest';

/** The file's server, a REST caller on it and a token of its default brand, once `beforeAll` ran. */
export interface TestServerHandle {
  server: TestServer;
  rest: Rest;
  token: string;
}

/**
 * A test file's server: started (fresh database, ephemeral port) before the file's tests and closed
 * after them, which also checks every `/v1` response against the OpenAPI document. Read the handle's
 * fields inside hooks and tests; they are set once `beforeAll` has run.
 */
export function useTestServer(
  options: TestServerOptions = {},
  tokenOptions: TokenOptions = {},
): TestServerHandle {
  let started: TestServerHandle | undefined;
  beforeAll(async () => {
    const server = await startTestServer(options);
    started = { server, rest: restClient(server.url), token: await server.token(tokenOptions) };
  });
  afterAll(() => started?.server.close());
  const current = () => {
    if (started === undefined) throw new Error('useTestServer: read the handle in a hook or test');
    return started;
  };
  return {
    get server() {
      return current().server;
    },
    get rest() {
      return current().rest;
    },
    get token() {
      return current().token;
    },
  };
}
