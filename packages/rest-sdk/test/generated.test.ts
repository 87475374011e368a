import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderSchemaTypes, SCHEMA_TYPES_PATH } from '../scripts/schema-types';

// The generated types are committed (they are the SDK surface reviewers read): they must be exactly
// what openapi-typescript makes of the committed document.

const STALE =
  'packages/rest-sdk/src/generated/schema.d.ts differs from what openapi-typescript generates from ' +
  'openapi/openapi.json: run `pnpm sdk:generate` (after `pnpm openapi:generate`) and commit it';

describe('packages/rest-sdk/src/generated/schema.d.ts', () => {
  it('is exactly what openapi-typescript generates from openapi/openapi.json', async () => {
    let committed = '';
    try {
      committed = readFileSync(SCHEMA_TYPES_PATH, 'utf8');
    } catch {
      // missing: reported by the comparison below
    }
    expect(committed, STALE).toBe(await renderSchemaTypes());
  });
});
