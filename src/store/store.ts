/**
 * The store: the engine's one data layer, over SQLite (embedded default) or PostgreSQL, with the
 * same schema and the same behaviour. Every change is one transaction; a state change checks the
 * state it starts from (compare-and-set) and writes its journal entry in the same transaction,
 * so the journal and the state can never disagree. Transient failures are retried inside.
 */
import { randomBytes } from 'node:crypto';
import type { KyselyPlugin, Transaction } from 'kysely';
import { sql } from 'kysely';
import type { Insertable, Kysely, Selectable } from 'kysely';
import type {
  Clock,
  Json,
  JournalObject,
  RandomSource,
  RunState,
  StepState,
} from '../model/index.js';
import { EscalatorError } from '../model/index.js';
import { connect, describeTarget, parseTarget } from './connect.js';
import type { Target } from './connect.js';
import { ulidGenerator } from './ids.js';
import type { IdGenerator } from './ids.js';
import { migrate } from './migrations.js';
import { ReusedStatement } from './reused.js';
import type { Dialect } from './migrations.js';
import { DEFAULT_RETRY, realSleep, withRetry } from './retry.js';
import type { RetryPolicy, Sleep } from './retry.js';
import type { Database, JournalTable, RunsTable, StepsTable } from './schema.js';
import type {
  BackupRecord,
  GuardRecord,
  JournalEntry,
  JournalQuery,
  Lease,
  LeaseResult,
  NewBackup,
  NewJournalEntry,
  NewRun,
  NewStep,
  PlanReplacement,
  RunFilter,
  RunRecord,
  RunTransition,
  StepFilter,
  StepRecord,
  StepTransition,
  WriteBatch,
} from './types.js';

export interface StoreOptions {
  /** Where timestamps and run ids take their time from; default the wall clock. */
  readonly clock?: Clock;
  /** Randomness for run ids and retry jitter; default the operating system's. */
  readonly random?: RandomSource;
  readonly retry?: Partial<RetryPolicy>;
  /** SQLite: how long a statement blocks waiting for another writer (default 50 ms). */
  readonly busyTimeoutMs?: number;
  /** PostgreSQL: connections in the pool (default 10). */
  readonly poolSize?: number;
  /** Kysely plugins (logging, or a test's injected failure). */
  readonly plugins?: readonly KyselyPlugin[];
  /** How the retry loop waits (tests). */
  readonly sleep?: Sleep;
}

/** The run changed under you: its state or revision is not the one the caller expected. */
export class StoreConflictError extends EscalatorError {
  /** What the object was when the change was refused. */
  readonly actual: { readonly state: string; readonly revision?: number };
  constructor(message: string, actual: { state: string; revision?: number }) {
    super('ESC_STORE_CONFLICT', message);
    this.name = 'StoreConflictError';
    this.actual = actual;
  }
}

const systemClock: Clock = { now: () => Date.now() };
const systemRandom: RandomSource = { uint32: () => randomBytes(4).readUInt32BE(0) };

/** PostgreSQL advisory lock keys (the one- and two-key spaces do not overlap). */
const MIGRATION_LOCK = 4_591_873_002_113n;
const JOURNAL_LOCK_CLASS = 0x45534a4c; // 'ESJL'

/** Rows per INSERT: far below SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 500;

const TERMINAL_STEP_STATES: ReadonlySet<StepState> = new Set([
  'succeeded',
  'failed',
  'timed-out',
  'undone',
  'skipped',
]);

type Tx = Transaction<Database>;

/**
 * Opens the store named by `target` (see `parseTarget`; default `.escalator/escalator.db`) and
 * brings its schema up to date. Throws ESC_STORE_UNAVAILABLE when it cannot be opened.
 */
export async function openStore(target?: string, options: StoreOptions = {}): Promise<Store> {
  const parsed = parseTarget(target);
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const sleep = options.sleep ?? realSleep;
  const where = describeTarget(parsed);
  const connection = await withRetry(
    () =>
      connect(parsed, {
        busyTimeoutMs: options.busyTimeoutMs ?? 50,
        poolSize: options.poolSize ?? 10,
        plugins: options.plugins ?? [],
      }),
    `opening the database ${where}`,
    retry,
    random,
    sleep,
  ).catch((error: unknown) => {
    throw unavailable(error, `cannot open the database ${where}`);
  });
  const store = new Store(parsed, where, connection.db, connection.dialect, {
    clock,
    random,
    retry,
    sleep,
    // A plugin sees a statement when it is built: with plugins, every statement is built anew.
    reuseStatements: (options.plugins ?? []).length === 0,
  });
  try {
    await store.migrateToLatest();
  } catch (error) {
    await connection.db.destroy().catch(() => {});
    throw unavailable(error, `cannot prepare the database ${where}`);
  }
  return store;
}

/** Anything that stopped the store from opening is ESC_STORE_UNAVAILABLE, unless named already. */
function unavailable(error: unknown, message: string): Error {
  if (error instanceof EscalatorError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  const wrapped = new EscalatorError('ESC_STORE_UNAVAILABLE', `${message}: ${detail}`);
  (wrapped as { cause?: unknown }).cause = error;
  return wrapped;
}

interface Runtime {
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly retry: RetryPolicy;
  readonly sleep: Sleep;
  /** Run the step update compiled once per shape (`ReusedStatement`); false with plugins. */
  readonly reuseStatements?: boolean;
}

export class Store {
  /** The typed query builder, for reads the API does not offer (reports). Writes go through the API. */
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** The database as it may be shown: an absolute path, or a URL without its password. */
  readonly location: string;
  readonly target: Target;
  #migrated: readonly string[] = [];
  #retries = 0;
  readonly #runtime: Runtime;
  readonly #newId: IdGenerator;
  /** The step updates compiled so far, by shape (see `#stepUpdate`). */
  readonly #stepUpdates = new Map<
    string,
    ReusedStatement<StepUpdateValues, Selectable<StepsTable>>
  >();

  /** Use `openStore`. */
  constructor(
    target: Target,
    location: string,
    db: Kysely<Database>,
    dialect: Dialect,
    runtime: Runtime,
  ) {
    this.target = target;
    this.location = location;
    this.db = db;
    this.dialect = dialect;
    this.#runtime = runtime;
    this.#newId = ulidGenerator(runtime.clock, runtime.random);
  }

  /** The migrations this store applied when it opened (others may have been applied before). */
  get migrated(): readonly string[] {
    return this.#migrated;
  }

  /** @internal Called by `openStore`. */
  async migrateToLatest(): Promise<void> {
    this.#migrated = await migrate(
      (fn) =>
        this.#write('migrating the database', async (trx) => {
          if (this.dialect === 'postgres')
            await sql`select pg_advisory_xact_lock(${sql.lit(MIGRATION_LOCK)})`.execute(trx);
          // SQLite: the transaction began IMMEDIATE, so it holds the write lock already.
          return fn(trx);
        }),
      () => this.#now(),
    );
  }

  /** Transient failures (busy, deadlock, lost connection) retried since the store opened. */
  get retries(): number {
    return this.#retries;
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  // ---------------------------------------------------------------------------------- runs

  /** Creates a run (state `planned` unless told) and its first journal entry. */
  async createRun(input: NewRun): Promise<RunRecord> {
    const plan = asciiJson(toJsonText(input.plan, 'the plan'));
    const state = input.state ?? 'planned';
    const entry = input.entry ?? { action: 'create' };
    return this.#write('creating a run', async (trx) => {
      const now = this.#now();
      const row = {
        id: this.#newId(),
        campaign_name: input.campaignName,
        campaign_digest: input.campaignDigest,
        target: input.target,
        state,
        revision: 0,
        created_at: now,
        updated_at: now,
      };
      await trx.insertInto('runs').values(row).execute();
      await trx.insertInto('run_plans').values({ run_id: row.id, plan }).execute();
      await this.#journal(trx, row.id, now, {
        ...entry,
        objectType: 'run',
        objectId: row.id,
        from: null,
        to: state,
      });
      return toRun(row);
    });
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const row = await this.#read('reading a run', (db) =>
      db.selectFrom('runs').select(RUN_COLUMNS).where('id', '=', runId).executeTakeFirst(),
    );
    return row && toRun(row);
  }

  /** The run's plan, as it was created or last replaced. @throws ESC_NOT_FOUND */
  async getPlan(runId: string): Promise<Json> {
    const row = await this.#read('reading the plan of a run', (db) =>
      db.selectFrom('run_plans').select('plan').where('run_id', '=', runId).executeTakeFirst(),
    );
    if (!row) throw new EscalatorError('ESC_NOT_FOUND', `there is no run ${runId}`);
    return parseJson(row.plan);
  }

  /** Runs in creation order (oldest first unless `newestFirst`). */
  async listRuns(filter: RunFilter = {}): Promise<RunRecord[]> {
    const rows = await this.#read('listing runs', (db) => {
      let query = db.selectFrom('runs').select(RUN_COLUMNS);
      if (filter.campaignDigest !== undefined)
        query = query.where('campaign_digest', '=', filter.campaignDigest);
      if (filter.campaignName !== undefined)
        query = query.where('campaign_name', '=', filter.campaignName);
      if (filter.states !== undefined) {
        if (filter.states.length === 0) return Promise.resolve([]);
        query = query.where('state', 'in', filter.states);
      }
      query = query.orderBy('id', filter.newestFirst ? 'desc' : 'asc');
      if (filter.limit !== undefined) query = query.limit(filter.limit);
      return query.execute();
    });
    return rows.map(toRun);
  }

  /**
   * Moves the run from `from` to `to` and journals it, in one transaction. Throws
   * StoreConflictError (ESC_STORE_CONFLICT) when the run is in another state or, with
   * `expectedRevision`, at another revision — and then writes nothing; ESC_NOT_FOUND when
   * there is no such run.
   */
  async transitionRun(runId: string, transition: RunTransition): Promise<RunRecord> {
    const from: readonly RunState[] =
      typeof transition.from === 'string' ? [transition.from] : transition.from;
    return this.#write('changing the state of a run', async (trx) => {
      const current = await this.#lockRun(trx, runId);
      const wrongState = !from.includes(current.state as RunState);
      const wrongRevision =
        transition.expectedRevision !== undefined &&
        transition.expectedRevision !== current.revision;
      if (wrongState || wrongRevision)
        throw new StoreConflictError(
          `run ${runId} is ${current.state} at revision ${current.revision}, not ` +
            `${from.join(' or ')}${transition.expectedRevision !== undefined ? ` at revision ${transition.expectedRevision}` : ''}: it changed under you`,
          { state: current.state, revision: current.revision },
        );
      const now = this.#now();
      const row = await trx
        .updateTable('runs')
        .set({ state: transition.to, revision: current.revision + 1, updated_at: now })
        .where('id', '=', runId)
        .where('revision', '=', current.revision)
        .returning(RUN_COLUMNS)
        .executeTakeFirstOrThrow();
      await this.#journal(trx, runId, now, {
        ...transition.entry,
        objectType: 'run',
        objectId: runId,
        from: current.state,
        to: transition.to,
      });
      return toRun(row);
    });
  }

  /** Replaces the run's plan (a re-plan), if the run is still at `expectedRevision`. */
  async replacePlan(runId: string, replacement: PlanReplacement): Promise<RunRecord> {
    const plan = asciiJson(toJsonText(replacement.plan, 'the plan'));
    return this.#write('replacing the plan of a run', async (trx) => {
      const current = await this.#lockRun(trx, runId);
      if (current.revision !== replacement.expectedRevision)
        throw new StoreConflictError(
          `run ${runId} is at revision ${current.revision}, not ${replacement.expectedRevision}: it changed under you`,
          { state: current.state, revision: current.revision },
        );
      const now = this.#now();
      await trx.updateTable('run_plans').set({ plan }).where('run_id', '=', runId).execute();
      const row = await trx
        .updateTable('runs')
        .set({ revision: current.revision + 1, updated_at: now })
        .where('id', '=', runId)
        .where('revision', '=', current.revision)
        .returning(RUN_COLUMNS)
        .executeTakeFirstOrThrow();
      await this.#journal(trx, runId, now, {
        ...replacement.entry,
        objectType: 'run',
        objectId: runId,
        from: current.state,
        to: current.state,
      });
      return toRun(row);
    });
  }

  // --------------------------------------------------------------------------------- steps

  /**
   * Adds the steps the run does not have yet and returns how many it added: calling it again
   * with the same steps adds none. A step whose key exists with another idempotency key, or an
   * idempotency key taken by another step, is refused with ESC_STORE_CONFLICT (nothing added).
   */
  async ensureSteps(runId: string, steps: readonly NewStep[]): Promise<number> {
    const byKey = new Map<string, NewStep>();
    for (const step of steps) {
      const seen = byKey.get(step.key);
      if (seen && seen.idempotencyKey !== step.idempotencyKey)
        throw new StoreConflictError(
          `step ${step.key} is given twice with different idempotency keys`,
          { state: 'input' },
        );
      byKey.set(step.key, step);
    }
    const unique = [...byKey.values()];
    const details = unique.map((s) =>
      s.detail === undefined ? null : toJsonText(s.detail, `the detail of step ${s.key}`),
    );
    if (unique.length === 0) return 0;
    return this.#write('adding steps', async (trx) => {
      await this.#lockRun(trx, runId);
      const last = await trx
        .selectFrom('steps')
        .select((eb) => eb.fn.max('ordinal').as('last'))
        .where('run_id', '=', runId)
        .executeTakeFirst();
      const records = newStepRecords(runId, unique, (last?.last ?? -1) + 1);
      let inserted = 0;
      for (let start = 0; start < unique.length; start += CHUNK) {
        const chunk = unique.slice(start, start + CHUNK);
        const rows = records.slice(start, start + CHUNK).map((r, i) => ({
          run_id: r.runId,
          key: r.key,
          ordinal: r.ordinal,
          host: r.host,
          kind: r.kind,
          state: r.state,
          attempt: r.attempt,
          idempotency_key: r.idempotencyKey,
          started_at: r.startedAt,
          ended_at: r.endedAt,
          error_code: r.errorCode,
          detail: details[start + i] ?? null,
        }));
        const result = await trx
          .insertInto('steps')
          .values(rows)
          .onConflict((oc) => oc.columns(['run_id', 'key']).doNothing())
          .executeTakeFirst();
        const added = Number(result.numInsertedOrUpdatedRows ?? 0n);
        inserted += added;
        // Every row of the chunk inserted: each is ours. Else check the ones that were there.
        if (added === chunk.length) continue;
        const stored = await trx
          .selectFrom('steps')
          .select(['key', 'idempotency_key'])
          .where('run_id', '=', runId)
          .where(
            'key',
            'in',
            chunk.map((s) => s.key),
          )
          .execute();
        for (const row of stored) {
          const wanted = byKey.get(row.key);
          if (wanted && wanted.idempotencyKey !== row.idempotency_key)
            throw new StoreConflictError(
              `step ${row.key} of run ${runId} exists with idempotency key ${row.idempotency_key}, not ${wanted.idempotencyKey}`,
              { state: 'exists' },
            );
        }
      }
      if (inserted > 0) {
        await this.#journal(trx, runId, this.#now(), {
          objectType: 'run',
          objectId: runId,
          action: 'add-steps',
          detail: { added: inserted, given: unique.length },
        });
      }
      return inserted;
    });
  }

  async getStep(runId: string, key: string): Promise<StepRecord | undefined> {
    const row = await this.#read('reading a step', (db) =>
      db
        .selectFrom('steps')
        .selectAll()
        .where('run_id', '=', runId)
        .where('key', '=', key)
        .executeTakeFirst(),
    );
    return row && toStep(row);
  }

  /** The run's steps in plan order. */
  async listSteps(runId: string, filter: StepFilter = {}): Promise<StepRecord[]> {
    const rows = await this.#read('listing steps', (db) => {
      let query = db.selectFrom('steps').selectAll().where('run_id', '=', runId);
      if (filter.states !== undefined) {
        if (filter.states.length === 0) return Promise.resolve([]);
        query = query.where('state', 'in', filter.states);
      }
      if (filter.host !== undefined) query = query.where('host', '=', filter.host);
      return query.orderBy('ordinal').orderBy('key').execute();
    });
    return rows.map(toStep);
  }

  /**
   * The steps of the hosts that have a step not final yet (final: succeeded, skipped, undone) and
   * of no host, in no particular order; and the hosts whose steps are all final, not listed: what
   * an execution going forward needs of a run late in its course (at wave 26 of 28 of a
   * 1,000-host run, ~2,500 of 12,400 steps). Unordered, so that the steps are found through the
   * `steps_run_host_state` index rather than walked in plan order.
   */
  async listOpenSteps(runId: string): Promise<{ steps: StepRecord[]; finishedHosts: string[] }> {
    return this.#read('listing the steps of unfinished hosts', async (db) => {
      const ofRun = db.selectFrom('steps').where('run_id', '=', runId);
      const open = ofRun
        .select('host')
        .where('host', 'is not', null)
        .where('state', 'not in', FINAL_STEP_STATES);
      const ofOpenHosts = await ofRun.selectAll().where('host', 'in', open).execute();
      const ofNoHost = await ofRun.selectAll().where('host', 'is', null).execute();
      const finished = await ofRun
        .select('host')
        .distinct()
        .where('host', 'is not', null)
        .where('host', 'not in', open)
        .execute();
      return {
        steps: [...ofOpenHosts, ...ofNoHost].map(toStep),
        finishedHosts: finished.map((r) => r.host as string),
      };
    });
  }

  /**
   * Moves a step from one of `from` to `to` and journals it, in one transaction: `running` and
   * `undoing` stamp `startedAt`, the end states stamp `endedAt`. Throws StoreConflictError when
   * the step is in none of `from` (writing nothing), ESC_NOT_FOUND when there is no such step.
   */
  async transitionStep(
    runId: string,
    key: string,
    transition: StepTransition,
  ): Promise<StepRecord> {
    const detail = stepDetailText(key, transition);
    return this.#write('changing the state of a step', (trx) =>
      this.#transitionStepIn(trx, runId, key, transition, detail),
    );
  }

  /**
   * Several step transitions and journal entries of one run in one transaction (the engine's
   * group commit: the steps of every host of a wave start at the same moment). Each transition
   * checks its `from` like `transitionStep`; when one is refused nothing is written. Returns the
   * steps in the order given.
   */
  async applyBatch(runId: string, batch: WriteBatch): Promise<StepRecord[]> {
    const steps = batch.steps ?? [];
    const details = steps.map((s) => stepDetailText(s.key, s.transition));
    const entries = batch.entries ?? [];
    if (steps.length === 0 && entries.length === 0) return [];
    return this.#write('writing a batch of step changes', async (trx) => {
      const out: StepRecord[] = [];
      // The batch's journal entries go in together at the end, in the order they were made.
      const rows: JournalRow[] = [];
      for (let i = 0; i < steps.length; i++) {
        const s = steps[i] as { key: string; transition: StepTransition };
        out.push(await this.#transitionStepIn(trx, runId, s.key, s.transition, details[i], rows));
      }
      const now = this.#now();
      for (const entry of entries) rows.push(journalRow(runId, now, entry));
      await this.#journalRows(trx, runId, rows);
      return out;
    });
  }

  async #transitionStepIn(
    trx: Tx,
    runId: string,
    key: string,
    transition: StepTransition,
    detail: string | undefined,
    /** Where the journal entry goes, for the caller to insert; inserted here when absent. */
    journal?: JournalRow[],
  ): Promise<StepRecord> {
    // One expected state (the engine's case): the guarded update is the check; otherwise read
    // the state first, locked.
    const [only] = transition.from;
    let from: string | undefined = transition.from.length === 1 ? only : undefined;
    if (from === undefined) {
      let select = trx
        .selectFrom('steps')
        .select(['state'])
        .where('run_id', '=', runId)
        .where('key', '=', key);
      if (this.dialect === 'postgres') select = select.forNoKeyUpdate();
      const current = await select.executeTakeFirst();
      if (!current) throw new EscalatorError('ESC_NOT_FOUND', `run ${runId} has no step ${key}`);
      if (!transition.from.includes(current.state as StepState))
        throw this.#stepConflict(runId, key, current.state, transition);
      from = current.state;
    }
    const now = this.#now();
    const to = transition.to;
    const values: StepUpdateValues = {
      state: to,
      ...(transition.attempt !== undefined ? { attempt: transition.attempt } : {}),
      now,
      errorCode: transition.errorCode ?? null,
      ...(detail !== undefined ? { detail } : {}),
      runId,
      key,
      from,
    };
    const row = this.#runtime.reuseStatements
      ? (await trx.executeQuery(this.#stepUpdate(values).with(values))).rows[0]
      : await buildStepUpdate(trx, values, stepTiming(to)).executeTakeFirst();
    if (row === undefined) {
      // Not in the expected state: say in which, or that there is no such step.
      const found = await trx
        .selectFrom('steps')
        .select(['state'])
        .where('run_id', '=', runId)
        .where('key', '=', key)
        .executeTakeFirst();
      if (!found) throw new EscalatorError('ESC_NOT_FOUND', `run ${runId} has no step ${key}`);
      throw this.#stepConflict(runId, key, found.state, transition);
    }
    const entry: NewJournalEntry = {
      ...transition.entry,
      errorCode: transition.entry.errorCode ?? transition.errorCode,
      objectType: 'step',
      objectId: key,
      from,
      to,
    };
    if (journal === undefined) await this.#journal(trx, runId, now, entry);
    else journal.push(journalRow(runId, now, entry));
    return toStep(row);
  }

  /** The step update for the shape of `values`, compiled at its first use. */
  #stepUpdate(values: StepUpdateValues): ReusedStatement<StepUpdateValues, Selectable<StepsTable>> {
    const timing = stepTiming(values.state);
    const shape = `${values.attempt !== undefined}/${timing}/${values.detail !== undefined}`;
    let statement = this.#stepUpdates.get(shape);
    if (statement === undefined) {
      const usesNow = timing === 'start' || timing === 'end';
      const names = (Object.keys(values) as (keyof StepUpdateValues)[]).filter(
        (name) => name !== 'now' || usesNow,
      );
      statement = new ReusedStatement((v) => buildStepUpdate(this.db, v, timing), names);
      this.#stepUpdates.set(shape, statement);
    }
    return statement;
  }

  #stepConflict(
    runId: string,
    key: string,
    state: string,
    transition: StepTransition,
  ): StoreConflictError {
    return new StoreConflictError(
      `step ${key} of run ${runId} is ${state}, not ${transition.from.join(' or ')}: it changed under you`,
      { state },
    );
  }

  // ------------------------------------------------------------------------------- journal

  /** Appends one entry and returns its sequence number. */
  async appendJournal(runId: string, entry: NewJournalEntry): Promise<number> {
    return this.#write('writing the journal', (trx) =>
      this.#journal(trx, runId, this.#now(), entry),
    );
  }

  /** The run's journal in sequence order, after `afterSeq` when given. */
  async readJournal(runId: string, query: JournalQuery = {}): Promise<JournalEntry[]> {
    const rows = await this.#read('reading the journal', (db) => {
      let q = db.selectFrom('journal').selectAll().where('run_id', '=', runId);
      if (query.objectType !== undefined) q = q.where('object_type', '=', query.objectType);
      if (query.newestFirst) q = q.orderBy('seq', 'desc');
      else {
        if (query.afterSeq !== undefined) q = q.where('seq', '>', query.afterSeq);
        q = q.orderBy('seq');
      }
      if (query.limit !== undefined) q = q.limit(query.limit);
      return q.execute();
    });
    return rows.map(toJournalEntry);
  }

  // -------------------------------------------------------------------------------- guards

  /**
   * Remembers a setting's exact previous value before the run changes it (e.g. `scale-up`).
   * Recording it again while it is applied keeps the first value (the one to restore): a retry
   * after a crash must not remember the already-changed setting. After a restore it starts anew.
   */
  async recordGuard(runId: string, name: string, original: unknown): Promise<GuardRecord> {
    const text = toJsonText(original, `the original value of guard ${name}`);
    return this.#write('recording a guard', async (trx) => {
      const existing = await trx
        .selectFrom('guards')
        .selectAll()
        .where('run_id', '=', runId)
        .where('name', '=', name)
        .executeTakeFirst();
      if (existing && existing.restored_at === null) return toGuard(existing);
      const now = this.#now();
      const row = { run_id: runId, name, original: text, applied_at: now, restored_at: null };
      if (existing)
        await trx
          .updateTable('guards')
          .set({ original: text, applied_at: now, restored_at: null })
          .where('run_id', '=', runId)
          .where('name', '=', name)
          .execute();
      else await trx.insertInto('guards').values(row).execute();
      await this.#journal(trx, runId, now, {
        objectType: 'guard',
        objectId: name,
        action: 'apply',
        from: existing ? 'restored' : null,
        to: 'applied',
        detail: { original: JSON.parse(text) as Json },
      });
      return toGuard(row);
    });
  }

  /** Marks the guard restored and returns it, with the original value to put back. Idempotent. */
  async restoreGuard(runId: string, name: string): Promise<GuardRecord> {
    return this.#write('restoring a guard', async (trx) => {
      const existing = await trx
        .selectFrom('guards')
        .selectAll()
        .where('run_id', '=', runId)
        .where('name', '=', name)
        .executeTakeFirst();
      if (!existing) throw new EscalatorError('ESC_NOT_FOUND', `run ${runId} has no guard ${name}`);
      if (existing.restored_at !== null) return toGuard(existing);
      const now = this.#now();
      await trx
        .updateTable('guards')
        .set({ restored_at: now })
        .where('run_id', '=', runId)
        .where('name', '=', name)
        .execute();
      await this.#journal(trx, runId, now, {
        objectType: 'guard',
        objectId: name,
        action: 'restore',
        from: 'applied',
        to: 'restored',
      });
      return toGuard({ ...existing, restored_at: now });
    });
  }

  async listGuards(runId: string): Promise<GuardRecord[]> {
    const rows = await this.#read('listing guards', (db) =>
      db.selectFrom('guards').selectAll().where('run_id', '=', runId).orderBy('name').execute(),
    );
    return rows.map(toGuard);
  }

  // ------------------------------------------------------------------------------- backups

  /** Records a backup of a host; recording the same (host, ref) again returns the first record. */
  async recordBackup(runId: string, backup: NewBackup): Promise<BackupRecord> {
    const items = toJsonText(backup.items, `the items of backup ${backup.ref}`);
    return this.#write('recording a backup', async (trx) => {
      const existing = await trx
        .selectFrom('backups')
        .selectAll()
        .where('run_id', '=', runId)
        .where('host', '=', backup.host)
        .where('ref', '=', backup.ref)
        .executeTakeFirst();
      if (existing) return toBackup(existing);
      const now = this.#now();
      const row = {
        run_id: runId,
        host: backup.host,
        ref: backup.ref,
        items,
        created_at: now,
        deleted_at: null,
      };
      await trx.insertInto('backups').values(row).execute();
      await this.#journal(trx, runId, now, {
        objectType: 'backup',
        objectId: `${backup.host}/${backup.ref}`,
        action: 'record',
        to: 'kept',
      });
      return toBackup(row);
    });
  }

  /** Marks a backup deleted (after commit, per policy). Idempotent. */
  async markBackupDeleted(runId: string, host: string, ref: string): Promise<BackupRecord> {
    return this.#write('marking a backup deleted', async (trx) => {
      const existing = await trx
        .selectFrom('backups')
        .selectAll()
        .where('run_id', '=', runId)
        .where('host', '=', host)
        .where('ref', '=', ref)
        .executeTakeFirst();
      if (!existing)
        throw new EscalatorError(
          'ESC_NOT_FOUND',
          `run ${runId} has no backup ${ref} of host ${host}`,
        );
      if (existing.deleted_at !== null) return toBackup(existing);
      const now = this.#now();
      await trx
        .updateTable('backups')
        .set({ deleted_at: now })
        .where('run_id', '=', runId)
        .where('host', '=', host)
        .where('ref', '=', ref)
        .execute();
      await this.#journal(trx, runId, now, {
        objectType: 'backup',
        objectId: `${host}/${ref}`,
        action: 'delete',
        from: 'kept',
        to: 'deleted',
      });
      return toBackup({ ...existing, deleted_at: now });
    });
  }

  async listBackups(
    runId: string,
    filter: { readonly host?: string; readonly includeDeleted?: boolean } = {},
  ): Promise<BackupRecord[]> {
    const rows = await this.#read('listing backups', (db) => {
      let q = db.selectFrom('backups').selectAll().where('run_id', '=', runId);
      if (filter.host !== undefined) q = q.where('host', '=', filter.host);
      if (!filter.includeDeleted) q = q.where('deleted_at', 'is', null);
      return q.orderBy('host').orderBy('created_at').orderBy('ref').execute();
    });
    return rows.map(toBackup);
  }

  // -------------------------------------------------------------------------------- leases

  /**
   * Takes the run's lease for `ttlMs`, in one statement: granted when nobody holds it, when
   * `owner` holds it already (then renewed), or when the holder's lease has expired. A live
   * lease of another owner refuses, and the result names the holder.
   */
  async acquireLease(runId: string, owner: string, ttlMs: number): Promise<LeaseResult> {
    return this.#write('taking the lease of a run', async (trx) => {
      const nowMs = this.#runtime.clock.now();
      const now = iso(nowMs);
      const expiresAt = iso(nowMs + ttlMs);
      const granted = await trx
        .insertInto('leases')
        .values({ run_id: runId, owner, expires_at: expiresAt })
        .onConflict((oc) =>
          oc
            .column('run_id')
            .doUpdateSet((eb) => ({
              owner: eb.ref('excluded.owner'),
              expires_at: eb.ref('excluded.expires_at'),
            }))
            .where((eb) =>
              eb.or([
                eb('leases.owner', '=', eb.ref('excluded.owner')),
                eb('leases.expires_at', '<=', now),
              ]),
            ),
        )
        .returningAll()
        .executeTakeFirst();
      if (granted) return { acquired: true, lease: toLease(granted) };
      const holder = await trx
        .selectFrom('leases')
        .selectAll()
        .where('run_id', '=', runId)
        .executeTakeFirstOrThrow();
      return { acquired: false, holder: toLease(holder) };
    });
  }

  /**
   * Takes the lease from `from` — an owner known to be dead (its process is gone) — before its
   * lease expires: a restarted executor need not wait out the lease of the one that crashed.
   * False when someone else holds it by now.
   */
  async takeOverLease(runId: string, owner: string, from: string, ttlMs: number): Promise<boolean> {
    return this.#write('taking over the lease of a run', async (trx) => {
      const result = await trx
        .updateTable('leases')
        .set({ owner, expires_at: iso(this.#runtime.clock.now() + ttlMs) })
        .where('run_id', '=', runId)
        .where('owner', '=', from)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    });
  }

  /** Extends the lease if `owner` still holds it; false when another owner took it. */
  async renewLease(runId: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.#write('renewing the lease of a run', async (trx) => {
      const result = await trx
        .updateTable('leases')
        .set({ expires_at: iso(this.#runtime.clock.now() + ttlMs) })
        .where('run_id', '=', runId)
        .where('owner', '=', owner)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    });
  }

  /** Gives the lease up; false when `owner` did not hold it. */
  async releaseLease(runId: string, owner: string): Promise<boolean> {
    return this.#write('releasing the lease of a run', async (trx) => {
      const result = await trx
        .deleteFrom('leases')
        .where('run_id', '=', runId)
        .where('owner', '=', owner)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    });
  }

  async getLease(runId: string): Promise<Lease | undefined> {
    const row = await this.#read('reading the lease of a run', (db) =>
      db.selectFrom('leases').selectAll().where('run_id', '=', runId).executeTakeFirst(),
    );
    return row && toLease(row);
  }

  // ------------------------------------------------------------------------------ internals

  #now(): string {
    return iso(this.#runtime.clock.now());
  }

  /** One write transaction, retried whole on a transient failure. */
  #write<T>(what: string, fn: (trx: Tx) => Promise<T>): Promise<T> {
    const { retry, random, sleep } = this.#runtime;
    return withRetry(
      () => this.db.transaction().execute(fn),
      what,
      retry,
      random,
      sleep,
      () => {
        this.#retries++;
      },
    );
  }

  #read<T>(what: string, fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    const { retry, random, sleep } = this.#runtime;
    return withRetry(
      () => fn(this.db),
      what,
      retry,
      random,
      sleep,
      () => {
        this.#retries++;
      },
    );
  }

  /** The run's row, locked against concurrent writers until the transaction ends. */
  async #lockRun(
    trx: Tx,
    runId: string,
  ): Promise<Pick<Selectable<RunsTable>, 'state' | 'revision'>> {
    let query = trx.selectFrom('runs').select(['state', 'revision']).where('id', '=', runId);
    if (this.dialect === 'postgres') query = query.forNoKeyUpdate();
    const row = await query.executeTakeFirst();
    if (!row) throw new EscalatorError('ESC_NOT_FOUND', `there is no run ${runId}`);
    return row;
  }

  /**
   * Inserts a journal entry; the last write of every transaction that journals. On PostgreSQL
   * it first takes a per-run lock held until commit, so that within a run sequence numbers are
   * committed in order and a reader following `afterSeq` never skips an entry committed late.
   * (SQLite has one writer at a time: the order holds by itself.)
   */
  async #journal(trx: Tx, runId: string, at: string, entry: NewJournalEntry): Promise<number> {
    await this.#lockJournal(trx, runId);
    const row = await trx
      .insertInto('journal')
      .values(journalRow(runId, at, entry))
      .returning('seq')
      .executeTakeFirstOrThrow();
    return row.seq;
  }

  /**
   * Journal entries of one run, in one statement per `JOURNAL_ROWS` (sequence numbers in the
   * order given): a batch's entries built and compiled once instead of once each.
   */
  async #journalRows(trx: Tx, runId: string, rows: readonly JournalRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.#lockJournal(trx, runId);
    for (let i = 0; i < rows.length; i += JOURNAL_ROWS)
      await trx
        .insertInto('journal')
        .values(rows.slice(i, i + JOURNAL_ROWS))
        .execute();
  }

  /** PostgreSQL: see `#journal`. */
  async #lockJournal(trx: Tx, runId: string): Promise<void> {
    if (this.dialect === 'postgres')
      await sql`select pg_advisory_xact_lock(${sql.lit(JOURNAL_LOCK_CLASS)}, hashtext(${runId}))`.execute(
        trx,
      );
  }
}

/** Journal rows per insert statement of a batch (9 values each, far below either database's limit). */
const JOURNAL_ROWS = 200;

type JournalRow = Insertable<JournalTable>;

function journalRow(runId: string, at: string, entry: NewJournalEntry): JournalRow {
  return {
    run_id: runId,
    at,
    object_type: entry.objectType,
    object_id: entry.objectId,
    action: entry.action,
    from_state: entry.from ?? null,
    to_state: entry.to ?? null,
    error_code: entry.errorCode ?? null,
    detail: entry.detail === undefined ? null : toJsonText(entry.detail, 'the journal detail'),
  };
}

// --------------------------------------------------------------------------------- mapping

/** What a step update writes and where (`#transitionStepIn`). */
interface StepUpdateValues {
  readonly state: StepState;
  readonly attempt?: number;
  readonly now: string;
  readonly errorCode: string | null;
  readonly detail?: string;
  readonly runId: string;
  readonly key: string;
  readonly from: string;
}

/** Which times a move to `to` stamps: `running`/`undoing` start, `pending` clears, an end ends. */
function stepTiming(to: StepState): 'start' | 'clear' | 'end' | 'none' {
  if (to === 'running' || to === 'undoing') return 'start';
  if (to === 'pending') return 'clear';
  return TERMINAL_STEP_STATES.has(to) ? 'end' : 'none';
}

/** The guarded update of one step, returning its row (`timing`: that of `v.state`). */
function buildStepUpdate(
  db: Kysely<Database>,
  v: StepUpdateValues,
  timing: ReturnType<typeof stepTiming>,
) {
  return db
    .updateTable('steps')
    .set({
      state: v.state,
      ...(v.attempt !== undefined ? { attempt: v.attempt } : {}),
      ...(timing === 'start' ? { started_at: v.now, ended_at: null } : {}),
      ...(timing === 'clear' ? { started_at: null, ended_at: null } : {}),
      ...(timing === 'end' ? { ended_at: v.now } : {}),
      error_code: v.errorCode,
      ...(v.detail !== undefined ? { detail: v.detail } : {}),
    })
    .where('run_id', '=', v.runId)
    .where('key', '=', v.key)
    .where('state', '=', v.from)
    .returningAll();
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * JSON text with every character past ASCII escaped (`\u2192` for →): the same JSON, which SQLite
 * hands back as a one-byte string, without UTF-8 decoding (a plan of 1,000 hosts, 5.5 MB with a
 * few thousand arrows in its reasons, read back in ~43 ms instead of ~64 ms on this machine).
 */
function asciiJson(text: string): string {
  return text.replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function toJsonText(value: unknown, what: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new EscalatorError(
      'ESC_INTERNAL',
      `${what} cannot be stored as JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (text === undefined)
    throw new EscalatorError(
      'ESC_INTERNAL',
      `${what} cannot be stored as JSON (it is ${typeof value})`,
    );
  return text;
}

function stepDetailText(key: string, transition: StepTransition): string | undefined {
  return transition.detail === undefined
    ? undefined
    : toJsonText(transition.detail, `the detail of step ${key}`);
}

function parseJson(text: string): Json {
  return JSON.parse(text) as Json;
}

/** A run's columns (its plan, megabytes at 10,000 hosts, is apart: `getPlan`). */
const RUN_COLUMNS = [
  'id',
  'campaign_name',
  'campaign_digest',
  'target',
  'state',
  'revision',
  'created_at',
  'updated_at',
] as const;

function toRun(row: Selectable<RunsTable>): RunRecord {
  return {
    id: row.id,
    campaignName: row.campaign_name,
    campaignDigest: row.campaign_digest,
    target: row.target,
    state: row.state as RunState,
    revision: row.revision,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * The records `ensureSteps` stores for steps added to a run whose last ordinal is
 * `firstOrdinal − 1` — as `listSteps` reads them back — so that who has just added all of a new
 * run's steps can go on from them without listing 100,000 rows it wrote itself.
 */
export function newStepRecords(
  runId: string,
  steps: readonly NewStep[],
  firstOrdinal = 0,
): StepRecord[] {
  let next = firstOrdinal;
  return steps.map((step) => ({
    runId,
    key: step.key,
    ordinal: step.ordinal ?? next++,
    host: step.host ?? null,
    kind: step.kind,
    state: step.state ?? 'pending',
    attempt: 0,
    idempotencyKey: step.idempotencyKey,
    startedAt: null,
    endedAt: null,
    errorCode: null,
    ...(step.detail !== undefined
      ? { detail: JSON.parse(JSON.stringify(step.detail)) as Json }
      : {}),
  }));
}

function toStep(row: Selectable<StepsTable>): StepRecord {
  const record: StepRecord = {
    runId: row.run_id,
    key: row.key,
    ordinal: row.ordinal,
    host: row.host,
    kind: row.kind,
    state: row.state as StepState,
    attempt: row.attempt,
    idempotencyKey: row.idempotency_key,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    errorCode: row.error_code,
  };
  if (row.detail !== null) lazyDetail(record, row.detail);
  return record;
}

/** The states a step ends in going forward (`listOpenSteps`). */
const FINAL_STEP_STATES: readonly StepState[] = ['succeeded', 'skipped', 'undone'];

/** The text of a step's `detail` not parsed yet (see `lazyDetail`). */
const DETAIL_TEXT = Symbol('detail text');

/** One getter for every step's lazy `detail`: it parses the text and becomes a plain value. */
const LAZY_DETAIL: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: StepRecord & { [DETAIL_TEXT]: string }): Json {
    const value = parseJson(this[DETAIL_TEXT]);
    Object.defineProperty(this, 'detail', { value, enumerable: true, configurable: true });
    return value;
  },
};

/**
 * A step's `detail`, parsed when first read: the engine reads the steps of a whole run when it
 * starts, and the details of few of them (a 1,000-host run late in its course has ~10,000,
 * ~50 ms to parse). An ordinary enumerable property to every reader (spread, JSON, equality).
 * The getter is shared and the text kept under a hidden symbol: a getter made per step (a
 * closure over its text) gave each record a shape of its own, which cost ~100 ms to make 12,400
 * records and slowed every later read of them 2.5-fold (a micro-benchmark, on a busy machine).
 */
function lazyDetail(record: StepRecord, text: string): void {
  Object.defineProperty(record, DETAIL_TEXT, { value: text });
  Object.defineProperty(record, 'detail', LAZY_DETAIL);
}

function toJournalEntry(row: Selectable<JournalTable>): JournalEntry {
  return {
    seq: row.seq,
    runId: row.run_id,
    at: row.at,
    objectType: row.object_type as JournalObject,
    objectId: row.object_id,
    action: row.action,
    from: row.from_state,
    to: row.to_state,
    errorCode: row.error_code,
    ...(row.detail !== null ? { detail: parseJson(row.detail) } : {}),
  };
}

function toGuard(row: {
  run_id: string;
  name: string;
  original: string;
  applied_at: string;
  restored_at: string | null;
}): GuardRecord {
  return {
    runId: row.run_id,
    name: row.name,
    original: parseJson(row.original),
    appliedAt: row.applied_at,
    restoredAt: row.restored_at,
  };
}

function toBackup(row: {
  run_id: string;
  host: string;
  ref: string;
  items: string;
  created_at: string;
  deleted_at: string | null;
}): BackupRecord {
  return {
    runId: row.run_id,
    host: row.host,
    ref: row.ref,
    items: parseJson(row.items),
    createdAt: row.created_at,
    deletedAt: row.deleted_at,
  };
}

function toLease(row: { run_id: string; owner: string; expires_at: string }): Lease {
  return { runId: row.run_id, owner: row.owner, expiresAt: row.expires_at };
}
