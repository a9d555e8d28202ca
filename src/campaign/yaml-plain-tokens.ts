/**
 * The tokens of a line in the plain YAML layout (yaml-fast.ts), and what their text means: shared
 * by the pass that reads the data (yaml-plain-read.ts) and the one that finds positions
 * (yaml-plain-source.ts). Text outside the layout makes them give up with PlainLayoutLost.
 */
import { plainScalarValue } from './yaml-core-schema.js';

/** The text left the plain layout where these passes can follow it. */
export class PlainLayoutLost extends Error {
  constructor(offset: number) {
    super(`the plain YAML layout is lost at offset ${offset}`);
    this.name = 'PlainLayoutLost';
  }
}

/** A scalar token of a line: [start, end) of its text, and whether it is plain. */
export interface Token {
  readonly start: number;
  readonly end: number;
  readonly plain: boolean;
}

export const CR = 0x0d;
const SPACE = 0x20;
export const HASH = 0x23;
const DASH = 0x2d;
const AMPERSAND = 0x26;
const SINGLE_QUOTE = 0x27;
const DOUBLE_QUOTE = 0x22;
const BACKSLASH = 0x5c;
const ASTERISK = 0x2a;
export const COLON = 0x3a;
export const COMMA = 0x2c;

function isBlankTo(text: string, from: number, end: number): boolean {
  return skipSpaces(text, from, end) === end;
}

export function skipSpaces(text: string, from: number, end: number): number {
  let pos = from;
  while (pos < end && text.charCodeAt(pos) === SPACE) pos++;
  return pos;
}

/**
 * The lines of text in the plain layout that hold nodes, one at a time (blank lines and comments
 * are passed over), for both passes; a block scalar's text moves `next` past its own lines.
 */
export class NodeLines {
  /** Where the line after the current one starts. */
  next = 0;
  /** The current line: its start, its first node's start, its end (before its \n or \r\n). */
  start = 0;
  pos = 0;
  end = 0;
  /**
   * Passed over before the current line: how many blank lines, whether a comment, whether one
   * glued to its `#` (`#x`, which the yaml package can take for part of a key), and whether a
   * comment after a blank line (before which the yaml package misreads a plain scalar).
   */
  blank = 0;
  comment = false;
  gluedComment = false;
  commentAfterBlank = false;

  constructor(private readonly text: string) {}

  /** Moves to the next line that holds a node; false at the end of the text. */
  advance(): boolean {
    const text = this.text;
    this.blank = 0;
    this.comment = false;
    this.gluedComment = false;
    this.commentAfterBlank = false;
    while (this.next < text.length) {
      const start = this.next;
      const newline = text.indexOf('\n', start);
      this.next = newline === -1 ? text.length : newline + 1;
      let end = newline === -1 ? text.length : newline;
      if (end > start && text.charCodeAt(end - 1) === CR) end -= 1;
      const pos = skipSpaces(text, start, end);
      if (pos === end) {
        this.blank += 1;
        continue;
      }
      if (text.charCodeAt(pos) === HASH) {
        this.comment = true;
        if (this.blank > 0) this.commentAfterBlank = true;
        if (pos + 1 < end && text.charCodeAt(pos + 1) !== SPACE) this.gluedComment = true;
        continue;
      }
      this.start = start;
      this.pos = pos;
      this.end = end;
      return true;
    }
    return false;
  }

  /** Whether the current line is a document marker: `---` alone, at its start. */
  isMarker(): boolean {
    return (
      this.pos === this.start &&
      this.text.startsWith('---', this.pos) &&
      isBlankTo(this.text, this.pos + 3, this.end)
    );
  }
}

/**
 * Closes the open collections (innermost last in `stack`) that a line whose first node is at
 * `col` is not inside of: those indented past it, and a sequence at its column when the line
 * holds no item (a sequence at its mapping's column ends where the mapping's next key begins).
 */
export function closeCollections<F extends { readonly col: number }>(
  stack: F[],
  col: number,
  isDash: boolean,
  isSequence: (frame: F) => boolean,
): void {
  for (let top = stack[stack.length - 1]; top !== undefined; top = stack[stack.length - 1]) {
    if (top.col > col || (top.col === col && !isDash && isSequence(top))) stack.pop();
    else break;
  }
}

/**
 * A quoted scalar ('single' or "double") that opens at `pos` and does not close on its line
 * (which ends at `end`): its token, to the closing quote on a later line, and where the line
 * after that starts (`next` is where the line after the opening one starts). Undefined when it
 * closes on its own line. Its lines must be indented past `parent`, the column of its key or
 * dash, and hold no tab or other control character; after the closing quote only spaces and a
 * comment. Else PlainLayoutLost.
 */
export function quotedLines(
  text: string,
  pos: number,
  end: number,
  next: number,
  parent: number,
): { token: Token; next: number } | undefined {
  const closing = text.charCodeAt(pos) === DOUBLE_QUOTE ? closingDoubleQuote : closingQuote;
  if (closing(text, pos + 1, end) >= 0) return undefined;
  if (CONTROL_OR_TAB.test(text.slice(pos, end))) throw new PlainLayoutLost(pos);
  for (let start = next; start < text.length;) {
    const newline = text.indexOf('\n', start);
    const after = newline === -1 ? text.length : newline + 1;
    let lineEnd = newline === -1 ? text.length : newline;
    if (lineEnd > start && text.charCodeAt(lineEnd - 1) === CR) lineEnd -= 1;
    const first = skipSpaces(text, start, lineEnd);
    if (CONTROL_OR_TAB.test(text.slice(start, lineEnd))) throw new PlainLayoutLost(start);
    if (first < lineEnd) {
      if (first - start <= parent) throw new PlainLayoutLost(first);
      const close = closing(text, first, lineEnd);
      if (close >= 0) {
        const rest = skipSpaces(text, close + 1, lineEnd);
        if (rest < lineEnd && (rest === close + 1 || text.charCodeAt(rest) !== HASH))
          throw new PlainLayoutLost(rest);
        return { token: { start: pos, end: close + 1, plain: false }, next: after };
      }
    }
    start = after;
  }
  throw new PlainLayoutLost(pos);
}

/** Tabs and other control characters, which the layout keeps out of quoted text. */
const CONTROL_OR_TAB = /[\x00-\x1f\x7f]/;

/** The first `'` in [from, end) that is not one of a pair (`''`); -1 if none. */
function closingQuote(text: string, from: number, end: number): number {
  for (let i = text.indexOf("'", from); i >= 0 && i < end; i = text.indexOf("'", i)) {
    if (text.charCodeAt(i + 1) !== SINGLE_QUOTE || i + 1 >= end) return i;
    i += 2;
  }
  return -1;
}

/** The first `"` in [from, end) that no backslash escapes; -1 if none. */
function closingDoubleQuote(text: string, from: number, end: number): number {
  for (let i = from; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === DOUBLE_QUOTE) return i;
  }
  return -1;
}

/**
 * The text of a quoted scalar over several lines, folded as YAML folds flow scalars: each line
 * trimmed of the spaces at its ends (the first at its end, the last at its start), a line break
 * between two lines of text read as a space, and each empty line between as one. In "double"
 * quotes, spaces that an escape makes text stay (`\ `), and a `\` at the end of a line joins it
 * to the next without a space, keeping the spaces before it; then the escapes are undone.
 */
export function foldQuoted(text: string, token: Token): string {
  const lines = text.slice(token.start + 1, token.end - 1).split('\n');
  if (text.charCodeAt(token.start) === DOUBLE_QUOTE)
    return unescape(`"${foldLines(lines, true)}"`, token.start);
  return foldLines(lines, false).replace(/''/g, "'");
}

/**
 * Lines of a quoted scalar (each may end with \r), folded (foldQuoted); with `escapes` (double
 * quotes) the escapes are kept, to be undone after.
 */
function foldLines(lines: readonly string[], escapes: boolean): string {
  const last = lines.length - 1;
  let folded = '';
  let breaks = 0;
  let joined = false;
  for (let i = 0; i <= last; i++) {
    let line = lines[i] ?? '';
    if (i < last && line.endsWith('\r')) line = line.slice(0, -1);
    if (i > 0) line = line.replace(/^ +/, '');
    if (i > 0 && i < last && line === '') {
      breaks += 1;
      continue;
    }
    if (i > 0) folded += joined ? joinedBreak(breaks) : breaks > 0 ? '\n'.repeat(breaks) : ' ';
    breaks = 0;
    joined = escapes && i < last && backslashesBefore(line, line.length) % 2 === 1;
    if (i === last) folded += line;
    else folded += joined ? line.slice(0, -1) : withoutTrailingSpaces(line, escapes);
  }
  return folded;
}

/**
 * What a `\` at the end of a line and then `empty` empty lines read as, in the yaml package:
 * nothing, or the empty lines folded as if the first were the line break (one is a space).
 * YAML 1.2 (and PyYAML) would keep a line feed for each; this road reads as the yaml package.
 */
function joinedBreak(empty: number): string {
  if (empty === 0) return '';
  return empty === 1 ? ' ' : '\n'.repeat(empty - 1);
}

/** How many backslashes there are right before `end`. */
function backslashesBefore(line: string, end: number): number {
  let count = 0;
  while (end - count > 0 && line.charCodeAt(end - count - 1) === BACKSLASH) count++;
  return count;
}

/** `line` without the spaces at its end, but, with `escapes`, for one an escape makes text (`\ `). */
function withoutTrailingSpaces(line: string, escapes: boolean): string {
  let end = line.length;
  while (end > 0 && line.charCodeAt(end - 1) === SPACE) end--;
  if (end === line.length) return line;
  return line.slice(0, escapes && backslashesBefore(line, end) % 2 === 1 ? end + 1 : end);
}

/** An anchor (`&name`) or an alias (`*name`) where a node starts, as the layout has them. */
export interface NodeProperty {
  readonly alias: boolean;
  readonly name: string;
  /** Where the node after an anchor starts, past the spaces: the line's end if none does. */
  readonly next: number;
}

/** The anchor or alias at `pos`, if one is there (yaml-fast.ts: ANCHOR, ALIAS). */
export function nodePropertyAt(text: string, pos: number, end: number): NodeProperty | undefined {
  const c = text.charCodeAt(pos);
  if (c !== AMPERSAND && c !== ASTERISK) return undefined;
  let nameEnd = pos + 1;
  while (nameEnd < end && text.charCodeAt(nameEnd) !== SPACE) nameEnd++;
  const name = text.slice(pos + 1, nameEnd);
  return { alias: c === ASTERISK, name, next: skipSpaces(text, nameEnd, end) };
}

/** A `-` that opens a sequence item: followed by a space. */
export const isDashAt = (text: string, pos: number): boolean =>
  text.charCodeAt(pos) === DASH && text.charCodeAt(pos + 1) === SPACE;

/** A `:` that makes the token before it a key: followed by a space or the end of the line. */
export function isKeyAt(text: string, pos: number, end: number): boolean {
  return (
    pos < end &&
    text.charCodeAt(pos) === COLON &&
    (pos + 1 === end || text.charCodeAt(pos + 1) === SPACE)
  );
}

/** A quoted scalar at `pos`, to its closing quote on the line. */
function quotedToken(text: string, pos: number, end: number): Token {
  const c = text[pos];
  let i = pos + 1;
  for (;;) {
    if (i >= end) throw new PlainLayoutLost(pos);
    const ch = text[i];
    if (c === '"' && ch === '\\') i += 2;
    else if (ch === c) {
      if (c === "'" && text[i + 1] === "'") i += 2;
      else break;
    } else i += 1;
  }
  return { start: pos, end: i + 1, plain: false };
}

/** A scalar inside a flow collection: quoted, or plain to `,`, `: ` or the collection's end. */
export function flowScalarToken(text: string, pos: number, close: number): Token {
  const c = text[pos];
  return c === '"' || c === "'"
    ? quotedToken(text, pos, close)
    : plainToken(text, pos, close, true);
}

/**
 * A flow collection at `pos`, to the bracket that closes it on the line. A quote opens a quoted
 * scalar only where an entry begins (`it's` is plain), and quoted scalars are skipped whole.
 */
function flowToken(text: string, pos: number, end: number): Token {
  const closer = text[pos] === '[' ? ']' : '}';
  let atEntry = true;
  for (let i = pos + 1; i < end;) {
    const ch = text[i];
    if (ch === closer) return { start: pos, end: i + 1, plain: false };
    if (atEntry && (ch === '"' || ch === "'")) {
      i = quotedToken(text, i, end).end;
      atEntry = false;
      continue;
    }
    if (ch === ',' || (ch === ':' && text[i + 1] === ' ')) atEntry = true;
    else if (ch !== ' ') atEntry = false;
    i += 1;
  }
  throw new PlainLayoutLost(pos);
}

/**
 * The value at `pos`: a quoted scalar to its closing quote, a flow collection to its closing
 * bracket, a plain scalar to `: `, ` #` or the end of the line. Not a block scalar's header.
 */
export function scalarToken(text: string, pos: number, end: number): Token {
  const c = text[pos];
  // A block scalar's header: its text is on the lines below, which only yaml-plain-read.ts reads.
  if (c === '|' || c === '>') throw new PlainLayoutLost(pos);
  if (c === '"' || c === "'") return quotedToken(text, pos, end);
  if (c === '[' || c === '{') return flowToken(text, pos, end);
  return plainToken(text, pos, end, false);
}

/** A plain scalar at `pos`, to `: `, ` #` or `end`; inside a flow collection also to `,`. */
function plainToken(text: string, pos: number, end: number, inFlow: boolean): Token {
  let last = pos;
  for (let i = pos; i < end; i++) {
    const ch = text.charCodeAt(i);
    if (ch === COLON && (i + 1 === end || text.charCodeAt(i + 1) === SPACE)) break;
    if (inFlow && ch === COMMA) break;
    if (ch === SPACE) {
      if (text.charCodeAt(i + 1) === HASH) break;
    } else last = i + 1;
  }
  return { start: pos, end: last, plain: true };
}

/** A key's text as the data has it: quotes undone, plain keys read by the core schema. */
export function keyString(text: string, token: Token): string {
  const raw = text.slice(token.start, token.end);
  if (!token.plain)
    return raw[0] === "'" ? raw.slice(1, -1).replace(/''/g, "'") : unescape(raw, token.start);
  return String(plainScalarValue(raw));
}

const ESCAPES: Readonly<Record<string, string>> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\x85',
  _: '\xa0',
  L: '\u2028',
  P: '\u2029',
};

/** A double-quoted scalar's text (the escapes the plain layout lets through). */
export function unescape(quoted: string, at: number): string {
  return quoted
    .slice(1, -1)
    .replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, e: string) => {
      if (e.length > 1) return String.fromCodePoint(parseInt(e.slice(1), 16));
      const out = ESCAPES[e];
      if (out === undefined) throw new PlainLayoutLost(at);
      return out;
    });
}

/** A block scalar's header, `|` or `>` and its chomping indicator (`-` strip, `+` keep). */
export interface BlockHeader {
  readonly folded: boolean;
  readonly chomp: '' | '-' | '+';
}

/**
 * The block scalar header at `pos`, if the value there is one (the plain layout's check let
 * through only `|` or `>`, a chomping indicator, and a comment).
 */
export function blockHeaderAt(text: string, pos: number): BlockHeader | undefined {
  const c = text.charCodeAt(pos);
  if (c !== PIPE && c !== GREATER) return undefined;
  const indicator = text.charCodeAt(pos + 1);
  const chomp = indicator === MINUS ? '-' : indicator === PLUS ? '+' : '';
  return { folded: c === GREATER, chomp };
}

const PIPE = 0x7c;
const GREATER = 0x3e;
const MINUS = 0x2d;
const PLUS = 0x2b;
const TAB = 0x09;
/** Characters a block scalar of the plain layout may not hold: other control characters. */
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;

/**
 * The text of a block scalar whose header ends the line before `from`, in a collection at
 * column `parent`; the offset of the first line after it; and where its node's range ends.
 * Only the common forms: the content's indentation taken from its first line, no empty line
 * before that, and in a folded scalar no line indented further than the first. Others, and a
 * block that ends the file without a line end, make it give up (PlainLayoutLost): where YAML's
 * rules for them are subtle, the yaml package reads them.
 */
export function blockScalar(
  text: string,
  from: number,
  parent: number,
  header: BlockHeader,
): { value: string; next: number; end: number } {
  const lines: string[] = [];
  let indent = -1;
  let empty = 0;
  let next = from;
  let contentEnd = from;
  while (next < text.length) {
    const newline = text.indexOf('\n', next);
    if (newline === -1) throw new PlainLayoutLost(next);
    let end = newline;
    if (end > next && text.charCodeAt(end - 1) === CR) end -= 1;
    const spaces = skipSpaces(text, next, end) - next;
    if (next + spaces === end) {
      // An empty line; spaces past the content's indentation would be text of their own.
      if (indent < 0 || spaces > indent) throw new PlainLayoutLost(next);
      empty += 1;
    } else {
      if (indent < 0) {
        if (spaces <= parent) break;
        indent = spaces;
      } else if (spaces < indent) {
        // A line between the parent's column and the content's: an error in YAML.
        if (spaces > parent) throw new PlainLayoutLost(next);
        break;
      }
      const line = text.slice(next + indent, end);
      if (CONTROL.test(line) || (header.folded && (spaces > indent || line.charCodeAt(0) === TAB)))
        throw new PlainLayoutLost(next);
      if (lines.length > 0)
        lines.push(
          header.folded && empty === 0 ? ' ' : '\n'.repeat(empty + (header.folded ? 0 : 1)),
        );
      lines.push(line);
      empty = 0;
      contentEnd = newline + 1;
    }
    next = newline + 1;
  }
  if (indent < 0) throw new PlainLayoutLost(from);
  const body = lines.join('');
  const value =
    header.chomp === '-'
      ? body
      : header.chomp === '+'
        ? `${body}\n${'\n'.repeat(empty)}`
        : `${body}\n`;
  // The yaml package's range of the node: from the header past the last line of text, and past
  // the empty lines after it when they are kept.
  return { value, next, end: header.chomp === '+' ? next : contentEnd };
}
