import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installPacked, type PackedProject } from '../../../scripts/packed';

// The REST SDK as an app outside the monorepo installs it (see packages/client/test/pack.test.ts).

let app: PackedProject;
beforeAll(async () => {
  app = await installPacked(fileURLToPath(new URL('..', import.meta.url)), '@campaigns/rest-sdk');
}, 120_000);
afterAll(() => app?.remove());

describe('the packed @campaigns/rest-sdk', () => {
  it('holds the built files and the generated types, and depends on no workspace package', async () => {
    expect(app.files).toEqual([
      'package/dist/generated/schema.d.ts',
      'package/dist/index.d.ts',
      'package/dist/index.js',
      'package/package.json',
    ]);
    expect(Object.keys(app.manifest.dependencies)).toEqual(['openapi-fetch']);
    const loaded = await app.node(
      "const m = await import('@campaigns/rest-sdk'); console.log(typeof m.createRestClient)",
    );
    expect(loaded.trim()).toBe('function');
  });

  it('types a path, its parameters and its body; refuses a wrong field', async () => {
    const right = await app.typecheck(
      'ok.ts',
      `import { createRestClient, type Campaign } from '@campaigns/rest-sdk';
const client = createRestClient({ baseUrl: 'http://127.0.0.1:3000', token: 't' });
export async function flow(): Promise<Campaign | undefined> {
  const { data } = await client.POST('/v1/messaging/campaigns', { body: { name: 'Spring', segment_id: 'seg_1' } });
  if (!data) return undefined;
  const got = await client.GET('/v1/messaging/campaigns/{id}', { params: { path: { id: data.id } } });
  return got.data;
}
`,
    );
    expect(right.output).toBe('');
    expect(right.code).toBe(0);

    const wrong = await app.typecheck(
      'wrong.ts',
      `import { createRestClient } from '@campaigns/rest-sdk';
const client = createRestClient({ baseUrl: 'http://127.0.0.1:3000' });
export const created = client.POST('/v1/messaging/campaigns', { body: { name: 'n', segmentId: 's' } });
`,
    );
    expect(wrong.code).not.toBe(0);
    expect(wrong.output).toMatch(/wrong\.ts\(3,\d+\): error TS\d+: .*'segmentId'/);
  });
});
