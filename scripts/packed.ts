/**
 * A workspace package as an app outside the monorepo gets it: built, packed (`pnpm pack`) and installed
 * into an empty project of its own, with TypeScript, where source files can be type-checked against it.
 * Used by the packages' test/pack.test.ts.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const TYPESCRIPT_VERSION = (
  JSON.parse(
    await readFile(
      fileURLToPath(new URL('../node_modules/typescript/package.json', import.meta.url)),
      'utf8',
    ),
  ) as { version: string }
).version;

export interface PackedProject {
  /** The app's directory (its node_modules holds the package, installed from the tarball). */
  dir: string;
  /** The tarball's entries, sorted (`package/dist/index.js`, …). */
  files: string[];
  /** The installed package's package.json. */
  manifest: { dependencies: Record<string, string> };
  /** A file of the installed package, e.g. `dist/index.d.ts`. */
  installedFile(relative: string): Promise<string>;
  /** tsc over one file written into the app: its exit code and what it printed. */
  typecheck(name: string, source: string): Promise<{ code: number; output: string }>;
  /** Node run in the app's directory on an ES module given as text; its stdout. */
  node(source: string): Promise<string>;
  remove(): Promise<void>;
}

export async function installPacked(packageDir: string, name: string): Promise<PackedProject> {
  const work = await mkdtemp(path.join(tmpdir(), 'campaigns-packed-'));
  await run('pnpm', ['run', 'build'], { cwd: packageDir });
  await run('pnpm', ['pack', '--pack-destination', work], { cwd: packageDir });
  const tarball = path.join(work, `${name.replace('@', '').replace('/', '-')}-0.0.0.tgz`);
  const files = (await run('tar', ['-tzf', tarball])).stdout.trim().split('\n').sort();

  const dir = path.join(work, 'app');
  await mkdir(dir);
  await writeFile(
    path.join(dir, 'package.json'),
    JSON.stringify({
      name: 'outside-app',
      private: true,
      type: 'module',
      dependencies: { [name]: `file:${tarball}` },
      devDependencies: { typescript: TYPESCRIPT_VERSION },
    }),
  );
  // From pnpm's store when it has everything (it does after the monorepo's install), else the registry.
  await run('pnpm', ['install', '--prefer-offline', '--ignore-scripts'], { cwd: dir });
  const installed = path.join(dir, 'node_modules', name);
  const installedFile = (relative: string) => readFile(path.join(installed, relative), 'utf8');

  return {
    dir,
    files,
    manifest: JSON.parse(await installedFile('package.json')) as PackedProject['manifest'],
    installedFile,
    async typecheck(file, source) {
      await writeFile(path.join(dir, file), source);
      const tsconfig = {
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2023', 'ESNext.Disposable', 'DOM'],
          module: 'ESNext',
          moduleResolution: 'Bundler',
          strict: true,
          noEmit: true,
          // As apps set it: the libraries' own .d.ts are not checked; the calls in `file` are.
          skipLibCheck: true,
          types: [],
        },
        files: [file],
      };
      const config = path.join(dir, `tsconfig.${file}.json`);
      await writeFile(config, JSON.stringify(tsconfig));
      return run(path.join(dir, 'node_modules/.bin/tsc'), ['-p', config], { cwd: dir }).then(
        ({ stdout }) => ({ code: 0, output: stdout }),
        (error: { code: number; stdout: string }) => ({ code: error.code, output: error.stdout }),
      );
    },
    async node(source) {
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', source], { cwd: dir });
      return stdout;
    },
    remove: () => rm(work, { recursive: true, force: true }),
  };
}
