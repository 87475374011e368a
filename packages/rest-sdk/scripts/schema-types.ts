import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from 'openapi-typescript';

/** The committed REST document the SDK is generated from. */
export const OPENAPI_DOCUMENT_PATH = fileURLToPath(new URL('../../../openapi/openapi.json', import.meta.url));
/** The generated types, committed: they are the SDK's reviewed surface. */
export const SCHEMA_TYPES_PATH = fileURLToPath(new URL('../src/generated/schema.d.ts', import.meta.url));

/** openapi-typescript's output for the committed document, exactly as `pnpm sdk:generate` writes it. */
export async function renderSchemaTypes(
  documentText: string = readFileSync(OPENAPI_DOCUMENT_PATH, 'utf8'),
): Promise<string> {
  const ast = await openapiTS(JSON.parse(documentText) as OpenAPI3);
  return `${COMMENT_HEADER}${astToString(ast)}`;
}
