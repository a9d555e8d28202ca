/**
 * A throwaway PostgreSQL for tests: `DATABASE_URL` when set; otherwise a cluster of its own,
 * made with the machine's binaries (PATH, then /usr/lib/postgresql/<version>/bin) in a temp
 * folder, listening on a free 127.0.0.1 port with its unix socket in that folder, stopped (by
 * its data directory, `pg_ctl stop -m fast`) and removed at the end.
 *
 * `initdb` and `postgres` refuse to run as root. As root the harness runs them as `postgres`
 * when that user exists (Debian's package makes it), else as `escalator-test`, a system user it
 * creates once with `useradd --system`; `runuser` (or `su`) switches to it.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export interface PostgresBinaries {
  readonly initdb: string;
  readonly pgCtl: string;
  readonly postgres: string;
}

/** initdb, pg_ctl and postgres from one folder: PATH first, then the newest Debian version. */
export function findPostgresBinaries(): PostgresBinaries | undefined {
  const folders = (process.env.PATH ?? '').split(':').filter((f) => f !== '');
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    folders.push(...versions.map((v) => join(debian, v, 'bin')));
  }
  for (const folder of folders) {
    const initdb = join(folder, 'initdb');
    const pgCtl = join(folder, 'pg_ctl');
    const postgres = join(folder, 'postgres');
    if (existsSync(initdb) && existsSync(pgCtl) && existsSync(postgres))
      return { initdb, pgCtl, postgres };
  }
  return undefined;
}

interface Account {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

function lookUp(name: string): Account | undefined {
  try {
    const line = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim();
    const fields = line.split(':');
    return { name, uid: Number(fields[2]), gid: Number(fields[3]) };
  } catch {
    return undefined;
  }
}

/** The unprivileged account to run the server as, when we are root. */
export function serverAccount(): Account | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const existing = lookUp('postgres') ?? lookUp('escalator-test');
  if (existing) return existing;
  try {
    execFileSync(
      'useradd',
      [
        '--system',
        '--no-create-home',
        '--home-dir',
        '/nonexistent',
        '--shell',
        '/usr/sbin/nologin',
        'escalator-test',
      ],
      { stdio: 'pipe' },
    );
  } catch (error) {
    // Another test process may have created it at the same moment (exit 9: already exists).
    if (!lookUp('escalator-test'))
      throw new Error(
        `cannot create the system user escalator-test to run PostgreSQL as: ${String(error)}`,
      );
  }
  const created = lookUp('escalator-test');
  if (!created) throw new Error('useradd succeeded but escalator-test cannot be found');
  return created;
}

const shellQuote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;

/** The command line that runs `file args` as `account` (or as ourselves). */
function asAccount(
  account: Account | undefined,
  file: string,
  args: readonly string[],
): [string, string[]] {
  if (!account) return [file, [...args]];
  if (existsSync('/usr/sbin/runuser') || existsSync('/sbin/runuser'))
    return ['runuser', ['-u', account.name, '--', file, ...args]];
  return ['su', [account.name, '-s', '/bin/sh', '-c', [file, ...args].map(shellQuote).join(' ')]];
}

async function runAs(
  account: Account | undefined,
  file: string,
  args: readonly string[],
): Promise<string> {
  const [command, argv] = asAccount(account, file, args);
  try {
    const { stdout, stderr } = await run(command, argv, { encoding: 'utf8', maxBuffer: 8 << 20 });
    return stdout + stderr;
  } catch (error) {
    const out = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${command} ${argv.join(' ')} failed: ${out.stderr || out.stdout || out.message}`,
    );
  }
}

/** A free TCP port on 127.0.0.1 (free when asked: the server start retries if it was taken). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface PostgresCluster {
  /** URL of the `postgres` database, as the superuser `postgres`. */
  readonly url: string;
  readonly port: number;
  readonly folder: string;
  /** Stops this cluster (by its data directory) and removes its folder. */
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** Server setting `fsync` (default on, as in production). */
  readonly fsync?: boolean;
}

/** Makes and starts a new cluster. Throws with the server's log when it cannot. */
export async function startPostgresCluster(options: ClusterOptions = {}): Promise<PostgresCluster> {
  const binaries = findPostgresBinaries();
  if (!binaries) throw new Error(POSTGRES_MISSING);
  const account = serverAccount();
  const folder = await mkdtemp(join(account ? '/tmp' : tmpdir(), 'escalator-pg-'));
  const data = join(folder, 'data');
  const log = join(folder, 'server.log');
  const stopSync = (): void => {
    try {
      const [command, argv] = asAccount(account, binaries.pgCtl, [
        'stop',
        '-D',
        data,
        '-m',
        'immediate',
        '-w',
      ]);
      execFileSync(command, argv, { stdio: 'ignore' });
    } catch {
      // not running
    }
  };
  try {
    if (account) await chown(folder, account.uid, account.gid);
    await runAs(account, binaries.initdb, [
      '-D',
      data,
      '-A',
      'trust',
      '-U',
      'postgres',
      '-E',
      'UTF8',
      '--no-locale',
      '--no-sync',
    ]);
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const settings = [
        `-c listen_addresses=127.0.0.1`,
        `-c port=${port}`,
        `-c unix_socket_directories=${folder}`,
        `-c fsync=${options.fsync === false ? 'off' : 'on'}`,
        `-c max_connections=200`,
      ].join(' ');
      try {
        await runAs(account, binaries.pgCtl, [
          'start',
          '-D',
          data,
          '-l',
          log,
          '-w',
          '-t',
          '60',
          '-o',
          settings,
        ]);
        break;
      } catch (error) {
        const serverLog = await readFile(log, 'utf8').catch(() => '');
        if (attempt < 3 && /could not bind|Address already in use/i.test(serverLog)) continue;
        throw new Error(`${String(error)}\n--- server log ---\n${serverLog.slice(-4000)}`);
      }
    }
    // Should the process end before stop() (an uncaught error, a kill of vitest), stop it anyway.
    process.once('exit', stopSync);
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      folder,
      async stop() {
        process.removeListener('exit', stopSync);
        await runAs(account, binaries.pgCtl, [
          'stop',
          '-D',
          data,
          '-m',
          'fast',
          '-w',
          '-t',
          '60',
        ]).catch(() => {});
        await rm(folder, { recursive: true, force: true });
      },
    };
  } catch (error) {
    stopSync();
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
}

export const POSTGRES_MISSING =
  'PostgreSQL is needed for the store tests and none was found: DATABASE_URL is unset and no ' +
  'initdb/pg_ctl/postgres is on PATH or in /usr/lib/postgresql/*/bin. Install it ' +
  '(apt-get install -y postgresql; .ci/run does) or set DATABASE_URL=postgres://… to a server ' +
  'where this user may create databases.';

/** A database of its own on the server at `adminUrl`, dropped by `drop()`. */
export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

let counter = 0;

export async function createDatabase(
  adminUrl: string,
  prefix = 'escalator_test',
): Promise<TestDatabase> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
