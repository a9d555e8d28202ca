import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readYamlFast } from './yaml-fast.js';
import { documentYaml } from './yaml-lib.js';

/** Keys as documents have them: names, and field names of the schemas. */
const key = fc.stringMatching(/^[a-z][A-Za-z0-9._-]{0,20}$/);

/** Text as inventories exported from a cloud may carry it: line breaks, tabs, any character. */
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc
    .array(
      fc.constantFrom(
        'a',
        ' ',
        '\t',
        '\n',
        '\r',
        '\u00a0',
        '\u2028',
        '\u2029',
        '\u0085',
        '\ufeff',
        '#',
        ':',
        '-',
        '"',
        '[',
        '{',
        '\\',
      ),
      // Long enough for the yaml package to fold a line (at 40 characters and more).
      { maxLength: 120, size: 'max' },
    )
    .map((cs) => cs.join('')),
);

/**
 * Not testing/yaml-texts.ts's jsonLike: its keys include `null`, which the fast road leaves to
 * the yaml package on purpose (hasKeyNull in yaml-fast.ts).
 */
const document = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.integer(),
    fc.boolean(),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(key, tie('value'), { maxKeys: 3, noNullPrototype: true }),
  ),
})).value;

describe('documents as Escalator writes YAML', () => {
  it('read back the fast way to the same data, whatever text their strings hold', () => {
    fc.assert(
      fc.property(fc.dictionary(key, document, { maxKeys: 4, noNullPrototype: true }), (doc) => {
        const yaml = documentYaml(doc);
        expect(parse(yaml)).toStrictEqual(doc);
        const fast = readYamlFast(yaml);
        expect(fast, `left to the yaml package:\n${yaml}`).toBeDefined();
        expect(fast?.data).toStrictEqual(doc);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 1000) },
    );
  });
});
