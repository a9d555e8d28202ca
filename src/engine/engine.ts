/**
 * The engine: carries a plan out through a driver, journaling every step to the store before
 * and after its side effect, so that a run killed at any moment resumes where it stopped and
 * applies no side effect twice (DESIGN.md §6).
 *
 * - Forward: wave by wave in plan order, every host of a wave at once; each host's steps in
 *   order, each under its timeout (past it: a hang). After each wave the probes are read: an
 *   interruption over the campaign's budget pauses the run. A failed host follows the
 *   campaign's policy: pause, roll back the run, or continue (the host is compensated) up to
 *   `maxFailedHosts`. Before each wave the world is compared with the plan; when it changed
 *   (a host went down, an instance appeared) the rest is re-planned with the planner.
 * - Backward: rollback (previous versions) and restore (from the backups) compensate every
 *   executed step, host by host, in the reverse order of the waves — the same groupings, hence
 *   the same safety rules — and bring migrated instances home.
 * - The scale-up guard remembers the exact setting before the run and puts exactly it back at
 *   the end, also after a rollback or an abort.
 * - Operator requests from another process (suspend, abort) are run-state changes in the store;
 *   the executor holding the run's lease sees them between steps.
 */
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Driver, ScaleUpSetting } from '../drivers/driver.js';
import {
  EscalatorError,
  STEP_STATES,
  type Campaign,
  type Catalog,
  type ErrorCode,
  type HostOperation,
  type Inventory,
  type Json,
  type Plan,
  type RunState,
  type Step,
  type StepState,
  type Strategy,
} from '../model/index.js';
import { plan as makePlan } from '../planner/index.js';
import type { RunRecord, StepRecord, Store } from '../store/index.js';
import { newStepRecords, StoreConflictError } from '../store/index.js';
import {
  asFailure,
  retrying,
  runStep,
  undoOrder,
  undoStep,
  type ActionContext,
  type RevertMode,
  type StepFailure,
  type UndoContext,
} from './actions.js';
import { commitRun, getRun, moveRun, suspendRun } from './control.js';
import { JournalWriter } from './journal.js';
import type { EngineLog } from './log.js';
import { MemoryLog } from './log.js';
import {
  RUN_DOCUMENT_FORMAT,
  campaignDigest,
  newSteps,
  plannedWaves,
  readRunDocument,
  stepKey,
  type PlannedHost,
  type PlannedWave,
  type RunDocument,
} from './run-document.js';
import {
  HOST_MACHINE,
  STEP_MACHINE,
  transition,
  type HostOperation as HostOp,
  type HostState,
  type RunOperation,
  type StepOperation,
} from './states.js';

// ------------------------------------------------------------------------- options

export type ProgressEvent =
  | {
      readonly kind: 'run';
      readonly run: string;
      readonly state: RunState;
      readonly reason?: string;
    }
  | {
      readonly kind: 'wave';
      readonly run: string;
      readonly index: number;
      readonly of: number;
      readonly hosts: readonly string[];
      readonly direction: 'forward' | 'backward';
    }
  | {
      readonly kind: 'step';
      readonly run: string;
      readonly host: string;
      readonly step: string;
      readonly state: StepState;
      readonly code?: ErrorCode;
      readonly message?: string;
    }
  | {
      readonly kind: 'host';
      readonly run: string;
      readonly host: string;
      readonly state: HostState;
    }
  | {
      readonly kind: 'interruption';
      readonly run: string;
      readonly vnf: string;
      readonly ms: number;
    }
  | { readonly kind: 'replan'; readonly run: string; readonly reason: string };

export interface EngineOptions {
  readonly store: Store;
  readonly driver: Driver;
  readonly log?: EngineLog;
  /** Who executes: `host/pid/random` by default; the lease names it. */
  readonly owner?: string;
  readonly onProgress?: (event: ProgressEvent) => void;
  /** Seconds between two looks at a running migration (driver time); default 5. */
  readonly pollSeconds?: number;
  /** The lease's time to live in wall milliseconds; default 30 s, renewed every third of it. */
  readonly leaseTtlMs?: number;
  /** Wall milliseconds between two reads of the run's state (operator requests); default 200. */
  readonly stateCheckMs?: number;
}

export interface ApplyInput {
  readonly campaign: Campaign;
  readonly catalog: Catalog;
  readonly strategy?: Strategy;
  /** Start even when the check finds blockers (hosts the plan leaves out stay as they are). */
  readonly force?: boolean;
}

/** How a command left the run. */
export interface RunOutcome {
  readonly run: RunRecord;
  /** Something the operator should read that is not a failure (e.g. nothing to do). */
  readonly note?: string;
  /** Set when the run stopped on a failure: what the operator must look at. */
  readonly error?: { readonly code: ErrorCode; readonly message: string };
}

/** States of a run that `apply` continues rather than starting another beside it. */
const LIVE_STATES: readonly RunState[] = [
  'planned',
  'checked',
  'executing',
  'suspended',
  'failed',
  'suspended-by-error',
  'rolling-back',
  'restoring',
];

/** Whether `apply` continues this run rather than starting another beside it. */
export const isLive = (run: RunRecord): boolean => LIVE_STATES.includes(run.state);

/** The newest run of this campaign and catalog, in any state (runs are found by their digest). */
export async function latestRunOf(
  store: Store,
  campaign: Campaign,
  catalog: Catalog,
): Promise<RunRecord | undefined> {
  const digest = campaignDigest(campaign, catalog);
  const [latest] = await store.listRuns({ campaignDigest: digest, newestFirst: true, limit: 1 });
  return latest;
}

const EXECUTED: ReadonlySet<StepState> = new Set([
  'running',
  'succeeded',
  'failed',
  'timed-out',
  'undoing',
]);

/** The phase of a host a step belongs to (HOST_MACHINE). */
const PHASE: Readonly<Record<Step['kind'], HostState>> = {
  'notify-vnfm': 'draining',
  'disable-scheduling': 'draining',
  evacuate: 'draining',
  backup: 'upgrading',
  install: 'upgrading',
  activate: 'upgrading',
  verify: 'verifying',
  'restore-instances': 'verifying',
  'enable-scheduling': 'verifying',
  'notify-complete': 'verifying',
};

const ENTER: Readonly<Record<string, HostOp>> = {
  draining: 'drain',
  upgrading: 'upgrade',
  verifying: 'verify',
};
const RETRY: Readonly<Record<string, HostOp>> = {
  draining: 'retry-drain',
  upgrading: 'retry-upgrade',
  verifying: 'retry-verify',
};

// ------------------------------------------------------------------------- engine

export class Engine {
  readonly store: Store;
  readonly driver: Driver;
  readonly log: EngineLog;
  readonly owner: string;
  private readonly options: EngineOptions;
  /** Runs this engine executes now, by id: operator requests reach them at once. */
  private readonly active = new Map<string, Execution>();

  constructor(options: EngineOptions) {
    this.options = options;
    this.store = options.store;
    this.driver = options.driver;
    this.log = options.log ?? new MemoryLog();
    this.owner =
      options.owner ?? `${hostname()}/${process.pid}/${Math.floor(performance.now() * 1000) % 1e6}`;
  }

  /** Store I/O while driver time stands still. */
  io<T>(work: () => Promise<T>): Promise<T> {
    return this.driver.busy(work);
  }

  /**
   * Starts the campaign, or continues its run: the same compiled campaign and catalogue find
   * the run they started (by digest) unless it is final. Plans against the driver's inventory.
   */
  async apply(input: ApplyInput): Promise<RunOutcome> {
    const latest = await this.io(() => latestRunOf(this.store, input.campaign, input.catalog));
    if (latest !== undefined && isLive(latest)) {
      this.log.info(
        { run: latest.id, campaign: latest.campaignName, object: latest.id, action: 'continue' },
        `continuing run ${latest.id} (${latest.state})`,
      );
      if (latest.state === 'suspended' || latest.state === 'suspended-by-error')
        return this.outcome(
          latest,
          `run ${latest.id} of campaign ${latest.campaignName} is ${latest.state}: resume it, roll it back or abort it (apply does not start a second run beside it)`,
          'ESC_RUN_SUSPENDED',
        );
      // Killed between creating the run and starting it: finish starting it.
      if (latest.state === 'planned' || latest.state === 'checked') await this.start(latest);
      return this.drive(latest.id);
    }
    const inventory = await this.driver.discover();
    const strategy = input.strategy ?? 'optimised';
    const plan = makePlan(
      { inventory, catalog: input.catalog, campaign: input.campaign },
      { strategy },
    );
    if (
      latest !== undefined &&
      (latest.state === 'completed' || latest.state === 'committed') &&
      plan.summary.hosts === 0
    )
      // Carried out already (e.g. the process was killed after finishing): nothing to do.
      return {
        run: latest,
        note: `campaign ${latest.campaignName} was carried out by run ${latest.id} (${latest.state}); every selected host is at its target versions: nothing to do`,
      };
    const blockers = plan.findings.filter((f) => f.severity === 'blocker');
    if (blockers.length > 0 && !input.force)
      throw new EscalatorError(
        'ESC_CHECK_FAILED',
        `the check found ${blockers.length} blocker(s); fix them (see \`escalator check\`) or start anyway with --force`,
        blockers.map((b) => `${b.code}: ${b.message}`),
      );
    const doc: RunDocument = {
      format: RUN_DOCUMENT_FORMAT,
      generation: 0,
      strategy,
      campaign: input.campaign,
      catalog: input.catalog,
      plan,
      excluded: [],
      earlier: [],
    };
    const run = await this.io(() =>
      this.store.createRun({
        campaignName: input.campaign.name,
        campaignDigest: campaignDigest(input.campaign, input.catalog),
        plan: doc,
        target: this.driver.name,
        entry: {
          action: 'create',
          detail: {
            hosts: plan.summary.hosts,
            waves: plan.summary.waves,
            predictedSeconds: plan.summary.predictedSeconds,
            owner: this.owner,
          },
        },
      }),
    );
    this.log.info(
      { run: run.id, campaign: run.campaignName, object: run.id, action: 'create' },
      `run ${run.id} created: ${plan.summary.hosts} hosts in ${plan.summary.waves} waves`,
    );
    const steps = await this.start(run, doc);
    return this.drive(run.id, { doc, ...(steps ? { steps } : {}) });
  }

  /**
   * A created run's steps, its check and its start: each idempotent, so a process killed half-way
   * through finishes them when it comes back.
   */
  private async start(run: RunRecord, known?: RunDocument): Promise<StepRecord[] | undefined> {
    const doc = known ?? (await this.readDoc(run.id));
    const steps = newSteps(run.id, doc);
    const added = await this.io(() => this.store.ensureSteps(run.id, steps));
    const blockers = doc.plan.findings.filter((f) => f.severity === 'blocker').length;
    let state = run.state;
    if (state === 'planned')
      state = (
        await this.moveRun(run.id, 'check', { findings: doc.plan.findings.length, blockers })
      ).state;
    if (state === 'checked') await this.moveRun(run.id, 'start', { driverTime: this.driver.now() });
    // A run just created here: its steps are exactly the ones added (none existed before).
    return run.state === 'planned' && added === steps.length
      ? newStepRecords(run.id, steps)
      : undefined;
  }

  /** Continue a suspended run (after a failure: the failed steps run again). */
  async resume(runId: string): Promise<RunOutcome> {
    const run = await this.getRun(runId);
    if (run.state !== 'executing') await this.moveRun(runId, 'resume', { owner: this.owner });
    return this.drive(runId);
  }

  /** Pause after the current steps. Works from any process: the executor sees it. */
  async suspend(runId: string): Promise<RunRecord> {
    const run = await this.io(() => suspendRun(this.store, runId, this.owner));
    this.options.onProgress?.({ kind: 'run', run: runId, state: run.state });
    this.active.get(runId)?.wake();
    return run;
  }

  /**
   * Finish the current steps, compensate the hosts in progress, restore the guards. When no
   * executor holds the run, this process does the compensation itself.
   */
  async abort(runId: string): Promise<RunOutcome> {
    await this.moveRun(runId, 'abort', { by: this.owner });
    const running = this.active.get(runId);
    if (running) {
      running.wake();
      return { run: await this.getRun(runId) };
    }
    return this.withLease(runId, async (x) => {
      await x.compensateInProgress();
      await x.restoreGuards();
      return { run: await this.getRun(runId) };
    });
  }

  /** Undo every executed step, newest wave first (after a failure or after success). */
  async rollback(runId: string): Promise<RunOutcome> {
    // Rolling back already (the process that was doing it stopped): continue it.
    if ((await this.getRun(runId)).state !== 'rolling-back')
      await this.moveRun(runId, 'rollback', { by: this.owner });
    return this.drive(runId);
  }

  /** Bring the hosts back from the backups taken before the change. */
  async restore(runId: string): Promise<RunOutcome> {
    const run = await this.getRun(runId);
    const doc = await this.readDoc(runId);
    if (doc.campaign.backup.length === 0)
      throw new EscalatorError(
        'ESC_NO_BACKUP',
        `run ${runId} took no backups (campaign ${doc.campaign.name} lists no backup items): roll it back instead`,
      );
    if (run.state !== 'restoring') await this.moveRun(runId, 'restore', { by: this.owner });
    return this.drive(runId);
  }

  /** End the rollback window: the backups are deleted (marked so in the store). */
  commit(runId: string): Promise<RunRecord> {
    return this.io(() => commitRun(this.store, runId, this.owner));
  }

  getRun(runId: string): Promise<RunRecord> {
    return this.io(() => getRun(this.store, runId));
  }

  /** The run's document: campaign, catalogue, plan and what re-planning changed. */
  async readDoc(runId: string): Promise<RunDocument> {
    return readRunDocument(runId, await this.io(() => this.store.getPlan(runId)));
  }

  /** One guarded run transition, journaled. */
  async moveRun(
    runId: string,
    op: RunOperation,
    detail?: Json,
    errorCode?: ErrorCode,
  ): Promise<RunRecord> {
    const next = await this.io(() => moveRun(this.store, runId, op, detail, errorCode));
    this.log.info(
      {
        run: runId,
        campaign: next.campaignName,
        object: runId,
        action: op,
        ...(errorCode ? { code: errorCode } : {}),
      },
      `run → ${next.state}`,
    );
    this.options.onProgress?.({ kind: 'run', run: runId, state: next.state });
    return next;
  }

  private outcome(run: RunRecord, message?: string, code?: ErrorCode): RunOutcome {
    return { run, ...(code && message ? { error: { code, message } } : {}) };
  }

  /** Executes whatever the run's state asks for, under the lease. */
  private drive(runId: string, known?: KnownRun): Promise<RunOutcome> {
    return this.withLease(runId, (x) => x.drive(), known);
  }

  private async withLease<T>(
    runId: string,
    work: (x: Execution) => Promise<T>,
    known?: KnownRun,
  ): Promise<T> {
    const ttl = this.options.leaseTtlMs ?? 30_000;
    let lease = await this.io(() => this.store.acquireLease(runId, this.owner, ttl));
    if (!lease.acquired) {
      const holder = lease.holder.owner;
      if (ownerIsDead(holder)) {
        const taken = await this.io(() => this.store.takeOverLease(runId, this.owner, holder, ttl));
        if (taken) lease = await this.io(() => this.store.acquireLease(runId, this.owner, ttl));
      }
      if (!lease.acquired)
        throw new EscalatorError(
          'ESC_RUN_BUSY',
          `run ${runId} is being executed by ${lease.holder.owner} (lease until ${lease.holder.expiresAt})`,
        );
    }
    const run = await this.getRun(runId);
    const x = new Execution(
      this,
      this.options,
      run,
      known?.doc ?? (await this.readDoc(runId)),
      known?.steps,
    );
    this.active.set(runId, x);
    const renew = setInterval(() => {
      void this.store.renewLease(runId, this.owner, ttl).catch(() => undefined);
    }, ttl / 3);
    renew.unref();
    try {
      return await work(x);
    } finally {
      clearInterval(renew);
      this.active.delete(runId);
      await this.io(() => this.store.releaseLease(runId, this.owner)).catch(() => undefined);
      this.log.flush();
    }
  }
}

/** An owner `host/pid/…` on this machine whose process is gone. */
function ownerIsDead(owner: string): boolean {
  const [host, pid] = owner.split('/');
  if (host !== hostname() || pid === undefined || !/^\d+$/.test(pid)) return false;
  if (Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

// ------------------------------------------------------------------------- one run

interface HostOutcome {
  readonly host: string;
  readonly ok: boolean;
  readonly skipped?: boolean;
  readonly stopped?: boolean;
  readonly code?: ErrorCode;
  readonly message?: string;
}

/** What the process that has just created a run knows of it: no need to read it back. */
interface KnownRun {
  readonly doc: RunDocument;
  readonly steps?: readonly StepRecord[];
}

/** One run being executed by this process. */
class Execution {
  private run: RunRecord;
  private doc: RunDocument;
  private steps = new Map<string, StepRecord>();
  /**
   * Hosts whose steps were all final (succeeded, skipped, undone) when the steps were read for
   * going forward, and were not read (see `loadSteps`); undefined when every step was read.
   */
  private unread: ReadonlySet<string> | undefined;
  private readonly writer: JournalWriter;
  private readonly log: EngineLog;
  private checkedAt = 0;
  private lastProbe: number;
  /** Measured interruptions this session, by VNF (longest). */
  private readonly worst = new Map<string, number>();

  constructor(
    private readonly engine: Engine,
    private readonly options: EngineOptions,
    run: RunRecord,
    doc: RunDocument,
    /** The run's steps when this process has just added all of them (else read from the store). */
    private known?: readonly StepRecord[],
  ) {
    this.run = run;
    this.doc = doc;
    this.writer = new JournalWriter(engine.store, engine.driver, run.id);
    this.log = engine.log.child({ campaign: run.campaignName, run: run.id });
    this.lastProbe = engine.driver.now();
  }

  private get driver(): Driver {
    return this.engine.driver;
  }
  private get store(): Store {
    return this.engine.store;
  }
  private get id(): string {
    return this.run.id;
  }

  wake(): void {
    this.checkedAt = 0;
  }

  private progress(event: ProgressEvent): void {
    this.options.onProgress?.(event);
  }

  /**
   * Reads the run's steps: all of them, or (`open`) only those of hosts not finished, which is
   * all that going forward looks at: the hosts of waves done are known to be done. A restart late
   * in a 1,000-host run reads ~1,300 steps instead of 12,400 (~0.1 s). Re-planning and going
   * backward read them all first (`readAllSteps`).
   */
  private async loadSteps(scope: 'all' | 'open' = 'all'): Promise<void> {
    const known = this.known;
    this.known = undefined;
    this.unread = undefined;
    if (known === undefined && scope === 'open') {
      const { steps, finishedHosts } = await this.engine.io(() =>
        this.store.listOpenSteps(this.id),
      );
      this.steps = new Map(steps.map((r) => [r.key, r]));
      this.unread = new Set(finishedHosts);
      return;
    }
    const rows = known ?? (await this.engine.io(() => this.store.listSteps(this.id)));
    this.steps = new Map(rows.map((r) => [r.key, r]));
  }

  /** Every step in memory (after `loadSteps('open')` left some unread). */
  private async readAllSteps(): Promise<void> {
    if (this.unread !== undefined) await this.loadSteps('all');
  }

  /** The run's state as the store has it, read at most every `stateCheckMs`. */
  private async currentState(): Promise<RunState> {
    const now = performance.now();
    if (now - this.checkedAt >= (this.options.stateCheckMs ?? 200)) {
      this.run = await this.engine.getRun(this.id);
      this.checkedAt = now;
    }
    return this.run.state;
  }

  private async move(op: RunOperation, detail?: Json, code?: ErrorCode): Promise<void> {
    this.run = await this.engine.moveRun(this.id, op, detail, code);
    this.checkedAt = performance.now();
  }

  // ----------------------------------------------------------------------- driving

  async drive(): Promise<RunOutcome> {
    await this.loadSteps('open');
    for (;;) {
      const state = (this.run = await this.engine.getRun(this.id)).state;
      if (state === 'executing') {
        const r = await this.forward();
        if (r) return r;
      } else if (state === 'rolling-back' || state === 'restoring') {
        return this.backward(state === 'rolling-back' ? 'rollback' : 'restore');
      } else if (state === 'suspended') {
        if (await this.wasAborted()) {
          await this.compensateInProgress();
          await this.restoreGuards();
        }
        return { run: this.run };
      } else if (state === 'failed') {
        await this.move('halt');
        return { run: this.run };
      } else return { run: this.run };
    }
  }

  private async wasAborted(): Promise<boolean> {
    const [last] = await this.engine.io(() =>
      this.store.readJournal(this.id, { objectType: 'run', newestFirst: true, limit: 1 }),
    );
    return last?.action === 'abort';
  }

  // ----------------------------------------------------------------------- guards

  private guardKey(appliedAt: string, what: 'apply' | 'restore'): string {
    return `${this.id}/guard/scale-up@${appliedAt}/${what}`;
  }

  private async applyGuards(): Promise<void> {
    if (this.doc.campaign.guards.scaleUp !== 'disable') return;
    const guards = await this.engine.io(() => this.store.listGuards(this.id));
    let guard = guards.find((g) => g.name === 'scale-up' && g.restoredAt === null);
    if (guard === undefined) {
      const original = await retrying(this.driver, () => this.driver.getScaleUp());
      guard = await this.engine.io(() => this.store.recordGuard(this.id, 'scale-up', original));
    }
    const original = guard.original as unknown as ScaleUpSetting;
    const appliedAt = guard.appliedAt;
    await retrying(this.driver, () =>
      this.driver.setScaleUp(
        { enabled: false, detail: original.detail },
        {
          idempotencyKey: this.guardKey(appliedAt, 'apply'),
          campaign: this.run.campaignName,
          run: this.id,
        },
      ),
    );
    this.log.info({ object: 'scale-up', action: 'guard-apply' }, 'scale-up disabled for the run');
  }

  async restoreGuards(): Promise<void> {
    const guards = await this.engine.io(() => this.store.listGuards(this.id));
    for (const g of guards) {
      if (g.restoredAt !== null || g.name !== 'scale-up') continue;
      const original = g.original as unknown as ScaleUpSetting;
      await retrying(this.driver, () =>
        this.driver.setScaleUp(original, {
          idempotencyKey: this.guardKey(g.appliedAt, 'restore'),
          campaign: this.run.campaignName,
          run: this.id,
        }),
      );
      await this.engine.io(() => this.store.restoreGuard(this.id, g.name));
      this.log.info(
        { object: 'scale-up', action: 'guard-restore' },
        `scale-up put back exactly as it was (${original.enabled ? 'enabled' : 'disabled'})`,
      );
    }
  }

  // ----------------------------------------------------------------------- forward

  /** Returns the outcome when the run stops; undefined to look at the run's state again. */
  private async forward(): Promise<RunOutcome | undefined> {
    await this.applyGuards();
    let waves = plannedWaves(this.doc);
    let first = true;
    for (let w = 0; w < waves.length; w++) {
      const wave = waves[w] as PlannedWave;
      const todo = wave.hosts.filter((h) => !this.hostFinished(h));
      if (todo.length === 0) continue;
      if ((await this.currentState()) !== 'executing') return undefined;
      if (!first && todo.every((h) => this.untouched(h))) {
        const changed = await this.worldChanged(wave);
        if (changed !== undefined) {
          await this.replan(changed);
          waves = plannedWaves(this.doc);
          w = -1;
          continue;
        }
      }
      first = false;
      this.progress({
        kind: 'wave',
        run: this.id,
        index: w,
        of: waves.length,
        hosts: todo.map((h) => h.op.host),
        direction: 'forward',
      });
      const outcomes = await Promise.all(todo.map((h) => this.forwardHost(h)));
      const overBudget = await this.probe();
      // Nothing in flight between waves: a driver with state of its own may save it.
      this.driver.settled?.();
      const failed = outcomes.filter((o) => !o.ok && !o.stopped);
      if (failed.length > 0) {
        const r = await this.onFailures(failed, wave);
        if (r) return r;
      }
      if (overBudget !== undefined && this.doc.campaign.mode === 'smooth') {
        await this.move('fail', { reason: overBudget }, 'ESC_INTERRUPTION_OVER_BUDGET');
        await this.move('halt');
        return {
          run: this.run,
          error: { code: 'ESC_INTERRUPTION_OVER_BUDGET', message: overBudget },
        };
      }
      if (outcomes.some((o) => o.stopped)) return undefined;
    }
    if ((await this.currentState()) !== 'executing') return undefined;
    await this.restoreGuards();
    const stats = this.driver.stats?.();
    await this.move('complete', {
      driverTime: this.driver.now(),
      ...(stats === undefined ? {} : { driverStats: stats }),
    });
    this.log.info({ object: this.id, action: 'complete' }, 'every wave done and verified');
    return { run: this.run };
  }

  private stepsOf(h: PlannedHost): StepRecord[] {
    if (this.unread?.has(h.op.host))
      throw new EscalatorError('ESC_INTERNAL', `the steps of ${h.op.host} were not read`);
    return h.keys.map((k) => {
      const r = this.steps.get(k);
      if (r === undefined)
        throw new EscalatorError('ESC_INTERNAL', `run ${this.id} has no step ${k} in the store`);
      return r;
    });
  }

  private hostFinished(h: PlannedHost): boolean {
    if (this.unread?.has(h.op.host)) return true;
    return this.stepsOf(h).every(
      (s) => s.state === 'succeeded' || s.state === 'skipped' || s.state === 'undone',
    );
  }

  private untouched(h: PlannedHost): boolean {
    return this.stepsOf(h).every((s) => s.state === 'pending');
  }

  /** The host's state, from its steps' states (the host journal entries say the same). */
  private hostState(h: PlannedHost): HostState {
    const steps = this.stepsOf(h);
    if (steps.some((s) => s.state === 'undoing' || s.state === 'undone')) {
      const executed = steps.filter((s) => s.state !== 'pending' && s.state !== 'skipped');
      return executed.every((s) => s.state === 'undone') ? 'rolled-back' : 'rolling-back';
    }
    if (steps.some((s) => s.state === 'failed' || s.state === 'timed-out')) return 'failed';
    if (steps.every((s) => s.state === 'pending')) return 'pending';
    if (steps.some((s) => s.state === 'skipped') && !steps.some((s) => s.state === 'pending'))
      return steps.every((s) => s.state === 'skipped' || s.kind === 'notify-vnfm')
        ? 'skipped'
        : 'done';
    if (steps.every((s) => s.state === 'succeeded' || s.state === 'skipped')) return 'done';
    let last: StepRecord | undefined;
    for (const s of steps) if (s.state !== 'pending') last = s;
    return last ? (PHASE[last.kind as Step['kind']] ?? 'pending') : 'pending';
  }

  private hostEntry(
    h: PlannedHost,
    op: HostOp,
    detail?: Json,
    from = this.hostState(h),
  ): Promise<void> {
    const t = transition(HOST_MACHINE, h.op.host, from, op);
    this.progress({ kind: 'host', run: this.id, host: h.op.host, state: t.to });
    return this.writer.entry({
      objectType: 'host',
      objectId: h.op.host,
      action: op,
      from: t.from,
      to: t.to,
      ...(detail === undefined ? {} : { detail }),
    });
  }

  private async moveStep(
    key: string,
    host: string,
    op: StepOperation,
    extra: { attempt?: number; detail?: Json; code?: ErrorCode; message?: string } = {},
  ): Promise<StepRecord> {
    const current = this.steps.get(key);
    if (!current) throw new EscalatorError('ESC_INTERNAL', `no step ${key}`);
    const t = transition(STEP_MACHINE, key, current.state, op);
    const record = await this.writer.step(key, {
      from: [t.from],
      to: t.to,
      ...(extra.attempt === undefined ? {} : { attempt: extra.attempt }),
      ...(extra.code === undefined ? {} : { errorCode: extra.code }),
      ...(extra.detail === undefined ? {} : { detail: extra.detail }),
      entry: {
        action: op,
        ...(extra.message === undefined && extra.detail === undefined
          ? {}
          : { detail: { ...(extra.message ? { message: extra.message } : {}) } }),
      },
    });
    this.steps.set(key, record);
    this.progress({
      kind: 'step',
      run: this.id,
      host,
      step: key,
      state: record.state,
      ...(extra.code ? { code: extra.code } : {}),
      ...(extra.message ? { message: extra.message } : {}),
    });
    if (extra.code)
      this.log.warn({ object: key, action: op, code: extra.code }, extra.message ?? `${key} ${op}`);
    return record;
  }

  private actionContext(h: PlannedHost, record: StepRecord, suffix = ''): ActionContext {
    return {
      driver: this.driver,
      campaign: this.doc.campaign,
      runId: this.id,
      op: h.op,
      key: `${record.idempotencyKey}#${record.attempt}${suffix}`,
      pollSeconds: this.options.pollSeconds ?? 5,
    };
  }

  /** A host's steps in order, from wherever it stopped. */
  private async forwardHost(h: PlannedHost): Promise<HostOutcome> {
    const host = h.op.host;
    for (let i = 0; i < h.op.steps.length; i++) {
      const step = h.op.steps[i] as Step;
      const key = h.keys[i] as string;
      let record = this.steps.get(key) as StepRecord;
      if (record.state === 'succeeded' || record.state === 'skipped') continue;
      if (i > 0 && this.hostState(h) !== 'failed') {
        const state = await this.currentState();
        if (state !== 'executing') return { host, ok: false, stopped: true };
      }
      const phase = PHASE[step.kind];
      const hostNow = this.hostState(h);
      if (record.state === 'pending') {
        const enter = hostNow !== phase ? ENTER[phase] : undefined;
        const [, moved] = await Promise.all([
          enter ? this.hostEntry(h, enter) : Promise.resolve(),
          this.moveStep(key, host, 'begin', { attempt: 1 }),
        ]);
        record = moved;
      } else if (record.state === 'failed' || record.state === 'timed-out') {
        // The operator resumed: a failed step runs anew (a new key); a hung one is observed
        // once more under its own key (it may just have been slow), and anew after that.
        const retry = RETRY[phase];
        const anew = record.state === 'failed' || timeoutsOf(record) >= 2;
        const attempt = anew ? record.attempt + 1 : record.attempt;
        const [, moved] = await Promise.all([
          retry ? this.hostEntry(h, retry) : Promise.resolve(),
          this.moveStep(key, host, 'retry', { attempt }),
        ]);
        record = moved;
      } else if (record.state !== 'running')
        return { host, ok: false, code: 'ESC_INTERNAL', message: `${key} is ${record.state}` };
      // running: the process stopped during the step; ask again under the same key.
      const result = await this.execute(h, step, record);
      if (result.kind === 'ok') {
        if (step.kind === 'backup') await this.recordBackup(host, result.detail);
        await this.moveStep(key, host, 'succeed', { detail: result.detail });
        if (result.skipHost) {
          await this.skipRest(h, i + 1);
          return { host, ok: false, skipped: true };
        }
        continue;
      }
      if (result.kind === 'timeout') {
        const why = await this.diagnoseTimeout(host, step, record);
        await Promise.all([
          this.hostEntry(h, 'fail', { step: key, code: why.code }),
          this.moveStep(key, host, 'time-out', {
            code: why.code,
            message: why.message,
            detail: why.detail,
          }),
        ]);
        return { host, ok: false, code: why.code, message: why.message };
      }
      await Promise.all([
        this.hostEntry(h, 'fail', { step: key, code: result.failure.code }),
        this.moveStep(key, host, 'fail', {
          code: result.failure.code,
          message: result.failure.message,
          detail: {
            error: result.failure.message,
            ...(result.failure.detail === undefined ? {} : { more: result.failure.detail }),
          },
        }),
      ]);
      return { host, ok: false, code: result.failure.code, message: result.failure.message };
    }
    if (this.hostState(h) === 'done') {
      // Journal the host's arrival once: the last step's success made it done.
      this.progress({ kind: 'host', run: this.id, host, state: 'done' });
      await this.writer.entry({
        objectType: 'host',
        objectId: host,
        action: 'finish',
        from: 'verifying',
        to: 'done',
      });
    }
    return { host, ok: true };
  }

  /**
   * Runs one step under its timeout: past it, a hang. Driver time spent waiting out retryable
   * driver failures (an API away for a while) extends the timeout: that is the infrastructure's
   * outage, not the step's hang. When the step loses its race, the timer is cancelled.
   */
  private async execute(
    h: PlannedHost,
    step: Step,
    record: StepRecord,
  ): Promise<
    | { kind: 'ok'; detail: Json; skipHost: boolean }
    | { kind: 'timeout' }
    | { kind: 'failed'; failure: StepFailure }
  > {
    let extension = 0;
    const ctx: ActionContext = {
      ...this.actionContext(h, record),
      onRetryWait: (seconds) => {
        extension += seconds;
      },
    };
    const stop = new AbortController();
    const work = runStep(ctx, step).then(
      (o) => ({ kind: 'ok' as const, detail: o.detail as Json, skipHost: o.skipHost === true }),
      (error: unknown) => ({ kind: 'failed' as const, failure: asFailure(error) }),
    );
    const timeout = (async () => {
      let waited = 0;
      for (;;) {
        const left = step.timeoutSeconds + extension - waited;
        if (left <= 0 || stop.signal.aborted) return { kind: 'timeout' as const };
        await this.driver.sleep(left, stop.signal);
        waited += left;
      }
    })();
    try {
      return await Promise.race([work, timeout]);
    } finally {
      stop.abort(RACE_LOST);
    }
  }

  /**
   * Why a step hung, as far as the host tells: a host that is down after its time is lost
   * (ESC_HOST_LOST), anything else is a hang of the step (ESC_STEP_TIMEOUT).
   */
  private async diagnoseTimeout(
    host: string,
    step: Step,
    record: StepRecord,
  ): Promise<{ code: ErrorCode; message: string; detail: Json }> {
    const timeouts = timeoutsOf(record) + 1;
    const detail = { timeouts, attempt: record.attempt };
    const stop = new AbortController();
    const health = await Promise.race([
      this.driver.health(host).then(
        (x) => x.state,
        () => undefined,
      ),
      this.driver.sleep(HEALTH_LOOK_SECONDS, stop.signal).then(() => undefined),
    ]).finally(() => stop.abort(RACE_LOST));
    if (health === 'down')
      return {
        code: 'ESC_HOST_LOST',
        message: `${host} is down: it did not come back within the ${step.timeoutSeconds}s of its ${step.kind} step; repair or replace it, then resume, roll back or restore`,
        detail,
      };
    return {
      code: 'ESC_STEP_TIMEOUT',
      message:
        timeouts === 1
          ? `${step.kind} on ${host} ran past its ${step.timeoutSeconds}s timeout (a hang); resume observes the same operation once more before starting it anew`
          : `${step.kind} on ${host} ran past its ${step.timeoutSeconds}s timeout again; resume starts it anew (attempt ${record.attempt + 1})`,
      detail,
    };
  }

  private async recordBackup(host: string, detail: Json): Promise<void> {
    const d = detail as { ref?: Json; items?: Json } | null;
    if (d === null || typeof d.ref !== 'string') return;
    const ref = d.ref;
    await this.engine.io(() =>
      this.store.recordBackup(this.id, { host, ref, items: d.items ?? [] }),
    );
  }

  private async skipRest(h: PlannedHost, from: number): Promise<void> {
    await Promise.all([
      this.hostEntry(h, 'skip', {
        reason: 'a VNF manager did not answer (coordination.onNoAck: skip-host)',
      }),
      ...h.keys.slice(from).map((k) => this.moveStep(k, h.op.host, 'skip')),
    ]);
    this.log.warn(
      { object: h.op.host, action: 'skip' },
      `${h.op.host} skipped: a VNF manager stayed silent`,
    );
  }

  /** The campaign's failure policy, applied after the wave's other hosts finished. */
  private async onFailures(
    failed: readonly HostOutcome[],
    wave: PlannedWave,
  ): Promise<RunOutcome | undefined> {
    const real = failed.filter((f) => !f.skipped);
    if (real.length === 0) return undefined;
    const policy = this.doc.campaign.rollout.onFailure;
    const first = real[0] as HostOutcome;
    const code = first.code ?? 'ESC_STEP_FAILED';
    const message = real.map((f) => `${f.host}: ${f.message ?? f.code}`).join('; ');
    const failedSoFar = this.doc.excluded.length + real.length;
    if (policy.action === 'continue' && failedSoFar <= policy.maxFailedHosts) {
      // Put the failed hosts back as they were and go on without them.
      const hosts = wave.hosts.filter((h) => real.some((f) => f.host === h.op.host));
      const back = await Promise.all(hosts.map((h) => this.compensateHost(h, 'rollback')));
      const stuck = back.filter((b) => !b.ok);
      if (stuck.length > 0) {
        // A failed host that cannot be put back is not left behind silently: stop here.
        const why = stuck.map((b) => `${b.host}: ${b.message ?? b.code}`).join('; ');
        const stuckCode = (stuck[0] as HostOutcome).code ?? 'ESC_STEP_FAILED';
        const text = `${message} — and could not be put back (${why})`;
        await this.move('fail', { hosts: stuck.map((b) => b.host), message: text }, stuckCode);
        await this.move('halt');
        return { run: this.run, error: { code: stuckCode, message: text } };
      }
      this.doc = { ...this.doc, excluded: [...this.doc.excluded, ...real.map((f) => f.host)] };
      await this.saveDoc('exclude', { hosts: real.map((f) => f.host), code });
      this.log.warn(
        { object: this.id, action: 'continue', code },
        `continuing without ${real.length} failed host(s): ${message}`,
      );
      return undefined;
    }
    await this.move('fail', { hosts: real.map((f) => f.host), message }, code);
    if (policy.action === 'rollback') {
      await this.move('rollback', { reason: 'rollout.onFailure: rollback' });
      const r = await this.backward('rollback');
      const rolledBack = r.run.state === 'rolled-back';
      return {
        run: r.run,
        error: rolledBack
          ? { code: 'ESC_ROLLED_BACK', message: `${message} — rolled back as the campaign says` }
          : (r.error ?? { code, message }),
      };
    }
    await this.move('halt');
    return { run: this.run, error: { code, message } };
  }

  private async saveDoc(action: string, detail: Json): Promise<void> {
    this.run = await this.engine.io(() =>
      this.store.replacePlan(this.id, {
        expectedRevision: this.run.revision,
        plan: this.doc,
        entry: { action, detail },
      }),
    );
  }

  /** Reads the probes; returns a message when an interruption exceeded the budget. */
  private async probe(): Promise<string | undefined> {
    const since = this.lastProbe;
    const now = this.driver.now();
    const samples = await retrying(this.driver, () => this.driver.probe(since));
    this.lastProbe = now;
    const budget = this.doc.campaign.guards.maxInterruptionMs;
    const over: string[] = [];
    const entries: Promise<void>[] = [];
    for (const s of samples)
      for (const i of s.interruptions) {
        this.worst.set(s.vnf, Math.max(this.worst.get(s.vnf) ?? 0, i.ms));
        this.progress({ kind: 'interruption', run: this.id, vnf: s.vnf, ms: i.ms });
        entries.push(
          this.writer.entry({
            objectType: 'vnf',
            objectId: s.vnf,
            action: 'interruption',
            detail: { at: i.at, ms: i.ms },
          }),
        );
        if (i.ms > budget)
          over.push(`${s.vnf} was interrupted for ${i.ms} ms (budget ${budget} ms)`);
      }
    await Promise.all(entries);
    return over.length > 0 ? over.join('; ') : undefined;
  }

  // ----------------------------------------------------------------------- re-planning

  /** Why the world no longer matches the wave's plan, or undefined when it does. */
  private async worldChanged(wave: PlannedWave): Promise<string | undefined> {
    const hosts = new Set<string>();
    for (const h of wave.hosts) {
      hosts.add(h.op.host);
      for (const a of h.op.instanceActions) if (a.to !== undefined) hosts.add(a.to);
    }
    const scope = { hosts: [...hosts] };
    const inventory = await retrying(this.driver, () => this.driver.discover(scope));
    return describeChange(inventory, wave);
  }

  private async replan(reason: string): Promise<void> {
    await this.readAllSteps();
    const inventory = await retrying(this.driver, () => this.driver.discover());
    const old = this.doc;
    const campaign: Campaign = {
      ...old.campaign,
      targets: {
        ...old.campaign.targets,
        exclude: [...old.campaign.targets.exclude, ...old.excluded],
      },
    };
    const plan: Plan = makePlan(
      { inventory, catalog: old.catalog, campaign },
      { strategy: old.strategy },
    );
    const executed = plannedWaves(old).flatMap((w) => w.hosts.filter((h) => !this.untouched(h)));
    const doc: RunDocument = {
      ...old,
      generation: old.generation + 1,
      plan,
      earlier: [
        ...old.earlier,
        ...executed.map((h) => ({
          generation: old.generation,
          stage: h.stage,
          wave: h.wave,
          order: h.order,
          op: h.op,
        })),
      ],
    };
    const stale = plannedWaves(old).flatMap((w) =>
      w.hosts.flatMap((h) =>
        h.keys
          .filter((k) => this.steps.get(k)?.state === 'pending')
          .map((k) => ({ k, host: h.op.host })),
      ),
    );
    await Promise.all(stale.map((s) => this.moveStep(s.k, s.host, 'skip')));
    await this.engine.io(() => this.store.ensureSteps(this.id, newSteps(this.id, doc)));
    this.doc = doc;
    await this.saveDoc('replan', {
      reason,
      generation: doc.generation,
      hosts: plan.summary.hosts,
      waves: plan.summary.waves,
    });
    await this.loadSteps();
    this.progress({ kind: 'replan', run: this.id, reason });
    this.log.warn({ object: this.id, action: 'replan' }, `re-planned the rest: ${reason}`);
  }

  // ----------------------------------------------------------------------- backward

  /** Every host that executed something, in every generation, newest wave first. */
  private executedHosts(): PlannedHost[] {
    const current = plannedWaves(this.doc).flatMap((w) => w.hosts);
    const earlier = this.doc.earlier.map((e) => ({
      stage: e.stage,
      wave: e.wave,
      order: e.order,
      op: e.op,
      generation: e.generation,
      keys: e.op.steps.map((_, i) => stepKey(e.generation, e.stage, e.wave, e.op.host, i)),
    }));
    const all = [
      ...earlier,
      ...current.map((h) => ({ ...h, generation: this.doc.generation })),
    ].filter((h) => h.keys.every((k) => this.steps.has(k)));
    return all
      .filter((h) => this.stepsOf(h).some((s) => EXECUTED.has(s.state)))
      .sort((a, b) => b.generation - a.generation || b.order - a.order);
  }

  private async backward(mode: RevertMode): Promise<RunOutcome> {
    await this.readAllSteps();
    await this.applyGuards();
    const hosts = this.executedHosts();
    const groups: PlannedHost[][] = [];
    let key = '';
    for (const h of hosts) {
      const k = `${(h as PlannedHost & { generation: number }).generation}/${h.order}`;
      if (k !== key) groups.push([]);
      key = k;
      (groups[groups.length - 1] as PlannedHost[]).push(h);
    }
    const failures: HostOutcome[] = [];
    for (const [i, group] of groups.entries()) {
      this.progress({
        kind: 'wave',
        run: this.id,
        index: i,
        of: groups.length,
        hosts: group.map((h) => h.op.host),
        direction: 'backward',
      });
      const outcomes = await Promise.all(group.map((h) => this.compensateHost(h, mode)));
      await this.probe();
      this.driver.settled?.();
      failures.push(...outcomes.filter((o) => !o.ok));
      if (failures.length > 0) break;
    }
    if (failures.length > 0) {
      const f = failures[0] as HostOutcome;
      const code = f.code ?? 'ESC_STEP_FAILED';
      const message = failures.map((x) => `${x.host}: ${x.message ?? x.code}`).join('; ');
      await this.move('fail', { hosts: failures.map((x) => x.host), message }, code);
      await this.move('halt');
      return { run: this.run, error: { code, message: `${mode} stopped: ${message}` } };
    }
    await this.restoreGuards();
    await this.move(mode === 'rollback' ? 'finish-rollback' : 'finish-restore', {
      driverTime: this.driver.now(),
    });
    return { run: this.run };
  }

  /** Hosts that are part-way through their operation (for abort). */
  async compensateInProgress(): Promise<void> {
    await this.loadSteps();
    const hosts = this.executedHosts().filter((h) => {
      const s = this.hostState(h);
      return (
        s === 'draining' ||
        s === 'upgrading' ||
        s === 'verifying' ||
        s === 'failed' ||
        s === 'rolling-back'
      );
    });
    await Promise.all(hosts.map((h) => this.compensateHost(h, 'rollback')));
  }

  /** Undo a host's executed steps (finishing a step the process was in first). */
  private async compensateHost(h: PlannedHost, mode: RevertMode): Promise<HostOutcome> {
    const host = h.op.host;
    // A step cut short by a crash or an abort is finished first, under its own key.
    for (const [i, key] of h.keys.entries()) {
      const record = this.steps.get(key) as StepRecord;
      if (record.state !== 'running') continue;
      const step = h.op.steps[i] as Step;
      const result = await this.execute(h, step, record);
      if (result.kind === 'ok') {
        if (step.kind === 'backup') await this.recordBackup(host, result.detail);
        await this.moveStep(key, host, 'succeed', { detail: result.detail });
      } else if (result.kind === 'timeout') {
        const why = await this.diagnoseTimeout(host, step, record);
        await this.moveStep(key, host, 'time-out', {
          code: why.code,
          message: why.message,
          detail: why.detail,
        });
      } else
        await this.moveStep(key, host, 'fail', {
          code: result.failure.code,
          message: result.failure.message,
        });
    }
    const todo = undoOrder(
      h.op.steps
        .map((step, index) => ({ step, index, key: h.keys[index] as string }))
        .filter((s) => {
          const st = this.steps.get(s.key)?.state;
          return st === 'succeeded' || st === 'failed' || st === 'timed-out' || st === 'undoing';
        }),
    );
    if (todo.length === 0) return { host, ok: true };
    const state = this.hostState(h);
    if (state !== 'rolling-back') await this.hostEntry(h, 'roll-back', { mode });
    const installs = h.op.steps
      .map((step, index) => ({ step, key: h.keys[index] as string }))
      .filter(
        (s) =>
          s.step.kind === 'install' &&
          EXECUTED_OR_UNDONE.has(this.steps.get(s.key)?.state ?? 'pending'),
      );
    const reverted: Record<string, string> = {};
    for (const s of installs)
      if (s.step.component !== undefined && s.step.from !== undefined)
        reverted[s.step.component] = s.step.from;
    const backups =
      mode === 'restore'
        ? await this.engine.io(() => this.store.listBackups(this.id, { host }))
        : [];
    const backup = backups[0];
    // Where the host's instances are: looked up on the host and its planned destinations
    // first; the whole inventory only for one that went elsewhere (a scheduler's choice).
    let near: Map<string, string> | undefined;
    let everywhere: Map<string, string> | undefined;
    const hostsOf = async (scope?: { hosts: string[] }) => {
      const inv = await retrying(this.driver, () => this.driver.discover(scope));
      return new Map(inv.instances.map((x) => [x.name, x.host]));
    };
    const whereIs = async (instance: string): Promise<string | undefined> => {
      near ??= await hostsOf({
        hosts: [host, ...h.op.instanceActions.flatMap((a) => (a.to === undefined ? [] : [a.to]))],
      });
      const found = near.get(instance);
      if (found !== undefined) return found;
      everywhere ??= await hostsOf();
      return everywhere.get(instance);
    };
    const seenPhase = new Set<string>();
    for (const s of todo) {
      let record = this.steps.get(s.key) as StepRecord;
      if (record.state !== 'undoing') record = await this.moveStep(s.key, host, 'undo');
      const ctx: UndoContext = {
        ...this.actionContext(h, record, '/undo'),
        mode,
        ...(backup
          ? {
              backup: {
                ref: backup.ref,
                items: backup.items as unknown as ('versions' | 'config' | 'databases')[],
              },
            }
          : {}),
        reverted,
        versionsReverted: installs.length > 0,
        whereIs,
      };
      const firstInPhase = !seenPhase.has(s.step.kind);
      seenPhase.add(s.step.kind);
      const t0 = this.driver.now();
      try {
        const detail = await undoStep(ctx, s.step, firstInPhase);
        await this.moveStep(s.key, host, 'finish-undo', {
          detail: { ...detail, t0, t1: this.driver.now() },
        });
      } catch (error) {
        const failure = asFailure(error);
        await Promise.all([
          this.hostEntry(h, 'fail', { step: s.key, code: failure.code }),
          this.moveStep(s.key, host, 'fail', { code: failure.code, message: failure.message }),
        ]);
        return { host, ok: false, code: failure.code, message: failure.message };
      }
    }
    await this.hostEntry(h, 'finish-rollback', { mode }, 'rolling-back');
    return { host, ok: true };
  }
}

/**
 * The reason a timeout's wait is cancelled when its step ended first. Given, not left to
 * `abort()`: a default reason is a new DOMException each time, with its stack — a second and a
 * half of a 10,000-host run.
 */
const RACE_LOST = new Error('the step ended before its timeout');

/** Seconds to wait for a host's health when diagnosing a hang. */
const HEALTH_LOOK_SECONDS = 60;

/** How often the step's current attempt has timed out (journaled with its `time-out`). */
function timeoutsOf(record: StepRecord): number {
  const d = record.detail;
  if (typeof d !== 'object' || d === null || Array.isArray(d)) return 0;
  const o = d as { readonly [key: string]: Json };
  const t = o['timeouts'];
  return typeof t === 'number' && o['attempt'] === record.attempt ? t : 0;
}

/** Every state but pending and skipped: the step's side effect may have happened. */
const EXECUTED_OR_UNDONE: ReadonlySet<StepState> = new Set(
  STEP_STATES.filter((s) => s !== 'pending' && s !== 'skipped'),
);

/** Compares the inventory with what the wave's plan assumes of its hosts. */
export function describeChange(inventory: Inventory, wave: PlannedWave): string | undefined {
  const hosts = new Map(inventory.hosts.map((h) => [h.name, h]));
  const onHost = new Map<string, string[]>();
  for (const i of inventory.instances) {
    const list = onHost.get(i.host);
    if (list) list.push(i.name);
    else onHost.set(i.host, [i.name]);
  }
  for (const h of wave.hosts) {
    const now = hosts.get(h.op.host);
    if (now === undefined) return `host ${h.op.host} is gone from the inventory`;
    if (now.state !== 'up') return `host ${h.op.host} is ${now.state}`;
    const planned = new Set(h.op.instanceActions.map((a) => a.instance));
    const actual = onHost.get(h.op.host) ?? [];
    const extra = actual.filter((i) => !planned.has(i));
    if (extra.length > 0) return `instance ${extra[0] as string} appeared on ${h.op.host}`;
    if (actual.length < planned.size) {
      const present = new Set(actual);
      const gone = [...planned].find((i) => !present.has(i));
      return `instance ${gone ?? '?'} is no longer on ${h.op.host}`;
    }
    for (const a of h.op.instanceActions) {
      if (a.to === undefined) continue;
      const dest = hosts.get(a.to);
      if (dest === undefined || dest.state !== 'up')
        return `destination ${a.to} of ${a.instance} is ${dest?.state ?? 'gone'}`;
    }
  }
  return undefined;
}

export type { HostOperation };
export { StoreConflictError };
