/**
 * From a `--db` value to a Kysely instance: a path or `sqlite:` URL opens SQLite (one file, WAL,
 * synchronous=NORMAL unless `?synchronous=full`, foreign keys on, write transactions
 * `BEGIN IMMEDIATE`); a `postgres://` or
 * `postgresql://` URL opens a `pg` pool. The drivers are loaded only when used.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DatabaseConnection, Driver, KyselyPlugin } from 'kysely';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, SqliteDriver } from 'kysely';
import type { SqliteDatabase, SqliteDialectConfig } from 'kysely';
import type BetterSqlite from 'better-sqlite3';
import { EscalatorError } from '../model/index.js';
import type { Dialect } from './migrations.js';
import type { Database } from './schema.js';
import type { SqliteSync, Target } from './target.js';

export { DEFAULT_DB_PATH, describeTarget, parseTarget } from './target.js';
export type { SqliteSync, Target } from './target.js';

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

/** Most prepared statements kept per connection (the store issues a few dozen shapes). */
const STATEMENT_CACHE = 256;

/**
 * The database as Kysely sees it, with each SQL text prepared once and reused: preparing is a
 * third of a statement's cost, and the engine repeats the same few statements tens of thousands
 * of times a run. better-sqlite3 statements are reusable, and Kysely runs them to completion
 * (`all`/`run`) before the next one.
 */
function reusingStatements(sqlite: BetterSqlite.Database): SqliteDatabase {
  const cache = new Map<string, BetterSqlite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (statement === undefined) {
        statement = sqlite.prepare(sql);
        if (cache.size >= STATEMENT_CACHE) cache.clear();
        cache.set(sql, statement);
      }
      return statement;
    },
  };
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
    ? connectSqlite(target.path, target.synchronous ?? 'normal', options)
    : connectPostgres(target.url, options);
}

async function connectSqlite(
  path: string,
  synchronous: SqliteSync,
  options: ConnectOptions,
): Promise<Connection> {
  const { default: SqliteDatabase } = await import('better-sqlite3');
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new SqliteDatabase(path, { timeout: options.busyTimeoutMs });
  try {
    // Durability (see SqliteSync): WAL; NORMAL syncs at checkpoints, FULL at every commit.
    const mode = sqlite.pragma('journal_mode = WAL', { simple: true }) as string;
    if (mode !== 'wal' && path !== ':memory:')
      throw new EscalatorError(
        'ESC_STORE_UNAVAILABLE',
        `SQLite refused write-ahead logging on ${path} (journal mode ${mode}); is it on a network file system?`,
      );
    sqlite.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    sqlite.pragma('foreign_keys = ON');
  } catch (error) {
    sqlite.close();
    throw error;
  }
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: reusingStatements(sqlite) }),
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
