import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { generateCloud } from '../drivers/sim/generate.js';
import {
  anchoredLines,
  blockScalars,
  damaged,
  blocksAndFolds,
  foldedLines,
  foldedWritten,
  fullRead,
  layoutLines,
  mutated,
  plainMapping,
  scalarText,
  sharing,
  written,
} from './testing/yaml-texts.js';
import { inPlainLayout, plainLayoutOf, readYamlFast, type PlainLayout } from './yaml-fast.js';
import { documentYaml } from './yaml-lib.js';
import { readPlainLayout } from './yaml-plain-read.js';

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 2000);

/**
 * For text in the plain layout, the pass over lines reads what the yaml package reads, or
 * declines; true when it read the text.
 */
function sameOrDeclined(text: string): boolean {
  if (!inPlainLayout(text)) return false;
  const read = readPlainLayout(text);
  if (read === undefined) return false;
  const full = fullRead(text);
  expect(full, `the yaml package refuses what the pass over lines read:\n${text}`).toBeDefined();
  expect(read.data, text).toStrictEqual(full?.data);
  return true;
}

/** Runs `texts` through sameOrDeclined; the share read must show the comparison is not vacuous. */
function holdsOn(texts: fc.Arbitrary<string>, runs: number, minShareRead: number): void {
  let read = 0;
  fc.assert(
    fc.property(texts, (text) => {
      if (sameOrDeclined(text)) read += 1;
    }),
    { numRuns: runs },
  );
  expect(read).toBeGreaterThan(runs * minShareRead);
}

/** The whole fast road, gate and all, reads `texts` as the yaml package does, or declines. */
function holdsThroughGate(texts: fc.Arbitrary<string>, minShareRead: number): void {
  let read = 0;
  fc.assert(
    fc.property(texts, (text) => {
      const fast = readYamlFast(text);
      if (fast === undefined) return;
      read += 1;
      expect(fast.data, text).toStrictEqual(fullRead(text)?.data);
    }),
    { numRuns: FUZZ_RUNS },
  );
  expect(read).toBeGreaterThan(FUZZ_RUNS * minShareRead);
}

/** `lines` as a document in `layout`, which the pass over lines and the yaml package read as `data`. */
function expectReadAs(lines: readonly string[], layout: PlainLayout, data: unknown): void {
  const text = [...lines, ''].join('\n');
  expect(plainLayoutOf(text)).toBe(layout);
  expect(readPlainLayout(text)?.data).toStrictEqual(data);
  expect(fullRead(text)?.data).toStrictEqual(data);
}

describe('the pass over the lines of plain YAML', () => {
  it('reads lines at any indentation into the same data as the yaml package, or declines', () => {
    holdsOn(layoutLines, FUZZ_RUNS, 0.02);
  });

  it('reads plain scalars by the core schema, as the yaml package does', () => {
    holdsOn(plainMapping, 400, 0.08);
  });

  it('reads whatever the yaml package writes, in block or flow style, to the same data', () => {
    holdsOn(written, 400, 0.2);
  });

  it('reads text with Windows line ends (\\r\\n) as the yaml package does', () => {
    holdsOn(
      fc.oneof(layoutLines, written).map((t) => t.replace(/\n/g, '\r\n')),
      400,
      0.05,
    );
  });

  it('reads block scalars (| and >, strip, clip, keep) as the yaml package does, or declines', () => {
    holdsOn(blockScalars, FUZZ_RUNS, 0.05);
  });

  it('reads the block scalars the yaml package writes for text over several lines', () => {
    const multiline = fc
      .array(fc.oneof(fc.constantFrom('', ' ', 'x', '  y', '#z', 'a: b', '- c'), scalarText), {
        minLength: 2,
        maxLength: 5,
      })
      .map((lines) => lines.join('\n'));
    const documents = fc
      .tuple(multiline, multiline, fc.constantFrom('BLOCK_LITERAL', 'BLOCK_FOLDED'))
      .map(([a, b, style]) =>
        stringify({ a, list: [b, { c: a }], z: 1 }, { defaultStringType: style }),
      );
    holdsOn(documents, 1000, 0.3);
  });

  it('leaves block scalars it declines to the yaml package, not to js-yaml', () => {
    fc.assert(
      fc.property(blockScalars, (text) => {
        if (plainLayoutOf(text) !== 'lines-only' || readPlainLayout(text) !== undefined) return;
        expect(readYamlFast(text)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
    expect(readYamlFast('a: |\n\n  leading empty line\n')).toBeUndefined();
  });

  it('never reads damaged block scalars differently from the yaml package, gate and all', () => {
    holdsThroughGate(damaged(blockScalars), 0.01);
  });

  it('reads text over several lines, plain or single-quoted, as the yaml package folds it', () => {
    holdsOn(foldedLines, FUZZ_RUNS, 0.08);
  });

  it('reads block scalars and quoted text over several lines in one document, or declines', () => {
    holdsOn(blocksAndFolds, FUZZ_RUNS, 0.01);
    holdsThroughGate(damaged(blocksAndFolds), 0.005);
    expectReadAs(
      [
        'a: |',
        "  it's: 'not a quote",
        'b: "a header',
        '  c: |',
        '  is text here"',
        "d: 'and",
        '  e: >-',
        "  this too'",
        'f: >-',
        '  folded "text',
        '  here',
      ],
      'lines-only',
      {
        a: "it's: 'not a quote\n",
        b: 'a header c: | is text here',
        d: 'and e: >- this too',
        f: 'folded "text here',
      },
    );
  });

  it('reads long strings the yaml package folds over several lines to the same data', () => {
    holdsOn(foldedWritten, 1000, 0.5);
  });

  it('never reads damaged text over several lines differently from the yaml package', () => {
    holdsThroughGate(damaged(fc.oneof(foldedLines, foldedWritten)), 0.05);
  });

  it('reads long strings as PyYAML folds them', () => {
    expectReadAs(
      [
        'metadata:',
        "  description: 'Exported from region RegionOne: 10000 hosts in 3 sites,",
        "    maintenance window 2026-12-12, owner''s mail: noc@example.net'",
        'notes: a plain long text without colon space that goes on for more than',
        '  eighty columns in total',
        '',
        '  and a second paragraph',
        'items:',
        "- 'first: item",
        "  goes on' # a comment",
        '- second',
        '  item',
      ],
      'lines-only',
      {
        metadata: {
          description:
            "Exported from region RegionOne: 10000 hosts in 3 sites, maintenance window 2026-12-12, owner's mail: noc@example.net",
        },
        notes:
          'a plain long text without colon space that goes on for more than eighty columns in total\nand a second paragraph',
        items: ['first: item goes on', 'second item'],
      },
    );
  });

  it('reads double-quoted strings as PyYAML escapes and folds them', () => {
    // yaml.dump(…, width=60): text that is not printable ASCII goes in double quotes, escaped,
    // folded with a `\` at the end of a line and an escaped space (`\ `) at the start of the next.
    expectReadAs(
      [
        'items:',
        '- "tab\\there and a long tail that makes PyYAML fold this string\\',
        '  \\ over two lines or more"',
        '- short',
        'metadata:',
        '  description: "Rolling upgrade \\u2192 Zed to Antelope for the\\',
        '    \\ packet core in site 1, planned with the \\"vendor\\"; caf\\xE9\\',
        '    \\ window 02:00\\u201304:00 UTC, contact noc@example.invalid"',
      ],
      'lines-only',
      {
        items: [
          'tab\there and a long tail that makes PyYAML fold this string over two lines or more',
          'short',
        ],
        metadata: {
          description:
            'Rolling upgrade → Zed to Antelope for the packet core in site 1, planned with the "vendor"; café window 02:00–04:00 UTC, contact noc@example.invalid',
        },
      },
    );
  });

  it('declines plain text after a blank line and a comment, which the yaml package reads on', () => {
    // The yaml package reads the scalar on into the lines below, or refuses the text.
    const texts = [
      'k:\n\n# c\n  word\nj: x\n',
      'k:\n\n# c\n  word\n- x\n',
      'a:\n  k:\n\n# c\n    word\n  j: x\n',
      '- &a\n\n# c\n    word\n- - x\n',
      'k: &a\n\n# c\n  word\nj: x\n',
      '- &a\n    \n\n# c\n    true word ~ +-\n- - .oO\n',
    ];
    for (const text of texts) expect(readYamlFast(text), text).toBeUndefined();
    // A comment before the blank line, or quoted text or a collection after them, reads alike.
    for (const text of [
      'k: &a\n# c\n\n  word\nj: x\n',
      "- &a\n\n# c\n    'q'\n- - x\n",
      'k:\n\n# c\n  - word\nj: x\n',
    ]) {
      expect(readYamlFast(text), text).toBeDefined();
      expect(readYamlFast(text)?.data, text).toStrictEqual(fullRead(text)?.data);
    }
  });

  it('reads anchors and aliases as the yaml package writes them for shared objects', () => {
    holdsOn(sharing, 1000, 0.3);
  });

  it('reads anchors and aliases among plain-layout lines as the yaml package does, or declines', () => {
    holdsOn(anchoredLines, FUZZ_RUNS, 0.05);
  });

  it('never reads damaged anchors and aliases differently from the yaml package, gate and all', () => {
    holdsThroughGate(damaged(fc.oneof(sharing, anchoredLines)), 0.05);
  });

  it('leaves anchors and aliases it declines to the yaml package, not to js-yaml', () => {
    fc.assert(
      fc.property(fc.oneof(sharing, anchoredLines), (text) => {
        if (plainLayoutOf(text) !== 'lines-only' || readPlainLayout(text) !== undefined) return;
        expect(readYamlFast(text)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('reads shared objects as PyYAML writes them, each alias the very object of its anchor', () => {
    const text = [
      'hosts:',
      '- name: a',
      '  capacity: &id001',
      '    vcpu: 64',
      '    memoryMiB: 262144',
      '  roles: &id002',
      '  - compute',
      '- name: b',
      '  capacity: *id001',
      '  roles: *id002',
      '- &id003',
      '  name: c',
      '- *id003',
      'note: &n plain text # a comment',
      'again: *n',
      '',
    ].join('\n');
    const read = readPlainLayout(text)?.data as {
      hosts: { capacity: unknown; roles: unknown }[];
    };
    expect(read).toStrictEqual(fullRead(text)?.data);
    expect(read.hosts[1]?.capacity).toBe(read.hosts[0]?.capacity);
    expect(read.hosts[1]?.roles).toStrictEqual(['compute']);
    expect(read.hosts[3]).toBe(read.hosts[2]);
  });

  it('reads an anchor used more than a thousand times (the yaml package’s own limit)', () => {
    const uses = Array.from({ length: 2000 }, (_, i) => `- name: h${i}\n  capacity: *c\n`);
    const text = `shared: &c {vcpu: 4}\nhosts:\n${uses.join('')}`;
    const data = readPlainLayout(text)?.data as { hosts: { capacity: unknown }[] };
    expect(data.hosts).toHaveLength(2000);
    expect(data.hosts[1999]?.capacity).toStrictEqual({ vcpu: 4 });
  });

  it('declines aliases that stand for more nodes than a document may have them stand for', () => {
    // Nine levels of nine aliases each stand for ~4.3e8 nodes in a few hundred bytes.
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++)
      lines.push(`a${i}: &a${i}`, ...Array.from({ length: 9 }, () => `- *a${i - 1}`));
    const text = `${lines.join('\n')}\n`;
    expect(inPlainLayout(text)).toBe(true);
    expect(readPlainLayout(text)).toBeUndefined();
    expect(fullRead(text)).toBeUndefined();
  });

  it('never reads damaged text differently from the yaml package', () => {
    fc.assert(
      fc.property(mutated, (text) => {
        sameOrDeclined(text);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('reads the documents `sim generate` writes, without declining any', () => {
    const cloud = generateCloud({ hosts: 30, seed: 5, utilisation: 0.7 });
    for (const document of [cloud.inventory, cloud.catalog, cloud.campaign]) {
      const text = documentYaml(document);
      expect(inPlainLayout(text)).toBe(true);
      expect(readPlainLayout(text)?.data).toStrictEqual(fullRead(text)?.data);
    }
  });

  it('reads sequences at their key’s column, nested dashes and mappings in items', () => {
    const text = [
      '# a comment',
      '---',
      'hosts:',
      '- name: a',
      '  roles:',
      '  - compute',
      '  - network',
      "  labels: {az: az1, \"r k\": 'x''y'}",
      '- name: b',
      '  caps:',
      '    vcpu: 4',
      '    empty:',
      'matrix:',
      '  - - 1',
      '    - "two\\tlines\\u00e9"',
      '  - - ~',
      'last:',
      '',
    ].join('\n');
    expect(readPlainLayout(text)?.data).toStrictEqual({
      hosts: [
        { name: 'a', roles: ['compute', 'network'], labels: { az: 'az1', 'r k': "x'y" } },
        { name: 'b', caps: { vcpu: 4, empty: null } },
      ],
      matrix: [[1, 'two\tlinesé'], [null]],
      last: null,
    });
    expect(readPlainLayout(text)?.data).toStrictEqual(fullRead(text)?.data);
  });

  it.each([
    ['a plain scalar continued after a comment', 'a: one\n  # note\n  two\n'],
    ['a plain scalar continued after a comment of its own', 'a: one # note\n  two\n'],
    ['an anchored plain scalar continued on the next line', 'a: &x one\n  two\nb: *x\n'],
    ['an anchored value on the line below, continued', 'a: &x\n  one\n  two\nb: *x\n'],
    ['quoted text over several lines not indented past its key', "a: 'one\ntwo'\n"],
    ['text after quoted text over several lines', "a: 'one\n  two' three\n"],
    ['a key the core schema reads as a number', '1: one\n'],
    ['a key the core schema reads as true', 'true: yes\n'],
    ['a null key', 'null: x\n'],
    ['a duplicate key', 'a: 1\nb: 2\na: 3\n'],
    ['a duplicate key in a flow mapping', 'a: {x: 1, x: 2}\n'],
    ['a key __proto__', '__proto__: {a: 1}\n'],
    ['a second document', 'a: 1\n---\nb: 2\n'],
    ['a key indented past its mapping', 'a: 1\n  b: 2\n'],
    ['a key dedented between two mappings', 'a:\n    b: 1\n  c: 2\n'],
    ['a value at its key’s column', 'a:\n"x"\n'],
    ['an empty document', '# nothing\n'],
  ])('declines %s', (_what, text) => {
    expect(readPlainLayout(text)).toBeUndefined();
  });
});
