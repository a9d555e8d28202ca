/**
 * YAML texts for property tests of the readers: plain scalars that schemas read differently,
 * lines of the plain layout at any indentation, what the yaml package writes, and all of these
 * damaged. Shared by yaml-fast.test.ts and yaml-plain-source.test.ts.
 */
import fc from 'fast-check';
import { parseDocument, stringify } from 'yaml';

/** Plain scalars that schemas read differently: numbers, booleans, nulls, dates, near misses. */
export const SCALARS = [
  ...['null', 'Null', 'NULL', 'nULL', '~', '', 'true', 'True', 'TRUE', 'tRUE', 'yes', 'no', 'on'],
  ...['off', 'y', 'n', '0', '-0', '+1', '007', '0o17', '0o8', '0x1F', '0X1F', '0b101', '1_000'],
  ...['1.', '.5', '-.5', '1.0', '1.10', '1e3', '1E-3', '.1e+2', '1.2.3', '.inf', '-.Inf', '+.INF'],
  ...['.nan', '.NaN', '.NAN', '+.nan', 'inf', 'NaN', '2026-12-07', '2026-12-07T10:00:00Z', '12:30'],
  ...['1:10.11.6-0+deb12u1', '2:26.2.2-1~deb12u5', '6.1.76-1', '26.2.2', '0x', '0o', '+', '-', '.'],
  ...['9007199254740993', '1e400', 'a b', 'x#y', 'x # comment', "it's", '=', '<<', 'a:b'],
];

export const scalarText = fc.oneof(
  fc.constantFrom(...SCALARS),
  fc.stringMatching(/^[-+.0-9eExXoO_a-f]{1,8}$/),
);

export const key = fc.oneof(
  fc.constantFrom('a', 'b', 'name', 'vcpu', '1', '1.5', 'true'),
  scalarText,
);

/** A block mapping with plain (unquoted) scalar values: the schema's patterns at work. */
export const plainMapping = fc
  .uniqueArray(fc.tuple(key, scalarText), { maxLength: 8, selector: ([k]) => k })
  .map((pairs) => pairs.map(([k, v]) => `${k === '' ? 'empty' : k}: ${v}`).join('\n') + '\n');

/** Any JSON value, written by the yaml package in block or flow style. */
export const jsonLike = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(...SCALARS),
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...SCALARS), fc.string()), tie('value'), {
      maxKeys: 4,
    }),
  ),
})).value;

export const written = fc
  .tuple(jsonLike, fc.constantFrom('block', 'flow'), fc.constantFrom('PLAIN', 'QUOTE_DOUBLE'))
  .map(([value, style, strings]) =>
    stringify(value, {
      collectionStyle: style,
      defaultStringType: strings,
    }),
  );

/** A scalar as it may stand inside [ ] or { }: plain, quoted, or with flow indicators near it. */
const flowScalar = fc.oneof(
  scalarText,
  fc.constantFrom('"a, b"', "'c]d'", '"x: y"', 'a:b', 'a :b', 'a b', 'x#y', '-x', '?x', ':x'),
);

const spaces = fc.constantFrom('', ' ', '  ');

/** A flow sequence or mapping of scalars on one line, spaced in every way people write them. */
export const flowCollection = fc.oneof(
  fc
    .tuple(fc.array(flowScalar, { maxLength: 4 }), spaces, spaces)
    .map(([items, inner, after]) => `[${inner}${items.join(`${after},${inner} `)}${inner}]`),
  fc
    .tuple(
      fc.uniqueArray(fc.tuple(key, flowScalar), { maxLength: 4, selector: ([k]) => k }),
      spaces,
    )
    .map(
      ([pairs, inner]) =>
        `{${inner}${pairs.map(([k, v]) => `${k === '' ? 'k' : k}: ${v}`).join(', ')}${inner}}`,
    ),
);

/**
 * Lines in the plain layout, each well formed, at random indents: the structure (which line
 * belongs to which node) is where the two readers could still part.
 */
export const layoutLines = fc
  .array(
    fc.tuple(
      fc.constantFrom(0, 0, 0, 2, 2, 4, 1, 3, 6),
      fc.constantFrom(0, 0, 1, 2),
      fc.oneof(
        fc.tuple(key, scalarText).map(([k, v]) => `${k === '' ? 'k' : k}: ${v}`),
        fc.tuple(key, flowCollection).map(([k, v]) => `${k === '' ? 'k' : k}: ${v}`),
        key.map((k) => `${k === '' ? 'k' : k}:`),
        scalarText,
        flowCollection,
        fc.constantFrom(
          '[]',
          '{}',
          '"q": "x"',
          "'s': 'y'",
          '# note',
          'a: b # note',
          'k:   ',
          'k: # note',
          '"e\\"s\\u00e9": 1',
          "'it''s': 2",
          '0x1F: hex',
          '1.50: float',
          'k: []',
        ),
      ),
    ),
    { minLength: 1, maxLength: 8 },
  )
  .map((lines) =>
    lines
      .map(([indent, dashes, rest]) => ' '.repeat(indent) + '- '.repeat(dashes) + rest)
      .join('\n'),
  )
  .map((text) => `${text}\n`);

/** `texts` with characters inserted, deleted or swapped: where readers disagree, if anywhere. */
export const damaged = (texts: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc
    .tuple(
      texts,
      fc.array(
        fc.tuple(
          fc.nat(),
          fc.nat({ max: 3 }),
          fc.constantFrom(...': -?#&*![]{},\'"\n\t|>%@`~'.split(''), '  ', '\n  '),
        ),
        { minLength: 1, maxLength: 4 },
      ),
    )
    .map(([text, edits]) =>
      edits.reduce((t, [at, cut, insert]) => {
        const i = t.length === 0 ? 0 : at % t.length;
        return t.slice(0, i) + insert + t.slice(i + cut);
      }, text),
    );

export const mutated = damaged(fc.oneof(written, plainMapping));

/** What the yaml package reads, the road every problem is reported from; undefined on errors. */
export function fullRead(text: string): { data: unknown } | undefined {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  return doc.errors.length > 0 ? undefined : { data: doc.toJS({ maxAliasCount: 1000 }) };
}

/** A line of a block scalar's text: anything at all, structure and comments included. */
const blockLine = fc.oneof(
  fc.constantFrom('', '', 'text', 'x: y', '# not a comment', '- item', '  more', '    deeper'),
  fc.constantFrom('a  b', "it's", '"q"', '{a, b}', '&x *y !t', 'tab\there', ' ', '   ', '|'),
  scalarText,
);

/**
 * Block scalars (`|`, `>-`, `|+ # note`, an indentation indicator now and then) as mapping
 * values and sequence items, their text at some indentation past their parent's column, with
 * plain-layout lines around them.
 */
export const blockScalars = fc
  .array(
    fc.tuple(
      fc.constantFrom('key: ', '- ', '- k: ', '  key: ', '  - ', '- - '),
      fc.constantFrom('|', '|-', '|+', '>', '>-', '>+', '| # note', '>- # note', '|2'),
      fc.constantFrom(0, 1, 2, 4),
      fc.array(blockLine, { maxLength: 5 }),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .chain((blocks) =>
    fc.tuple(fc.constant(blocks), layoutLines, fc.boolean()).map(([list, after, ending]) => {
      const text = list
        .map(([prefix, header, extra, lines]) => {
          const parent = prefix.endsWith(': ')
            ? prefix.lastIndexOf(' ', prefix.length - 3) + 1
            : prefix.lastIndexOf('-');
          const indent = ' '.repeat(parent + 1 + extra);
          return [`${prefix}${header}`, ...lines.map((l) => (l === '' ? l : indent + l))].join(
            '\n',
          );
        })
        .join('\n');
      return `${text}\n${ending ? after : ''}`;
    }),
  );
