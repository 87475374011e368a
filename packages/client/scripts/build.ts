/**
 * `pnpm --filter @campaigns/client build`: dist/ for a TypeScript app outside the monorepo
 * (`pnpm pack`; test/pack.test.ts installs the tarball and type-checks against it).
 *
 * - dist/index.js: esbuild bundles the client with the parts of @campaigns/contract it uses (the
 *   transformer, the limits); its npm dependencies stay imports.
 * - dist/index.d.ts: TypeScript's declaration of src/index.ts. The router's type is written out in full
 *   there (procedures, inputs, outputs and the error shape), so no @campaigns/* import is left but the
 *   server's context and procedure metadata, which no client reads: they become `object`. The build
 *   fails if anything else of the monorepo's is still named.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = path.join(root, 'src/index.ts');
const dist = path.join(root, 'dist');
const manifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });

await build({
  entryPoints: [entry],
  outfile: path.join(dist, 'index.js'),
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  external: Object.keys(manifest.dependencies),
  logLevel: 'warning',
});

// The server-side types a client never reads, as the declaration names them.
const ERASED: Record<string, string> = {
  'import("@campaigns/api").Context': 'object',
  'import("@campaigns/api").Meta': 'object',
};

const config = ts.readConfigFile(path.join(root, '../../tsconfig.base.json'), ts.sys.readFile);
const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
const program = ts.createProgram([entry], {
  ...options,
  noEmit: false,
  declaration: true,
  emitDeclarationOnly: true,
  allowImportingTsExtensions: false,
  types: [],
});
let declaration: string | undefined;
const emitted = program.emit(undefined, (fileName, text) => {
  if (path.resolve(fileName) === path.join(path.dirname(entry), 'index.d.ts')) declaration = text;
});
const problems = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics].filter(
  (d) => d.category === ts.DiagnosticCategory.Error,
);
if (problems.length > 0) {
  throw new Error(
    ts.formatDiagnostics(problems, { ...ts.sys, getCanonicalFileName: (f) => f, getNewLine: () => '\n' }),
  );
}
if (declaration === undefined) throw new Error('no declaration emitted for src/index.ts');
for (const [name, replacement] of Object.entries(ERASED))
  declaration = declaration.replaceAll(name, replacement);
const left = declaration.match(/.*@campaigns\/.*/g);
if (left) throw new Error(`dist/index.d.ts still names the monorepo:\n${left.join('\n')}`);
await writeFile(path.join(dist, 'index.d.ts'), declaration);
process.stdout.write(`built ${path.relative(process.cwd(), dist)}\n`);
