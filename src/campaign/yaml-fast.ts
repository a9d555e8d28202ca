/**
 * The fast road for plain YAML: js-yaml reads a generated 38 MB inventory in ~1.1 s and
 * ~230 MB, where the yaml package, which keeps every node's range for positions, takes ~21 s
 * and ~2 GB. The fast road only takes what it reads exactly as the yaml package would:
 *
 * - plain scalars resolve by the yaml package's YAML 1.2 core schema (the same patterns and
 *   conversions: `1_000`, `0b1` or `2026-12-07` stay strings, as they do there);
 * - only text in the plain layout below takes it; anything else, and any text js-yaml refuses
 *   (duplicate keys, syntax errors), is read by the yaml package, the road that reports every
 *   problem with its position.
 *
 * The property tests in yaml-fast.test.ts hold both roads to the same data.
 */
import { createRequire } from 'node:module';
import type * as JsYaml from 'js-yaml';

let loaded: { lib: typeof JsYaml; schema: JsYaml.Schema } | undefined;

function jsYaml(): { lib: typeof JsYaml; schema: JsYaml.Schema } {
  if (loaded !== undefined) return loaded;
  const lib = createRequire(import.meta.url)('js-yaml') as typeof JsYaml;
  loaded = { lib, schema: coreSchema(lib) };
  return loaded;
}

type Form = readonly [test: RegExp, construct: (text: string) => unknown];

/** A tag of the core schema: the characters its plain scalars can start with, and its forms. */
interface CoreTag {
  readonly tag: string;
  /**
   * Most scalars of an inventory are names, which no tag's patterns can match: this spares
   * them the patterns (js-yaml asks each tag in turn about each plain scalar).
   */
  readonly firsts: string;
  readonly forms: readonly Form[];
}

/**
 * The yaml package's core schema (yaml/dist/schema/core): for each tag, its patterns for plain
 * scalars in its order, and what each makes of the text.
 */
const CORE_TAGS: readonly CoreTag[] = [
  { tag: 'null', firsts: '~nN', forms: [[/^(?:~|[Nn]ull|NULL)?$/, () => null]] },
  {
    tag: 'bool',
    firsts: 'tTfF',
    forms: [[/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, (s) => s[0] === 't' || s[0] === 'T']],
  },
  {
    tag: 'int',
    firsts: '+-0123456789',
    forms: [
      [/^0o[0-7]+$/, (s) => parseInt(s.substring(2), 8)],
      [/^[-+]?[0-9]+$/, (s) => parseInt(s, 10)],
      [/^0x[0-9a-fA-F]+$/, (s) => parseInt(s.substring(2), 16)],
    ],
  },
  {
    tag: 'float',
    firsts: '+-.0123456789',
    forms: [
      [
        /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
        (s) =>
          s.slice(-3).toLowerCase() === 'nan'
            ? NaN
            : s[0] === '-'
              ? Number.NEGATIVE_INFINITY
              : Number.POSITIVE_INFINITY,
      ],
      [/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/, parseFloat],
      [/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/, parseFloat],
    ],
  },
];

/** The form of `tag` that plain scalar `text` takes, if any. */
function formOf({ firsts, forms }: CoreTag, text: string): Form | undefined {
  if (text !== '' && !firsts.includes(text.charAt(0))) return undefined;
  return forms.find(([test]) => test.test(text));
}

/** What a plain scalar's text means under the core schema (a string when no pattern fits). */
export function plainScalarValue(text: string): unknown {
  for (const tag of CORE_TAGS) {
    const form = formOf(tag, text);
    if (form !== undefined) return form[1](text);
  }
  return text;
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
// no empty or trailing entries, a space after each `:`); comments after a space. Anything else
// (anchors, aliases, tags, directives, other flow collections, block scalars, quoted text over several lines,
// explicit keys, a `-` with nothing after it (js-yaml can file the next item under it), tabs or control characters outside quotes, `---` or `...` glued to text, a first
// node that is indented) is left to the yaml package: it is
// where js-yaml, laxer in places, could read what the yaml package refuses or reads otherwise.
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
const COMMENT = String.raw`(?: +#[^\x00-\x08\x0a-\x1f\x7f]*)?`;
const LINE = String.raw`(?!---.|\.\.\.)(?: *(?:(?:- +)*(?:${SCALAR}:(?: +${VALUE})?|${VALUE})${COMMENT}| *(?:#[^\x00-\x08\x0a-\x1f\x7f]*)?|---))`;
const PLAIN_TEXT = new RegExp(`^${FIRST}${REST}$`);

/**
 * Whether `text`, written as a plain scalar, stays in the plain layout (documentYaml quotes the
 * rest). It may still need quotes to stay a string (`true`, `1`): the yaml package adds those.
 */
export function fitsPlainLayout(text: string): boolean {
  return PLAIN_TEXT.test(text);
}

/** The first line outside the plain layout; ~80 ms for a 38 MB inventory. */
const LINE_OUTSIDE_LAYOUT = new RegExp(`^(?!${LINE}$).*$`, 'm');
/** A document whose first node is indented, which js-yaml lets later lines dedent from. */
const INDENTED_START = /^(?:[ ]*(?:#.*)?\n)*[ ]+[^ #\n]/;

/**
 * The data of `text`, read the fast way; undefined when the text must be read by the yaml
 * package instead (see above) or js-yaml refuses it, for whatever reason. Line ends may be
 * `\n` or `\r\n` (Windows editors); a `\r` alone, an old Mac's, is left to the yaml package.
 */
export function readYamlFast(text: string): { data: unknown } | undefined {
  if (
    LINE_OUTSIDE_LAYOUT.test(text) ||
    INDENTED_START.test(text) ||
    hasLongKey(text) ||
    (text.includes('\r') && /\r(?!\n)/.test(text))
  )
    return undefined;
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
