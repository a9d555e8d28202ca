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
 * The file is JSON lines. Line 1, the header: format and version, the initial inventory and the
 * options (scenario included), and after a checkpoint the clock and how many part lines follow:
 * the saved state, in parts of at most `PART_ITEMS` entries each (a 10,000-host twin holds
 * hundreds of thousands of outcomes: one line of it would pass V8's longest string). Then one
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
 * `EscalatorError` (ESC_SIM_STATE) naming the file and the line.
 *
 * Persistence is opt-in: a plain `SimDriver` has no journal and pays nothing for it. The engine
 * tells the driver when nothing is in flight (`settled`, between waves); the twin then checkpoints
 * once its log has grown by `CHECKPOINT_LINES` lines, so a restart replays little.
 */
import {
  closeSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
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
import { VirtualClock, type ClockPosition } from './clock.js';
import { SimDriver, type SimOptions, type SimState } from './driver.js';

export const SIM_STATE_FORMAT = 'escalator-sim-state';
export const SIM_STATE_VERSION = 1;

/** The options of a persistent twin: those of `SimDriver` but its clock, which it makes. */
export type PersistentSimOptions = Omit<SimOptions, 'clock'>;

/** What a new state file starts from. */
export interface SimInit {
  readonly inventory: Inventory;
  readonly options?: PersistentSimOptions;
}

/** Entries per part line of a saved state. */
const PART_ITEMS = 20_000;

/** Characters of held-back log lines that make the twin write them at once (see `flush`). */
const FLUSH_CHARS = 1 << 20;

/** Log lines after which a settled twin checkpoints, at the least (see `settled`). */
export const CHECKPOINT_LINES = 20_000;

interface Header {
  readonly format: typeof SIM_STATE_FORMAT;
  readonly version: number;
  readonly inventory: Inventory;
  readonly options: PersistentSimOptions;
  /** After a checkpoint: the clock then, and the number of part lines after the header. */
  readonly checkpoint?: { readonly clock: ClockPosition; readonly parts: number };
}

/** The saved state as the twin holds it, and as it is read back from the part lines. */
interface Saved {
  readonly clock: ClockPosition;
  readonly state: SimState;
}

/** One part line of a saved state: a whole field, or a slice of one of its lists. */
type Part =
  | { readonly part: 'fields'; readonly value: Omit<SimState, ListField> }
  | { readonly part: ListField; readonly items: readonly unknown[] };

type ListField = 'outcomes' | 'migrations' | 'notices';
const LIST_FIELDS: readonly ListField[] = ['outcomes', 'migrations', 'notices'];

/** A line after the header: a call at a clock position, or the clock's move to one. */
interface Entry {
  readonly t: number;
  readonly k: number;
  readonly op?: string;
  readonly a?: readonly unknown[];
}

interface ReadLog {
  readonly header: Header;
  readonly saved?: Saved;
  readonly entries: readonly { readonly line: number; readonly entry: Entry }[];
  /** Bytes to keep: everything but a torn last line. */
  readonly keep: number;
  /** The last line is whole but lacks its newline. */
  readonly unterminated: boolean;
}

const stateError = (message: string): EscalatorError =>
  new EscalatorError('ESC_SIM_STATE', message);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// ---------------------------------------------------------------- opening

/**
 * Opens the twin kept in `path`, creating it from `init` when the file does not exist. When it
 * does, `init` may be given again (as a command that always passes its inputs does) and must
 * then be the same inventory and options.
 * @throws EscalatorError ESC_SIM_STATE: missing without `init`, unreadable, corrupt, foreign,
 *   newer, or made from another inventory or options.
 */
export async function openPersistentSim(path: string, init?: SimInit): Promise<PersistentSim> {
  const created = !fileExists(path);
  if (created) {
    if (init === undefined)
      throw stateError(
        `${path}: no sim state there; give the inventory (and options) to create a new twin`,
      );
    writeAtomically(path, [`${JSON.stringify(headerOf(init))}\n`]);
  }
  const log = readLog(path);
  if (init !== undefined && !created) checkSameInit(path, log.header, init);
  const sim = twinOf(path, log.header, log.saved);
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
  const log = readLog(path);
  const sim = twinOf(path, log.header, log.saved);
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
function twinOf(path: string, header: Header, saved: Saved | undefined): PersistentSim {
  try {
    return new PersistentSim(path, header, saved);
  } catch (error) {
    throw stateError(
      `${path}:1: the header's inventory, options or saved state are unusable (${describeIoError(error)})`,
    );
  }
}

const describeIoError = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

function headerOf(init: SimInit, checkpoint?: Header['checkpoint']): Header {
  return {
    format: SIM_STATE_FORMAT,
    version: SIM_STATE_VERSION,
    inventory: init.inventory,
    options: plainOptions(init.options),
    ...(checkpoint === undefined ? {} : { checkpoint }),
  };
}

/** Options as the header keeps them: JSON data, without a clock. */
function plainOptions(options: PersistentSimOptions | undefined): PersistentSimOptions {
  const { clock: _clock, ...rest } = (options ?? {}) as SimOptions;
  return JSON.parse(JSON.stringify(rest)) as PersistentSimOptions;
}

function checkSameInit(path: string, header: Header, init: SimInit): void {
  // The header was written from an inventory compiled as this one is, so the same inventory
  // gives the same text: compare that, and walk the values only to say what differs.
  if (
    JSON.stringify(header.inventory) === JSON.stringify(init.inventory) &&
    JSON.stringify(header.options) === JSON.stringify(plainOptions(init.options))
  )
    return;
  const inventory = firstDifference(
    header.inventory,
    JSON.parse(JSON.stringify(init.inventory)),
    'inventory',
  );
  const options = firstDifference(header.options, plainOptions(init.options), 'options');
  const differs = inventory ?? options;
  if (differs !== undefined)
    throw stateError(
      `${path}: this twin was made from another ${inventory === undefined ? 'set of options' : 'inventory'} (${differs} differs); use the inputs it was made from, or another state file`,
    );
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

// ---------------------------------------------------------------- reading

function readLog(path: string): ReadLog {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw stateError(`${path}: cannot read the sim state (${describeIoError(error)})`);
  }
  // Lines are decoded one at a time: the file as one string could pass V8's longest string.
  const lines: string[] = [];
  let at = 0;
  for (;;) {
    const nl = bytes.indexOf(0x0a, at);
    if (nl < 0) break;
    lines.push(bytes.toString('utf8', at, nl));
    at = nl + 1;
  }
  const end = at; // after the last newline
  const tail = bytes.toString('utf8', end);
  let keep = end;
  let unterminated = false;
  // A last line without its newline: whole if it parses (a JSON object has no whole prefix),
  // else torn by a kill mid-write and dropped; but a header is written whole or not at all.
  if (tail.length > 0 && (lines.length === 0 || parses(tail))) {
    lines.push(tail);
    keep = bytes.length;
    unterminated = true;
  }
  if (lines.length === 0) throw stateError(`${path}: empty, not a sim state`);
  const header = parseHeader(path, lines[0] as string);
  const parts = header.checkpoint?.parts ?? 0;
  if (lines.length < 1 + parts)
    throw stateError(
      `${path}: the saved state has ${lines.length - 1} of its ${parts} part lines: the file was cut`,
    );
  const saved =
    header.checkpoint === undefined
      ? undefined
      : { clock: header.checkpoint.clock, state: readParts(path, lines.slice(1, 1 + parts)) };
  const entries: { line: number; entry: Entry }[] = [];
  for (let i = 1 + parts; i < lines.length; i++)
    entries.push({ line: i + 1, entry: parseEntry(path, i + 1, lines[i] as string) });
  return { header, ...(saved === undefined ? {} : { saved }), entries, keep, unterminated };
}

/** The saved state from its part lines (lines 2… of the file). */
function readParts(path: string, lines: readonly string[]): SimState {
  let fields: Omit<SimState, ListField> | undefined;
  const lists: Record<ListField, unknown[]> = { outcomes: [], migrations: [], notices: [] };
  lines.forEach((text, i) => {
    const line = i + 2;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw stateError(
        `${path}:${line}: corrupt part of the saved state (${describeIoError(error)})`,
      );
    }
    if (!isObject(value)) throw stateError(`${path}:${line}: not a part of a saved state`);
    const part = value['part'];
    if (part === 'fields' && isObject(value['value']))
      fields = value['value'] as unknown as Omit<SimState, ListField>;
    else if (LIST_FIELDS.includes(part as ListField) && Array.isArray(value['items']))
      for (const item of value['items'] as unknown[]) lists[part as ListField].push(item);
    else throw stateError(`${path}:${line}: not a part of a saved state`);
  });
  if (fields === undefined) throw stateError(`${path}: the saved state has no fields part`);
  return { ...fields, ...lists } as unknown as SimState;
}

/** The part lines of a saved state, each at most `PART_ITEMS` entries. */
function partLines(state: SimState): string[] {
  const { outcomes, migrations, notices, ...fields } = state;
  const lines = [`${JSON.stringify({ part: 'fields', value: fields } satisfies Part)}\n`];
  const lists: Record<ListField, readonly unknown[]> = { outcomes, migrations, notices };
  for (const name of LIST_FIELDS) {
    const items = lists[name];
    for (let i = 0; i < items.length; i += PART_ITEMS)
      lines.push(
        `${JSON.stringify({ part: name, items: items.slice(i, i + PART_ITEMS) } satisfies Part)}\n`,
      );
  }
  return lines;
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function parseHeader(path: string, text: string): Header {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw stateError(
      `${path}:1: not a sim state: the header is not JSON (${describeIoError(error)})`,
    );
  }
  if (!isObject(value) || value['format'] !== SIM_STATE_FORMAT)
    throw stateError(
      `${path}:1: not a sim state: the header has no "format": "${SIM_STATE_FORMAT}"`,
    );
  const version = value['version'];
  if (typeof version !== 'number' || !Number.isInteger(version))
    throw stateError(`${path}:1: the header's "version" is not a number`);
  if (version > SIM_STATE_VERSION)
    throw stateError(
      `${path}:1: written by a newer Escalator (sim state version ${version}; this one reads ${SIM_STATE_VERSION}): upgrade Escalator`,
    );
  const inventory = value['inventory'];
  if (!isObject(inventory) || !Array.isArray(inventory['hosts']))
    throw stateError(`${path}:1: the header's "inventory" is not an inventory`);
  if (!isObject(value['options']))
    throw stateError(`${path}:1: the header's "options" is not an object`);
  const checkpoint = value['checkpoint'];
  if (checkpoint !== undefined) {
    const parts = isObject(checkpoint) ? checkpoint['parts'] : undefined;
    if (
      !isObject(checkpoint) ||
      !isPosition(checkpoint['clock']) ||
      typeof parts !== 'number' ||
      !Number.isInteger(parts) ||
      parts < 1
    )
      throw stateError(`${path}:1: the header's "checkpoint" is not a saved state`);
  }
  return value as unknown as Header;
}

function isPosition(value: unknown): value is ClockPosition {
  return (
    isObject(value) &&
    typeof value['time'] === 'number' &&
    Number.isFinite(value['time']) &&
    Number.isInteger(value['batches'])
  );
}

function parseEntry(path: string, line: number, text: string): Entry {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw stateError(`${path}:${line}: corrupt line (${describeIoError(error)})`);
  }
  if (
    !isObject(value) ||
    typeof value['t'] !== 'number' ||
    !Number.isFinite(value['t']) ||
    !Number.isInteger(value['k']) ||
    (value['op'] !== undefined && (typeof value['op'] !== 'string' || !Array.isArray(value['a'])))
  )
    throw stateError(`${path}:${line}: not a call nor a clock position`);
  return value as unknown as Entry;
}

// ---------------------------------------------------------------- writing

/** Write a whole file so that a crash leaves the old one or the new one, never half of it. */
function writeAtomically(path: string, pieces: readonly string[]): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(temp, 'w');
    try {
      for (const piece of pieces) writeAll(fd, piece);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
    syncFolder(dirname(path));
  } catch (error) {
    throw stateError(`${path}: cannot write the sim state (${describeIoError(error)})`);
  }
}

function syncFolder(folder: string): void {
  try {
    const fd = openSync(folder, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some systems cannot fsync a folder; the rename is still atomic.
  }
}

function writeAll(fd: number, text: string): void {
  const buffer = Buffer.from(text, 'utf8');
  let done = 0;
  while (done < buffer.length) done += writeSync(fd, buffer, done, buffer.length - done);
}

// ---------------------------------------------------------------- the twin

/** Lets every pending microtask run: what the live clock's quiet turn waits for. */
const drain = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A `SimDriver` whose state lives in a file (see the header of this module). */
export class PersistentSim extends SimDriver {
  readonly path: string;
  private readonly header: Header;
  private fd: number | undefined;
  private linesSinceCheckpoint = 0;
  /** Log lines not written yet (see `flush`). */
  private pending: string[] = [];
  private pendingChars = 0;

  /** Use `openPersistentSim` or `loadSimState`. @throws when the header does not fit. */
  constructor(path: string, header: Header, saved?: Saved) {
    const clock = new VirtualClock(saved?.clock.time ?? 0);
    super(header.inventory, { ...header.options, clock });
    this.path = path;
    this.header = header;
    if (saved !== undefined) {
      this.restoreState(saved.state);
      clock.jumpTo(saved.clock.time, saved.clock.batches);
    }
  }

  /** Replays the logged lines (opening only). */
  async replay(
    entries: readonly { readonly line: number; readonly entry: Entry }[],
  ): Promise<void> {
    this.linesSinceCheckpoint = entries.length;
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
    const init: SimInit = { inventory: this.header.inventory, options: this.header.options };
    const parts = partLines(this.state());
    // The saved state holds what the lines held back say: they are not needed any more.
    this.pending = [];
    this.pendingChars = 0;
    const header = headerOf(init, { clock: this.clock.position(), parts: parts.length });
    writeAtomically(this.path, [`${JSON.stringify(header)}\n`, ...parts]);
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
   * grown by `CHECKPOINT_LINES` since the last one, so that a restart replays little.
   */
  override settled(): void {
    // A checkpoint writes the whole state, which grows with the run (every outcome is kept):
    // wait for at least a quarter of its entries in new lines, so that checkpoints cost a
    // bounded share of the run while a restart still replays a bounded share of it.
    const due = Math.max(CHECKPOINT_LINES, this.stateEntries() / 4);
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
