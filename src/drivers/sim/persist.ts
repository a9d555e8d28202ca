/**
 * A `sim` twin that outlives its process, as a real cloud outlives its orchestrator: `escalator
 * apply --target sim` may be killed at any moment and restarted, and `escalator rollback` runs
 * later in another process, against the same world.
 *
 *   const sim = await openPersistentSim('.escalator/sim.jsonl', { inventory, options });
 *   …                     // use it as any SimDriver
 *   sim.checkpoint();     // when it is at rest: compacts the file
 *   sim.close();
 *
 * The file is JSON lines. Line 1, the header: format and version, the options (scenario
 * included), and after a checkpoint the clock, how many part lines follow and the byte size of
 * each line after the header (a restart reads only what it needs: state-file.ts). Line 2, the initial
 * inventory, alone on its line: a command that passes the same inventory again is recognised by
 * its text, without reading it back. Then the saved state, in parts of at most `PART_ITEMS`
 * entries each (a 10,000-host twin holds hundreds of thousands of outcomes: one line of it would
 * pass V8's longest string); its history (outcomes, migrations, notices) is read only when first
 * needed (`LazySimState`), the outcome keys at once. Then one
 * line per call that changes the twin's state, in the order the calls acted, written at the
 * latest when the caller next does its own I/O (`busy`: the engine's journal writes), so that a
 * SIGKILL never loses a side effect the caller may have recorded:
 *
 *   {"t":302.5,"k":1,"op":"hostAction","a":["c1",{"kind":"reboot"},{"idempotencyKey":…}]}
 *
 * and one line each time the virtual clock moves (`{"t":330,"k":1}`), so the time a restarted
 * process sees never goes back. Calls with side effects are always logged; reads only when they
 * consumed a fault strike or a random draw (see SimDriver's `SimJournal`); a caller's `sleep`
 * is not (its waiter died with its process).
 *
 * Opening replays the lines on a new twin: the clock, held, is stepped by hand to each line's
 * position — virtual time `t` and `k`, the batches of the twin's own events fired at that time
 * (clock.ts) — and the call is made again there, with the microtasks drained after each call
 * and each batch as the live clock does. Same calls at the same positions on a deterministic
 * simulation give the same world, outcomes by key, counters, fault strikes and migrations;
 * operations that were in flight at the kill are in flight again, and a retry with the same key
 * joins them. A torn last line (killed mid-write) is dropped; anything else wrong is an
 * `EscalatorError` (ESC_SIM_STATE) naming the file and the line. Files of version 1 (the inventory
 * inside the header, outcomes with their keys) and 2 (no hashes of the outcome keys) are read as
 * well; a checkpoint rewrites them.
 *
 * Persistence is opt-in: a plain `SimDriver` has no journal and pays nothing for it. The engine
 * tells the driver when nothing is in flight (`settled`, between waves); the twin then checkpoints
 * once its log has grown by `CHECKPOINT_LINES` lines, so a restart replays little.
 */
import { closeSync, fstatSync, ftruncateSync, openSync, statSync } from 'node:fs';
import { EscalatorError, type Inventory } from '../../model/index.js';
import type {
  BackupItem,
  BackupRef,
  DiscoveryScope,
  HostAction,
  MaintenanceNotice,
  MigrationRequest,
  OperationContext,
  ScaleUpSetting,
  SchedulingState,
} from '../driver.js';
import { VirtualClock } from './clock.js';
import { KeyHashes } from './key-hashes.js';
import { SimDriver, type SimOptions } from './driver.js';
import {
  History,
  Scratch,
  SIM_STATE_FORMAT,
  SIM_STATE_VERSION,
  describeIoError,
  isObject,
  partLines,
  readLog,
  stateError,
  writeAll,
  writeAtomically,
  type Entry,
  type Header,
  type LogLines,
  type PersistentSimOptions,
  type ReadLog,
  type Saved,
} from './state-file.js';

export { SIM_STATE_FORMAT, SIM_STATE_VERSION, type PersistentSimOptions };

/** What a new state file starts from. */
export interface SimInit {
  readonly inventory: Inventory;
  readonly options?: PersistentSimOptions;
  /**
   * A digest of the document the inventory was compiled from, kept in the header: a command
   * that has the same document later may open the twin by it (`SimReopen`) without compiling it.
   */
  readonly source?: string;
}

/**
 * How a command opens an existing twin by the digest of the inventory's document (its `source`
 * when it was made) instead of the compiled inventory: refused unless the digests are equal.
 */
export interface SimReopen {
  readonly source: string;
  readonly options?: PersistentSimOptions;
}

/** Characters of held-back log lines that make the twin write them at once (see `flush`). */
const FLUSH_CHARS = 1 << 20;

/** Log lines after which a settled twin checkpoints, at the least (see `settled`). */
export const CHECKPOINT_LINES = 1_000;

// ---------------------------------------------------------------- opening

/**
 * Opens the twin kept in `path`, creating it from `init` when the file does not exist. When it
 * does, `init` may be given again (as a command that always passes its inputs does) and must
 * then be the same inventory and options.
 * @throws EscalatorError ESC_SIM_STATE: missing without `init`, unreadable, corrupt, foreign,
 *   newer, or made from another inventory or options.
 */
export async function openPersistentSim(
  path: string,
  init?: SimInit | SimReopen,
): Promise<PersistentSim> {
  const created = !fileExists(path);
  if (created) {
    if (init === undefined || !('inventory' in init))
      throw stateError(
        `${path}: no sim state there; give the inventory (and options) to create a new twin`,
      );
    writeAtomically(path, fileStart(init, JSON.stringify(init.inventory)));
  }
  const log = readLog(path, 'parts');
  const inventory =
    init !== undefined && !('inventory' in init)
      ? reopened(path, log, init)
      : inventoryOf(path, log, init);
  const sim = twinOf(path, log.header, inventory, log.saved);
  await sim.replay(log.entries);
  sim.attach(log.keep, log.unterminated);
  return sim;
}

/**
 * The twin as `path` holds it, in memory only: calls act on this copy and nothing is written
 * (to inspect a state, or to compare it).
 */
export async function loadSimState(path: string): Promise<SimDriver> {
  if (!fileExists(path)) throw stateError(`${path}: no sim state there`);
  const log = readLog(path, 'whole');
  const sim = twinOf(path, log.header, inventoryOf(path, log), log.saved);
  await sim.replay(log.entries);
  return sim;
}

function fileExists(path: string): boolean {
  let file: boolean;
  try {
    file = statSync(path).isFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw stateError(`${path}: cannot read the sim state (${describeIoError(error)})`);
  }
  if (!file) throw stateError(`${path}: not a file, so not a sim state`);
  return true;
}

/** The twin the header describes, its saved state put back. */
function twinOf(
  path: string,
  header: Header,
  inventory: { readonly value: Inventory; readonly text: string },
  saved: Saved | undefined,
): PersistentSim {
  try {
    return new PersistentSim(path, header, inventory, saved);
  } catch (error) {
    throw stateError(
      `${path}:1: the twin's inventory, options or saved state are unusable (${describeIoError(error)})`,
    );
  }
}

/** A header for a twin made with these options and from this source (`SimInit`). */
function headerOf(
  init: Pick<SimInit, 'options' | 'source'>,
  checkpoint?: Header['checkpoint'],
): Header {
  return {
    format: SIM_STATE_FORMAT,
    version: SIM_STATE_VERSION,
    options: plainOptions(init.options),
    ...(init.source === undefined ? {} : { inventorySource: init.source }),
    ...(checkpoint === undefined ? {} : { checkpoint }),
  };
}

/** The header and the inventory line: a new twin's file. */
function fileStart(init: SimInit, inventoryText: string): string[] {
  return [`${JSON.stringify(headerOf(init))}\n`, `${inventoryText}\n`];
}

/** Options as the header keeps them: JSON data, without a clock. */
function plainOptions(options: PersistentSimOptions | undefined): PersistentSimOptions {
  const { clock: _clock, ...rest } = (options ?? {}) as SimOptions;
  return JSON.parse(JSON.stringify(rest)) as PersistentSimOptions;
}

/**
 * The twin's inventory, checked against `init` when it is given again: the same inventory gives
 * the same text (both were compiled alike), so a match is found without reading the file's copy;
 * the values are walked only to say what differs.
 */
function inventoryOf(
  path: string,
  log: ReadLog,
  init?: SimInit,
): { value: Inventory; text: string } {
  const given = init === undefined ? undefined : JSON.stringify(init.inventory);
  let found: { value: Inventory; text: string };
  if (log.inventoryText === undefined) {
    const value = log.header.inventory as Inventory; // version 1: checked by parseHeader
    found = { value, text: JSON.stringify(value) };
  } else if (init !== undefined && given === log.inventoryText) {
    found = { value: init.inventory, text: log.inventoryText };
  } else {
    found = { value: parseInventory(path, log.inventoryText), text: log.inventoryText };
  }
  if (init === undefined) return found;
  // Texts differ only when the values do, unless keys came in another order: walk them to say.
  const differs =
    given === found.text
      ? undefined
      : firstDifference(found.value, JSON.parse(given as string), 'inventory');
  if (differs !== undefined) throw madeFromOther(path, 'inventory', differs);
  checkOptions(path, log.header, init.options);
  return found;
}

/** @throws ESC_SIM_STATE when the twin was made with other options. */
function checkOptions(path: string, header: Header, given: PersistentSimOptions | undefined): void {
  const options = plainOptions(given);
  if (JSON.stringify(header.options) === JSON.stringify(options)) return;
  const differs = firstDifference(header.options, options, 'options');
  if (differs !== undefined) throw madeFromOther(path, 'set of options', differs);
}

const madeFromOther = (path: string, what: string, differs: string): EscalatorError =>
  stateError(
    `${path}: this twin was made from another ${what} (${differs} differs); use the inputs it was made from, or another state file`,
  );

/** The twin's inventory when it is opened by the digest of its document (`SimReopen`). */
function reopened(path: string, log: ReadLog, by: SimReopen): { value: Inventory; text: string } {
  if (log.header.inventorySource !== by.source)
    throw stateError(
      `${path}: this twin was not made from this inventory document (its digest differs); give the inventory to compare it`,
    );
  checkOptions(path, log.header, by.options);
  return inventoryOf(path, log);
}

function parseInventory(path: string, text: string): Inventory {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw stateError(`${path}:2: corrupt inventory (${describeIoError(error)})`);
  }
  if (!isObject(value) || !Array.isArray(value['hosts']))
    throw stateError(`${path}:2: not an inventory`);
  return value as unknown as Inventory;
}

/** The path of the first difference between two JSON values, key order aside. */
function firstDifference(a: unknown, b: unknown, at: string): string | undefined {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${at}.length`;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${at}[${i}]`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of [...keys].sort()) {
      const d = firstDifference(a[key], b[key], `${at}.${key}`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  return a === b ? undefined : at;
}

// ---------------------------------------------------------------- the twin

/**
 * Lets every pending microtask run, chains included: what the live clock's quiet turn waits for
 * (the replay has no I/O to wait for). A tick queued from a microtask runs only once the
 * microtask queue is empty; the first `await` makes sure it is queued from one. Cheaper than a
 * turn of the event loop (`setImmediate`), which a replay of 20,000 lines would take 40,000 of.
 */
async function drain(): Promise<void> {
  await Promise.resolve();
  await new Promise<void>((resolve) => process.nextTick(resolve));
}

/** A `SimDriver` whose state lives in a file (see the header of this module). */
export class PersistentSim extends SimDriver {
  readonly path: string;
  private readonly header: Header;
  /** The initial inventory's text, written again by every checkpoint (encoded at the first). */
  private readonly inventoryText: string;
  private inventoryBytes: Buffer | undefined;
  /** Where a checkpoint encodes the lines it writes once (see `checkpoint`). */
  private readonly scratch = new Scratch();
  /** The history the file holds already (see `History`). */
  private readonly history: History;
  /** The hashes of the history's outcome keys; undefined until known (an older file's). */
  private keyHashes: KeyHashes | undefined;
  /** The saved state's outcome keys, to hash them when the file kept no hashes. */
  private readonly savedKeys: (() => readonly string[]) | undefined;
  private fd: number | undefined;
  private linesSinceCheckpoint = 0;
  /** Log lines not written yet (see `flush`). */
  private pending: string[] = [];
  private pendingChars = 0;

  /** Use `openPersistentSim` or `loadSimState`. @throws when the header does not fit. */
  constructor(
    path: string,
    header: Header,
    inventory: { readonly value: Inventory; readonly text: string },
    saved?: Saved,
  ) {
    const clock = new VirtualClock(saved?.clock.time ?? 0);
    super(inventory.value, { ...header.options, clock }, saved?.state.world);
    this.path = path;
    this.header = header;
    this.inventoryText = inventory.text;
    this.history = saved?.history ?? History.empty();
    this.keyHashes = saved === undefined ? KeyHashes.of([]) : saved.state.outcomeKeys.hashes;
    this.savedKeys = saved?.state.outcomeKeys.read;
    if (saved !== undefined) {
      this.restoreLazily(saved.state);
      clock.jumpTo(saved.clock.time, saved.clock.batches);
    }
  }

  /** Replays the logged lines (opening only). */
  async replay(entries: LogLines): Promise<void> {
    this.linesSinceCheckpoint = entries.count;
    await this.clock.busy(async () => {
      for (const { line, entry } of entries) {
        await this.advanceTo(line, entry);
        if (entry.op === undefined) continue;
        let result: Promise<unknown>;
        try {
          result = this.issue(entry.op, entry.a ?? []);
        } catch (error) {
          throw error instanceof EscalatorError
            ? stateError(`${this.path}:${line}: ${error.message}`)
            : stateError(
                `${this.path}:${line}: cannot replay ${entry.op} (${describeIoError(error)})`,
              );
        }
        result.catch(() => undefined);
        await drain();
      }
    });
  }

  /** Fires the twin's events due before a line's position, as the live clock did. */
  private async advanceTo(line: number, entry: Entry): Promise<void> {
    const clock = this.clock;
    if (entry.t < clock.now())
      throw stateError(
        `${this.path}:${line}: the clock goes back from ${clock.now()} to ${entry.t}`,
      );
    for (;;) {
      const next = clock.nextAt();
      if (next === undefined || next > entry.t) break;
      if (next === entry.t && clock.now() === entry.t && clock.position().batches >= entry.k) break;
      clock.step();
      await drain();
    }
    clock.jumpTo(entry.t, entry.k);
  }

  /** Makes a logged call again. */
  private issue(op: string, a: readonly unknown[]): Promise<unknown> {
    switch (op) {
      case 'discover':
        return this.discover(a[0] === undefined ? undefined : record<DiscoveryScope>(a[0]));
      case 'getScheduling':
        return this.getScheduling(text(a[0]));
      case 'setScheduling':
        return this.setScheduling(text(a[0]), record<SchedulingState>(a[1]), context(a[2]));
      case 'migrate':
        return this.migrate(record<MigrationRequest>(a[0]), context(a[1]));
      case 'migrationStatus':
        return this.migrationStatus(text(a[0]));
      case 'forceCompleteMigration':
        return this.forceCompleteMigration(text(a[0]), context(a[1]));
      case 'abortMigration':
        return this.abortMigration(text(a[0]), context(a[1]));
      case 'stopInstance':
        return this.stopInstance(text(a[0]), context(a[1]));
      case 'startInstance':
        return this.startInstance(text(a[0]), context(a[1]));
      case 'hostAction':
        return this.hostAction(text(a[0]), record<HostAction>(a[1]), context(a[2]));
      case 'health':
        return this.health(text(a[0]));
      case 'getScaleUp':
        return this.getScaleUp();
      case 'setScaleUp':
        return this.setScaleUp(record<ScaleUpSetting>(a[0]), context(a[1]));
      case 'backup':
        return this.backup(text(a[0]), list<BackupItem>(a[1]), context(a[2]));
      case 'restore':
        return this.restore(record<BackupRef>(a[0]), context(a[1]));
      case 'notifyVnfm':
        return this.notifyVnfm(record<MaintenanceNotice>(a[0]), context(a[1]));
      case 'probe':
        return this.probe(number(a[0]));
      default:
        throw stateError(`unknown operation ${JSON.stringify(op)}`);
    }
  }

  /** Starts logging (opening only): drops a torn last line, ends an unterminated one. */
  attach(keep: number, unterminated: boolean): void {
    try {
      this.fd = openSync(this.path, 'r+');
      if (fstatSync(this.fd).size > keep) ftruncateSync(this.fd, keep);
      closeSync(this.fd);
      this.fd = openSync(this.path, 'a');
      if (unterminated) writeAll(this.fd, '\n');
    } catch (error) {
      throw stateError(`${this.path}: cannot write the sim state (${describeIoError(error)})`);
    }
    this.setJournal((op, args) => {
      const { time, batches } = this.clock.position();
      this.append(`{"t":${time},"k":${batches},"op":"${op}","a":${JSON.stringify(args)}}\n`);
    });
    this.clock.onAdvance = ({ time, batches }) => {
      try {
        this.append(`{"t":${time},"k":${batches}}\n`);
      } catch {
        // The clock's own turn has no caller to tell; the next call's write will fail too.
      }
    };
  }

  private append(line: string): void {
    if (this.fd === undefined) throw stateError(`${this.path}: the sim state is closed`);
    this.linesSinceCheckpoint++;
    this.pending.push(line);
    this.pendingChars += line.length;
    if (this.pendingChars >= FLUSH_CHARS) this.flush();
  }

  /**
   * Writes the lines held back. Lines are held only until the caller's next own I/O (`busy`),
   * so no side effect the caller has recorded elsewhere (the engine's journal) is missing from
   * the file; what a SIGKILL loses, the caller never learned of, and asks again under its key.
   */
  flush(): void {
    if (this.pending.length === 0 || this.fd === undefined) return;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    try {
      writeAll(this.fd, text);
    } catch (error) {
      throw stateError(`${this.path}: cannot append to the sim state (${describeIoError(error)})`);
    }
  }

  /** The caller's own I/O (its journal) starts: the twin's log is written first. */
  override busy<T>(work: () => Promise<T>): Promise<T> {
    try {
      this.flush();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return super.busy(work);
  }

  /**
   * When the twin is at rest (none of its own events pending, every operation ended), saves its
   * whole state as the file's new header and starts an empty log after it, atomically: opening it
   * then replays nothing. False, writing nothing, when the twin is not at rest.
   */
  checkpoint(): boolean {
    if (this.fd === undefined) throw stateError(`${this.path}: the sim state is closed`);
    if (this.busyWith() !== undefined) return false;
    const source = this.header.inventorySource;
    const made = { options: this.header.options, ...(source === undefined ? {} : { source }) };
    const history = this.history;
    const state = this.savedSince(history.outcomes, history.migrations);
    // Every key the file will hold, hashed: those it held (hashed once, for an older file) and
    // those of the outcomes added now.
    const hashes = (this.keyHashes ?? KeyHashes.of(this.savedKeys?.() ?? [])).with(
      state.outcomes.map((o) => o.key),
    );
    const parts = partLines(state, (push) => this.writeWorld(push), hashes, this.scratch);
    // The saved state holds what the lines held back say: they are not needed any more.
    this.pending = [];
    this.pendingChars = 0;
    const counts = {
      outcomes: history.outcomes + state.outcomes.length,
      migrations: history.migrations + state.migrations.length,
      notices: state.notices.length,
    };
    // The history as the file has it, read before the file is replaced, then what came since.
    const block = history.bytes();
    this.inventoryBytes ??= Buffer.from(`${this.inventoryText}\n`, 'utf8');
    const { rest } = parts;
    const sizes = [
      this.inventoryBytes.length,
      ...rest.map((line) => line.length),
      ...history.lineSizes(),
      ...parts.history.map((line) => line.length),
    ];
    const checkpoint = {
      clock: this.clock.position(),
      parts: sizes.length - 1,
      counts,
      sizes,
    };
    const pieces = [
      Buffer.from(`${JSON.stringify(headerOf(made, checkpoint))}\n`, 'utf8'),
      this.inventoryBytes,
      ...rest,
      ...block,
      ...parts.history,
    ];
    writeAtomically(this.path, pieces);
    history.add(parts.history, state.outcomes.length, state.migrations.length);
    this.keyHashes = hashes;
    this.linesSinceCheckpoint = 0;
    closeSync(this.fd);
    this.fd = undefined;
    try {
      this.fd = openSync(this.path, 'a');
    } catch (error) {
      throw stateError(`${this.path}: cannot write the sim state (${describeIoError(error)})`);
    }
    return true;
  }

  /**
   * The caller has nothing in flight (the engine, between waves): checkpoint when the log has
   * grown enough since the last one, so that a restart replays little.
   */
  override settled(): void {
    // A checkpoint encodes the world and what happened since the last one, and writes (and
    // syncs) the whole history again, which grows with the run: wait for new lines in
    // proportion to the history (a sixteenth of its entries), so that checkpoints cost a
    // bounded share of the run. Late in a 1,000-host run a wave logs more lines than that
    // (~8,000), so the twin checkpoints between waves and a restart replays only the wave it
    // was killed in. (Checkpointing every 1,000 lines instead cost that run ~0.4 s more and left
    // the replay of a kill 150 ms into a late wave as it was, ~4,000 lines. Counting the world's
    // hosts, instances and VNFs in as well would spare a 10,000-host run two early checkpoints,
    // ~1.5 s, but make the middle of a 1,000-host run, where restarts are slowest, wait longer
    // between checkpoints.)
    const due = Math.max(CHECKPOINT_LINES, this.stateEntries() / 16);
    if (this.fd !== undefined && this.linesSinceCheckpoint >= due) this.checkpoint();
  }

  /** Stops logging: the file keeps everything so far; later calls with side effects are refused. */
  close(): void {
    this.clock.onAdvance = undefined;
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

// ---------------------------------------------------------------- arguments of logged calls

function text(value: unknown): string {
  if (typeof value !== 'string')
    throw stateError(`expected a string, got ${JSON.stringify(value)}`);
  return value;
}

function number(value: unknown): number {
  if (typeof value !== 'number')
    throw stateError(`expected a number, got ${JSON.stringify(value)}`);
  return value;
}

function record<T>(value: unknown): T {
  if (!isObject(value)) throw stateError(`expected an object, got ${JSON.stringify(value)}`);
  return value as T;
}

function list<T>(value: unknown): T[] {
  if (!Array.isArray(value)) throw stateError(`expected a list, got ${JSON.stringify(value)}`);
  return value as T[];
}

function context(value: unknown): OperationContext {
  const ctx = record<OperationContext>(value);
  if (
    typeof ctx.idempotencyKey !== 'string' ||
    typeof ctx.campaign !== 'string' ||
    typeof ctx.run !== 'string'
  )
    throw stateError(`expected an operation context, got ${JSON.stringify(value)}`);
  return ctx;
}
