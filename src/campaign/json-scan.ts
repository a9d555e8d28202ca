/**
 * A JSON scanner that builds no values: it finds the first syntax error (with what was
 * expected), duplicate keys, and the offsets of wanted paths. `JSON.parse` reads documents;
 * this runs only when there is something to explain, so its speed matters less than its words.
 */
import type { Path, PathSegment } from './path.js';
import { LineIndex } from './source-map.js';

/** The paths to locate, as a tree so the scanner can ignore every other branch cheaply. */
export interface PathTrie {
  wanted: boolean;
  readonly children: Map<PathSegment, PathTrie>;
}

export interface JsonLocation {
  readonly keyOffset: number | undefined;
  readonly valueOffset: number;
}

export interface JsonSyntaxError {
  readonly offset: number;
  readonly path: Path;
  readonly expected: string;
  readonly found: string;
  readonly hint: string | undefined;
}

export interface JsonDuplicateKey {
  readonly path: Path;
  readonly offset: number;
  readonly firstOffset: number;
}

export interface JsonScan {
  readonly error: JsonSyntaxError | undefined;
  readonly duplicates: readonly JsonDuplicateKey[];
  readonly locations: ReadonlyMap<PathTrie, JsonLocation>;
}

export const newTrie = (): PathTrie => ({ wanted: false, children: new Map() });

export function scanJson(text: string, wanted: PathTrie = newTrie()): JsonScan {
  const scanner = new Scanner(text);
  scanner.run(wanted);
  return { error: scanner.error, duplicates: scanner.duplicates, locations: scanner.locations };
}

const MAX_DEPTH = 1000;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

/** Character codes the scanner compares against. */
const Char = {
  Tab: 0x09,
  Newline: 0x0a,
  Return: 0x0d,
  Space: 0x20,
  Quote: 0x22,
  Comma: 0x2c,
  Minus: 0x2d,
  Colon: 0x3a,
  OpenBracket: 0x5b,
  Backslash: 0x5c,
  CloseBracket: 0x5d,
  OpenBrace: 0x7b,
  CloseBrace: 0x7d,
} as const;

/** Thrown to unwind the scan at the first syntax error, which is already recorded. */
class Stop extends Error {}

class Scanner {
  pos = 0;
  error: JsonSyntaxError | undefined;
  readonly duplicates: JsonDuplicateKey[] = [];
  readonly locations = new Map<PathTrie, JsonLocation>();
  private readonly path: PathSegment[] = [];
  private readonly lines: LineIndex;

  constructor(private readonly text: string) {
    this.lines = new LineIndex(text);
  }

  run(root: PathTrie): void {
    try {
      this.skipSpace();
      if (this.pos >= this.text.length) this.fail('a JSON value', 'the file is empty');
      this.value(root, 0, undefined);
      this.skipSpace();
      if (this.pos < this.text.length)
        this.fail('the end of the document', 'a JSON file holds exactly one value');
    } catch (error) {
      if (!(error instanceof Stop)) throw error;
    }
  }

  private value(node: PathTrie | undefined, depth: number, keyOffset: number | undefined): void {
    if (depth > MAX_DEPTH) this.fail('at most 1000 levels of nesting', undefined);
    const start = this.pos;
    const c = this.text.charCodeAt(start);
    if (c === Char.OpenBrace) this.object(node, depth + 1);
    else if (c === Char.OpenBracket) this.array(node, depth + 1);
    else if (c === Char.Quote) this.string();
    else if (c === Char.Minus || (c >= 0x30 && c <= 0x39)) this.number();
    else if (!this.literal('true') && !this.literal('false') && !this.literal('null'))
      this.fail('a value', valueHint(this.text, start));
    if (node?.wanted === true) this.locations.set(node, { keyOffset, valueOffset: start });
  }

  private object(node: PathTrie | undefined, depth: number): void {
    const open = this.pos++;
    const seen = new Map<string, number>();
    this.skipSpace();
    if (this.at(Char.CloseBrace)) return void this.pos++;
    for (;;) {
      if (!this.at(Char.Quote))
        this.fail('a field name in double quotes', nameHint(this.text, this.pos));
      const keyOffset = this.pos;
      const key = this.key();
      const first = seen.get(key);
      if (first === undefined) seen.set(key, keyOffset);
      else
        this.duplicates.push({ path: [...this.path, key], offset: keyOffset, firstOffset: first });
      this.skipSpace();
      if (!this.at(Char.Colon)) this.fail('":" after the field name', undefined);
      this.pos++;
      this.skipSpace();
      this.path.push(key);
      this.value(node?.children.get(key), depth, keyOffset);
      this.path.pop();
      this.skipSpace();
      if (this.at(Char.CloseBrace)) return void this.pos++;
      if (!this.at(Char.Comma)) this.fail('"," or "}"', this.unclosedHint(open, 'object'));
      this.pos++;
      this.skipSpace();
      if (this.at(Char.CloseBrace))
        this.fail('a field name', 'JSON allows no comma after the last field');
    }
  }

  private array(node: PathTrie | undefined, depth: number): void {
    const open = this.pos++;
    this.skipSpace();
    if (this.at(Char.CloseBracket)) return void this.pos++;
    for (let index = 0; ; index++) {
      this.path.push(index);
      this.value(node?.children.get(index), depth, undefined);
      this.path.pop();
      this.skipSpace();
      if (this.at(Char.CloseBracket)) return void this.pos++;
      if (!this.at(Char.Comma)) this.fail('"," or "]"', this.unclosedHint(open, 'list'));
      this.pos++;
      this.skipSpace();
      if (this.at(Char.CloseBracket))
        this.fail('a value', 'JSON allows no comma after the last item');
    }
  }

  private key(): string {
    const start = this.pos;
    this.string();
    const raw = this.text.slice(start + 1, this.pos - 1);
    return raw.includes('\\') ? (JSON.parse(this.text.slice(start, this.pos)) as string) : raw;
  }

  private string(): void {
    const start = this.pos++;
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (c === Char.Quote) return void this.pos++;
      if (c === Char.Backslash) this.escape();
      else if (Number.isNaN(c)) {
        this.pos = start;
        this.fail('a closing quote for this string', 'the string never ends');
      } else if (c < Char.Space)
        this.fail('text without control characters', 'write a line break as \\n');
      else this.pos++;
    }
  }

  private escape(): void {
    const next = this.text.charAt(this.pos + 1);
    if (ESCAPES.has(next)) this.pos += 2;
    else if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(this.text.slice(this.pos + 2, this.pos + 6)))
      this.pos += 6;
    else this.fail('an escape such as \\n, \\" or \\u00e9', undefined);
  }

  private number(): void {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (match === null) this.fail('a number', undefined);
    this.pos = NUMBER.lastIndex;
  }

  private literal(word: string): boolean {
    if (!this.text.startsWith(word, this.pos)) return false;
    this.pos += word.length;
    return true;
  }

  private at(c: number): boolean {
    return this.text.charCodeAt(this.pos) === c;
  }

  private skipSpace(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (c !== Char.Space && c !== Char.Newline && c !== Char.Return && c !== Char.Tab) return;
      this.pos++;
    }
  }

  private unclosedHint(open: number, what: string): string | undefined {
    if (this.pos < this.text.length) return this.at(Char.Quote) ? 'a comma is missing' : undefined;
    return `the ${what} opened at line ${this.lines.position(open).line} is not closed`;
  }

  private fail(expected: string, hint: string | undefined): never {
    this.error = {
      offset: this.pos,
      path: [...this.path],
      expected,
      found: foundAt(this.text, this.pos),
      hint,
    };
    throw new Stop();
  }
}

/** What stands at `offset`: `the end of the file`, `'}'`, or a word such as `True`. */
function foundAt(text: string, offset: number): string {
  if (offset >= text.length) return 'the end of the file';
  if (text.startsWith('//', offset) || text.startsWith('/*', offset)) return 'a comment';
  const word = /[A-Za-z_$][\w$]*/y;
  word.lastIndex = offset;
  const match = word.exec(text);
  if (match !== null) return match[0].length > 20 ? `${match[0].slice(0, 20)}…` : match[0];
  return `'${text.charAt(offset)}'`;
}

function valueHint(text: string, offset: number): string | undefined {
  const c = text.charAt(offset);
  if (c === "'") return 'JSON strings use double quotes';
  if (c === '/') return 'JSON has no comments (YAML does)';
  if (/[A-Za-z_]/.test(c))
    return 'values are true, false, null, numbers, "text", [lists] or {objects}';
  return undefined;
}

function nameHint(text: string, offset: number): string | undefined {
  const c = text.charAt(offset);
  if (c === "'") return 'JSON field names use double quotes';
  if (c === '/') return 'JSON has no comments (YAML does)';
  if (/[A-Za-z_$]/.test(c)) return 'field names need double quotes in JSON';
  return undefined;
}

/**
 * Whether the text has keys that `JSON.parse` silently dropped: it counts the members in the
 * text (a colon outside strings introduces exactly one) and the keys in the parsed value.
 * Much cheaper than a scan, so it can run on every load.
 */
export function hasDuplicateKeys(text: string, data: unknown): boolean {
  return countMembers(text) !== countKeys(data);
}

/** Colons outside strings, found with indexOf (native speed) and linear in the text. */
function countMembers(text: string): number {
  let count = 0;
  let colon = text.indexOf(':');
  let pos = 0;
  for (;;) {
    const quote = text.indexOf('"', pos);
    const end = quote === -1 ? text.length : quote;
    for (; colon !== -1 && colon < end; colon = text.indexOf(':', colon + 1))
      if (colon >= pos) count++;
    if (quote === -1) return count;
    pos = closingQuote(text, quote) + 1;
    if (pos === 0) return count;
  }
}

/** The offset of the quote that closes the string opened at `open`, or -1. */
function closingQuote(text: string, open: number): number {
  for (let q = text.indexOf('"', open + 1); q !== -1; q = text.indexOf('"', q + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(q - 1 - backslashes) === Char.Backslash) backslashes++;
    if (backslashes % 2 === 0) return q;
  }
  return -1;
}

/**
 * Keys of all objects in `data`, with for-in (no array per object, as Object.values makes) and
 * by recursion, whose small function is optimised within a few calls where one long loop waits
 * for on-stack replacement: ~12 ms for a 10,000-host inventory in a fresh process, against
 * ~100 ms for the loop and ~30-130 ms with Object.values. Deeper than MAX_RECURSION, the loop
 * takes over.
 */
function countKeys(data: unknown, depth = 0): number {
  if (typeof data !== 'object' || data === null) return 0;
  if (depth > MAX_RECURSION) return countKeysIteratively(data);
  let count = 0;
  if (Array.isArray(data)) {
    const items = data as readonly unknown[];
    for (let k = 0; k < items.length; k++) count += countKeys(items[k], depth + 1);
    return count;
  }
  const record = data as Readonly<Record<string, unknown>>;
  for (const key in record) count += 1 + countKeys(record[key], depth + 1);
  return count;
}

const MAX_RECURSION = 64;

function countKeysIteratively(data: unknown): number {
  let count = 0;
  const stack: unknown[] = [data];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (const item of value as readonly unknown[]) stack.push(item);
      continue;
    }
    const record = value as Readonly<Record<string, unknown>>;
    for (const key in record) {
      count++;
      stack.push(record[key]);
    }
  }
  return count;
}
