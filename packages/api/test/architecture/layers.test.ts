import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Imports point down the package graph (docs/architecture.md): contract ← db ← core ← api ← server, and
// the clients (client, rest-sdk, web) see the API only as types. A new import that points up fails here.

const root = fileURLToPath(new URL('../../../../', import.meta.url));

/** What each package's sources may import from the workspace, and how (type-only or not). */
const RULES: Record<string, { may: string[]; typeOnly?: string[] }> = {
  'packages/contract/src': { may: [] },
  'packages/db/src': { may: [] },
  'packages/core/src': { may: ['@campaigns/contract', '@campaigns/db'] },
  'packages/api/src': { may: ['@campaigns/contract', '@campaigns/db', '@campaigns/core'] },
  'packages/client/src': { may: ['@campaigns/contract'], typeOnly: ['@campaigns/api'] },
  'packages/rest-sdk/src': { may: [] },
  'apps/server/src': { may: ['@campaigns/contract', '@campaigns/db', '@campaigns/core', '@campaigns/api'] },
  'apps/web/src': { may: ['@campaigns/contract', '@campaigns/client'], typeOnly: ['@campaigns/api'] },
};

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files = await Promise.all(
    entries.map(async (entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === 'generated' ? [] : sources(full);
      return /\.(ts|tsx)$/.test(entry.name) ? [full] : [];
    }),
  );
  return files.flat();
}

// import … from 'x' / export … from 'x' / import('x'), with whether it is `import type`/`export type`.
const IMPORT =
  /(?:^|\n)\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

interface Found {
  file: string;
  specifier: string;
  typeOnly: boolean;
}

async function importsOf(dir: string): Promise<Found[]> {
  const found: Found[] = [];
  for (const file of await sources(path.join(root, dir))) {
    const text = await readFile(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const specifier = match[3] ?? match[4] ?? '';
      found.push({ file: path.relative(root, file), specifier, typeOnly: Boolean(match[2]) });
    }
  }
  return found;
}

const TRANSPORT = /^(@trpc\/|trpc-to-openapi|zod-openapi|fastify|@fastify\/)/;

const workspacePackage = (specifier: string) => /^@campaigns\/[a-z-]+/.exec(specifier)?.[0];

describe('imports point down the package graph', () => {
  for (const [dir, rule] of Object.entries(RULES)) {
    it(`${dir} imports only ${[...rule.may, ...(rule.typeOnly ?? []).map((p) => `type ${p}`)].join(', ') || 'no workspace package'}`, async () => {
      const found = await importsOf(dir);
      expect(found.length, `no sources found under ${dir}`).toBeGreaterThan(0);
      const wrong = found.filter(({ specifier, typeOnly }) => {
        const target = workspacePackage(specifier);
        // A relative import may not climb out of its package into another one.
        if (specifier.startsWith('.')) return false;
        if (target === undefined) return /^(\.\.\/)+(packages|apps)\//.test(specifier);
        if (rule.may.includes(target)) return false;
        return !(typeOnly && rule.typeOnly?.includes(target));
      });
      const escapes = found.filter(
        ({ file, specifier }) =>
          specifier.startsWith('.') &&
          !path
            .resolve(root, path.dirname(file), specifier)
            .startsWith(path.join(root, dir.split('/src')[0]!)),
      );
      expect([...wrong, ...escapes].map((f) => `${f.file}: ${f.specifier}`)).toEqual([]);
    });
  }

  it('the core imports no transport: no tRPC, Fastify or OpenAPI package', async () => {
    const found = await importsOf('packages/core/src');
    const transport = found.filter(({ specifier }) => TRANSPORT.test(specifier));
    expect(transport.map((f) => `${f.file}: ${f.specifier}`)).toEqual([]);
  });

  it('`pnpm worker` loads the core only: nothing it imports, transitively, is transport or @campaigns/api', async () => {
    const seen = new Set<string>();
    const external = new Set<string>();
    const visit = async (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = await readFile(file, 'utf8');
      for (const match of text.matchAll(IMPORT)) {
        if (match[2]) continue; // `import type` loads nothing
        const specifier = match[3] ?? match[4] ?? '';
        if (specifier.startsWith('.')) await visit(`${path.resolve(path.dirname(file), specifier)}.ts`);
        else external.add(specifier);
      }
    };
    await visit(path.join(root, 'apps/server/src/worker.ts'));
    expect(seen.size).toBeGreaterThan(2);
    expect([...external].filter((s) => TRANSPORT.test(s) || s.startsWith('@campaigns/api'))).toEqual([]);
    expect(external).toContain('@campaigns/core');
  });

  it('error bodies are built in one module (packages/api/src/errors/bodies.ts)', async () => {
    // An object literal with a contract code and a message is a hand-built body.
    const BODY = /error:\s*'[a-z_]+',\s*message/;
    const builders: string[] = [];
    for (const dir of ['packages/core/src', 'packages/api/src', 'apps/server/src', 'apps/web/src']) {
      for (const file of await sources(path.join(root, dir))) {
        const relative = path.relative(root, file);
        if (relative === 'packages/api/src/errors/bodies.ts') continue;
        if (BODY.test(await readFile(file, 'utf8'))) builders.push(relative);
      }
    }
    expect(builders).toEqual([]);
    expect(BODY.test("send({ error: 'not_found', message: 'No such resource' })")).toBe(true);
  });

  it('every mutation resolves through replayOr, so an idempotent replay never runs the service again', async () => {
    const MUTATION = /\.mutation\((?!replayOr\()/;
    const routers = await sources(path.join(root, 'packages/api/src/routers'));
    const mutations = [];
    const bypassing = [];
    for (const file of routers) {
      const text = await readFile(file, 'utf8');
      if (text.includes('.mutation(')) mutations.push(file);
      if (MUTATION.test(text)) bypassing.push(path.relative(root, file));
    }
    expect(mutations.length).toBeGreaterThan(10);
    expect(bypassing).toEqual([]);
    expect(MUTATION.test('.mutation(({ ctx, input }) => run(ctx, input))')).toBe(true);
  });

  it('would catch one (the rule itself is checked)', () => {
    expect(TRANSPORT.test('@trpc/server')).toBe(true);
    expect(TRANSPORT.test('fastify')).toBe(true);
    const line = "import { appRouter } from '@campaigns/api';";
    const [match] = [...`\n${line}`.matchAll(IMPORT)];
    expect(match?.[3]).toBe('@campaigns/api');
    expect(Boolean(match?.[2])).toBe(false);
    expect(Boolean([...`\nimport type { AppRouter } from '@campaigns/api';`.matchAll(IMPORT)][0]?.[2])).toBe(
      true,
    );
  });
});
