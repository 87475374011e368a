import { buildOpenApiDocument } from './document';

/**
 * The committed copy of the document, `openapi/openapi.json` at the repository root, written by
 * `pnpm openapi:generate` and checked for drift by a test. Its server is where `pnpm start` listens
 * by default (HOST/PORT), so that it works as-is for a local run; a running server serves the same
 * document with its own public URL.
 */
export const COMMITTED_OPENAPI_BASE_URL = 'http://127.0.0.1:3000';

/** The exact text of the committed document: two-space indentation and a final newline. */
export function renderCommittedOpenApi(): string {
  return `${JSON.stringify(buildOpenApiDocument({ baseUrl: COMMITTED_OPENAPI_BASE_URL }), null, 2)}\n`;
}
