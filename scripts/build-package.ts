/**
 * `tsx scripts/build-package.ts <package dir>` (the `build` of @campaigns/client and @campaigns/rest-sdk):
 * dist/ for a TypeScript app outside the monorepo (`pnpm pack`; each package's test/pack.test.ts
 * installs the tarball into an empty project and type-checks against it).
 *
 * - dist/index.js: esbuild bundles src/index.ts with the workspace code it uses (for the client, the
 *   transformer and the limits of @campaigns/contract); the package's npm dependencies stay imports.
 * - dist/, the .d.ts files: TypeScript's declarations of src/ (and its hand-written or generated .d.ts). The
 *   client's router type is written out in full there (procedures, inputs, outputs, the error shape),
 *   so no @campaigns/* import is left but the server's context and procedure metadata, which no client
 *   reads: they become `object`. The build fails if anything else of the monorepo's is still named.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import ts from 'typescript';

const [packageArgument] = process.argv.slice(2);
if (packageArgument === undefined) throw new Error('usage: build-package.ts <package dir>');
const root = path.resolve(packageArgument);
const src = path.join(root, 'src');
const entry = path.join(src, 'index.ts');
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

const config = ts.readConfigFile(
  fileURLToPath(new URL('../tsconfig.base.json', import.meta.url)),
  ts.sys.readFile,
);
const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
const program = ts.createProgram([entry], {
  ...options,
  noEmit: false,
  declaration: true,
  emitDeclarationOnly: true,
  allowImportingTsExtensions: false,
  // What a browser or Node 18+ app has globally (fetch, Request); no @types/node in the declarations.
  lib: [...(options.lib ?? []), 'lib.dom.d.ts'],
  types: [],
});
// Declarations of the package's own sources only (the workspace code it imports is not shipped).
const declarations = new Map<string, string>();
const emitted = program.emit(undefined, (fileName, text) => {
  const relative = path.relative(src, path.resolve(fileName));
  if (!relative.startsWith('..')) declarations.set(relative, text);
});
const problems = [
  ...ts.getPreEmitDiagnostics(program, program.getSourceFile(entry)),
  ...emitted.diagnostics,
].filter((d) => d.category === ts.DiagnosticCategory.Error);
if (problems.length > 0) {
  throw new Error(
    ts.formatDiagnostics(problems, { ...ts.sys, getCanonicalFileName: (f) => f, getNewLine: () => '\n' }),
  );
}
if (!declarations.has('index.d.ts')) throw new Error('no declaration emitted for src/index.ts');
// .d.ts files in src/ (e.g. generated types) are not emitted; they ship as they are.
for (const name of await readdir(src, { recursive: true })) {
  if (name.endsWith('.d.ts')) declarations.set(name, await readFile(path.join(src, name), 'utf8'));
}
for (const [relative, text] of declarations) {
  let declaration = text;
  for (const [name, replacement] of Object.entries(ERASED))
    declaration = declaration.replaceAll(name, replacement);
  const left = declaration.match(/.*@campaigns\/.*/g);
  if (left) throw new Error(`dist/${relative} still names the monorepo:\n${left.join('\n')}`);
  await mkdir(path.dirname(path.join(dist, relative)), { recursive: true });
  await writeFile(path.join(dist, relative), declaration);
}
process.stdout.write(`built ${path.relative(process.cwd(), dist) || dist}\n`);
