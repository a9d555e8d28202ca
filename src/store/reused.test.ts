import fc from 'fast-check';
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
} from 'kysely';
import { describe, expect, it } from 'vitest';
import { ReusedStatement } from './reused.js';

interface Db {
  steps: { run_id: string; key: string; state: string; attempt: number; detail: string | null };
}

/** A builder that compiles only (no database), in the given dialect's SQL. */
const compileOnly = (dialect: 'sqlite' | 'postgres'): Kysely<Db> =>
  new Kysely<Db>({
    dialect: {
      createAdapter: () => (dialect === 'sqlite' ? new SqliteAdapter() : new PostgresAdapter()),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) =>
        dialect === 'sqlite' ? new SqliteIntrospector(db) : new PostgresIntrospector(db),
      createQueryCompiler: () =>
        dialect === 'sqlite' ? new SqliteQueryCompiler() : new PostgresQueryCompiler(),
    },
  });

const builders = { sqlite: compileOnly('sqlite'), postgres: compileOnly('postgres') };

interface Values {
  state: string;
  attempt: number;
  detail: string | null;
  runId: string;
  key: string;
}

const update = (db: Kysely<Db>, v: Values) =>
  db
    .updateTable('steps')
    .set({ state: v.state, attempt: v.attempt, detail: v.detail })
    .where('run_id', '=', v.runId)
    .where('key', '=', v.key)
    .where('state', '!=', v.state) // a value used twice
    .where('attempt', '<', 100) // a constant of the statement
    .returningAll();

describe.each(Object.entries(builders))('a statement reused on %s', (_name, db) => {
  it('gives the SQL and parameters that building it again with the values gives', () => {
    const reused = new ReusedStatement<Values, unknown>(
      (v) => update(db, v),
      ['state', 'attempt', 'detail', 'runId', 'key'],
    );
    fc.assert(
      fc.property(
        fc.record({
          state: fc.string(),
          attempt: fc.integer(),
          detail: fc.option(fc.string(), { nil: null }),
          runId: fc.string(),
          key: fc.string(),
        }),
        (values) => {
          const built = update(db, values).compile();
          const again = reused.with(values);
          expect(again.sql).toBe(built.sql);
          expect(again.parameters).toEqual(built.parameters);
        },
      ),
    );
  });

  it('refuses a statement that writes a value into its SQL instead of taking it as a parameter', () => {
    expect(
      () =>
        new ReusedStatement<{ state: string; key: string }, unknown>(
          (v) =>
            db
              .updateTable('steps')
              .set({ state: sql.lit(String(v.state)) })
              .where('key', '=', v.key),
          ['state', 'key'],
        ),
    ).toThrow(/must take state as parameters/);
  });
});
