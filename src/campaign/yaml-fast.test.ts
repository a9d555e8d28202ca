import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDocument as parseWithPositions, stringify } from 'yaml';
import { generateCloud } from '../drivers/sim/generate.js';
import { parseDocument } from './load.js';
import { readYamlFast } from './yaml-fast.js';

const RUNS = { numRuns: 400 };

/** What the yaml package reads, the road every problem is reported from; undefined on errors. */
function fullRead(text: string): { data: unknown } | undefined {
  const doc = parseWithPositions(text, { uniqueKeys: true, prettyErrors: false });
  return doc.errors.length > 0 ? undefined : { data: doc.toJS({ maxAliasCount: 1000 }) };
}

/** The fast road may decline any text, but what it reads, the yaml package reads the same. */
function expectSameOrDeclined(text: string): void {
  const fast = readYamlFast(text);
  if (fast === undefined) return;
  const full = fullRead(text);
  expect(full, `the yaml package refuses what the fast road read:\n${text}`).toBeDefined();
  expect(fast.data).toStrictEqual(full?.data);
}

/** Plain scalars that schemas read differently: numbers, booleans, nulls, dates, near misses. */
const SCALARS = [
  ...['null', 'Null', 'NULL', 'nULL', '~', '', 'true', 'True', 'TRUE', 'tRUE', 'yes', 'no', 'on'],
  ...['off', 'y', 'n', '0', '-0', '+1', '007', '0o17', '0o8', '0x1F', '0X1F', '0b101', '1_000'],
  ...['1.', '.5', '-.5', '1.0', '1.10', '1e3', '1E-3', '.1e+2', '1.2.3', '.inf', '-.Inf', '+.INF'],
  ...['.nan', '.NaN', '.NAN', '+.nan', 'inf', 'NaN', '2026-12-07', '2026-12-07T10:00:00Z', '12:30'],
  ...['1:10.11.6-0+deb12u1', '2:26.2.2-1~deb12u5', '6.1.76-1', '26.2.2', '0x', '0o', '+', '-', '.'],
  ...['9007199254740993', '1e400', 'a b', 'x#y', 'x # comment', "it's", '=', '<<', 'a:b'],
];

const scalarText = fc.oneof(
  fc.constantFrom(...SCALARS),
  fc.stringMatching(/^[-+.0-9eExXoO_a-f]{1,8}$/),
);

const key = fc.oneof(fc.constantFrom('a', 'b', 'name', 'vcpu', '1', '1.5', 'true'), scalarText);

/** A block mapping with plain (unquoted) scalar values: the schema's patterns at work. */
const plainMapping = fc
  .uniqueArray(fc.tuple(key, scalarText), { maxLength: 8, selector: ([k]) => k })
  .map((pairs) => pairs.map(([k, v]) => `${k === '' ? 'empty' : k}: ${v}`).join('\n') + '\n');

/** Any JSON value, written by the yaml package in block or flow style. */
const jsonLike = fc.letrec((tie) => ({
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

const written = fc
  .tuple(jsonLike, fc.constantFrom('block', 'flow'), fc.constantFrom('PLAIN', 'QUOTE_DOUBLE'))
  .map(([value, style, strings]) =>
    stringify(value, {
      collectionStyle: style,
      defaultStringType: strings,
    }),
  );

/**
 * Lines in the plain layout, each well formed, at random indents: the structure (which line
 * belongs to which node) is where the two readers could still part.
 */
const layoutLines = fc
  .array(
    fc.tuple(
      fc.constantFrom(0, 0, 0, 2, 2, 4, 1, 3, 6),
      fc.constantFrom(0, 0, 1, 2),
      fc.oneof(
        fc.tuple(key, scalarText).map(([k, v]) => `${k === '' ? 'k' : k}: ${v}`),
        key.map((k) => `${k === '' ? 'k' : k}:`),
        scalarText,
        fc.constantFrom('[]', '{}', '"q": "x"', "'s': 'y'", '# note', 'a: b # note'),
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

/** Text with characters inserted, deleted or swapped: where readers disagree, if anywhere. */
const mutated = fc
  .tuple(
    fc.oneof(written, plainMapping),
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

describe('the fast YAML road', () => {
  it('reads plain scalars exactly as the yaml package does (YAML 1.2 core schema)', () => {
    fc.assert(fc.property(plainMapping, expectSameOrDeclined), RUNS);
  });

  it('reads whatever the yaml package writes, in block or flow style, to the same data', () => {
    fc.assert(
      fc.property(written, (text) => {
        expectSameOrDeclined(text);
      }),
      RUNS,
    );
  });

  it('reads lines at any indentation into the same nodes as the yaml package, or declines', () => {
    let read = 0;
    fc.assert(
      fc.property(layoutLines, (text) => {
        expectSameOrDeclined(text);
        if (readYamlFast(text) !== undefined) read += 1;
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 2000) },
    );
    // Not vacuous: a share of these texts is read the fast way and compared.
    expect(read).toBeGreaterThan(Number(process.env.FUZZ_RUNS ?? 2000) / 20);
  });

  it('never reads damaged text differently from the yaml package', () => {
    fc.assert(fc.property(mutated, expectSameOrDeclined), {
      numRuns: Number(process.env.FUZZ_RUNS ?? 2000),
    });
  });

  it('takes the plain text of generated documents, as `sim generate` writes them', () => {
    const cloud = generateCloud({ hosts: 30, seed: 3, utilisation: 0.7 });
    for (const document of [cloud.inventory, cloud.catalog, cloud.campaign]) {
      const text = stringify(document, { lineWidth: 0, aliasDuplicateObjects: false });
      const fast = readYamlFast(text);
      expect(fast).toBeDefined();
      expect(fast?.data).toStrictEqual(fullRead(text)?.data);
    }
  });

  it.each([
    ['anchors and aliases', 'a: &x 1\nb: *x\n'],
    ['tags', 'a: !!str 1\n'],
    ['a YAML 1.1 directive', '%YAML 1.1\n---\na: yes\n'],
    ['explicit keys', '? a\n: 1\n'],
    ['collections as keys', '[a, b]: 1\n'],
    ['a null key', '~: 1\n'],
    ['duplicate keys', 'a: 1\na: 2\n'],
    ['tabs', 'a:\t1\n'],
    ['a key over 1,024 characters', `${'k'.repeat(1100)}: 1\n`],
    ['a quoted key on a long line', `"${'k'.repeat(1100)}": 1\n`],
    ['an empty item, which js-yaml can file the next one under', '- -\n-\n'],
    ['a syntax error', 'a: [1, 2\n'],
  ])('leaves %s to the yaml package', (_what, text) => {
    expect(readYamlFast(text)).toBeUndefined();
  });

  it('reads long values the fast way', () => {
    const text = `a: ${'v'.repeat(5000)}\nb: ${'w'.repeat(900)}\n`;
    expect(readYamlFast(text)?.data).toStrictEqual(fullRead(text)?.data);
    expect(readYamlFast(text)).toBeDefined();
  });

  it('still positions every problem of a document read the fast way', () => {
    const text = 'apiVersion: escalator.dev/v1alpha1\nkind: Campaign\nspec:\n  vcpu: 1.10\n';
    const parsed = parseDocument(text, 'c.yaml');
    expect(parsed.problems).toEqual([]);
    expect(parsed.data).toEqual({
      apiVersion: 'escalator.dev/v1alpha1',
      kind: 'Campaign',
      spec: { vcpu: 1.1 },
    });
    expect(parsed.source.locate([{ path: ['spec', 'vcpu'], at: 'value' }])).toEqual([
      { line: 4, column: 9, source: '1.10' },
    ]);
  });
});
