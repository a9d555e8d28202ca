/**
 * The fast road for plain YAML. The yaml package, which keeps every node's range for positions,
 * reads a generated 38 MB inventory in ~21 s and ~2 GB; the fast road only takes text in the
 * plain layout below, and reads it exactly as the yaml package would:
 *
 * - a pass over its lines (yaml-plain-read.ts) reads most of it, a generated inventory in
 *   ~0.9 s; what that pass declines (a key such as `1:`, a plain scalar continued after a
 *   comment), js-yaml reads, in ~1.6 s, except block scalars, quoted text over several lines,
 *   anchors and aliases, which js-yaml is not trusted with;
 * - plain scalars resolve by the yaml package's YAML 1.2 core schema (yaml-core-schema.ts: the
 *   same patterns and conversions, so `1_000`, `0b1` or `2026-12-07` stay strings);
 * - text outside the layout, and any text both decline or js-yaml refuses (duplicate keys,
 *   syntax errors), is read by the yaml package, the road that reports every problem with its
 *   position.
 *
 * The property tests in yaml-fast.test.ts and yaml-plain-read.test.ts hold the roads to the
 * same data.
 */
import { createRequire } from 'node:module';
import type * as JsYaml from 'js-yaml';
import { CORE_TAGS, formOf, type CoreTag } from './yaml-core-schema.js';
import { readPlainLayout } from './yaml-plain-read.js';
import { CR, PlainLayoutLost, quotedLines, skipSpaces } from './yaml-plain-tokens.js';

let loaded: { lib: typeof JsYaml; schema: JsYaml.Schema } | undefined;

function jsYaml(): { lib: typeof JsYaml; schema: JsYaml.Schema } {
  if (loaded !== undefined) return loaded;
  const lib = createRequire(import.meta.url)('js-yaml') as typeof JsYaml;
  loaded = { lib, schema: coreSchema(lib) };
  return loaded;
}

/**
 * The core schema in js-yaml's terms: one type per tag (js-yaml keeps only the last of several
 * with the same tag), each trying that tag's patterns in order.
 */
function coreSchema(lib: typeof JsYaml): JsYaml.Schema {
  const scalar = (tag: CoreTag): JsYaml.Type =>
    new lib.Type(`tag:yaml.org,2002:${tag.tag}`, {
      kind: 'scalar',
      resolve: (data: unknown) =>
        // js-yaml hands an empty plain scalar over as null; the yaml package reads it as null.
        data === null
          ? tag.tag === 'null'
          : typeof data === 'string' && formOf(tag, data) !== undefined,
      construct: (data: unknown) => {
        if (typeof data !== 'string') return null;
        const form = formOf(tag, data);
        return form === undefined ? data : form[1](data);
      },
    });
  return lib.FAILSAFE_SCHEMA.extend({ implicit: CORE_TAGS.map(scalar) });
}

// The plain layout that `sim generate` and most hand-written documents use, one line at a time:
// block mappings and sequences; keys and values that are single-line plain, "double" or
// 'single' quoted scalars; values that are flow collections of such scalars on one line, as
// people write them (`roles: [compute, network]`, `labels: {az: az1, rack: r7}`: no nesting,
// no empty or trailing entries, a space after each `:`); comments after a space; block
// scalars (`description: |`, `- >-`), whose lines below are their text, which only the pass
// over lines reads (it declines the rarer forms, and the yaml package reads those); anchors
// and aliases where a node starts, and quoted text over several lines after a key or a dash
// (as PyYAML folds long strings, in "double" quotes with escapes and `\` at line ends), also
// only for the pass over lines; plain text over several lines. Anything else (anchors
// elsewhere, tags, directives, other flow collections, explicit keys, a `-` with nothing after
// it (js-yaml can file the next item under it), tabs or control characters outside quotes,
// `---` or `...` glued to text, a first node that is indented) is left to the yaml package: it
// is where js-yaml, laxer in places, could read what the yaml package refuses or reads
// otherwise.
const FIRST = String.raw`(?:[^\s\-?:,[\]{}#&*!|>'"%@${'`'}]|[-?:](?=[^\s,[\]{}]))`;
const REST = String.raw`(?:[^\s:#]|:(?=\S)|#|[ ]+(?=[^\s#]))*`;
const DOUBLE_QUOTED = String.raw`"(?:[^"\\\x00-\x1f\x7f]|\\(?:[0abtnvfre "/\\N_LP]|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}))*"`;
const SINGLE_QUOTED = String.raw`'(?:[^'\x00-\x1f\x7f]|'')*'`;
const SCALAR = `(?:${FIRST}${REST}|${DOUBLE_QUOTED}|${SINGLE_QUOTED})`;
// Inside [ ] and { }, a plain scalar also ends at , [ ] { } (YAML's flow indicators).
const FLOW_REST = String.raw`(?:[^\s:#,[\]{}]|:(?=[^\s,[\]{}])|#|[ ]+(?=[^\s#,[\]{}]))*`;
const FLOW_SCALAR = `(?:${FIRST}${FLOW_REST}|${DOUBLE_QUOTED}|${SINGLE_QUOTED})`;
const FLOW_PAIR = `${FLOW_SCALAR}: +${FLOW_SCALAR}`;
const FLOW_SEQUENCE = String.raw`\[ *(?:${FLOW_SCALAR}(?: *, *${FLOW_SCALAR})*)? *\]`;
const FLOW_MAPPING = String.raw`\{ *(?:${FLOW_PAIR}(?: *, *${FLOW_PAIR})*)? *\}`;
const VALUE = `(?:${SCALAR}|${FLOW_SEQUENCE}|${FLOW_MAPPING})`;
// Anchors and aliases with names of these characters (YAML allows more), where a node starts:
// `key: &a`, `key: &a value`, `key: *a`, `- &a`, `- &a value`, `- *a`, `&a value`, `*a`.
const ANCHOR = String.raw`&[A-Za-z0-9_.-]+`;
const ALIAS = String.raw`\*[A-Za-z0-9_.-]+`;
const NODE = `(?:${ANCHOR} +${VALUE}|${ALIAS}|${VALUE})`;
const COMMENT = String.raw`(?: +#[^\x00-\x08\x0a-\x1f\x7f]*)?`;
const LINE = String.raw`(?!---.|\.\.\.)(?: *(?:(?:- +)*(?:${SCALAR}:(?: +(?:${NODE}|${ANCHOR}))?|${NODE})${COMMENT}| *(?:- +)+${ANCHOR}${COMMENT}| *(?:#[^\x00-\x08\x0a-\x1f\x7f]*)?|---))`;
/**
 * Where an anchor or alias may start in a line of the layout; also in some quoted or plain
 * scalars (`"a *b"`, `x &y`), which only costs such text the js-yaml road.
 */
const NODE_PROPERTY = /(?:^|[ ])[&*][A-Za-z0-9_.-]/m;
const PLAIN_TEXT = new RegExp(`^${FIRST}${REST}$`);

/**
 * Whether `text`, written as a plain scalar, stays in the plain layout (documentYaml quotes the
 * rest). It may still need quotes to stay a string (`true`, `1`): the yaml package adds those.
 */
export function fitsPlainLayout(text: string): boolean {
  return PLAIN_TEXT.test(text);
}

/**
 * A comment line with no space after its `#`: the yaml package refuses `k:`, `#x`, ` v`, `j: 1`
 * (each on its own line; MULTILINE_IMPLICIT_KEY), though `# x` is fine (NodeLines.gluedComment).
 */
const BARE_COMMENT = /^ *#[^ \r\n]/m;

/**
 * A comment line after a blank line. Before a plain scalar that is the value of a key or dash
 * above them, the yaml package reads the scalar on into the lines below (`k:`, ``, `# c`,
 * `  word`, `- x` is {k: "word - x"}; with `j: x` below, an error); the pass over lines
 * declines such a scalar (NodeLines.commentAfterBlank), and js-yaml may not read the text.
 */
const COMMENT_AFTER_BLANK = /^[ ]*\r?\n(?:[ ]*\r?\n)*[ ]*#/m;

/** The first line outside the plain layout; ~80 ms for a 38 MB inventory. */
const LINE_OUTSIDE_LAYOUT = new RegExp(`^(?!${LINE}$).*$`, 'm');
/** A document whose first node is indented, which js-yaml lets later lines dedent from. */
const INDENTED_START = /^(?:[ ]*(?:#.*)?\n)*[ ]+[^ #\n]/;
/**
 * A block scalar's header line (`key: |`, `- >-`, `- key: |+ # note`): its text is on the lines
 * below, indented past its parent's column, which is the key's or else the last dash's.
 */
const HEADER_LINE = new RegExp(
  String.raw`^( *(?:- +)*)(?:(${SCALAR}):[ ]+)?[|>][-+]?${COMMENT}$`,
  'gm',
);

/**
 * A line that opens a quoted scalar after a key or a dash and does not close it (PyYAML folds
 * long strings so; in "double" quotes a `\\` may end the line, an escaped line break): its text
 * goes on over the lines below, to the closing quote. Tried only at lines that hold a quote.
 */
const QUOTE_OPEN_LINE = new RegExp(
  String.raw`^( *(?:- +)*)(?:(${SCALAR}):[ ]+)?(?:'(?:[^'\r\n]|'')*|"(?:[^"\\\r\n]|\\[^\r\n])*\\?)\r?$`,
  'my',
);

/**
 * In the plain layout, or outside it; `lines-only` when the text has block scalars, quoted
 * text over several lines, anchors or aliases, which only the pass over lines reads (js-yaml is
 * not trusted with them).
 */
export type PlainLayout = 'outside' | 'plain' | 'lines-only';

/**
 * Whether every line of `text` is in the plain layout (block scalars' text aside), and nothing
 * else keeps it from the fast road. Line ends may be `\n` or `\r\n` (Windows editors); a `\r`
 * alone, an old Mac's, is left to the yaml package.
 */
export function plainLayoutOf(text: string): PlainLayout {
  if (
    INDENTED_START.test(text) ||
    hasLongKey(text) ||
    (text.includes('\r') && /\r(?!\n)/.test(text))
  )
    return 'outside';
  const lines = withoutMultilineScalars(text);
  if (lines === undefined || LINE_OUTSIDE_LAYOUT.test(lines)) return 'outside';
  return lines === text && !hasNodeProperties(text) ? 'plain' : 'lines-only';
}

export const inPlainLayout = (text: string): boolean => plainLayoutOf(text) !== 'outside';

/** Whether anchors or aliases may be about; looked for only where `&` or `*` is. */
const hasNodeProperties = (text: string): boolean =>
  (text.includes('&') || text.includes('*')) && NODE_PROPERTY.test(text);

/**
 * `text` with the lines of each block scalar and of each quoted scalar over several lines
 * emptied (a quoted one's first line becomes `key: ''`), for the line pattern to check the rest.
 * They are taken in document order, as the pass over lines reads them: a header or a quote in
 * the lines of an earlier one is text. Undefined when a quoted one cannot be followed
 * (quotedLines: indentation, tabs, text after the closing quote, no closing quote), or when
 * U+2028 or U+2029 are about (the pattern takes them for line ends, YAML does not: a header
 * could hide behind one).
 */
function withoutMultilineScalars(text: string): string | undefined {
  let headers = text.includes('|') || text.includes('>');
  const quotes = new QuoteOpenLines(text);
  let quoted = !quotes.none;
  if (!headers && !quoted) return text;
  const parts: string[] = [];
  let copied = 0;
  let header: RegExpExecArray | null = null;
  let quote: RegExpExecArray | null = null;
  for (let from = 0; ;) {
    if (headers && (header === null || header.index < from)) {
      HEADER_LINE.lastIndex = from;
      header = HEADER_LINE.exec(text);
      headers = header !== null; // none further on: not looked for again
    }
    if (quoted && (quote === null || quote.index < from)) {
      quote = quotes.next(from);
      quoted = quote !== null;
    }
    if (header === null && quote === null) break;
    if (copied === 0 && /[\u2028\u2029]/.test(text)) return undefined;
    let region: ScalarLines | undefined;
    if (header !== null && (quote === null || header.index < quote.index))
      region = blockScalarLines(text, header);
    else if (quote !== null) region = quotedScalarLines(text, quote);
    if (region === undefined) return undefined;
    parts.push(text.slice(copied, region.start), region.replacement);
    copied = region.next;
    from = region.next;
  }
  if (copied === 0) return text;
  parts.push(text.slice(copied));
  return parts.join('');
}

/** Lines of a scalar over several lines: where they start and end, and what stands for them. */
interface ScalarLines {
  readonly start: number;
  readonly next: number;
  readonly replacement: string;
}

/** The header and text lines of the block scalar whose header line is `m`, emptied. */
function blockScalarLines(text: string, m: RegExpExecArray): ScalarLines {
  const prefix = m[1] ?? '';
  const parent = m[2] !== undefined ? prefix.length : prefix.lastIndexOf('-');
  const headerEnd = text.indexOf('\n', m.index);
  let next = headerEnd === -1 ? text.length : headerEnd + 1;
  let lineEnds = headerEnd === -1 ? 0 : 1;
  while (next < text.length) {
    const newline = text.indexOf('\n', next);
    let end = newline === -1 ? text.length : newline;
    if (end > next && text.charCodeAt(end - 1) === CR) end -= 1;
    const first = skipSpaces(text, next, end);
    // A line that is not blank and not indented past the parent ends the block.
    if (first < end && first - next <= parent) break;
    if (newline === -1) next = text.length;
    else {
      next = newline + 1;
      lineEnds += 1;
    }
  }
  return { start: m.index, next, replacement: '\n'.repeat(lineEnds) };
}

/**
 * The lines of the quoted scalar that line `m` opens (QUOTE_OPEN_LINE), its first as `key: ''`
 * and the others emptied; undefined when they cannot be followed, or the quote is alone on its
 * line (only after a key or a dash).
 */
function quotedScalarLines(text: string, m: RegExpExecArray): ScalarLines | undefined {
  const prefix = m[1] ?? '';
  const key = m[2];
  if (key === undefined && !prefix.includes('-')) return undefined;
  const parent = key !== undefined ? prefix.length : prefix.lastIndexOf('-');
  const newline = text.indexOf('\n', m.index);
  if (newline === -1) return undefined;
  const afterKey = m.index + prefix.length + (key === undefined ? 0 : key.length + 1);
  const quote = skipSpaces(text, afterKey, newline);
  let region;
  try {
    region = quotedLines(text, quote, newline, newline + 1, parent);
  } catch (error) {
    if (error instanceof PlainLayoutLost) return undefined;
    throw error;
  }
  if (region === undefined) return undefined;
  const lineEnds = text.slice(m.index, region.next).split('\n').length - 1;
  return {
    start: m.index,
    next: region.next,
    replacement: `${prefix}${key === undefined ? '' : `${key}: `}''${'\n'.repeat(lineEnds)}`,
  };
}

/**
 * Lines that open a quoted scalar and do not close it (QUOTE_OPEN_LINE), in order. Only lines
 * with a quote are tried, found with indexOf: the pattern over every line of a 38 MB inventory
 * takes 120-160 ms.
 */
class QuoteOpenLines {
  private single: number;
  private double: number;

  constructor(private readonly text: string) {
    this.single = text.indexOf("'");
    this.double = text.indexOf('"');
  }

  get none(): boolean {
    return this.single === -1 && this.double === -1;
  }

  /** The first such line that starts at or after `from` (a line start), or null. */
  next(from: number): RegExpExecArray | null {
    const text = this.text;
    for (let at = from; ;) {
      if (this.single !== -1 && this.single < at) this.single = text.indexOf("'", at);
      if (this.double !== -1 && this.double < at) this.double = text.indexOf('"', at);
      const found =
        this.single === -1
          ? this.double
          : this.double === -1
            ? this.single
            : Math.min(this.single, this.double);
      if (found === -1) return null;
      QUOTE_OPEN_LINE.lastIndex = text.lastIndexOf('\n', found) + 1;
      const m = QUOTE_OPEN_LINE.exec(text);
      if (m !== null) return m;
      const newline = text.indexOf('\n', found);
      if (newline === -1) return null;
      at = newline + 1;
    }
  }
}

/**
 * The data of `text`, read the fast way; undefined when the text must be read by the yaml
 * package instead (see above) or js-yaml refuses it, for whatever reason. Block scalars are
 * read by the pass over lines only: where it declines them, the yaml package reads them.
 */
export function readYamlFast(text: string): { data: unknown } | undefined {
  const layout = plainLayoutOf(text);
  if (layout === 'outside') return undefined;
  const plain = readPlainLayout(text);
  if (plain !== undefined || layout === 'lines-only') return plain;
  // js-yaml reads a value after a comment glued to its `#` where the yaml package refuses it,
  // and plain text after a blank line and a comment where the yaml package reads it otherwise.
  return BARE_COMMENT.test(text) || COMMENT_AFTER_BLANK.test(text) ? undefined : readJsYaml(text);
}

function readJsYaml(text: string): { data: unknown } | undefined {
  const { lib, schema } = jsYaml();
  let data: unknown;
  try {
    data = lib.load(text, { schema });
  } catch {
    return undefined;
  }
  // An empty document is undefined here and null there; a key `null` may have been written
  // as `~:` or `null:`, which the yaml package turns into the key "" instead.
  return data === undefined || hasKeyNull(data) ? undefined : { data };
}

/**
 * YAML limits an implicit key to 1024 characters; js-yaml does not. A long line whose key is
 * quoted, or whose plain key runs past the limit, or that holds a flow mapping (whose keys
 * could), is left to the yaml package.
 */
function hasLongKey(text: string): boolean {
  // By line ends, not /^.{1000,}$/m: that costs ~140 ms on a 38 MB inventory, this ~20 ms.
  for (let start = 0; start < text.length;) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    if (end - start >= 1000) {
      const body = text.slice(start, end).replace(/^ *(?:- +)*/, '');
      if (
        body.startsWith('"') ||
        body.startsWith("'") ||
        body.includes('{') ||
        body.search(/:(?: |$)/) > 1000
      )
        return true;
    }
    start = end + 1;
  }
  return false;
}

function hasKeyNull(data: unknown): boolean {
  const pending: unknown[] = [data];
  for (let value = pending.pop(); value !== undefined; value = pending.pop()) {
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (const item of value) pending.push(item);
      continue;
    }
    const record = value as Record<string, unknown>;
    for (const key in record) {
      if (key === 'null') return true;
      pending.push(record[key]);
    }
  }
  return false;
}
