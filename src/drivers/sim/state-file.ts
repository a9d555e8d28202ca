/**
 * The persistent twin's state file (persist.ts describes what it holds): its lines, read whole or
 * in parts, its saved state read back lazily, and whole files written atomically.
 *
 * A checkpoint's header lists the byte size of line 2 (the inventory) and of every part line
 * after it (`checkpoint.sizes`). A twin opened to go on (`openPersistentSim`) then reads only what
 * a restart needs: the header, the inventory, the fields and notices, the outcome keys and the
 * log after the saved state. The history's outcomes and migrations, half of a 1,000-host twin's
 * 20 MB late in a run, are read when first needed, and at the latest by the next checkpoint,
 * which writes them again. A file without sizes (no checkpoint yet, or written before they were
 * kept) and a copy for inspection (`loadSimState`) are read whole.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { isAscii } from 'node:buffer';
import { dirname } from 'node:path';
import { EscalatorError, type Inventory } from '../../model/index.js';
import type { ClockPosition } from './clock.js';
import type { LazySimState, SimOptions, SimState } from './driver.js';
import { KeyHashes } from './key-hashes.js';

export const SIM_STATE_FORMAT = 'escalator-sim-state';
/**
 * Version 3 keeps the hashes of the outcome keys (a `key-hashes` part line) and the outcomes'
 * count, which an older Escalator would not read; versions 1 and 2 are still read, and a
 * checkpoint writes them again as version 3.
 */
export const SIM_STATE_VERSION = 3;

/** The options of a persistent twin: those of `SimDriver` but its clock, which it makes. */
export type PersistentSimOptions = Omit<SimOptions, 'clock'>;

/** Entries per part line of a saved state. */
const PART_ITEMS = 20_000;

/** Bytes read to find the header line of a file read in parts (a longer header: read it whole). */
const HEADER_BYTES = 1 << 16;

export interface Header {
  readonly format: typeof SIM_STATE_FORMAT;
  readonly version: number;
  /** Version 1 only: the inventory (version 2 has it on line 2). */
  readonly inventory?: Inventory;
  readonly options: PersistentSimOptions;
  /** The digest of the inventory's document, when the twin was made from one (`SimInit`). */
  readonly inventorySource?: string;
  /** After a checkpoint: the clock then, and the number of part lines after the inventory. */
  readonly checkpoint?: {
    readonly clock: ClockPosition;
    readonly parts: number;
    /** Version 2: how many outcomes, migrations and notices the parts hold (read lazily). */
    readonly counts?: Counts;
    /**
     * The bytes of line 2 and of each part line, newlines included: where each line is, so that
     * the file can be read in parts. Absent from files written before it was kept.
     */
    readonly sizes?: readonly number[];
  };
}

/** The saved state as it is read back from the part lines. */
export interface Saved {
  readonly clock: ClockPosition;
  readonly state: LazySimState;
  /** The history's part lines as the file has them (version 2), to be written again as they are. */
  readonly history?: History;
}

/** How many entries a saved state's lists hold (outcomes: absent from older files). */
export interface Counts {
  readonly outcomes?: number;
  readonly migrations: number;
  readonly notices: number;
}

type ListField = 'outcomes' | 'migrations' | 'notices';
/** The part lines read when first needed: the outcome keys, and the slices of the lists. */
type LazyKind = 'outcome-keys' | ListField;
const LAZY_KINDS: readonly LazyKind[] = ['outcome-keys', 'outcomes', 'migrations', 'notices'];
/**
 * The kinds of part line: the fields, the hashes of the outcome keys (`KeyHashes`), and the
 * lazy ones.
 */
type PartKind = 'fields' | 'key-hashes' | LazyKind;
const PART_KINDS: readonly PartKind[] = ['fields', 'key-hashes', ...LAZY_KINDS];
/** The part lines of the history, which checkpoints write again as they are. */
const HISTORY_KINDS: readonly PartKind[] = ['outcome-keys', 'outcomes', 'migrations'];

/** One part line of a saved state: the fields, the keys' hashes, or a slice of a lazy kind. */
type Part =
  | { readonly part: 'fields'; readonly value: Omit<SimState, ListField> }
  | { readonly part: 'key-hashes'; readonly hashes: string }
  | { readonly part: LazyKind; readonly items: readonly unknown[] };

/** A line after the saved state: a call at a clock position, or the clock's move to one. */
export interface Entry {
  readonly t: number;
  readonly k: number;
  readonly op?: string;
  readonly a?: readonly unknown[];
}

/**
 * The log's lines, parsed one at a time as they are replayed: thousands of parsed lines held at
 * once would outlive the young generation and cost the collector more than the parsing.
 */
export interface LogLines extends Iterable<{ readonly line: number; readonly entry: Entry }> {
  readonly count: number;
}

export interface ReadLog {
  readonly header: Header;
  /** Version 2: the inventory's text (line 2), parsed only when no matching inventory is given. */
  readonly inventoryText?: string;
  readonly saved?: Saved;
  /** The lines after the saved state, each parsed when the replay reaches it. */
  readonly entries: LogLines;
  /** Bytes to keep: everything but a torn last line. */
  readonly keep: number;
  /** The last line is whole but lacks its newline. */
  readonly unterminated: boolean;
}

export const stateError = (message: string): EscalatorError =>
  new EscalatorError('ESC_SIM_STATE', message);

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const describeIoError = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

const NEWLINE = 0x0a;

// ---------------------------------------------------------------- bytes and lines

/** `length` bytes from `offset` of a state file (or of a copy of it in memory). */
type ReadAt = (offset: number, length: number) => Buffer;

/** Reads ranges of the file at `path` as it is at each read. */
function fileReader(path: string): ReadAt {
  return (offset, length) => {
    const bytes = Buffer.allocUnsafe(length);
    let fd: number | undefined;
    let done = 0;
    try {
      fd = openSync(path, 'r');
      while (done < length) {
        const n = readSync(fd, bytes, done, length - done, offset + done);
        if (n === 0) break;
        done += n;
      }
    } catch (error) {
      throw stateError(`${path}: cannot read the sim state (${describeIoError(error)})`);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    if (done < length)
      throw stateError(
        `${path}: the file ends at byte ${offset + done}, before its lines do: it was cut`,
      );
    return bytes;
  };
}

/** Bytes as text: ASCII, as the twin writes it, is decoded the fast way. */
const decode = (bytes: Buffer): string =>
  isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');

/** A file's lines by where they are; a line is read and decoded only when it is asked for. */
class Lines {
  constructor(
    private readonly path: string,
    readonly read: ReadAt,
    /** Where each line starts, and where its newline is. */
    private readonly starts: readonly number[],
    private readonly ends: readonly number[],
  ) {}

  get length(): number {
    return this.starts.length;
  }

  start(i: number): number {
    return this.starts[i] as number;
  }

  /** Bytes of line `i`, its newline included. */
  size(i: number): number {
    return (this.ends[i] as number) - (this.starts[i] as number) + 1;
  }

  /** Line `i` (from 0) as text. @throws ESC_SIM_STATE when no newline ends it where it should. */
  text(i: number): string {
    return lineText(this.path, i, this.read(this.start(i), this.size(i)));
  }

  /** The first characters of line `i` (to tell a part line's kind without reading it). */
  head(i: number, chars: number): string {
    return this.read(this.start(i), Math.min(chars, this.size(i) - 1)).toString('latin1');
  }
}

/** A line's bytes (newline included) as text, checked to end where its size says. */
function lineText(path: string, i: number, bytes: Buffer): string {
  if (bytes[bytes.length - 1] !== NEWLINE)
    throw stateError(
      `${path}:${i + 1}: the line does not end where the header says it does: the file is corrupt`,
    );
  return decode(bytes.subarray(0, bytes.length - 1));
}

/** Adds the lines of `bytes` (found at `base` in the file) ended by a newline; returns where they end. */
function scanLines(bytes: Buffer, base: number, starts: number[], ends: number[]): number {
  let at = 0;
  for (;;) {
    const nl = bytes.indexOf(NEWLINE, at);
    if (nl < 0) return at;
    starts.push(base + at);
    ends.push(base + nl);
    at = nl + 1;
  }
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The history a file holds (outcome keys, outcomes, migrations): the last lines of its saved
 * state, one block. Kept outcomes and ended migrations never change, so a checkpoint writes this
 * block again as it is and appends only the lines encoded since. The block is read from the file
 * it was opened from when it is needed: a line when its outcomes or migrations are, the whole
 * block at the first checkpoint, which keeps it in memory from then on (the file it came from is
 * then replaced).
 */
export class History {
  private chunks: Buffer[] | undefined;
  private readonly sizes: number[];

  constructor(
    /** Reads the file (or the copy) the twin was opened from. */
    private readonly source: ReadAt,
    /** Where the block starts there. */
    private readonly offset: number,
    sizes: readonly number[],
    /** How many outcomes and migrations the block holds. */
    public outcomes: number,
    public migrations: number,
  ) {
    this.sizes = [...sizes];
  }

  static empty(): History {
    return new History(() => Buffer.alloc(0), 0, [], 0, 0);
  }

  /** Bytes of the lines the block had when opened, from `at` within it. */
  read(at: number, length: number): Buffer {
    const first = this.chunks?.[0];
    return first === undefined
      ? this.source(this.offset + at, length)
      : first.subarray(at, at + length);
  }

  /** The bytes of each line of the block. */
  lineSizes(): readonly number[] {
    return this.sizes;
  }

  /** The block's lines, to be written again. */
  bytes(): readonly Buffer[] {
    if (this.chunks === undefined) {
      const length = this.sizes.reduce((sum, n) => sum + n, 0);
      this.chunks = [length === 0 ? Buffer.alloc(0) : this.source(this.offset, length)];
    }
    return this.chunks;
  }

  /** Lines written after the block by a checkpoint, and the outcomes and migrations they hold. */
  add(lines: readonly Buffer[], outcomes: number, migrations: number): void {
    this.chunks = [...this.bytes(), ...lines];
    for (const line of lines) this.sizes.push(line.length);
    this.outcomes += outcomes;
    this.migrations += migrations;
  }
}

// ---------------------------------------------------------------- reading

/**
 * The file's header, saved state and log. In `parts`, a file whose header lists its lines' sizes
 * is read in parts (see the top of this module); otherwise, and `whole`, it is read whole.
 * @throws ESC_SIM_STATE naming the file (and the line) when it cannot be read or is not a state.
 */
export function readLog(path: string, how: 'parts' | 'whole'): ReadLog {
  const file = (how === 'parts' ? linesInParts(path) : undefined) ?? linesOfWhole(path);
  const { lines, header, keep, unterminated } = file;
  const v1 = header.version === 1;
  const first = v1 ? 1 : 2; // the first part line (from 0)
  if (!v1 && lines.length < 2)
    throw stateError(`${path}: the inventory (line 2) is missing: the file was cut`);
  const parts = header.checkpoint?.parts ?? 0;
  if (lines.length < first + parts)
    throw stateError(
      `${path}: the saved state has ${lines.length - first} of its ${parts} part lines: the file was cut`,
    );
  const saved =
    header.checkpoint === undefined
      ? undefined
      : {
          clock: header.checkpoint.clock,
          ...(v1
            ? { state: readPartsV1(path, lines, first, parts) }
            : readParts(path, lines, first, parts, header.checkpoint.counts)),
        };
  const entries: LogLines = {
    count: lines.length - first - parts,
    *[Symbol.iterator]() {
      for (let i = first + parts; i < lines.length; i++)
        yield { line: i + 1, entry: parseEntry(path, i + 1, lines.text(i)) };
    },
  };
  return {
    header,
    ...(v1 ? {} : { inventoryText: lines.text(1) }),
    ...(saved === undefined ? {} : { saved }),
    entries,
    keep,
    unterminated,
  };
}

/** A file's lines, its header, and how much of it to keep (see `ReadLog`). */
interface FileLines {
  readonly lines: Lines;
  readonly header: Header;
  readonly keep: number;
  readonly unterminated: boolean;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch (error) {
    throw stateError(`${path}: cannot read the sim state (${describeIoError(error)})`);
  }
}

/**
 * The file's lines, read in parts when its header lists their sizes (else undefined): the
 * inventory, fields and notices in one read, the heads of the history's lines to tell their
 * kinds, the outcome keys one line each when asked for, and the log after the saved state whole.
 */
function linesInParts(path: string): FileLines | undefined {
  const read = fileReader(path);
  const size = fileSize(path);
  const top = read(0, Math.min(size, HEADER_BYTES));
  const nl = top.indexOf(NEWLINE);
  if (nl < 0) return undefined;
  const header = parseHeader(path, decode(top.subarray(0, nl)));
  const sizes = header.version >= 2 ? header.checkpoint?.sizes : undefined;
  if (sizes === undefined) return undefined;
  const starts = [0];
  const ends = [nl];
  let at = nl + 1;
  for (const n of sizes) {
    starts.push(at);
    ends.push(at + n - 1);
    at += n;
  }
  if (at > size)
    throw stateError(
      `${path}: the saved state ends at byte ${at} by its header, the file at ${size}: the file was cut`,
    );
  const partsEnd = at;
  // The log after the saved state, whole: a torn last line is dropped, a whole one kept.
  const log = read(partsEnd, size - partsEnd);
  const logEnd = partsEnd + scanLines(log, partsEnd, starts, ends);
  const tail = lastLine(log.subarray(logEnd - partsEnd), false);
  if (tail !== undefined) {
    starts.push(logEnd);
    ends.push(size);
  }
  // The lines before the history (the inventory, the fields, the notices) are read at once.
  const lines = new Lines(path, read, starts, ends);
  const after = 1 + sizes.length; // the first line after the saved state
  let history = after;
  while (history > 2 && HISTORY_KINDS.includes(partKind(lines, history - 1) as PartKind)) history--;
  const fore = read(nl + 1, (history < after ? lines.start(history) : partsEnd) - (nl + 1));
  const pieces = [
    { offset: nl + 1, bytes: fore },
    { offset: partsEnd, bytes: tail === undefined ? log : Buffer.concat([log, tail]) },
  ];
  const cached: ReadAt = (offset, length) => {
    for (const p of pieces)
      if (offset >= p.offset && offset + length <= p.offset + p.bytes.length)
        return p.bytes.subarray(offset - p.offset, offset - p.offset + length);
    return read(offset, length);
  };
  return {
    lines: new Lines(path, cached, starts, ends),
    header,
    keep: tail === undefined ? logEnd : size,
    unterminated: tail !== undefined,
  };
}

/**
 * A last line without its newline, with the newline it lacks: whole if it parses (a JSON object
 * has no whole prefix), else torn by a kill mid-write and dropped (undefined); but a header is
 * written whole or not at all (`first`).
 */
function lastLine(rest: Buffer, first: boolean): Buffer | undefined {
  if (rest.length === 0) return undefined;
  return first || parses(decode(rest)) ? Buffer.from([NEWLINE]) : undefined;
}

/** The file's lines, read whole. */
function linesOfWhole(path: string): FileLines {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (error) {
    throw stateError(`${path}: cannot read the sim state (${describeIoError(error)})`);
  }
  // Lines are decoded one at a time, when read: the file as one string could pass V8's longest.
  const starts: number[] = [];
  const ends: number[] = [];
  const end = scanLines(data, 0, starts, ends); // after the last newline
  const tail = lastLine(data.subarray(end), starts.length === 0);
  if (tail !== undefined) {
    starts.push(end);
    ends.push(data.length);
  }
  const bytes = tail === undefined ? data : Buffer.concat([data, tail]);
  const lines = new Lines(path, (o, n) => bytes.subarray(o, o + n), starts, ends);
  if (lines.length === 0) throw stateError(`${path}: empty, not a sim state`);
  const header = parseHeader(path, lines.text(0));
  return {
    lines,
    header,
    keep: tail === undefined ? end : data.length,
    unterminated: tail !== undefined,
  };
}

/** A part line's kind, told from its first characters (undefined: not a part line). */
function partKind(lines: Lines, i: number): string | undefined {
  return /^\{"part":"([a-z-]+)"/.exec(lines.head(i, 40))?.[1];
}

/** A part line read whole: its kind checked, its line named when it is not one. */
function parsePart(path: string, i: number, text: string): Part {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw stateError(
      `${path}:${i + 1}: corrupt part of the saved state (${describeIoError(error)})`,
    );
  }
  if (!isObject(value)) throw stateError(`${path}:${i + 1}: not a part of a saved state`);
  const part = value['part'];
  const shaped =
    part === 'fields'
      ? isObject(value['value'])
      : part === 'key-hashes'
        ? typeof value['hashes'] === 'string'
        : Array.isArray(value['items']);
  if (shaped && PART_KINDS.includes(part as PartKind)) return value as unknown as Part;
  throw stateError(`${path}:${i + 1}: not a part of a saved state`);
}

/**
 * The saved state of a version 2 or 3 file: the fields read now, the outcome keys too unless the file
 * keeps their hashes, the lists when first needed (each part line's kind is told from its first
 * characters now, so a file that is not a saved state is refused at once). The history's lines
 * come last.
 */
function readParts(
  path: string,
  lines: Lines,
  first: number,
  parts: number,
  counts: Counts | undefined,
): { state: LazySimState; history: History } {
  let fields: Omit<SimState, ListField> | undefined;
  let hashes: KeyHashes | undefined;
  const lazy: Record<LazyKind, number[]> = {
    'outcome-keys': [],
    outcomes: [],
    migrations: [],
    notices: [],
  };
  let historyFrom: number | undefined;
  for (let i = first; i < first + parts; i++) {
    const kind = partKind(lines, i);
    const inHistory = HISTORY_KINDS.includes(kind as PartKind);
    if (inHistory) historyFrom ??= i;
    else if (historyFrom !== undefined)
      throw stateError(`${path}:${i + 1}: a part of a saved state out of its place`);
    if (kind === 'fields' || kind === 'key-hashes') {
      const part = parsePart(path, i, lines.text(i));
      if (part.part === 'fields') fields = part.value;
      else if (part.part === 'key-hashes') hashes = KeyHashes.decode(part.hashes);
      if (part.part === 'key-hashes' && hashes === undefined)
        throw stateError(`${path}:${i + 1}: the hashes of the outcome keys are not a sorted list`);
    } else if (LAZY_KINDS.includes(kind as LazyKind)) lazy[kind as LazyKind].push(i);
    else throw stateError(`${path}:${i + 1}: not a part of a saved state`);
  }
  if (fields === undefined) throw stateError(`${path}: the saved state has no fields part`);
  if (counts === undefined)
    throw stateError(`${path}:1: the header's "checkpoint" has no counts of its lists`);
  const blockFrom = historyFrom ?? first + parts;
  const blockStart = blockFrom < lines.length ? lines.start(blockFrom) : 0;
  const sizes: number[] = [];
  for (let i = blockFrom; i < first + parts; i++) sizes.push(lines.size(i));
  /** Line `i` as text: the history's lines from the history (the file may be another by then). */
  const text = (i: number): string =>
    i < blockFrom
      ? lines.text(i)
      : lineText(path, i, history.read(lines.start(i) - blockStart, lines.size(i)));
  /** The items of each part line of a kind, parsed as they are first needed. */
  const slices: Record<LazyKind, (readonly unknown[])[]> = {
    'outcome-keys': [],
    outcomes: [],
    migrations: [],
    notices: [],
  };
  const slice = (kind: LazyKind, n: number): readonly unknown[] => {
    const done = slices[kind];
    while (done.length <= n) {
      const i = lazy[kind][done.length] as number;
      const part = parsePart(path, i, text(i));
      if (part.part !== kind || !('items' in part))
        throw stateError(`${path}:${i + 1}: not a part of a saved state`);
      done.push(part.items);
    }
    return done[n] as readonly unknown[];
  };
  const wrongCount = (kind: LazyKind, found: number, count: number): EscalatorError =>
    stateError(
      `${path}: the saved state holds ${found} ${kind}, its header says ${count}: the file is corrupt`,
    );
  const read =
    <T>(kind: LazyKind, count: number) =>
    (): T[] => {
      const items: T[] = [];
      for (let n = 0; n < lazy[kind].length; n++)
        for (const item of slice(kind, n)) items.push(item as T);
      if (items.length !== count) throw wrongCount(kind, items.length, count);
      return items;
    };
  // The keys: read when first needed if their hashes can tell a new key meanwhile, else now.
  let keys: readonly string[] | undefined;
  const readKeys = (): readonly string[] => {
    if (keys !== undefined) return keys;
    const all = read<unknown>('outcome-keys', counts.outcomes ?? countOf('outcome-keys'))();
    if (!all.every((k): k is string => typeof k === 'string'))
      throw stateError(`${path}: an outcome key of the saved state is not a string`);
    keys = all;
    return keys;
  };
  const countOf = (kind: LazyKind): number =>
    lazy[kind].reduce((sum, _, n) => sum + slice(kind, n).length, 0);
  const history = new History(lines.read, blockStart, sizes, 0, counts.migrations);
  const outcomes =
    counts.outcomes !== undefined && hashes !== undefined ? counts.outcomes : readKeys().length;
  history.outcomes = outcomes;
  type Outcome = Omit<SimState['outcomes'][number], 'key'>;
  /** One outcome: the part lines before it are read, not those after. */
  const outcomeAt = (index: number): Outcome => {
    let before = 0;
    for (let n = 0; n < lazy.outcomes.length; n++) {
      const items = slice('outcomes', n);
      if (index < before + items.length) return items[index - before] as Outcome;
      before += items.length;
    }
    throw wrongCount('outcomes', before, outcomes);
  };
  /**
   * The outcome kept under `key`, from the keys line that holds it and its outcomes line (a
   * checkpoint writes the two in slices of the same entries), the other lines not parsed.
   */
  const outcomeOfKey = (key: string): Outcome | undefined => {
    const needle = JSON.stringify(key);
    for (let n = 0; n < lazy['outcome-keys'].length; n++) {
      const line = text(lazy['outcome-keys'][n] as number);
      // An element of the list: its opening quote follows `[` or `,` (a quote inside a key is
      // escaped, so the needle found elsewhere is not the key).
      let at = line.indexOf(needle);
      while (at >= 0 && line[at - 1] !== '[' && line[at - 1] !== ',')
        at = line.indexOf(needle, at + 1);
      if (at < 0) continue;
      const index = slice('outcome-keys', n).indexOf(key);
      const found = slice('outcomes', n);
      if (found.length !== slice('outcome-keys', n).length)
        throw stateError(
          `${path}:${(lazy.outcomes[n] ?? 0) + 1}: the outcomes do not match their keys: the file is corrupt`,
        );
      if (index >= 0) return found[index] as Outcome;
    }
    return undefined;
  };
  return {
    state: {
      ...fields,
      outcomeKeys: {
        count: outcomes,
        read: readKeys,
        ...(hashes === undefined ? {} : { hashes }),
      },
      outcomes: { all: read<Outcome>('outcomes', outcomes), at: outcomeAt, of: outcomeOfKey },
      migrations: { count: counts.migrations, read: read('migrations', counts.migrations) },
      notices: { count: counts.notices, read: read('notices', counts.notices) },
    },
    history,
  };
}

/** The saved state of a version 1 file, read whole (its outcomes carry their keys). */
function readPartsV1(path: string, lines: Lines, first: number, parts: number): LazySimState {
  let fields: Omit<SimState, ListField> | undefined;
  const lists: Record<ListField, unknown[]> = { outcomes: [], migrations: [], notices: [] };
  for (let i = first; i < first + parts; i++) {
    const part = parsePart(path, i, lines.text(i));
    if (part.part === 'fields') fields = part.value;
    else if (part.part === 'outcome-keys' || part.part === 'key-hashes')
      throw stateError(`${path}:${i + 1}: not a part of a saved state`);
    else for (const item of part.items) lists[part.part].push(item);
  }
  if (fields === undefined) throw stateError(`${path}: the saved state has no fields part`);
  const outcomes = lists.outcomes as SimState['outcomes'];
  const migrations = lists.migrations as SimState['migrations'];
  const notices = lists.notices as SimState['notices'];
  return {
    ...fields,
    outcomeKeys: { count: outcomes.length, read: () => outcomes.map((o) => o.key) },
    outcomes: { all: () => outcomes, at: (i) => outcomes[i] as SimState['outcomes'][number] },
    migrations: { count: migrations.length, read: () => migrations },
    notices: { count: notices.length, read: () => notices },
  };
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
  if (version === 1 && (!isObject(inventory) || !Array.isArray(inventory['hosts'])))
    throw stateError(`${path}:1: the header's "inventory" is not an inventory`);
  if (!isObject(value['options']))
    throw stateError(`${path}:1: the header's "options" is not an object`);
  if (value['inventorySource'] !== undefined && typeof value['inventorySource'] !== 'string')
    throw stateError(`${path}:1: the header's "inventorySource" is not a digest`);
  const checkpoint = value['checkpoint'];
  if (checkpoint !== undefined) {
    const parts = isObject(checkpoint) ? checkpoint['parts'] : undefined;
    if (
      !isObject(checkpoint) ||
      !isPosition(checkpoint['clock']) ||
      typeof parts !== 'number' ||
      !Number.isInteger(parts) ||
      parts < 1 ||
      (checkpoint['counts'] !== undefined && !isCounts(checkpoint['counts'])) ||
      (checkpoint['sizes'] !== undefined && !isSizes(checkpoint['sizes'], parts + 1))
    )
      throw stateError(`${path}:1: the header's "checkpoint" is not a saved state`);
  }
  return value as unknown as Header;
}

function isCounts(value: unknown): boolean {
  return (
    isObject(value) &&
    (value['outcomes'] === undefined || Number.isInteger(value['outcomes'])) &&
    Number.isInteger(value['migrations']) &&
    Number.isInteger(value['notices'])
  );
}

/** `lines` sizes of lines in bytes: each at least a character and its newline. */
function isSizes(value: unknown, lines: number): boolean {
  return (
    Array.isArray(value) &&
    value.length === lines &&
    value.every((n) => Number.isInteger(n) && (n as number) >= 2)
  );
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

/**
 * The part lines of a saved state, each at most `PART_ITEMS` entries: the fields, the hashes of
 * every outcome key the file holds and the notices (`rest`), and the history (outcome keys,
 * outcomes, migrations) encoded, since a checkpoint keeps it to write again.
 */
export function partLines(
  state: Omit<SimState, 'world'>,
  writeWorld: (push: (text: string) => void) => void,
  hashes: KeyHashes,
  scratch: Scratch,
): { rest: Buffer[]; history: Buffer[] } {
  const { outcomes, migrations, notices, ...fields } = state;
  const slices = <T>(part: PartKind, items: readonly T[], map: (item: T) => unknown): string[] => {
    const lines: string[] = [];
    for (let i = 0; i < items.length; i += PART_ITEMS)
      lines.push(JSON.stringify({ part, items: items.slice(i, i + PART_ITEMS).map(map) }));
    return lines;
  };
  // The fields line is `{"part":"fields","value":{"world":…,…fields}}`, the world in pieces.
  const push = (text: string): void => scratch.push(text);
  scratch.clear();
  push('{"part":"fields","value":{"world":');
  writeWorld(push);
  push(`,${JSON.stringify(fields).slice(1)}}`);
  scratch.endLine();
  // Base64 needs no escapes in a JSON string.
  push(`{"part":"key-hashes","hashes":"`);
  push(hashes.encode());
  push('"}');
  scratch.endLine();
  for (const line of slices('notices', notices, (n) => n)) {
    push(line);
    scratch.endLine();
  }
  return {
    rest: scratch.take(),
    history: [
      ...slices('outcome-keys', outcomes, (o) => o.key),
      ...slices('outcomes', outcomes, ({ key: _key, ...o }) => o),
      ...slices('migrations', migrations, (m) => m),
    ].map((line) => Buffer.from(`${line}\n`, 'utf8')),
  };
}

/**
 * Memory that lines are encoded into, piece by piece, and written from; kept from one use to the
 * next. On a virtual machine where a first touch of memory costs ~3 ms a MiB, encoding a
 * 10,000-host twin's ~30 MB of world into new memory took ~200 ms a checkpoint.
 */
export class Scratch {
  private memory = Buffer.alloc(0);
  private used = 0;
  private readonly ends: number[] = [];

  /** Appends the UTF-8 bytes of `text` to the line being written. */
  push(text: string): void {
    // At most 3 bytes of UTF-8 per UTF-16 unit: measure only when that might not fit.
    if (this.used + text.length * 3 > this.memory.length) {
      const need = this.used + Buffer.byteLength(text, 'utf8');
      // Grown by half again over the need: the world grows a little between checkpoints.
      if (need > this.memory.length) {
        const bigger = Buffer.allocUnsafe(Math.max(need + (need >> 1), 1 << 16));
        this.memory.copy(bigger, 0, 0, this.used);
        this.memory = bigger;
      }
    }
    this.used += this.memory.write(text, this.used, 'utf8');
  }

  /** Ends the line being written (with a newline). */
  endLine(): void {
    this.push('\n');
    this.ends.push(this.used);
  }

  /** Forgets what was pushed (a write that failed half-way left it there). */
  clear(): void {
    this.used = 0;
    this.ends.length = 0;
  }

  /** The lines ended since the last `clear` or `take`, valid until the next `push`; clears. */
  take(): Buffer[] {
    const lines: Buffer[] = [];
    let start = 0;
    for (const end of this.ends) {
      lines.push(this.memory.subarray(start, end));
      start = end;
    }
    this.clear();
    return lines;
  }
}

/** Write a whole file so that a crash leaves the old one or the new one, never half of it. */
export function writeAtomically(path: string, pieces: readonly (string | Buffer)[]): void {
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

export function writeAll(fd: number, text: string | Buffer): void {
  const buffer = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  let done = 0;
  while (done < buffer.length) done += writeSync(fd, buffer, done, buffer.length - done);
}
