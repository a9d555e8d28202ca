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
export const SPACE = 0x20;
export const HASH = 0x23;
export const DASH = 0x2d;
export const COLON = 0x3a;
export const COMMA = 0x2c;

export function isBlankTo(text: string, from: number, end: number): boolean {
  return skipSpaces(text, from, end) === end;
}

export function skipSpaces(text: string, from: number, end: number): number {
  let pos = from;
  while (pos < end && text.charCodeAt(pos) === SPACE) pos++;
  return pos;
}

/** A `:` that makes the token before it a key: followed by a space or the end of the line. */
export function isKeyAt(text: string, pos: number, end: number): boolean {
  return (
    pos < end &&
    text.charCodeAt(pos) === COLON &&
    (pos + 1 === end || text.charCodeAt(pos + 1) === SPACE)
  );
}

/** A quoted scalar at `pos`, to its closing quote on the line. */
export function quotedToken(text: string, pos: number, end: number): Token {
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
export function flowToken(text: string, pos: number, end: number): Token {
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
 * bracket, a plain scalar to `: `, ` #` or the end of the line.
 */
export function scalarToken(text: string, pos: number, end: number): Token {
  const c = text[pos];
  if (c === '"' || c === "'") return quotedToken(text, pos, end);
  if (c === '[' || c === '{') return flowToken(text, pos, end);
  return plainToken(text, pos, end, false);
}

/** A plain scalar at `pos`, to `: `, ` #` or `end`; inside a flow collection also to `,`. */
export function plainToken(text: string, pos: number, end: number, inFlow: boolean): Token {
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
