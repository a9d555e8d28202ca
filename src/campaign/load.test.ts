import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { documentProblems, formatOf, formatProblems, parseDocument } from './index.js';
import type { DocumentKind } from './schema.js';

const RUNS = { numRuns: 300 };
const problemsOf = (text: string, file: string): string =>
  formatProblems(parseDocument(text, file).problems);

describe('format detection', () => {
  it('goes by the extension first, then by the first character', () => {
    expect(formatOf('a.json', 'x: 1')).toBe('json');
    expect(formatOf('a.YAML', '{}')).toBe('yaml');
    expect(formatOf('a.yml', '{}')).toBe('yaml');
    expect(formatOf('-', '  {"a": 1}')).toBe('json');
    expect(formatOf('-', 'a: 1')).toBe('yaml');
  });

  it('reads YAML flow style without an extension as YAML', () => {
    const parsed = parseDocument('{a: 1, b: [x, y]}', '<stdin>');
    expect(parsed).toMatchObject({ format: 'yaml', readable: true, data: { a: 1, b: ['x', 'y'] } });
  });

  it('ignores a byte-order mark', () => {
    expect(parseDocument('\uFEFF{"a": 1}', 'a.json').data).toEqual({ a: 1 });
    expect(parseDocument('\uFEFFa: 1\n', 'a.yaml').data).toEqual({ a: 1 });
  });
});

describe('YAML syntax', () => {
  it('reports every syntax error with its position, and no data', () => {
    const parsed = parseDocument('a: 1\nb:\n  c: [1, 2\nd: "x\n', 'bad.yaml');
    expect(parsed.readable).toBe(false);
    expect(formatProblems(parsed.problems).split('\n')).toEqual([
      'bad.yaml:4:1 invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
      'bad.yaml:5:1 invalid YAML: Missing closing "quote',
    ]);
  });

  it('reports duplicate keys at the repeated key, and still reads the rest', () => {
    const text = 'a: 1\nb:\n  c: 2\n  d: 3\n  c: 4\n';
    const parsed = parseDocument(text, 'dup.yaml');
    expect(parsed.readable).toBe(true);
    expect(formatProblems(parsed.problems)).toBe(
      'dup.yaml:5:3 b.c: duplicate key "c" (first at line 3); only one can count',
    );
  });

  it('asks for one document per file', () => {
    expect(problemsOf('a: 1\n---\nb: 2\n', 'two.yaml')).toBe(
      'two.yaml:2:1 the file holds more than one YAML document (a second ---): give one document per file',
    );
  });

  it('refuses alias bombs', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
      .concat(
        Array.from({ length: 8 }, (_, i) => {
          const prev = String.fromCharCode(97 + i);
          const next = String.fromCharCode(98 + i);
          return `${next}: &${next} [${Array(10).fill(`*${prev}`).join(', ')}]`;
        }),
      )
      .join('\n');
    const parsed = parseDocument(bomb, 'bomb.yaml');
    expect(parsed.readable).toBe(false);
    // f stands for 1,111,111 nodes; the aliases of b to f stand for 1,245,550 together, so the
    // eighth *f in g takes them past 10 million.
    expect(formatProblems(parsed.problems)).toBe(
      'bomb.yaml:7:36 g[7]: the aliases up to *f stand for more than 10000000 nodes (nested aliases, a "billion laughs"): write the data out or share less',
    );
  });

  it('reads an anchor used far more than the yaml package’s own limit of 1000 uses', () => {
    // A tag keeps the text off the fast road: the yaml package reads it.
    const hosts = Array.from({ length: 3000 }, (_, i) => `- {name: h${i}, capacity: *c}`);
    const text = `caps: &c {vcpu: !!int 4}\nhosts:\n${hosts.join('\n')}\n`;
    const parsed = parseDocument(text, 'shared.yaml');
    expect(parsed.problems).toEqual([]);
    const data = parsed.data as { hosts: { capacity: unknown }[] };
    expect(data.hosts[2999]?.capacity).toEqual({ vcpu: 4 });
  });

  it.each([
    [
      'an alias with no anchor before it',
      'a: !!str x\nb: *c\n',
      '2:4 b: alias *c has no anchor &c before it',
    ],
    [
      'an alias inside the node it stands for',
      'a: &m\n  name: !!str x\n  again: *m\n',
      '3:10 a.again: alias *m stands for a node that contains it: the data would never end',
    ],
  ])('refuses %s, at the alias', (_what, text, said) => {
    const parsed = parseDocument(text, 'x.yaml');
    expect(parsed.readable).toBe(false);
    expect(formatProblems(parsed.problems)).toBe(`x.yaml:${said}`);
  });
});

describe('JSON syntax', () => {
  it.each([
    [
      '{"a": 1,\n "b": 2,\n}',
      "x.json:3:1 invalid JSON: expected a field name, found '}' (JSON allows no comma after the last field)",
    ],
    [
      '{"a": [1, 2,]}',
      "x.json:1:13 a: invalid JSON: expected a value, found ']' (JSON allows no comma after the last item)",
    ],
    [
      '{"a": 1\n "b": 2}',
      'x.json:2:2 invalid JSON: expected "," or "}", found \'"\' (a comma is missing)',
    ],
    [
      '{a: 1}',
      'x.json:1:2 invalid JSON: expected a field name in double quotes, found a (field names need double quotes in JSON)',
    ],
    [
      "{'a': 1}",
      "x.json:1:2 invalid JSON: expected a field name in double quotes, found ''' (JSON field names use double quotes)",
    ],
    ['{"a": 1 // one\n}', 'x.json:1:9 invalid JSON: expected "," or "}", found a comment'],
    [
      '{"a": True}',
      'x.json:1:7 a: invalid JSON: expected a value, found True (values are true, false, null, numbers, "text", [lists] or {objects})',
    ],
    [
      '{"a": "x\n"}',
      "x.json:1:9 a: invalid JSON: expected text without control characters, found '\n' (write a line break as \\n)",
    ],
    [
      '{"a": "xy',
      "x.json:1:7 a: invalid JSON: expected a closing quote for this string, found '\"' (the string never ends)",
    ],
    [
      '{"a": {"b": 1}',
      'x.json:1:15 invalid JSON: expected "," or "}", found the end of the file (the object opened at line 1 is not closed)',
    ],
    [
      '{} {}',
      "x.json:1:4 invalid JSON: expected the end of the document, found '{' (a JSON file holds exactly one value)",
    ],
    [
      '',
      'x.json:1:1 invalid JSON: expected a JSON value, found the end of the file (the file is empty)',
    ],
  ])('explains %j', (text, expected) => {
    const parsed = parseDocument(text, 'x.json');
    expect(parsed.readable).toBe(false);
    expect(formatProblems(parsed.problems)).toBe(expected);
  });

  it('reports duplicate keys, which JSON.parse silently drops', () => {
    const text = '{\n  "spec": {\n    "hosts": [],\n    "hosts": [1]\n  }\n}';
    const parsed = parseDocument(text, 'dup.json');
    expect(parsed.readable).toBe(true);
    expect(formatProblems(parsed.problems)).toBe(
      'dup.json:4:5 spec.hosts: duplicate key "hosts" (first at line 3); only one can count',
    );
  });

  it('reports a duplicate key in a large document too (once skipped above 8 MB)', () => {
    const instances = Array.from(
      { length: 120_000 },
      (_, i) =>
        `{"name":"vm-${i}","host":"cmp-${i % 997}","flavor":"vnf.small","migration":"live"}`,
    );
    instances[119_998] = '{"name":"vm-119998","host":"cmp-1","host":"cmp-2","flavor":"vnf.small"}';
    const text = `{"spec":{"instances":[\n${instances.join(',\n')}\n]}}`;
    expect(text.length).toBeGreaterThan(8 * 1024 * 1024);
    expect(formatProblems(parseDocument(text, 'big.json').problems)).toBe(
      'big.json:120000:36 spec.instances[119998].host: duplicate key "host" (first at line 120000); only one can count',
    );
  });

  it('reads text without an extension as JSON first, then as YAML, then explains the JSON', () => {
    expect(parseDocument('{"a": [1]}', 'stdin')).toMatchObject({
      format: 'json',
      data: { a: [1] },
    });
    expect(parseDocument('{"a": [1,]}', 'stdin')).toMatchObject({
      format: 'yaml',
      data: { a: [1] },
    });
    expect(problemsOf('{"a": }}', 'stdin')).toBe(
      "stdin:1:7 a: invalid JSON: expected a value, found '}'",
    );
  });
});

describe('parseDocument on arbitrary text', () => {
  const files = fc.constantFrom('x.json', 'x.yaml', 'x');
  const kinds = fc.constantFrom<DocumentKind>('Inventory', 'Catalog', 'Campaign');

  it('never throws, and either reads data or says why not', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), files, (text, file) => {
        const parsed = parseDocument(text, file);
        return parsed.readable || parsed.problems.length > 0;
      }),
      RUNS,
    );
  });

  it('never throws on text made of YAML and JSON punctuation', () => {
    const token = fc.constantFrom(
      '{',
      '}',
      '[',
      ']',
      ':',
      ',',
      '-',
      '"',
      "'",
      '&a',
      '*a',
      '!!',
      '\n',
      '  ',
      'a',
      '1',
      '#',
      '---',
      '|',
      '>',
      '? ',
      '\\',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 60 }), files, kinds, (tokens, file, kind) => {
        const parsed = parseDocument(tokens.join(''), file);
        documentProblems(parsed, kind);
        return true;
      }),
      RUNS,
    );
  });

  it('never throws while validating any JSON value as any kind of document', () => {
    const junk = fc.jsonValue({ maxDepth: 3 });
    const item = fc.dictionary(
      fc.constantFrom(
        'name',
        'site',
        'host',
        'flavor',
        'vnf',
        'members',
        'quorum',
        'components',
        'releases',
        'requires',
        'component',
        'version',
        'versions',
        'to',
        'minAvailable',
        'failureDomain',
        'labels',
        'durations',
        'check',
        'exec',
      ),
      junk,
    );
    const spec = fc.dictionary(
      fc.constantFrom(
        'sites',
        'hosts',
        'flavors',
        'instances',
        'vnfs',
        'clusters',
        'sharedServices',
        'components',
        'upgrades',
        'targets',
        'rollout',
        'guards',
        'timeouts',
        'verify',
        'site',
      ),
      fc.oneof(fc.array(item, { maxLength: 4 }), item, junk),
    );
    const documentArb = fc.record({
      apiVersion: fc.constantFrom('escalator.dev/v1alpha1', 'v0'),
      kind: fc.constantFrom('Inventory', 'Catalog', 'Campaign'),
      metadata: fc.oneof(fc.record({ name: fc.string() }), junk),
      spec: fc.oneof(spec, junk),
    });
    fc.assert(
      fc.property(documentArb, kinds, fc.boolean(), (doc, kind, asJson) => {
        const text = JSON.stringify(doc, null, asJson ? 2 : undefined);
        const problems = documentProblems(parseDocument(text, asJson ? 'd.json' : 'd.yaml'), kind);
        return problems.every(
          (p) => p.line >= 1 && p.column >= 1 && !p.message.includes('    at '),
        );
      }),
      RUNS,
    );
  });

  it('survives nesting far deeper than any document needs', () => {
    const depth = 100_000;
    const lists = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const objects = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    for (const [text, file] of [
      [lists, 'deep.json'],
      [lists, 'deep.yaml'],
      [objects, 'deep.json'],
    ] as const) {
      const problems = documentProblems(parseDocument(text, file), 'Inventory');
      expect(problems.length, file).toBeGreaterThan(0);
    }
  });
});
