import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateCloud } from '../drivers/sim/generate.js';
import { parseDocument } from './load.js';
import { fullRead, layoutLines, mutated, plainMapping, written } from './testing/yaml-texts.js';
import { readYamlFast } from './yaml-fast.js';
import { documentYaml } from './yaml-lib.js';

const RUNS = { numRuns: 400 };

/** The fast road may decline any text, but what it reads, the yaml package reads the same. */
function expectSameOrDeclined(text: string): void {
  const fast = readYamlFast(text);
  if (fast === undefined) return;
  const full = fullRead(text);
  expect(full, `the yaml package refuses what the fast road read:\n${text}`).toBeDefined();
  expect(fast.data).toStrictEqual(full?.data);
}

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

  it('reads text with Windows line ends (\\r\\n) as the yaml package does', () => {
    const crlf = (t: string): string => t.replace(/\n/g, '\r\n');
    fc.assert(fc.property(fc.oneof(layoutLines, written).map(crlf), expectSameOrDeclined), RUNS);
    const text = crlf(documentYaml(generateCloud({ hosts: 20, seed: 2 }).inventory));
    expect(readYamlFast(text)?.data).toStrictEqual(fullRead(text)?.data);
  });

  it('never reads damaged text differently from the yaml package', () => {
    fc.assert(fc.property(mutated, expectSameOrDeclined), {
      numRuns: Number(process.env.FUZZ_RUNS ?? 2000),
    });
  });

  it('takes the plain text of generated documents, as `sim generate` writes them', () => {
    const cloud = generateCloud({ hosts: 30, seed: 3, utilisation: 0.7 });
    for (const document of [cloud.inventory, cloud.catalog, cloud.campaign]) {
      const text = documentYaml(document);
      const fast = readYamlFast(text);
      expect(fast).toBeDefined();
      expect(fast?.data).toStrictEqual(fullRead(text)?.data);
    }
  });

  it.each([
    ['an anchor on a key', '&x a: 1\n'],
    ['an anchor on a key after a dash', '- &x a: 1\n'],
    ['an alias in a flow collection', 'a: &x 1\nb: [*x]\n'],
    ['an anchor on an alias', 'a: &x 1\nb: &y *x\n'],
    ['an anchor before a block scalar', 'a: &x |\n  t\n'],
    ['an anchor alone on its line', 'a:\n  &x\n  b: 1\n'],
    ['an alias to no anchor', 'a: *x\n'],
    ['an alias inside the node it stands for', 'a: &x\n  b: *x\n'],
    ['an alias inside the item it stands for', '- &x\n  - *x\n'],
    ['a value alone after a comment glued to its #', 'k:\n#x\n v\nj: 1\n'],
    ['tags', 'a: !!str 1\n'],
    ['a YAML 1.1 directive', '%YAML 1.1\n---\na: yes\n'],
    ['explicit keys', '? a\n: 1\n'],
    ['collections as keys', '[a, b]: 1\n'],
    ['a null key', '~: 1\n'],
    ['duplicate keys', 'a: 1\na: 2\n'],
    ['tabs', 'a:\t1\n'],
    ['a carriage return alone (old Mac line ends)', 'a: 1\rb: 2\n'],
    ['a key over 1,024 characters', `${'k'.repeat(1100)}: 1\n`],
    ['a quoted key on a long line', `"${'k'.repeat(1100)}": 1\n`],
    ['an empty item, which js-yaml can file the next one under', '- -\n-\n'],
    ['a syntax error', 'a: [1, 2\n'],
    ['nested flow collections', 'a: [x, [y]]\n'],
    ['a flow collection over several lines', 'a: [x,\n  y]\n'],
    ['an empty flow entry', 'a: [x, , y]\n'],
    ['a trailing comma in a flow collection', 'a: [x, y,]\n'],
    ['a comment glued to a flow collection', 'a: [x, y]#c\n'],
    ['a flow mapping entry without a value', 'a: {x, y: 1}\n'],
    ['a pair inside a flow sequence', 'a: [x: 1]\n'],
  ])('leaves %s to the yaml package', (_what, text) => {
    expect(readYamlFast(text)).toBeUndefined();
  });

  it('reads one-line flow collections of scalars, as people write them, the fast way', () => {
    const text = [
      'roles: [compute, network]',
      'labels: {az: az1, rack: r7, "a, b": \'c]d\'}',
      'empty: []',
      'none: { }',
      'spaced: [ 1 , 2.5 ,true, ~, "q" ]',
      'items:',
      '  - [a b, a:b, x#y, -x]',
      '  - {k: v} # note',
      '',
    ].join('\n');
    const fast = readYamlFast(text);
    expect(fast).toBeDefined();
    expect(fast?.data).toStrictEqual(fullRead(text)?.data);
    expect(fast?.data).toMatchObject({
      roles: ['compute', 'network'],
      labels: { az: 'az1', rack: 'r7', 'a, b': 'c]d' },
      spaced: [1, 2.5, true, null, 'q'],
    });
  });

  it('reads long values the fast way', () => {
    const text = `a: ${'v'.repeat(5000)}\nb: ${'w'.repeat(900)}\n`;
    expect(readYamlFast(text)?.data).toStrictEqual(fullRead(text)?.data);
    expect(readYamlFast(text)).toBeDefined();
  });

  it('positions a problem inside a flow collection read the fast way', () => {
    const text =
      'kind: Inventory\nspec:\n  roles: [compute,  "bad role", x]\n  labels: {az: az1, rack: 7}\n';
    const parsed = parseDocument(text, 'i.yaml');
    expect(
      parsed.source.locate([
        { path: ['spec', 'roles', 1], at: 'value' },
        { path: ['spec', 'labels', 'rack'], at: 'key' },
        { path: ['spec', 'labels', 'rack'], at: 'value' },
      ]),
    ).toEqual([
      { line: 3, column: 21, source: '"bad role"' },
      { line: 4, column: 21 },
      { line: 4, column: 27, source: '7' },
    ]);
  });

  it('positions problems after a block scalar read the fast way', () => {
    const text =
      'kind: Campaign\nnote: |\n  vcpu: not this one\n  # nor this\nspec:\n  vcpu: 1.10\n';
    const parsed = parseDocument(text, 'c.yaml');
    expect(parsed.data).toEqual({
      kind: 'Campaign',
      note: 'vcpu: not this one\n# nor this\n',
      spec: { vcpu: 1.1 },
    });
    expect(parsed.source.locate([{ path: ['spec', 'vcpu'], at: 'value' }])).toEqual([
      { line: 6, column: 9, source: '1.10' },
    ]);
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
