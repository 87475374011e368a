import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalOrder } from '../../src/openapi/canonical';
import { COMMITTED_OPENAPI_BASE_URL, renderCommittedOpenApi } from '../../src/openapi/committed';

// The committed openapi/openapi.json is what reviewers read: it must be exactly what the router
// generates, so that every API change shows up in the diff of a pull request.

const COMMITTED = new URL('../../../../openapi/openapi.json', import.meta.url);
const STALE =
  'openapi/openapi.json differs from what the router generates: run `pnpm openapi:generate` and commit it';

describe('openapi/openapi.json', () => {
  it('is exactly what the router generates', () => {
    let committed = '';
    try {
      committed = readFileSync(COMMITTED, 'utf8');
    } catch {
      // missing: reported by the comparison below
    }
    expect(committed, STALE).toBe(renderCommittedOpenApi());
  });

  it('names a neutral local server and is pretty-printed', () => {
    const text = renderCommittedOpenApi();
    expect(JSON.parse(text).servers).toEqual([{ url: COMMITTED_OPENAPI_BASE_URL, 'x-internal': false }]);
    expect(text).toMatch(/^\{\n {2}"openapi": "3\.1\.\d+",\n {2}"info": \{/);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('has a key order that depends only on the content, not on how the router lists procedures', () => {
    const document = JSON.parse(renderCommittedOpenApi()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: Record<string, Record<string, unknown>>;
    };
    const reversed = <T>(record: Record<string, T>) => Object.fromEntries(Object.entries(record).reverse());
    const shuffled = {
      components: reversed(document.components),
      paths: reversed(
        Object.fromEntries(
          Object.entries(document.paths).map(([path, item]) => [
            path,
            reversed(
              Object.fromEntries(
                Object.entries(item).map(([method, operation]) => [
                  method,
                  { ...operation, responses: reversed(operation.responses) },
                ]),
              ),
            ),
          ]),
        ),
      ),
      ...reversed(document),
    };
    expect(JSON.stringify(shuffled)).not.toBe(JSON.stringify(document));
    expect(JSON.stringify(canonicalOrder(shuffled))).toBe(JSON.stringify(document));
  });
});
