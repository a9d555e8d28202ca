/**
 * `sim`: the digital twin as a `Driver`. A deterministic discrete-event simulation of a cloud on
 * a virtual clock (clock.ts) over a world model (world.ts), with durations and interruptions
 * from the cost model the planner predicts with (model/cost.ts), VNF managers, service probes,
 * idempotency by key with side-effect counters, and fault injection from a scenario.
 *
 * Timing, in virtual seconds:
 * - setScheduling, stop/start instance, setScaleUp and an ack by default: `cost.apiStepSeconds`;
 * - migrate answers at once (queued, like Nova's 202); the scheduler decides at the same virtual
 *   time but asynchronously (no valid host → `failed`); a source host runs at most
 *   `cost.concurrentMigrationsPerHost` migrations at once, the rest wait for a slot; a live
 *   migration runs `liveMigrationSeconds(memory)` and blacks the instance out for the last
 *   `liveMigrationBlackoutMs(memory)`; a cold one powers it off for `coldMigrationSeconds`;
 * - host actions: `durations` (install and restart per component, reboot, command);
 * - backup and restore: `cost.backupSeconds`. Reads (discover, status, health, probe) are instant.
 */
import {
  DEFAULT_COST_MODEL,
  coldMigrationSeconds,
  liveMigrationBlackoutMs,
  liveMigrationSeconds,
  type Catalog,
  type CostModel,
  type Inventory,
} from '../../model/index.js';
import { parseDuration } from '../../model/duration.js';
import { CATALOG_DEFAULTS } from '../../campaign/defaults.js';
import {
  DriverError,
  type BackupItem,
  type DiscoveryScope,
  type DriverFailureKind,
  type BackupRef,
  type Driver,
  type HostAction,
  type HostActionResult,
  type HostHealth,
  type MaintenanceNotice,
  type MigrationRequest,
  type MigrationState,
  type MigrationStatus,
  type OperationContext,
  type ScaleUpSetting,
  type SchedulingState,
  type ServiceSample,
  type VnfmAnswer,
} from '../driver.js';
import { VirtualClock, type EventOptions, type TimerHandle } from './clock.js';
import { Faults, type FaultsState, type VnfmBehaviour } from './faults.js';
import type { DriverOperation, Scenario } from './scenario.js';
import type { KeyHashes } from './key-hashes.js';
import { World, type SimHost, type SimInstance, type SimVnf, type WorldState } from './world.js';

// ---------------------------------------------------------------- options

/** Host-action durations in seconds. */
export interface SimDurations {
  readonly install: number;
  readonly restart: number;
  readonly reboot: number;
  readonly command: number;
  /** Per component, overriding `install` and `restart`. */
  readonly components: Readonly<Record<string, { install?: number; restart?: number }>>;
}

const secondsOf = (d: string | number): number => {
  const parsed = parseDuration(d);
  return parsed.ok ? parsed.seconds : 0;
};

/** The catalogue's defaults: install 5m, restart (activate) 2m; a reboot 8m, a command 10s. */
export const DEFAULT_DURATIONS: SimDurations = {
  install: secondsOf(CATALOG_DEFAULTS.durations.install),
  restart: secondsOf(CATALOG_DEFAULTS.durations.activate),
  reboot: 480,
  command: 10,
  components: {},
};

/**
 * Durations as a catalogue expects them: install and activate of each component's newest
 * release; a reboot as long as the longest reboot activation.
 */
export function durationsFromCatalog(catalog: Catalog): SimDurations {
  const components: Record<string, { install: number; restart: number }> = {};
  let reboot = 0;
  for (const c of catalog.components) {
    const release = c.releases[c.releases.length - 1];
    if (release === undefined) continue;
    components[c.name] = {
      install: release.durations.install,
      restart: release.durations.activate,
    };
    for (const r of c.releases)
      if (r.activation === 'reboot') reboot = Math.max(reboot, r.durations.activate);
  }
  return { ...DEFAULT_DURATIONS, reboot: reboot || DEFAULT_DURATIONS.reboot, components };
}

export interface SimOptions {
  readonly cost?: CostModel;
  readonly durations?: Partial<SimDurations>;
  readonly scenario?: Scenario;
  /** VNFM behaviour per VNF (a scenario's `vnfm` faults take precedence); default: ack. */
  readonly vnfm?: Readonly<Record<string, VnfmBehaviour>>;
  /** Default `{ enabled: true, detail: { instances: 100, cores: 400 } }`. */
  readonly scaleUp?: ScaleUpSetting;
  /** Seconds a call that times out takes before it answers `timeout`; default 30. */
  readonly timeoutSeconds?: number;
  /** Seconds to wait for a rebooted host past its reboot time before `failed`; default 1800. */
  readonly bootTimeoutSeconds?: number;
  readonly clock?: VirtualClock;
}

export const DEFAULT_SCALE_UP: ScaleUpSetting = {
  enabled: true,
  detail: { instances: 100, cores: 400 },
};

/** The reason Escalator records when it disables scheduling for a campaign. */
export const schedulingReason = (campaign: string): string => `escalator: campaign ${campaign}`;

/** Side-effecting operations, as counted by `sideEffects()`. */
export type SideEffectKind =
  | 'setScheduling'
  | 'migrate'
  | 'abortMigration'
  | 'forceCompleteMigration'
  | 'stopInstance'
  | 'startInstance'
  | 'install'
  | 'restart'
  | 'reboot'
  | 'command'
  | 'setScaleUp'
  | 'backup'
  | 'restore'
  | 'notifyVnfm';

/** A maintenance notice the VNFMs received, and what they answered. */
export interface NoticeRecord {
  readonly at: number;
  readonly notice: MaintenanceNotice;
  readonly answer: VnfmAnswer;
}

// ---------------------------------------------------------------- migrations

interface Migration {
  readonly id: string;
  readonly instance: SimInstance;
  readonly mode: 'live' | 'cold';
  readonly source: string;
  readonly requested: string | undefined;
  state: MigrationState;
  destination: SimHost | undefined;
  error: string | undefined;
  startedAt: number | undefined;
  duration: number;
  timers: TimerHandle[];
}

interface Outcome {
  readonly kind: SideEffectKind;
  readonly request: string;
  readonly result: Promise<unknown>;
  /** How it ended, once it has. */
  settled:
    | { readonly ok: true; readonly value: unknown }
    | { readonly ok: false; readonly error: unknown }
    | undefined;
}

// ---------------------------------------------------------------- persistence hooks

/**
 * Told of every call that changes the twin's state (persist.ts appends it to its log): calls with
 * side effects before they act, reads only when they consumed a fault strike or a random draw.
 * A journal that throws refuses the call.
 */
export type SimJournal = (op: DriverOperation, args: readonly unknown[]) => void;

/** The operations that change the world: always journaled. */
const CHANGES_WORLD: Readonly<Record<DriverOperation, boolean>> = {
  discover: false,
  getScheduling: false,
  setScheduling: true,
  migrate: true,
  migrationStatus: false,
  abortMigration: true,
  forceCompleteMigration: true,
  stopInstance: true,
  startInstance: true,
  hostAction: true,
  health: false,
  getScaleUp: false,
  setScaleUp: true,
  backup: true,
  restore: true,
  notifyVnfm: true,
  probe: false,
};

/** How many of the latest maintenance notices the twin remembers (see `vnfmNotices`). */
export const NOTICES_KEPT = 1_000;

/** A caller's wait: not one of the twin's own events (see clock.ts, position). */
const EXTERNAL: EventOptions = { external: true };

/** An error as a checkpoint keeps it. */
export interface SavedError {
  readonly name: string;
  readonly message: string;
  readonly kind?: DriverFailureKind;
  readonly subject?: string;
}

/** The driver's state at rest as plain data: what a checkpoint saves besides the clock. */
export interface SimState {
  readonly world: WorldState;
  readonly faults: FaultsState;
  /** Settled outcomes by key: `error` when it failed, else `value` (absent for none). */
  readonly outcomes: readonly {
    readonly key: string;
    readonly kind: SideEffectKind;
    readonly request: string;
    readonly value?: unknown;
    readonly error?: SavedError;
  }[];
  /** Keys applied more than once (a bug of the twin's; every other key was applied once). */
  readonly appliedTwice: readonly (readonly [string, number])[];
  readonly appliedByKind: readonly (readonly [SideEffectKind, number])[];
  readonly migrations: readonly {
    readonly id: string;
    readonly instance: string;
    readonly mode: 'live' | 'cold';
    readonly source: string;
    readonly requested?: string;
    readonly state: MigrationState;
    readonly destination?: string;
    readonly error?: string;
    readonly startedAt?: number;
    readonly duration: number;
  }[];
  readonly notices: readonly NoticeRecord[];
  readonly migrationCount: number;
  readonly backupCount: number;
}

type SavedOutcome = SimState['outcomes'][number];
type SavedMigration = SimState['migrations'][number];

/**
 * A saved state whose long lists are read when first needed: a restarted twin needs its history
 * (settled outcomes, ended migrations, notices) only when a call reuses an old key or asks about
 * an old migration, which most restarts never do (persist.ts). The outcome keys are read at once,
 * so that a call with a new key knows it is new.
 */
export interface LazySimState extends Omit<SimState, 'outcomes' | 'migrations' | 'notices'> {
  /**
   * The outcomes' keys: how many, read when first needed, and (when the file keeps them) their
   * hashes, which tell a new key without reading them (`KeyHashes`).
   */
  readonly outcomeKeys: {
    readonly count: number;
    readonly read: () => readonly string[];
    readonly hashes?: KeyHashes;
  };
  /** The outcomes, in the order of `outcomeKeys` (their `key` is that of the same position). */
  readonly outcomes: {
    readonly all: () => readonly Omit<SavedOutcome, 'key'>[];
    /** One of them, reading no more than it needs to. */
    readonly at: (index: number) => Omit<SavedOutcome, 'key'>;
    /**
     * The one kept under a key, found without reading every key (undefined: no such key), when
     * the saved state can: the scale-up guard's key, reused at every start, is found this way.
     */
    readonly of?: (key: string) => Omit<SavedOutcome, 'key'> | undefined;
  };
  readonly migrations: { readonly count: number; readonly read: () => readonly SavedMigration[] };
  readonly notices: { readonly count: number; readonly read: () => readonly NoticeRecord[] };
}

/** What a restored twin has not read yet (see `LazySimState`). */
interface Unread {
  outcomes?: {
    /** Each unread key's position in `outcomeKeys`, once they are read (see `unreadKeys`). */
    keys: ReadonlyMap<string, number> | undefined;
    readonly count: number;
    readonly state: LazySimState;
    /** Unread outcomes asked for one by one (a call reusing an old key), kept as asked. */
    readonly fetched: Map<string, Outcome>;
  };
  migrations?: LazySimState['migrations'];
  notices?: LazySimState['notices'];
  /** Keys applied, not yet in `appliedByKey`: every unread outcome key once, some more. */
  applied?: { readonly keys: () => readonly string[]; readonly twice: SimState['appliedTwice'] };
}

/** Reused keys of a restored twin looked up alone before its keys are read all at once. */
const KEYS_LOOKED_UP_ALONE = 8;

/** Each unread key's position, the keys read the first time it is asked. */
function unreadKeys(unread: NonNullable<Unread['outcomes']>): ReadonlyMap<string, number> {
  if (unread.keys === undefined) {
    const keys = new Map<string, number>();
    unread.state.outcomeKeys.read().forEach((key, i) => keys.set(key, i));
    unread.keys = keys;
  }
  return unread.keys;
}

const asError = (error: unknown): Error =>
  error instanceof Error ? error : new Error(String(error));

// ---------------------------------------------------------------- the driver

export class SimDriver implements Driver {
  readonly name = 'sim';
  readonly clock: VirtualClock;
  readonly world: World;
  private readonly cost: CostModel;
  private readonly durations: SimDurations;
  private readonly faults: Faults;
  private readonly vnfmBehaviours: Readonly<Record<string, VnfmBehaviour>>;
  private readonly timeoutSeconds: number;
  private readonly bootTimeoutSeconds: number;
  private outcomes = new Map<string, Outcome>();
  private appliedByKey = new Map<string, number>();
  /** Outcomes whose operation has not ended (see `busyWith`). */
  private unsettled = 0;
  private readonly appliedByKind = new Map<SideEffectKind, number>();
  private migrations = new Map<string, Migration>();
  /** History of a restored twin not read yet (see `LazySimState`). */
  private readonly unread: Unread = {};
  /** The saved world the world was built from, until its state is restored (see the constructor). */
  private builtFrom: WorldState | undefined;
  /** The migrations queued or running (a host going down fails them without scanning all). */
  private readonly inFlight = new Set<Migration>();
  private notices: NoticeRecord[] = [];
  private migrationCount = 0;
  private backupCount = 0;
  private journal: SimJournal | undefined;

  /**
   * @param saved the world of a state to be restored next (`restoreLazily`), built at once
   *   instead of built from the inventory and then overwritten.
   */
  constructor(inventory: Inventory, options: SimOptions = {}, saved?: WorldState) {
    this.clock = options.clock ?? new VirtualClock();
    this.cost = options.cost ?? DEFAULT_COST_MODEL;
    this.durations = { ...DEFAULT_DURATIONS, ...options.durations };
    this.faults = new Faults(options.scenario);
    this.vnfmBehaviours = options.vnfm ?? {};
    this.timeoutSeconds = options.timeoutSeconds ?? 30;
    this.bootTimeoutSeconds = options.bootTimeoutSeconds ?? 1800;
    const scaleUp = options.scaleUp ?? DEFAULT_SCALE_UP;
    this.world = new World(
      inventory,
      { enabled: scaleUp.enabled, detail: { ...scaleUp.detail } },
      saved,
    );
    this.builtFrom = saved;
  }

  // ---------------------------------------------------------------- time

  now(): number {
    return this.clock.now();
  }

  sleep(seconds: number, signal?: AbortSignal): Promise<void> {
    if (signal === undefined) return this.clock.sleep(seconds, EXTERNAL);
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        timer.cancel();
        resolve();
      };
      const timer = this.clock.after(
        seconds,
        () => {
          signal.removeEventListener('abort', done);
          resolve();
        },
        EXTERNAL,
      );
      signal.addEventListener('abort', done, { once: true });
    });
  }

  busy<T>(work: () => Promise<T>): Promise<T> {
    return this.clock.busy(work);
  }

  /** Nothing to save: a plain twin lives in memory (the persistent one checkpoints here). */
  settled(): void {}

  /** Resolves once no event is left and the system is quiescent (tests). */
  runUntilIdle(): Promise<void> {
    return this.clock.runUntilIdle();
  }

  // ---------------------------------------------------------------- counters

  /** Side effects applied, by kind. */
  sideEffects(): Readonly<Record<string, number>> {
    return Object.fromEntries(this.appliedByKind);
  }

  /** Side effects applied under each key (1 for every key, by construction). */
  sideEffectsByKey(): ReadonlyMap<string, number> {
    return this.appliedKeys();
  }

  /** Keys whose side effect was applied more than once: always empty unless the twin has a bug. */
  duplicates(): string[] {
    return [...this.appliedKeys()].filter(([, n]) => n > 1).map(([k]) => k);
  }

  /** Maintenance notices the VNFMs received, in order (at least the last `NOTICES_KEPT`). */
  vnfmNotices(): readonly NoticeRecord[] {
    return this.allNotices();
  }

  private keepNotice(record: NoticeRecord): void {
    const unread = this.unread.notices;
    // Trimmed as if every notice were in memory: read the old ones when the trim reaches them.
    if (unread !== undefined && unread.count + this.notices.length >= 2 * NOTICES_KEPT)
      this.allNotices();
    this.notices.push(record);
    // Bounded: a 10,000-host campaign sends hundreds of thousands of notices.
    if (this.notices.length > 2 * NOTICES_KEPT) this.notices = this.notices.slice(-NOTICES_KEPT);
  }

  // ---------------------------------------------------------------- persistence

  /** Attach (or detach) the journal told of state-changing calls (persist.ts). */
  setJournal(journal: SimJournal | undefined): void {
    this.journal = journal;
  }

  /** Entries a saved state's history holds (outcomes and migrations): what a checkpoint costs. */
  stateEntries(): number {
    return (
      this.outcomes.size +
      (this.unread.outcomes?.count ?? 0) +
      this.migrations.size +
      (this.unread.migrations?.count ?? 0)
    );
  }

  /** Why the twin is not at rest (so that `state()` cannot save it), or undefined when it is. */
  busyWith(): string | undefined {
    if (this.clock.hasOwnEvents()) return 'operations are still running on the virtual clock';
    // Which one, looked for only when there is one: the outcomes are the whole history.
    if (this.unsettled > 0)
      for (const [key, o] of this.outcomes)
        if (o.settled === undefined) return `the ${o.kind} under key ${key} has not ended`;
    for (const m of this.inFlight) return `${m.id} is ${m.state}`;
    return undefined;
  }

  /** The state at rest as plain data. @throws RangeError when the twin is not at rest. */
  state(): SimState {
    return this.stateSince(0, 0);
  }

  /**
   * The state at rest, its outcomes and migrations without the first `outcomes` and `migrations`
   * of them (in the order they were made, the order `state()` lists them): what a checkpoint adds
   * to the history it wrote before. Kept outcomes and ended migrations never change, so the
   * history written once stays true. Unread history within the part skipped is not read.
   * @throws RangeError when the twin is not at rest.
   */
  stateSince(outcomes: number, migrations: number): SimState {
    const rest = this.savedSince(outcomes, migrations);
    return { world: this.world.state(), ...rest };
  }

  /**
   * `stateSince` without the world, which `writeWorld` gives as JSON text in pieces (a
   * checkpoint's way: persist.ts).
   * @throws RangeError when the twin is not at rest.
   */
  protected savedSince(outcomes: number, migrations: number): Omit<SimState, 'world'> {
    const busy = this.busyWith();
    if (busy !== undefined) throw new RangeError(`the twin is not at rest: ${busy}`);
    return {
      faults: this.faults.state(),
      outcomes: this.outcomesAfter(outcomes).map(([key, o]) => {
        const settled = o.settled as NonNullable<Outcome['settled']>;
        return settled.ok
          ? { key, kind: o.kind, request: o.request, value: settled.value }
          : { key, kind: o.kind, request: o.request, error: saveError(settled.error) };
      }),
      appliedTwice: this.appliedTwice(),
      appliedByKind: [...this.appliedByKind],
      migrations: this.migrationsAfter(migrations).map((m) => ({
        id: m.id,
        instance: m.instance.name,
        mode: m.mode,
        source: m.source,
        ...(m.requested === undefined ? {} : { requested: m.requested }),
        state: m.state,
        ...(m.destination === undefined ? {} : { destination: m.destination.name }),
        ...(m.error === undefined ? {} : { error: m.error }),
        ...(m.startedAt === undefined ? {} : { startedAt: m.startedAt }),
        duration: m.duration,
      })),
      notices: [...this.allNotices()],
      migrationCount: this.migrationCount,
      backupCount: this.backupCount,
    };
  }

  /** The world's state as JSON (`World.writeState`). */
  protected writeWorld(push: (text: string) => void): void {
    this.world.writeState(push);
  }

  /** The outcomes after the first `skip`, reading unread ones only when some are wanted. */
  private outcomesAfter(skip: number): [string, Outcome][] {
    const unread = this.unread.outcomes?.count ?? 0;
    return after(skip, unread, this.outcomes, () => this.allOutcomes());
  }

  /** The migrations after the first `skip`, reading unread ones only when some are wanted. */
  private migrationsAfter(skip: number): Migration[] {
    const unread = this.unread.migrations?.count ?? 0;
    return after(skip, unread, this.migrations, () => this.allMigrations()).map(([, m]) => m);
  }

  /** Keys applied other than once, in the order `appliedKeys()` holds them, without building it. */
  private appliedTwice(): (readonly [string, number])[] {
    const unread = this.unread.applied;
    // A checkpoint's look through every key (~600,000 at 10,000 hosts): no entry arrays.
    const live: (readonly [string, number])[] = [];
    this.appliedByKey.forEach((n, key) => {
      if (n !== 1) live.push([key, n]);
    });
    // Unread keys are in the map's order first; those of them applied other than once are
    // `twice`, kept in that order when it was saved. A live key is never an unread one.
    return unread === undefined ? live : [...unread.twice, ...live];
  }

  /** Puts a saved state on a twin just built from the same inventory and options. */
  restoreState(state: SimState): void {
    const { outcomes, migrations, notices, ...rest } = state;
    this.restoreLazily({
      ...rest,
      outcomeKeys: { count: outcomes.length, read: () => outcomes.map((o) => o.key) },
      outcomes: { all: () => outcomes, at: (i) => outcomes[i] as SavedOutcome },
      migrations: { count: migrations.length, read: () => migrations },
      notices: { count: notices.length, read: () => notices },
    });
  }

  /**
   * Puts a saved state back, its history read only when first needed (see `LazySimState`).
   * @throws RangeError when this twin has done something already.
   */
  restoreLazily(state: LazySimState): void {
    if (this.outcomes.size > 0 || this.migrations.size > 0 || this.unread.outcomes !== undefined)
      throw new RangeError('restoreState needs a twin that has done nothing yet');
    if (state.world !== this.builtFrom) this.world.restore(state.world);
    this.builtFrom = undefined;
    this.faults.restore(state.faults);
    const keys = state.outcomeKeys;
    this.unread.outcomes = { keys: undefined, count: keys.count, state, fetched: new Map() };
    this.unread.applied = { keys: keys.read, twice: state.appliedTwice };
    for (const [kind, n] of state.appliedByKind) this.appliedByKind.set(kind, n);
    this.unread.migrations = state.migrations;
    this.unread.notices = state.notices;
    this.migrationCount = state.migrationCount;
    this.backupCount = state.backupCount;
  }

  /** Every outcome, the unread ones first read (in the order they were kept). */
  private allOutcomes(): Map<string, Outcome> {
    const unread = this.unread.outcomes;
    if (unread === undefined) return this.outcomes;
    this.unread.outcomes = undefined;
    const keys = unread.state.outcomeKeys.read();
    const all = new Map<string, Outcome>();
    unread.state.outcomes.all().forEach((o, i) => {
      const key = keys[i] as string;
      all.set(key, unread.fetched.get(key) ?? keptOutcome(o));
    });
    for (const [key, o] of this.outcomes) all.set(key, o);
    this.outcomes = all;
    return all;
  }

  /** The outcome kept under a key, reading the unread ones when the key is among them. */
  private outcomeOf(key: string): Outcome | undefined {
    const kept = this.outcomes.get(key);
    const unread = this.unread.outcomes;
    if (kept !== undefined || unread === undefined) return kept;
    let fetched = unread.fetched.get(key);
    if (fetched !== undefined) return fetched;
    const { hashes } = unread.state.outcomeKeys;
    const of = unread.state.outcomes.of;
    let saved: Omit<SavedOutcome, 'key'> | undefined;
    if (unread.keys === undefined && hashes !== undefined) {
      // Most calls after a restart bring new keys: their hashes say so without reading the keys.
      if (!hashes.mayHave(key)) return undefined;
      // A few reused keys (the scale-up guard's, at every start) are looked up one by one; a
      // hash matched but no key found (a false match, or a damaged file) reads them all.
      if (of !== undefined && unread.fetched.size < KEYS_LOOKED_UP_ALONE) saved = of(key);
    }
    if (saved === undefined) {
      const index = unreadKeys(unread).get(key);
      if (index === undefined) return undefined;
      saved = unread.state.outcomes.at(index);
    }
    fetched = keptOutcome(saved);
    unread.fetched.set(key, fetched);
    return fetched;
  }

  /** Side effects applied by key, the restored ones included. */
  private appliedKeys(): Map<string, number> {
    const unread = this.unread.applied;
    if (unread === undefined) return this.appliedByKey;
    this.unread.applied = undefined;
    const all = new Map<string, number>();
    for (const key of unread.keys()) all.set(key, 1);
    for (const [key, n] of unread.twice) all.set(key, n);
    for (const [key, n] of this.appliedByKey) all.set(key, (all.get(key) ?? 0) + n);
    this.appliedByKey = all;
    return all;
  }

  /** Every migration, the unread (ended) ones first read. */
  private allMigrations(): Map<string, Migration> {
    const unread = this.unread.migrations;
    if (unread === undefined) return this.migrations;
    this.unread.migrations = undefined;
    const all = new Map<string, Migration>();
    for (const m of unread.read())
      all.set(m.id, {
        id: m.id,
        instance: this.instanceOf(m.instance),
        mode: m.mode,
        source: m.source,
        requested: m.requested,
        state: m.state,
        destination: m.destination === undefined ? undefined : this.hostOf(m.destination),
        error: m.error,
        startedAt: m.startedAt,
        duration: m.duration,
        timers: [],
      });
    for (const [id, m] of this.migrations) all.set(id, m);
    this.migrations = all;
    return all;
  }

  /** Every notice kept, the unread ones first read. */
  private allNotices(): NoticeRecord[] {
    const unread = this.unread.notices;
    if (unread === undefined) return this.notices;
    this.unread.notices = undefined;
    this.notices = [...unread.read(), ...this.notices];
    return this.notices;
  }

  // ---------------------------------------------------------------- plumbing

  /** A call, journaled when it changes the twin's state (see `SimJournal`). */
  private call<T>(
    op: DriverOperation,
    subject: string,
    args: readonly unknown[],
    work: () => Promise<T>,
  ): Promise<T> {
    const journal = this.journal;
    if (journal === undefined) return this.respond(op, subject, work);
    if (CHANGES_WORLD[op]) {
      try {
        journal(op, args);
      } catch (error) {
        return Promise.reject(asError(error));
      }
      return this.respond(op, subject, work);
    }
    // A read changes the state only through a fault strike or draw, all taken synchronously.
    const mark = this.faults.mark;
    const result = this.respond(op, subject, work);
    if (this.faults.mark !== mark)
      try {
        journal(op, args);
      } catch (error) {
        result.catch(() => undefined);
        return Promise.reject(asError(error));
      }
    return result;
  }

  /**
   * A call as the driver answers it: a scenario's `driver-errors` strike first (a transient
   * error before acting; a timeout after starting the work, answered `timeoutSeconds` later,
   * so the work may well have happened — asking again with the same key returns its outcome).
   */
  private async respond<T>(
    op: DriverOperation,
    subject: string,
    work: () => Promise<T>,
  ): Promise<T> {
    const error = this.faults.driverError(op, this.clock.now());
    if (error === 'transient')
      throw new DriverError('transient', subject, `${op}: the infrastructure is busy, try again`);
    if (error === 'timeout') {
      work().catch(() => undefined);
      await this.clock.sleep(this.timeoutSeconds);
      throw new DriverError('timeout', subject, `${op}: no answer in ${this.timeoutSeconds}s`);
    }
    return work();
  }

  /**
   * At most once per idempotency key: the first call acts and its outcome (value or error) is
   * kept; a later call with the same key gets that outcome, even while the first still runs. A
   * key reused for a different request is refused.
   */
  private once<T>(
    ctx: OperationContext,
    kind: SideEffectKind,
    request: string,
    act: () => Promise<T>,
  ): Promise<T> {
    const key = ctx.idempotencyKey;
    const prior = this.outcomeOf(key);
    if (prior !== undefined) {
      if (prior.kind !== kind || prior.request !== request)
        return Promise.reject(
          new DriverError(
            'rejected',
            request,
            `idempotency key ${key} was used for ${prior.kind} ${prior.request}, not ${kind} ${request}`,
          ),
        );
      return prior.result as Promise<T>;
    }
    this.appliedByKey.set(key, (this.appliedByKey.get(key) ?? 0) + 1); // a new key: not unread
    this.appliedByKind.set(kind, (this.appliedByKind.get(kind) ?? 0) + 1);
    const result = act();
    const outcome: Outcome = { kind, request, result, settled: undefined };
    this.unsettled++;
    result.then(
      (value) => {
        outcome.settled = { ok: true, value };
        this.unsettled--;
      },
      (error: unknown) => {
        outcome.settled = { ok: false, error };
        this.unsettled--;
      },
    );
    this.outcomes.set(key, outcome);
    return result;
  }

  private hostOf(name: string): SimHost {
    const host = this.world.host(name);
    if (host === undefined) throw new DriverError('rejected', name, `no host ${name}`);
    return host;
  }

  private instanceOf(name: string): SimInstance {
    const instance = this.world.instance(name);
    if (instance === undefined) throw new DriverError('rejected', name, `no instance ${name}`);
    return instance;
  }

  // ---------------------------------------------------------------- discovery

  discover(scope?: DiscoveryScope): Promise<Inventory> {
    return this.call('discover', 'sim', scope === undefined ? [] : [scope], () =>
      Promise.resolve(this.world.toInventory(scope && new Set(scope.hosts))),
    );
  }

  getScheduling(host: string): Promise<SchedulingState> {
    return this.call('getScheduling', host, [host], () =>
      Promise.resolve({ ...this.hostOf(host).scheduling }),
    );
  }

  // ---------------------------------------------------------------- scheduling

  setScheduling(
    host: string,
    state: SchedulingState,
    ctx: OperationContext,
  ): Promise<SchedulingState> {
    return this.call('setScheduling', host, [host, state, ctx], async () => {
      const h = this.hostOf(host);
      if (state.enabled && !h.scheduling.enabled) {
        const ours = schedulingReason(ctx.campaign);
        if (h.scheduling.reason !== ours)
          throw new DriverError(
            'rejected',
            host,
            `${host} was disabled for another reason (${h.scheduling.reason ?? 'none given'}), not by campaign ${ctx.campaign}: an operator must enable it`,
          );
      }
      const request = `${host} ${state.enabled ? 'enable' : 'disable'}`;
      return this.once(ctx, 'setScheduling', request, async () => {
        const hang = this.faults.hangSeconds(
          [state.enabled ? 'enable-scheduling' : 'disable-scheduling'],
          host,
        );
        await this.clock.sleep(this.cost.apiStepSeconds + hang);
        if (state.enabled) h.scheduling = { enabled: true };
        // Disabled already (by anyone): keep the first reason, so it is never lost.
        else if (h.scheduling.enabled)
          h.scheduling = { enabled: false, reason: state.reason ?? schedulingReason(ctx.campaign) };
        return { ...h.scheduling };
      });
    });
  }

  // ---------------------------------------------------------------- migrations

  migrate(request: MigrationRequest, ctx: OperationContext): Promise<MigrationStatus> {
    return this.call('migrate', request.instance, [request, ctx], async () => {
      const key = `${request.instance} ${request.mode} ${request.destination ?? '*'}`;
      const prior = this.outcomeOf(ctx.idempotencyKey);
      if (prior === undefined) this.checkMigratable(request);
      const id = await this.once(ctx, 'migrate', key, () =>
        Promise.resolve(this.startMigration(request)),
      );
      return this.statusOf(this.migrationOf(id));
    });
  }

  private checkMigratable(request: MigrationRequest): void {
    const instance = this.instanceOf(request.instance);
    if (request.destination !== undefined) this.hostOf(request.destination);
    if (instance.migration === 'none')
      throw new DriverError('rejected', instance.name, `${instance.name} cannot be migrated`);
    if (request.mode === 'live' && instance.migration !== 'live')
      throw new DriverError('rejected', instance.name, `${instance.name} cannot be live-migrated`);
    if (request.mode === 'live' && instance.power !== 'running')
      throw new DriverError('rejected', instance.name, `${instance.name} is stopped`);
    if (this.world.host(instance.host)?.state !== 'up' && request.mode === 'live')
      throw new DriverError('rejected', instance.name, `${instance.host} is down`);
    if (instance.migrationId !== undefined)
      throw new DriverError(
        'transient',
        instance.name,
        `${instance.name} is being migrated (${instance.migrationId}): try again when it is done`,
      );
  }

  private startMigration(request: MigrationRequest): string {
    const instance = this.instanceOf(request.instance);
    const id = `migration-${++this.migrationCount}`;
    const m: Migration = {
      id,
      instance,
      mode: request.mode,
      source: instance.host,
      requested: request.destination,
      state: 'queued',
      destination: undefined,
      error: undefined,
      startedAt: undefined,
      duration: 0,
      timers: [],
    };
    this.migrations.set(id, m);
    this.inFlight.add(m);
    instance.migrationId = id;
    // Like Nova's 202: the scheduler decides later (at the same virtual time).
    m.timers.push(this.clock.after(0, () => this.schedule(m)));
    return id;
  }

  private schedule(m: Migration): void {
    if (m.state !== 'queued') return;
    const instance = m.instance;
    let destination: SimHost | undefined;
    if (m.requested !== undefined) {
      const host = this.world.host(m.requested) as SimHost;
      const refusal = this.world.refusal(instance, host);
      if (refusal !== undefined) return this.finish(m, 'failed', `no valid host: ${refusal}`);
      destination = host;
    } else {
      destination = this.world.pickDestination(instance);
      if (destination === undefined)
        return this.finish(
          m,
          'failed',
          `no valid host: no compute host of ${this.world.host(m.source)?.group ?? m.source} can take ${instance.name}`,
        );
    }
    m.destination = destination;
    instance.target = destination.name;
    this.world.claim(destination, instance.flavor);
    const source = this.world.host(m.source) as SimHost;
    if (source.migrationsRunning < this.cost.concurrentMigrationsPerHost) this.run(m, source);
    else source.migrationQueue.push(() => this.run(m, source));
  }

  private run(m: Migration, source: SimHost): void {
    if (m.state !== 'queued') return this.nextOnSource(source);
    source.migrationsRunning++;
    const now = this.clock.now();
    const instance = m.instance;
    const memory = instance.flavor.memoryMiB;
    const hang = this.faults.hangSeconds(['evacuate', 'restore-instances'], m.source);
    m.state = 'running';
    m.startedAt = now;
    m.duration =
      (m.mode === 'live'
        ? liveMigrationSeconds(memory, this.cost)
        : coldMigrationSeconds(memory, this.cost)) + hang;
    if (this.faults.migrationFails(instance.name, m.source)) {
      m.timers.push(
        this.clock.after(m.duration / 2, () =>
          this.finish(m, 'failed', `migration of ${instance.name} failed on ${m.source}`),
        ),
      );
      return;
    }
    if (m.mode === 'cold') {
      instance.moving = true;
      this.world.refresh(instance, now);
    } else {
      const blackout = liveMigrationBlackoutMs(memory, this.cost) / 1000;
      m.timers.push(
        this.clock.after(m.duration - blackout, () => {
          instance.blackout = true;
          this.world.refresh(instance, this.clock.now());
        }),
      );
    }
    m.timers.push(this.clock.after(m.duration, () => this.finish(m, 'completed')));
  }

  /** Ends a migration: lands the instance or gives its claim back, frees the source's slot. */
  private finish(m: Migration, state: MigrationState, error?: string): void {
    const now = this.clock.now();
    const instance = m.instance;
    const wasRunning = m.state === 'running';
    for (const t of m.timers) t.cancel();
    m.timers = [];
    m.state = state;
    this.inFlight.delete(m);
    if (error !== undefined) m.error = error;
    instance.migrationId = undefined;
    instance.blackout = false;
    instance.moving = false;
    if (state === 'completed' && m.destination !== undefined)
      this.world.land(instance, m.destination, now);
    else {
      if (m.destination !== undefined) this.world.release(m.destination, instance.flavor);
      instance.target = undefined;
      this.world.refresh(instance, now);
    }
    const source = this.world.host(m.source);
    if (wasRunning && source !== undefined) {
      source.migrationsRunning--;
      this.nextOnSource(source);
    }
  }

  private nextOnSource(source: SimHost): void {
    while (
      source.migrationsRunning < this.cost.concurrentMigrationsPerHost &&
      source.migrationQueue.length > 0
    )
      source.migrationQueue.shift()?.();
  }

  private migrationOf(id: string): Migration {
    const m = this.migrations.get(id) ?? this.allMigrations().get(id);
    if (m === undefined) throw new DriverError('rejected', id, `no migration ${id}`);
    return m;
  }

  private statusOf(m: Migration): MigrationStatus {
    const progress =
      m.state === 'completed'
        ? 1
        : m.state === 'running' && m.startedAt !== undefined && m.duration > 0
          ? Math.min(1, (this.clock.now() - m.startedAt) / m.duration)
          : m.state === 'queued'
            ? 0
            : undefined;
    return {
      id: m.id,
      instance: m.instance.name,
      state: m.state,
      source: m.source,
      ...(m.destination === undefined
        ? m.requested === undefined
          ? {}
          : { destination: m.requested }
        : { destination: m.destination.name }),
      ...(progress === undefined ? {} : { progress }),
      ...(m.error === undefined ? {} : { error: m.error }),
    };
  }

  migrationStatus(id: string): Promise<MigrationStatus> {
    return this.call('migrationStatus', id, [id], () =>
      Promise.resolve(this.statusOf(this.migrationOf(id))),
    );
  }

  abortMigration(id: string, ctx: OperationContext): Promise<MigrationStatus> {
    return this.call('abortMigration', id, [id, ctx], async () => {
      const m = this.migrationOf(id);
      if (m.state === 'running' && m.mode === 'cold')
        throw new DriverError('rejected', id, `${id} is a cold migration: it cannot be aborted`);
      await this.once(ctx, 'abortMigration', id, () => {
        if (m.state === 'queued' || m.state === 'running')
          this.finish(m, 'cancelled', 'aborted on request');
        return Promise.resolve();
      });
      return this.statusOf(m);
    });
  }

  /**
   * Finishes a running live migration now: the guest pauses (blacks out) while its whole memory
   * is copied once more at full bandwidth, then lands on its destination.
   */
  forceCompleteMigration(id: string, ctx: OperationContext): Promise<MigrationStatus> {
    return this.call('forceCompleteMigration', id, [id, ctx], async () => {
      const m = this.migrationOf(id);
      if (m.mode !== 'live')
        throw new DriverError('rejected', id, `${id} is a cold migration: it cannot be forced`);
      await this.once(ctx, 'forceCompleteMigration', id, () => {
        if (m.state !== 'running') return Promise.resolve();
        for (const t of m.timers) t.cancel();
        const pause = m.instance.flavor.memoryMiB / this.cost.migrationMiBps;
        m.instance.blackout = true;
        this.world.refresh(m.instance, this.clock.now());
        m.timers = [this.clock.after(pause, () => this.finish(m, 'completed'))];
        return Promise.resolve();
      });
      return this.statusOf(m);
    });
  }

  // ---------------------------------------------------------------- instances

  stopInstance(instance: string, ctx: OperationContext): Promise<void> {
    return this.call('stopInstance', instance, [instance, ctx], async () => {
      const i = this.instanceOf(instance);
      return this.once(ctx, 'stopInstance', instance, async () => {
        i.power = 'stopped';
        this.world.refresh(i, this.clock.now());
        await this.clock.sleep(
          this.cost.apiStepSeconds + this.faults.hangSeconds(['evacuate'], i.host),
        );
      });
    });
  }

  startInstance(instance: string, ctx: OperationContext): Promise<void> {
    return this.call('startInstance', instance, [instance, ctx], async () => {
      const i = this.instanceOf(instance);
      return this.once(ctx, 'startInstance', instance, async () => {
        await this.clock.sleep(
          this.cost.apiStepSeconds + this.faults.hangSeconds(['restore-instances'], i.host),
        );
        i.power = 'running';
        this.world.refresh(i, this.clock.now());
      });
    });
  }

  // ---------------------------------------------------------------- host actions

  hostAction(host: string, action: HostAction, ctx: OperationContext): Promise<HostActionResult> {
    return this.call('hostAction', host, [host, action, ctx], async () => {
      const h = this.hostOf(host);
      const prior = this.outcomeOf(ctx.idempotencyKey);
      if (prior === undefined && h.state === 'down')
        throw new DriverError('rejected', host, `${host} is down`);
      if (prior === undefined && action.kind === 'restart' && !h.components.has(action.component))
        throw new DriverError('rejected', host, `${action.component} is not installed on ${host}`);
      const request = `${host} ${JSON.stringify(action)}`;
      return this.once(ctx, action.kind, request, () => this.act(h, action));
    });
  }

  private durationOf(kind: 'install' | 'restart', component: string): number {
    return this.durations.components[component]?.[kind] ?? this.durations[kind];
  }

  private async act(h: SimHost, action: HostAction): Promise<HostActionResult> {
    switch (action.kind) {
      case 'install': {
        const hang = this.faults.hangSeconds(['install'], h.name);
        await this.clock.sleep(this.durationOf('install', action.component) + hang);
        if (this.faults.installFails(h.name, action.component)) {
          h.alarms = [
            ...h.alarms,
            {
              code: 'package-install-failed',
              severity: 'major',
              message: `installing ${action.component} ${action.version} failed`,
            },
          ];
          throw new DriverError(
            'failed',
            h.name,
            `installing ${action.component} ${action.version} on ${h.name} failed`,
          );
        }
        const from = h.components.get(action.component);
        h.components.set(action.component, action.version);
        h.config++;
        // A package manager that installed the component clears its earlier failure's alarm.
        const failed = `installing ${action.component} `;
        if (h.alarms.some((a) => a.code === 'package-install-failed'))
          h.alarms = h.alarms.filter(
            (a) => a.code !== 'package-install-failed' || !a.message.startsWith(failed),
          );
        return {
          ok: true,
          output: `${action.component}: ${from ?? 'not installed'} → ${action.version}`,
        };
      }
      case 'restart': {
        const hang = this.faults.hangSeconds(['activate'], h.name);
        h.servicesDown.add(action.component);
        await this.clock.sleep(this.durationOf('restart', action.component) + hang);
        h.servicesDown.delete(action.component);
        return { ok: true, output: `${action.component} restarted` };
      }
      case 'reboot':
        return this.reboot(h);
      case 'command': {
        const hang = this.faults.hangSeconds(['verify'], h.name);
        await this.clock.sleep(this.durations.command + hang);
        h.config++;
        return { ok: true, output: `ran: ${action.command}` };
      }
    }
  }

  private async reboot(h: SimHost): Promise<HostActionResult> {
    const hang = this.faults.hangSeconds(['activate'], h.name);
    h.state = 'down';
    this.world.refreshHost(h, this.clock.now());
    // Migrations from or to a host that goes down fail.
    for (const m of [...this.inFlight])
      if (m.source === h.name || m.destination === h)
        this.finish(m, 'failed', `${h.name} went down during the migration`);
    if (this.faults.neverReturns(h.name)) {
      h.alarms = [
        ...h.alarms,
        { code: 'host-unreachable', severity: 'critical', message: `${h.name} did not come back` },
      ];
      await this.clock.sleep(this.durations.reboot + hang + this.bootTimeoutSeconds);
      throw new DriverError(
        'failed',
        h.name,
        `${h.name} did not come back within ${this.durations.reboot + this.bootTimeoutSeconds}s of its reboot`,
      );
    }
    await this.clock.sleep(this.durations.reboot + hang);
    h.state = 'up';
    h.servicesDown.clear();
    this.world.refreshHost(h, this.clock.now());
    return { ok: true, output: `${h.name} rebooted` };
  }

  health(host: string): Promise<HostHealth> {
    return this.call('health', host, [host], async () => {
      const h = this.hostOf(host);
      const hang = this.faults.hangSeconds(['verify'], host);
      if (hang > 0) await this.clock.sleep(hang);
      return {
        host,
        state: h.state,
        servicesUp: h.state === 'up' && h.servicesDown.size === 0,
        alarms: h.alarms.map((a) => ({ ...a })),
        components: Object.fromEntries(h.components),
      };
    });
  }

  // ---------------------------------------------------------------- scale-up

  getScaleUp(): Promise<ScaleUpSetting> {
    return this.call('getScaleUp', 'scale-up', [], () =>
      Promise.resolve(copySetting(this.world.scaleUp)),
    );
  }

  setScaleUp(setting: ScaleUpSetting, ctx: OperationContext): Promise<ScaleUpSetting> {
    return this.call('setScaleUp', 'scale-up', [setting, ctx], () =>
      this.once(ctx, 'setScaleUp', JSON.stringify(setting), async () => {
        const value = copySetting(setting);
        await this.clock.sleep(this.cost.apiStepSeconds);
        this.world.scaleUp = value;
        return copySetting(value);
      }),
    );
  }

  // ---------------------------------------------------------------- backup and restore

  backup(host: string, items: readonly BackupItem[], ctx: OperationContext): Promise<BackupRef> {
    return this.call('backup', host, [host, items, ctx], async () => {
      const h = this.hostOf(host);
      return this.once(ctx, 'backup', `${host} ${items.join(',')}`, async () => {
        const snapshot = { host, components: new Map(h.components), config: h.config };
        const hang = this.faults.hangSeconds(['backup'], host);
        await this.clock.sleep(this.cost.backupSeconds + hang);
        const ref = `backup-${++this.backupCount}-${host}`;
        this.world.backups.set(ref, snapshot);
        return { host, ref, items: [...items] };
      });
    });
  }

  restore(backup: BackupRef, ctx: OperationContext): Promise<void> {
    return this.call('restore', backup.host, [backup, ctx], async () => {
      const h = this.hostOf(backup.host);
      const snapshot = this.world.backups.get(backup.ref);
      if (snapshot === undefined || snapshot.host !== backup.host)
        throw new DriverError('rejected', backup.host, `no backup ${backup.ref} of ${backup.host}`);
      return this.once(ctx, 'restore', `${backup.host} ${backup.ref}`, async () => {
        await this.clock.sleep(this.cost.backupSeconds);
        if (backup.items.includes('versions')) {
          h.components.clear();
          for (const [name, version] of snapshot.components) h.components.set(name, version);
        }
        if (backup.items.includes('config') || backup.items.includes('databases'))
          h.config = snapshot.config;
      });
    });
  }

  /** The configuration revision of a host: installs and commands bump it, restores bring it back. */
  configOf(host: string): number {
    return this.hostOf(host).config;
  }

  // ---------------------------------------------------------------- VNF managers

  notifyVnfm(notice: MaintenanceNotice, ctx: OperationContext): Promise<VnfmAnswer> {
    return this.call('notifyVnfm', notice.vnf, [notice, ctx], async () => {
      const vnf = this.world.vnfs.get(notice.vnf);
      if (vnf === undefined) throw new DriverError('rejected', notice.vnf, `no VNF ${notice.vnf}`);
      const request = `${notice.vnf} ${notice.host} ${notice.instances.join(',')}`;
      return this.once(ctx, 'notifyVnfm', request, async () => {
        const behaviour = this.faults.vnfm(notice.vnf) ??
          this.vnfmBehaviours[notice.vnf] ?? { answer: 'ack' };
        const hang = this.faults.hangSeconds(['notify-vnfm', 'notify-complete'], notice.host);
        if (notice.phase === 'complete') {
          // A completion notice is delivered, not negotiated: nobody waits for its answer.
          await this.clock.sleep(this.cost.apiStepSeconds + hang);
          const answer: VnfmAnswer =
            behaviour.answer === 'silent' ? { kind: 'silent' } : { kind: 'ack' };
          this.keepNotice({ at: this.clock.now(), notice, answer });
          return answer;
        }
        const delay = (behaviour.delaySeconds ?? this.cost.apiStepSeconds) + hang;
        const answer = await this.answer(behaviour, delay, notice, vnf);
        this.keepNotice({ at: this.clock.now(), notice, answer });
        return answer;
      });
    });
  }

  private async answer(
    behaviour: VnfmBehaviour,
    delay: number,
    notice: MaintenanceNotice,
    vnf: SimVnf,
  ): Promise<VnfmAnswer> {
    if (behaviour.answer === 'silent' || delay > notice.deadline) {
      await this.clock.sleep(notice.deadline);
      return { kind: 'silent' };
    }
    await this.clock.sleep(delay);
    switch (behaviour.answer) {
      case 'ack':
        return { kind: 'ack' };
      case 'nack':
        return { kind: 'nack', reason: behaviour.reason ?? 'refused by the VNF manager' };
      case 'switch-over':
        this.world.addGap(vnf, this.clock.now(), this.cost.switchOverGapMs);
        return { kind: 'switched-over' };
    }
  }

  // ---------------------------------------------------------------- probes

  probe(since: number): Promise<readonly ServiceSample[]> {
    return this.call('probe', 'probe', [since], () => {
      const samples: ServiceSample[] = [];
      for (const [vnf, interruptions] of this.world.interruptions(since, this.clock.now()))
        samples.push({ vnf, interruptions });
      return Promise.resolve(samples);
    });
  }
}

/**
 * The entries of a history after its first `skip`, where the first `unread` of them are not in
 * `read` yet: those are read (`all`) only when some of them are wanted.
 */
function after<V>(
  skip: number,
  unread: number,
  read: ReadonlyMap<string, V>,
  all: () => ReadonlyMap<string, V>,
): [string, V][] {
  // Walked, not copied: late in a 10,000-host run a checkpoint skips ~900,000 outcomes.
  let left = skip >= unread ? skip - unread : skip;
  const out: [string, V][] = [];
  (skip >= unread ? read : all()).forEach((value, key) => {
    if (left > 0) left--;
    else out.push([key, value]);
  });
  return out;
}

/** A saved outcome as the twin holds it: settled, its result ready for a caller. */
function keptOutcome(o: Omit<SavedOutcome, 'key'>): Outcome {
  const result =
    o.error === undefined ? Promise.resolve(o.value) : Promise.reject(loadError(o.error));
  result.catch(() => undefined);
  return {
    kind: o.kind,
    request: o.request,
    result,
    settled:
      o.error === undefined
        ? { ok: true, value: o.value }
        : { ok: false, error: loadError(o.error) },
  };
}

function saveError(error: unknown): SavedError {
  if (error instanceof DriverError)
    return { name: error.name, message: error.message, kind: error.kind, subject: error.subject };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

function loadError(saved: SavedError): Error {
  if (saved.kind !== undefined)
    return new DriverError(saved.kind, saved.subject ?? 'sim', saved.message);
  const error = new Error(saved.message);
  error.name = saved.name;
  return error;
}

function copySetting(s: ScaleUpSetting): ScaleUpSetting {
  return { enabled: s.enabled, detail: { ...s.detail } };
}
