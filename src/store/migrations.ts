/**
 * The schema, as numbered migrations in code, the same for SQLite and PostgreSQL. Column types
 * differ in one place only (`columnTypes`). Migrations are applied by `migrate`, one per
 * transaction, under a lock that makes two processes starting at once safe: the second waits,
 * then finds the migration applied and skips it.
 *
 * Add a migration by appending `000N_name` to MIGRATIONS; never edit one that has shipped.
 */
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { PostgresAdapter, sql } from 'kysely';
import { EscalatorError } from '../model/index.js';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

/** The one place where the two databases need different words. */
export function columnTypes(dialect: Dialect) {
  return dialect === 'postgres'
    ? // json keeps the text exactly as written (jsonb would reorder keys).
      { json: sql`json`, sequence: sql`bigserial`, autoIncrement: false }
    : { json: sql`text`, sequence: sql`integer`, autoIncrement: true };
}

/** Which dialect a Kysely instance (or transaction) talks to. */
export function dialectOf(db: Kysely<unknown>): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

// Migrations see the database untyped: they run before the types below exist.
type AnyDb = Kysely<unknown>;

const m0001: Migration = {
  async up(db: AnyDb) {
    const t = columnTypes(dialectOf(db));

    await db.schema
      .createTable('runs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('campaign_name', 'text', (c) => c.notNull())
      .addColumn('campaign_digest', 'text', (c) => c.notNull())
      .addColumn('plan', t.json, (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('runs_digest').on('runs').columns(['campaign_digest']).execute();

    await db.schema
      .createTable('steps')
      .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id'))
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('ordinal', 'integer', (c) => c.notNull())
      .addColumn('host', 'text')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
      .addColumn('started_at', 'text')
      .addColumn('ended_at', 'text')
      .addColumn('error_code', 'text')
      .addColumn('detail', t.json)
      .addPrimaryKeyConstraint('steps_pk', ['run_id', 'key'])
      .execute();
    await db.schema
      .createIndex('steps_run_ordinal')
      .on('steps')
      .columns(['run_id', 'ordinal'])
      .execute();

    await db.schema
      .createTable('journal')
      .addColumn('seq', t.sequence, (c) => {
        const pk = c.primaryKey();
        return t.autoIncrement ? pk.autoIncrement() : pk;
      })
      .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id'))
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('object_type', 'text', (c) => c.notNull())
      .addColumn('object_id', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('from_state', 'text')
      .addColumn('to_state', 'text')
      .addColumn('error_code', 'text')
      .addColumn('detail', t.json)
      .execute();
    await db.schema
      .createIndex('journal_run_seq')
      .on('journal')
      .columns(['run_id', 'seq'])
      .execute();

    await db.schema
      .createTable('backups')
      .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id'))
      .addColumn('host', 'text', (c) => c.notNull())
      .addColumn('ref', 'text', (c) => c.notNull())
      .addColumn('items', t.json, (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('deleted_at', 'text')
      .addPrimaryKeyConstraint('backups_pk', ['run_id', 'host', 'ref'])
      .execute();

    await db.schema
      .createTable('guards')
      .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('original', t.json, (c) => c.notNull())
      .addColumn('applied_at', 'text', (c) => c.notNull())
      .addColumn('restored_at', 'text')
      .addPrimaryKeyConstraint('guards_pk', ['run_id', 'name'])
      .execute();

    await db.schema
      .createTable('leases')
      .addColumn('run_id', 'text', (c) => c.primaryKey().references('runs.id'))
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
  },
};

/**
 * Plans move to their own table. A plan is megabytes at 10,000 hosts; kept in `runs`, every read
 * of a run's state walked its overflow pages in SQLite (the columns after it are stored after
 * it), 23 ms a read at 3,000 hosts.
 */
const m0002: Migration = {
  async up(db: AnyDb) {
    const t = columnTypes(dialectOf(db));
    await db.schema
      .createTable('run_plans')
      .addColumn('run_id', 'text', (c) => c.primaryKey().references('runs.id'))
      .addColumn('plan', t.json, (c) => c.notNull())
      .execute();
    await sql`insert into run_plans (run_id, plan) select id, plan from runs`.execute(db);
    await db.schema.alterTable('runs').dropColumn('plan').execute();
  },
};

/**
 * Steps by host and state: which hosts of a run have a step not final yet is read from this index
 * alone, and their steps found through it (`listOpenSteps`, a restart's read). Without it both
 * walked every step row of the run: 80 and 55 ms at 12,400 steps, against 27 and 10 ms with it
 * (a 1,000-host run killed at wave 26, fresh processes, SQLite).
 */
const m0003: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createIndex('steps_run_host_state')
      .on('steps')
      .columns(['run_id', 'host', 'state'])
      .execute();
  },
};

/** Every migration, by name; names sort in the order they apply. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_initial': m0001,
  '0002_run_plans': m0002,
  '0003_steps_host_state': m0003,
};

/** The migrations as Kysely's `MigrationProvider`, should a tool want Kysely's own `Migrator`. */
export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve({ ...MIGRATIONS }),
};

/** Runs `fn` in one write transaction that holds the migration lock. */
export type LockedTransaction = <T>(fn: (trx: Kysely<Database>) => Promise<T>) => Promise<T>;

/**
 * Applies the pending migrations, each in its own locked transaction, and returns the names of
 * those this call applied (another process may have applied the rest). A database holding a
 * migration this version does not know is refused.
 */
export async function migrate(
  inLockedTransaction: LockedTransaction,
  now: () => string,
  provider: MigrationProvider = migrationProvider,
): Promise<string[]> {
  const migrations = await provider.getMigrations();
  const names = Object.keys(migrations).sort();
  const applied: string[] = [];
  for (;;) {
    const next = await inLockedTransaction(async (trx) => {
      await trx.schema
        .createTable('escalator_migrations')
        .ifNotExists()
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('applied_at', 'text', (c) => c.notNull())
        .execute();
      const done = new Set(
        (await trx.selectFrom('escalator_migrations').select('name').execute()).map((r) => r.name),
      );
      const unknown = [...done].filter((name) => !(name in migrations));
      if (unknown.length > 0)
        throw new EscalatorError(
          'ESC_STORE_INCOMPATIBLE',
          `the database holds migrations this Escalator does not know (${unknown.join(', ')}): it was written by a newer version`,
        );
      const name = names.find((n) => !done.has(n));
      if (name === undefined) return undefined;
      await migrations[name]!.up(trx);
      await trx.insertInto('escalator_migrations').values({ name, applied_at: now() }).execute();
      return name;
    });
    if (next === undefined) return applied;
    applied.push(next);
  }
}
