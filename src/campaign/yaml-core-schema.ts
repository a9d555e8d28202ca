/**
 * Plain scalars as the yaml package reads them, by its YAML 1.2 core schema: the same patterns,
 * in the same order, and the same conversions (`1_000`, `0b1` or `2026-12-07` stay strings).
 * Both fast YAML roads read plain scalars by it (yaml-fast.ts, yaml-plain-read.ts).
 */
export type Form = readonly [test: RegExp, construct: (text: string) => unknown];

/** A tag of the core schema: the characters its plain scalars can start with, and its forms. */
export interface CoreTag {
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
export const CORE_TAGS: readonly CoreTag[] = [
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
export function formOf({ firsts, forms }: CoreTag, text: string): Form | undefined {
  if (text !== '' && !firsts.includes(text.charAt(0))) return undefined;
  return forms.find(([test]) => test.test(text));
}

/** The characters that some tag's plain scalars start with. */
const ANY_FIRST = new Set(CORE_TAGS.flatMap((tag) => [...tag.firsts]));
/**
 * Every tag's patterns as one: most scalars that start like a number are not one (`500ms`,
 * `6.1.76-1`), and one test says so where the tags' seven would.
 */
const ANY_FORM = new RegExp(
  CORE_TAGS.flatMap((tag) => tag.forms.map(([test]) => `(?:${test.source})`)).join('|'),
);

/** What a plain scalar's text means under the core schema (a string when no pattern fits). */
export function plainScalarValue(text: string): unknown {
  if ((text !== '' && !ANY_FIRST.has(text.charAt(0))) || !ANY_FORM.test(text)) return text;
  for (const tag of CORE_TAGS) {
    const form = formOf(tag, text);
    if (form !== undefined) return form[1](text);
  }
  return text;
}
