import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineCounter, parseDocument } from 'yaml';
import { generateCloud } from '../drivers/sim/generate.js';
import type { Path } from './path.js';
import type { LocateRequest } from './source-map.js';
import {
  anchoredLines,
  blockScalars,
  damaged,
  blocksAndFolds,
  foldedLines,
  foldedWritten,
  layoutLines,
  mutated,
  plainMapping,
  sharing,
  written,
} from './testing/yaml-texts.js';
import { readYamlFast } from './yaml-fast.js';
import { documentYaml } from './yaml-lib.js';
import { PlainYamlSourceMap } from './yaml-plain-source.js';
import { PlainLayoutLost } from './yaml-plain-tokens.js';
import { YamlSourceMap } from './yaml-source.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);

/** The yaml package's answer: every node built, each with its range. */
function fullMap(text: string): YamlSourceMap {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  return new YamlSourceMap(doc, text, lineCounter);
}

/** Every path of the data, and beside each container a path one step past its end. */
function pathsOf(data: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(data)) {
    data.forEach((item, i) => out.push(...pathsOf(item, [...prefix, i])));
    out.push([...prefix, data.length], [...prefix, '0']);
  } else if (typeof data === 'object' && data !== null) {
    for (const [k, v] of Object.entries(data)) out.push(...pathsOf(v, [...prefix, k]));
    out.push([...prefix, 'missing', 'deeper'], [...prefix, 0]);
  } else out.push([...prefix, 'inside']);
  return out;
}

const requestsFor = (data: unknown): LocateRequest[] =>
  pathsOf(data).flatMap((path) => [
    { path, at: 'key' as const },
    { path, at: 'value' as const },
  ]);

/** Where the fast road reads the text, both maps place every path alike, or the pass gives up. */
function expectSamePositions(text: string): boolean {
  const fast = readYamlFast(text);
  if (fast === undefined) return false;
  const requests = requestsFor(fast.data);
  let plain;
  try {
    plain = new PlainYamlSourceMap(text).locate(requests);
  } catch (error) {
    if (error instanceof PlainLayoutLost) return false;
    throw error;
  }
  const full = fullMap(text).locate(requests);
  requests.forEach((request, i) => {
    expect(plain[i], `${JSON.stringify(request)} in\n${text}`).toEqual(full[i]);
  });
  return true;
}

describe('positions in plain YAML, found in one pass', () => {
  it.each([
    ['lines at any indentation', layoutLines],
    ['plain scalars', plainMapping],
    ['what the yaml package writes', written],
    ['damaged text', mutated],
    ['text with Windows line ends', layoutLines.map((t) => t.replace(/\n/g, '\r\n'))],
    ['block scalars', blockScalars],
    ['block scalars with Windows line ends', blockScalars.map((t) => t.replace(/\n/g, '\r\n'))],
    ['text over several lines', foldedLines],
    ['long strings the yaml package folds', foldedWritten],
    [
      'text over several lines with Windows line ends',
      foldedLines.map((t) => t.replace(/\n/g, '\r\n')),
    ],
    ['damaged text over several lines', damaged(fc.oneof(foldedLines, foldedWritten))],
    ['block scalars and quoted text over several lines together', blocksAndFolds],
    ['anchors and aliases among plain-layout lines (paths through aliases too)', anchoredLines],
    ['anchors and aliases the yaml package writes', sharing],
    ['damaged anchors and aliases', damaged(fc.oneof(anchoredLines, sharing))],
  ])('places every path of %s where the yaml package does', (_what, texts) => {
    let compared = 0;
    fc.assert(
      fc.property(texts, (text) => {
        if (expectSamePositions(text)) compared += 1;
      }),
      { numRuns: RUNS },
    );
    // Not vacuous: a share of the texts is compared (most damaged ones are not plain any more).
    expect(compared).toBeGreaterThan(RUNS / 50);
  });

  it('follows a path through aliases to the node of each anchor, as the yaml package does', () => {
    const text = [
      'a: &x {p: 1, q: two}',
      'b: &y',
      '  r: *x',
      '  s: [3]',
      'c: *y',
      'd:',
      '- &z',
      '  e: 2',
      '- *z',
      'a2: &x',
      '  p: 9',
      'f: *x',
      '',
    ].join('\n');
    const asked: LocateRequest[] = [
      { path: ['c', 'r', 'q'], at: 'value' },
      { path: ['c', 'r', 'p'], at: 'key' },
      { path: ['c', 's', 0], at: 'value' },
      { path: ['c', 'missing'], at: 'value' },
      { path: ['c'], at: 'key' },
      { path: ['c'], at: 'value' },
      { path: ['d', 1], at: 'key' },
      { path: ['d', 1, 'e'], at: 'value' },
      { path: ['f', 'p'], at: 'value' },
      { path: ['b', 'r'], at: 'value' },
    ];
    const plain = new PlainYamlSourceMap(text).locate(asked);
    expect(plain).toEqual(fullMap(text).locate(asked));
    // The last anchor of a name before the alias: f's p is a2's, on line 11.
    expect(plain[8]).toMatchObject({ line: 11, column: 6, source: '9' });
  });

  it('places the problems of a generated inventory as the yaml package does', () => {
    const cloud = generateCloud({ hosts: 40, seed: 5, utilisation: 0.7 });
    const text = documentYaml(cloud.inventory);
    expect(expectSamePositions(text)).toBe(true);
  });

  it.each(['---\n', '---', '# note\n---\n', '---\r\n'])(
    'places the empty document of %j after its marker, as the yaml package does',
    (text) => {
      expect(expectSamePositions(text)).toBe(true);
    },
  );

  it('places the entries of one-line flow collections as the yaml package does', () => {
    const text =
      "a: [x,  \"y, z\", 1]\nb:\n  - {k: v,  \"q\": 'r'}\n  - [ ]\n  - [it's, 'a]b', x's]\n";
    expect(expectSamePositions(text)).toBe(true);
  });

  it('gives up on text it cannot follow, so the yaml package answers instead', () => {
    // A more indented dash under a sequence item is that item's text going on: not followed.
    expect(() =>
      new PlainYamlSourceMap('- a\n  - b\n').locate([{ path: [0], at: 'value' }]),
    ).toThrow(PlainLayoutLost);
  });
});
