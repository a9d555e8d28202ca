/**
 * YAML texts for property tests of the readers: plain scalars that schemas read differently,
 * lines of the plain layout at any indentation, what the yaml package writes, and all of these
 * damaged. Shared by yaml-fast.test.ts and yaml-plain-source.test.ts.
 */
import fc from 'fast-check';
import * as yaml from 'yaml';
import { parseDocument, stringify } from 'yaml';
import { aliasFailure } from '../yaml-aliases.js';

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

/**
 * What the yaml package reads, the road every problem is reported from, with its aliases
 * checked as that road checks them (yaml-aliases.ts); undefined on errors.
 */
export function fullRead(text: string): { data: unknown } | undefined {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0 || aliasFailure(doc, yaml) !== undefined) return undefined;
  return { data: doc.toJS({ maxAliasCount: -1 }) };
}

/**
 * Documents in which objects appear more than once, as the yaml package writes them: each
 * shared object with an anchor (`&a1`) where it first appears and an alias (`*a1`) after.
 */
export const sharing = fc
  .tuple(
    fc.array(jsonLike, { minLength: 1, maxLength: 3 }),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom('value', 'item', 'nested')), {
      minLength: 1,
      maxLength: 8,
    }),
    fc.constantFrom('PLAIN', 'QUOTE_DOUBLE'),
  )
  .map(([pool, uses, strings]) => {
    const shared = pool.map((value, i) => (i > 0 && i % 2 === 0 ? [value, pool[i - 1]] : value));
    const document: Record<string, unknown> = {};
    uses.forEach(([n, how], i) => {
      const value = shared[n % shared.length];
      document[`k${i}`] = how === 'value' ? value : how === 'item' ? [value, i] : { v: value };
    });
    return stringify(document, { defaultStringType: strings });
  });

const anchorName = fc.constantFrom('a0', 'a1', 'id001', 'x.y-z_2');

/** A node in some form that anchors and aliases take, as the lines under a key at column 0. */
const anchoredNode = fc.oneof(
  fc.tuple(anchorName, scalarText).map(([a, v]) => [` &${a} ${v === '' ? 'v' : v}`]),
  anchorName.map((a) => [` &${a}`, '  p: 1', '  q: x']),
  anchorName.map((a) => [` &${a} # shared`, '- x', '- y: 2']),
  anchorName.map((a) => [` &${a}`, '  - 1', '  - &in z']),
  anchorName.map((a) => [` &${a}`]),
  fc.tuple(anchorName, flowCollection).map(([a, f]) => [` &${a} ${f}`]),
  anchorName.map((a) => [` *${a}`]),
  anchorName.map((a) => [` *${a} # again`]),
  anchorName.map((a) => ['', `  *${a}`]),
  fc
    .tuple(anchorName, anchorName)
    .map(([a, b]) => ['', `- &${a}`, '  p: 1', `- *${b}`, `- &${b} v`, '- w']),
  fc.tuple(anchorName, anchorName).map(([a, b]) => ['', `  - &${a}`, `  - *${b}`, `  - - &${b} 3`]),
  fc
    .tuple(anchorName, anchorName)
    .map(([a, b]) => ['', `  inner: &${a}`, '    z: 1', `  other: *${b}`]),
  // Wrong ways, which the yaml package refuses: an item's node under the next item, an alias
  // as the node of its own anchor.
  anchorName.map((a) => ['', `- &${a}`, '- w', '  p: 1']),
  anchorName.map((a) => [` &${a}`, `  *${a}`]),
  anchorName.map((a) => ['', `- &${a}`, `  *${a}`]),
  fc.tuple(key, scalarText).map(([k, v]) => [` ${v === '' ? 'v' : v}`, `# ${k}`]),
);

/**
 * Mappings whose values take anchors and aliases in every form the fast road reads (PyYAML's
 * `key: &id001` with the value on the lines below, sequences at their key's column, items
 * `- &a`), names reused and aliases to names not yet defined among them.
 */
export const anchoredLines = fc
  .array(anchoredNode, { minLength: 2, maxLength: 8 })
  .map((nodes) => nodes.map(([first, ...rest], i) => [`k${i}:${first}`, ...rest].join('\n')))
  .map((entries) => `${entries.join('\n')}\n`);

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

/** Words of text over several lines, with what YAML could take for structure among them. */
const word = fc.oneof(
  fc.constantFrom(
    'word',
    "it''s",
    'a:b',
    'x#y',
    '-',
    'true',
    '1',
    'é',
    'k:',
    '[x]',
    '&a',
    '*b',
    'C:\\dir\\',
  ),
  scalarText.filter((w) => w !== '' && !w.includes(' ')),
);
const wordsLine = fc.array(word, { minLength: 1, maxLength: 4 }).map((ws) => ws.join(' '));

/**
 * Words of "double" quoted text: escapes (`\ ` an escaped space, `\\` a backslash, a hex or
 * unicode escape, one YAML does not know), spaces at a line's end, and a `\` that ends a line
 * (an escaped line break).
 */
const doubleWord = fc.oneof(
  word.map((w) => w.replace(/''/g, "'")),
  fc.constantFrom(
    '\\ ',
    '\\\\',
    '\\"',
    '\\t',
    '\\u00e9',
    '\\xE9',
    '\\q',
    'a\\ ',
    '\\N',
    '  ',
    '\\',
  ),
);
const doubleLine = fc.array(doubleWord, { minLength: 1, maxLength: 4 }).map((ws) => ws.join(' '));

/**
 * Text over several lines as mapping values and items: plain scalars going on below, and
 * quoted ones, 'single' and "double" (as PyYAML folds long strings, with escapes), at
 * indentations past the parent and not, with empty lines, blank lines and comments among their
 * lines.
 */
export const foldedLines = fc
  .array(
    fc.tuple(
      fc.constantFrom('k: ', '- ', '- k: ', 'k:\n  '),
      fc.constantFrom('plain', 'single', 'double'),
      wordsLine,
      doubleLine,
      fc.array(
        fc.tuple(
          fc.constantFrom(1, 2, 2, 4, 0),
          fc.oneof(wordsLine, fc.constantFrom('', '   ', '# c')),
          doubleLine,
        ),
        { minLength: 1, maxLength: 4 },
      ),
      fc.constantFrom('', '', ' # note', ' x'),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((entries) =>
    entries
      .map(([prefix, style, first, firstDouble, rest, after], i) => {
        const double = style === 'double';
        const text = (line: string): string =>
          style === 'plain' ? line.replace(/''/g, 'x') : line;
        const open =
          prefix.replace('k', `k${i}`) +
          (style === 'single' ? `'${first}` : double ? `"${firstDouble}` : text(first));
        const base = prefix.startsWith('- k') ? 2 : 0;
        const lines = rest.map(([indent, line, doubled]) => {
          const body = double && line !== '' && line.trim() !== '' ? doubled : text(line);
          return body === '' ? '' : ' '.repeat(base + indent) + body;
        });
        if (style !== 'plain')
          lines.push(`${' '.repeat(base + 2)}end${double ? '"' : "'"}${after}`);
        return [open, ...lines].join('\n');
      })
      .join('\n'),
  )
  .map((text) => `${text}\n`);

/**
 * Block scalars and quoted text over several lines in one mapping, in any order: lines that
 * would open a quoted scalar among a block's text, and block headers among quoted text, where
 * they are only text.
 */
export const blocksAndFolds = fc
  .array(
    fc.oneof(
      fc.tuple(
        fc.constant('block'),
        fc.constantFrom('|', '|-', '|+', '>', '>-'),
        fc.array(
          fc.oneof(wordsLine, fc.constantFrom("x: 'open", 'y: "open', 'z: |', "- 'item", '')),
          { minLength: 1, maxLength: 3 },
        ),
      ),
      fc.tuple(
        fc.constantFrom("'", '"'),
        wordsLine,
        fc.array(fc.oneof(wordsLine, fc.constantFrom('k: |', 'k: >-', '- |', '')), {
          minLength: 1,
          maxLength: 3,
        }),
      ),
    ),
    { minLength: 2, maxLength: 5 },
  )
  .map(
    (entries) =>
      entries
        .map(([kind, head, lines], i) => {
          const indented = lines.map((l) => (l === '' ? '' : `  ${l}`));
          if (kind === 'block') return [`k${i}: ${head}`, ...indented].join('\n');
          return [`k${i}: ${kind}${head}`, ...indented, `  end${kind}`].join('\n');
        })
        .join('\n') + '\n',
  );

/** Long strings the yaml package writes over several lines, plain, single- or double-quoted. */
export const foldedWritten = fc
  .tuple(
    fc.array(fc.array(word, { minLength: 3, maxLength: 12 }), { minLength: 1, maxLength: 4 }),
    fc.constantFrom('PLAIN', 'QUOTE_SINGLE', 'QUOTE_DOUBLE'),
    fc.integer({ min: 10, max: 40 }),
  )
  .map(([texts, type, width]) => {
    const strings = texts.map((ws) => ws.join(' ').replace(/''/g, "'"));
    const document = {
      a: strings[0],
      list: strings,
      nested: { b: strings.at(-1), c: [[...strings]] },
    };
    return stringify(document, { lineWidth: width, minContentWidth: 0, defaultStringType: type });
  });
