import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// What an app outside the monorepo gets: the packed tarball (`pnpm pack` of the built package),
// installed into an empty project with nothing of the monorepo's, and type-checked there with tsc.

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const TYPESCRIPT = JSON.parse(
  await readFile(path.join(packageDir, 'node_modules/typescript/package.json'), 'utf8'),
) as { version: string };

let work: string;
let consumer: string;
let files: string[];

/** tsc in the consumer project over one file; its exit code and what it printed. */
async function typecheck(name: string, source: string): Promise<{ code: number; output: string }> {
  await writeFile(path.join(consumer, name), source);
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2023', 'ESNext.Disposable', 'DOM'],
      module: 'ESNext',
      moduleResolution: 'Bundler',
      strict: true,
      noEmit: true,
      // As apps set it: the libraries' own .d.ts are not checked; the calls in `name` are.
      skipLibCheck: true,
      types: [],
    },
    files: [name],
  };
  const config = path.join(consumer, `tsconfig.${name}.json`);
  await writeFile(config, JSON.stringify(tsconfig));
  return run(path.join(consumer, 'node_modules/.bin/tsc'), ['-p', config], { cwd: consumer }).then(
    ({ stdout }) => ({ code: 0, output: stdout }),
    (error: { code: number; stdout: string }) => ({ code: error.code, output: error.stdout }),
  );
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'campaigns-client-pack-'));
  await run('pnpm', ['run', 'build'], { cwd: packageDir });
  await run('pnpm', ['pack', '--pack-destination', work], { cwd: packageDir });
  const tarball = path.join(work, 'campaigns-client-0.0.0.tgz');
  files = (await run('tar', ['-tzf', tarball])).stdout.trim().split('\n').sort();

  consumer = path.join(work, 'app');
  await mkdir(consumer);
  await writeFile(
    path.join(consumer, 'package.json'),
    JSON.stringify({
      name: 'outside-app',
      private: true,
      type: 'module',
      dependencies: { '@campaigns/client': `file:${tarball}` },
      devDependencies: { typescript: TYPESCRIPT.version },
    }),
  );
  // Outside the workspace; from pnpm's store when it has everything (it does after the monorepo's
  // install), else from the registry.
  await run('pnpm', ['install', '--prefer-offline', '--ignore-scripts'], { cwd: consumer });
}, 120_000);
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the packed @campaigns/client', () => {
  it('holds the built files only, and depends on no workspace package', async () => {
    expect(files).toEqual(['package/dist/index.d.ts', 'package/dist/index.js', 'package/package.json']);
    const installed = path.join(consumer, 'node_modules/@campaigns/client');
    const manifest = JSON.parse(await readFile(path.join(installed, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies).filter((name) => name.startsWith('@campaigns/'))).toEqual([]);
    expect(await readFile(path.join(installed, 'dist/index.d.ts'), 'utf8')).not.toMatch(
      /@campaigns\/|prisma/i,
    );
  });

  it('loads in Node from the installed package', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const m = await import('@campaigns/client'); console.log(typeof m.createCampaignsClient)",
      ],
      { cwd: consumer },
    );
    expect(stdout.trim()).toBe('function');
  });

  it('types a correct call end to end: inputs, outputs and the error data', async () => {
    const result = await typecheck(
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
    const result = await typecheck(
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
