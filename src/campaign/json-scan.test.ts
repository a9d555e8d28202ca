import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasDuplicateKeys, scanJson } from './json-scan.js';
import { JsonSourceMap } from './json-source.js';

const RUNS = { numRuns: 300 };

describe('hasDuplicateKeys', () => {
  it('finds none in anything JSON.stringify writes', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 2 : undefined);
        return !hasDuplicateKeys(text, JSON.parse(text));
      }),
      RUNS,
    );
  });

  it('finds a key written twice in any object, colons and quotes in strings notwithstanding', () => {
    const object = fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1 });
    fc.assert(
      fc.property(object, fc.string(), (value, extra) => {
        const [key] = Object.keys(value);
        const body = JSON.stringify(value).slice(1, -1);
        const text = `{${JSON.stringify(key)}: ${JSON.stringify(extra)}, ${body}}`;
        return hasDuplicateKeys(text, JSON.parse(text)) && scanJson(text).duplicates.length === 1;
      }),
      RUNS,
    );
  });

  it('finds a key written twice at the bottom of deep nesting, which recursion alone could not reach', () => {
    const depth = 20_000;
    const text = `${'['.repeat(depth)}{"a": 1, "b": [{}], "a": 2}${']'.repeat(depth)}`;
    expect(hasDuplicateKeys(text, JSON.parse(text))).toBe(true);
    const clean = text.replace('"a": 2', '"c": 2');
    expect(hasDuplicateKeys(clean, JSON.parse(clean))).toBe(false);
  });
});

describe('scanJson', () => {
  it('accepts exactly what JSON.parse accepts', () => {
    const nearlyJson = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string(),
      fc
        .tuple(
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.nat(),
          fc.constantFrom(',', '}', ']', '"', ':', ' ', '\\'),
        )
        .map(
          ([text, at, c]) =>
            text.slice(0, at % (text.length + 1)) + c + text.slice(at % (text.length + 1)),
        ),
    );
    fc.assert(
      fc.property(nearlyJson, (text) => {
        let parses = true;
        try {
          JSON.parse(text);
        } catch {
          parses = false;
        }
        return parses === (scanJson(text).error === undefined);
      }),
      { numRuns: 1000 },
    );
  });

  it('locates keys and values, and a missing path at its deepest ancestor', () => {
    const text =
      '{\n  "spec": {\n    "hosts": [\n      {"name": "a"},\n      {"name": "b"}\n    ]\n  }\n}';
    const positions = new JsonSourceMap(text).locate([
      { path: ['spec', 'hosts', 1, 'name'], at: 'value' },
      { path: ['spec', 'hosts', 1, 'name'], at: 'key' },
      { path: ['spec', 'hosts', 1, 'capacity'], at: 'key' },
      { path: [], at: 'value' },
    ]);
    expect(positions).toEqual([
      { line: 5, column: 16 },
      { line: 5, column: 8 },
      { line: 5, column: 7 },
      { line: 1, column: 1 },
    ]);
  });
});
