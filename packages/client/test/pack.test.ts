import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installPacked, type PackedProject } from '../../../scripts/packed';

// What an app outside the monorepo gets: the packed tarball (`pnpm pack` of the built package),
// installed into an empty project with nothing of the monorepo's, and type-checked there with tsc.

let app: PackedProject;
beforeAll(async () => {
  app = await installPacked(fileURLToPath(new URL('..', import.meta.url)), '@campaigns/client');
}, 120_000);
afterAll(() => app?.remove());

describe('the packed @campaigns/client', () => {
  it('holds the built files only, and depends on no workspace package', async () => {
    expect(app.files).toEqual(['package/dist/index.d.ts', 'package/dist/index.js', 'package/package.json']);
    expect(Object.keys(app.manifest.dependencies).filter((name) => name.startsWith('@campaigns/'))).toEqual(
      [],
    );
    expect(await app.installedFile('dist/index.d.ts')).not.toMatch(/@campaigns\/|prisma/i);
  });

  it('loads in Node from the installed package', async () => {
    const loaded = await app.node(
      "const m = await import('@campaigns/client'); console.log(typeof m.createCampaignsClient)",
    );
    expect(loaded.trim()).toBe('function');
  });

  it('types a correct call end to end: inputs, outputs and the error data', async () => {
    const result = await app.typecheck(
      'ok.ts',
      `import { createCampaignsClient, isCampaignsClientError, type RouterOutputs } from '@campaigns/client';
const client = createCampaignsClient({ url: 'http://127.0.0.1:3000', token: 't' });
export async function flow(): Promise<string> {
  const created = await client.campaigns.create.mutate({ name: 'Spring', segment_id: 'seg_1' });
  const step = await client.campaigns.addStep.mutate({
    id: created.id, position: 0, template_id: 'tpl_1', template_version_id: 'tplv_1',
  });
  const campaign: RouterOutputs['campaigns']['get'] = await client.campaigns.get.query({ id: created.id });
  try {
    await client.campaigns.schedule.mutate({ id: campaign.id, scheduled_at: '2031-01-01T00:00:00Z' });
  } catch (error) {
    if (isCampaignsClientError(error)) return String(error.data?.error);
  }
  return campaign.status + step.id;
}
`,
    );
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });

  it('refuses a wrong input field and a wrong output field', async () => {
    const result = await app.typecheck(
      'wrong.ts',
      `import { createCampaignsClient } from '@campaigns/client';
const client = createCampaignsClient({ url: 'http://127.0.0.1:3000', token: 't' });
export const created = client.campaigns.create.mutate({ name: 'n', segmentId: 's' });
export const status = client.campaigns.get.query({ id: 'cmp_1' }).then((c) => c.state);
`,
    );
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/wrong\.ts\(3,\d+\): error TS\d+: .*'segmentId'/);
    expect(result.output).toMatch(/wrong\.ts\(4,\d+\): error TS\d+: .*'state'/);
  });
});
