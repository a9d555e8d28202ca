/**
 * From a `--db` value to a Kysely instance: a path or `sqlite:` URL opens SQLite (one file, WAL,
 * synchronous=FULL, foreign keys on, write transactions `BEGIN IMMEDIATE`); a `postgres://` or
 * `postgresql://` URL opens a `pg` pool. The drivers are loaded only when used.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DatabaseConnection, Driver, KyselyPlugin } from 'kysely';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, SqliteDriver } from 'kysely';
import type { SqliteDialectConfig } from 'kysely';
import { EscalatorError } from '../model/index.js';
import type { Dialect } from './migrations.js';
import type { Database } from './schema.js';

/** Where the store lives when no `--db` is given, relative to the working directory. */
export const DEFAULT_DB_PATH = '.escalator/escalator.db';

export type Target =
  | { readonly dialect: 'sqlite'; readonly path: string }
  | { readonly dialect: 'postgres'; readonly url: string };

/**
 * `undefined` or '' → the default file; `postgres://…`, `postgresql://…` → PostgreSQL;
 * `sqlite:PATH`, `sqlite://PATH`, `sqlite:///ABS/PATH` or a plain path → SQLite
 * (`:memory:` is an in-memory database, for tests).
 */
export function parseTarget(target?: string): Target {
  const value = target?.trim() ?? '';
  if (value === '') return { dialect: 'sqlite', path: DEFAULT_DB_PATH };
  if (/^postgres(ql)?:\/\//i.test(value)) return { dialect: 'postgres', url: value };
  const sqliteUrl = /^sqlite:(.*)$/i.exec(value);
  if (sqliteUrl) {
    let path = sqliteUrl[1]!;
    if (path.startsWith('//')) path = path.slice(2);
    if (path === '')
      throw new EscalatorError('ESC_USAGE', `the database URL ${value} names no file`);
    return { dialect: 'sqlite', path };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value))
    throw new EscalatorError(
      'ESC_USAGE',
      `the database ${value} is neither a file path, a sqlite: URL nor a postgres:// URL`,
    );
  return { dialect: 'sqlite', path: value };
}

/** The target as it may be shown: a URL without its password. */
export function describeTarget(target: Target): string {
  if (target.dialect === 'sqlite')
    return target.path === ':memory:' ? ':memory:' : resolve(target.path);
  try {
    const url = new URL(target.url);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

/** Kysely's SQLite driver, but write transactions take the write lock when they begin. */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    // A deferred BEGIN that reads then writes can fail with SQLITE_BUSY_SNAPSHOT when another
    // process wrote in between, whatever the busy timeout; IMMEDIATE waits its turn instead.
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

export interface ConnectOptions {
  /** SQLite: how long one statement waits for another writer before SQLITE_BUSY (blocking). */
  readonly busyTimeoutMs: number;
  /** PostgreSQL: connections in the pool. */
  readonly poolSize: number;
  readonly plugins: readonly KyselyPlugin[];
}

export interface Connection {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
}

/** Opens the database. Failures are the caller's to retry and to name. */
export async function connect(target: Target, options: ConnectOptions): Promise<Connection> {
  return target.dialect === 'sqlite'
    ? connectSqlite(target.path, options)
    : connectPostgres(target.url, options);
}

async function connectSqlite(path: string, options: ConnectOptions): Promise<Connection> {
  const { default: SqliteDatabase } = await import('better-sqlite3');
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new SqliteDatabase(path, { timeout: options.busyTimeoutMs });
  try {
    // Durability: WAL with synchronous=FULL syncs the log at every commit, so a commit that
    // returned survives a power cut, not only a process crash.
    const mode = sqlite.pragma('journal_mode = WAL', { simple: true }) as string;
    if (mode !== 'wal' && path !== ':memory:')
      throw new EscalatorError(
        'ESC_STORE_UNAVAILABLE',
        `SQLite refused write-ahead logging on ${path} (journal mode ${mode}); is it on a network file system?`,
      );
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
  } catch (error) {
    sqlite.close();
    throw error;
  }
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: sqlite }),
    plugins: [...options.plugins],
  });
  return { db, dialect: 'sqlite' };
}

async function connectPostgres(url: string, options: ConnectOptions): Promise<Connection> {
  const { default: pg } = await import('pg');
  const types = new pg.TypeOverrides();
  // int8 (bigserial seq, count) as numbers: journal sequence numbers stay far below 2^53.
  types.setTypeParser(20, (value: string) => Number(value));
  // JSON as text: the store parses it itself, the same way as on SQLite.
  types.setTypeParser(114, (value: string) => value);
  types.setTypeParser(3802, (value: string) => value);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize,
    application_name: 'escalator',
    connectionTimeoutMillis: 10_000,
    types,
  });
  // A connection that dies while idle is dropped by the pool and the next query opens a new
  // one; without a listener the error would end the process.
  pool.on('error', () => {});
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    plugins: [...options.plugins],
  });
  return { db, dialect: 'postgres' };
}
