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

/**
 * Each path on its own, for text with aliases: the pass gives up on a path through an alias
 * (the yaml package answers from the anchor's node), and must place every other path alike.
 * The number of paths compared.
 */
function expectSamePositionsEach(text: string): number {
  const fast = readYamlFast(text);
  if (fast === undefined) return 0;
  const full = fullMap(text);
  let compared = 0;
  for (const request of requestsFor(fast.data)) {
    let plain;
    try {
      plain = new PlainYamlSourceMap(text).locate([request]);
    } catch (error) {
      if (error instanceof PlainLayoutLost) continue;
      throw error;
    }
    expect(plain[0], `${JSON.stringify(request)} in\n${text}`).toEqual(full.locate([request])[0]);
    compared += 1;
  }
  return compared;
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

  it.each([
    ['anchors and aliases among plain-layout lines', anchoredLines],
    ['anchors and aliases the yaml package writes', sharing],
    ['damaged anchors and aliases', damaged(fc.oneof(anchoredLines, sharing))],
  ])('places every path of %s that no alias is on where the yaml package does', (_what, texts) => {
    let compared = 0;
    fc.assert(
      fc.property(texts, (text) => {
        compared += expectSamePositionsEach(text);
      }),
      { numRuns: RUNS / 2 },
    );
    expect(compared).toBeGreaterThan(RUNS);
  });

  it('gives up on a path through an alias, and places its anchor’s node like any other', () => {
    const text = 'a: &x\n  b: 1\nc: *x\nd:\n- &y\n  e: 2\n- *y\n';
    const plain = new PlainYamlSourceMap(text);
    expect(() => plain.locate([{ path: ['c', 'b'], at: 'value' }])).toThrow(PlainLayoutLost);
    expect(() => plain.locate([{ path: ['d', 1], at: 'value' }])).toThrow(PlainLayoutLost);
    const asked: LocateRequest[] = [
      { path: ['a', 'b'], at: 'value' },
      { path: ['a'], at: 'value' },
      { path: ['d', 0, 'e'], at: 'key' },
      { path: ['c'], at: 'key' },
    ];
    expect(plain.locate(asked)).toEqual(fullMap(text).locate(asked));
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
