import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareVersionStrings,
  mustParseRange,
  mustParseVersion,
  parseRange,
  parseVersion,
  satisfies,
} from './version.js';

const RUNS = { numRuns: 500 };

/** Small alphabets on purpose: they make equal and nearly equal versions common. */
const upstreamArb = fc
  .tuple(
    fc.constantFrom('0', '1', '2', '9', '10'),
    fc.array(fc.constantFrom('0', '1', '2', '10', 'a', 'b', 'Z', '.', '+', '~'), { maxLength: 6 }),
  )
  .map(([first, rest]) => first + rest.join(''));
const revisionArb = fc
  .array(fc.constantFrom('0', '1', '2', 'a', 'b', '.', '+', '~'), { minLength: 1, maxLength: 4 })
  .map((chars) => chars.join(''));
const debianVersionArb = fc
  .record({
    epoch: fc.option(fc.nat(3), { nil: undefined }),
    upstream: upstreamArb,
    revision: fc.option(revisionArb, { nil: undefined }),
  })
  .map(({ epoch, upstream, revision }) => {
    const withEpoch = epoch === undefined ? upstream : `${epoch}:${upstream}`;
    return revision === undefined ? withEpoch : `${withEpoch}-${revision}`;
  });

const cmp = compareVersionStrings;

describe('compareVersions on Debian-style versions', () => {
  it('generates versions that parse', () => {
    fc.assert(
      fc.property(debianVersionArb, (v) => parseVersion(v).ok),
      RUNS,
    );
  });

  it('is reflexive', () => {
    fc.assert(
      fc.property(debianVersionArb, (v) => cmp(v, v) === 0),
      RUNS,
    );
  });

  it('is antisymmetric', () => {
    fc.assert(
      fc.property(
        debianVersionArb,
        debianVersionArb,
        (a, b) => Math.sign(cmp(a, b)) === -Math.sign(cmp(b, a)),
      ),
      RUNS,
    );
  });

  it('is transitive: once sorted, every pair is in order', () => {
    fc.assert(
      fc.property(fc.array(debianVersionArb, { minLength: 3, maxLength: 8 }), (versions) => {
        const sorted = [...versions].sort(cmp);
        return sorted.every((a, i) => sorted.slice(i + 1).every((b) => cmp(a, b) <= 0));
      }),
      RUNS,
    );
  });

  it('is transitive on triples, equalities included', () => {
    fc.assert(
      fc.property(debianVersionArb, debianVersionArb, debianVersionArb, (a, b, c) => {
        if (cmp(a, b) <= 0 && cmp(b, c) <= 0) return cmp(a, c) <= 0;
        if (cmp(a, b) === 0 && cmp(b, c) === 0) return cmp(a, c) === 0;
        return true;
      }),
      RUNS,
    );
  });

  it('agrees with numeric order on dotted numeric versions', () => {
    const dotted = fc.array(fc.nat(1000), { minLength: 1, maxLength: 5 });
    const numericOrder = (a: readonly number[], b: readonly number[]): number => {
      for (let i = 0; i < Math.min(a.length, b.length); i++) {
        const d = (a[i] ?? 0) - (b[i] ?? 0);
        if (d !== 0) return Math.sign(d);
      }
      return Math.sign(a.length - b.length);
    };
    fc.assert(
      fc.property(dotted, dotted, (a, b) => cmp(a.join('.'), b.join('.')) === numericOrder(a, b)),
      RUNS,
    );
  });

  it('sorts "~" before the empty string, in upstream and in revision', () => {
    const suffix = fc
      .array(fc.constantFrom('0', '1', 'a', '~', '.', '+'), { maxLength: 4 })
      .map((chars) => chars.join(''));
    fc.assert(
      fc.property(upstreamArb, suffix, fc.option(revisionArb, { nil: undefined }), (up, s, rev) => {
        const tail = rev === undefined ? '' : `-${rev}`;
        const upstreamTilde = cmp(`${up}~${s}${tail}`, `${up}${tail}`) < 0;
        const revisionTilde = cmp(`${up}-${rev ?? '1'}~${s}`, `${up}-${rev ?? '1'}`) < 0;
        return upstreamTilde && revisionTilde;
      }),
      RUNS,
    );
  });

  it('lets the epoch dominate whatever follows it', () => {
    fc.assert(
      fc.property(
        fc.nat(5),
        fc.integer({ min: 1, max: 5 }),
        upstreamArb,
        upstreamArb,
        (e, gap, a, b) => {
          return cmp(`${e}:${a}`, `${e + gap}:${b}`) < 0;
        },
      ),
      RUNS,
    );
  });

  it('orders well-known versions as dpkg does', () => {
    const ascending = ['1.0~rc1', '1.0', '1.0+b1', '1.0.1', '1.2', '1.10', '1:0.1', '2:0.1~beta'];
    expect([...ascending].reverse().sort(cmp)).toEqual(ascending);
    expect(cmp('6.1.0-18-amd64', '6.1.0-20-amd64')).toBe(-1);
    expect(cmp('1.01', '1.1')).toBe(0);
    expect(cmp('2:26.2.2-1~deb12u5', '2:26.2.2-1')).toBe(-1);
    expect(cmp('1.0a', '1.0')).toBe(1);
  });
});

describe('parseVersion', () => {
  it.each([
    ['', 'a version cannot be empty'],
    [' 1.0', 'surrounding spaces'],
    ['abc', 'does not start with a digit'],
    ['x:1.0', 'epoch "x" is not a number'],
    ['1.0-', 'revision after "-" is empty'],
    ['1.0-a_b', 'revision "a_b" has characters outside'],
    ['1.0_1', 'has characters outside'],
  ])('rejects %j: %s', (text, reason) => {
    const parsed = parseVersion(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });

  it('splits epoch, upstream and revision', () => {
    expect(mustParseVersion('2:26.2.2-1~deb12u5')).toMatchObject({
      epoch: 2,
      upstream: '26.2.2',
      revision: '1~deb12u5',
    });
  });
});

describe('version ranges', () => {
  it('accept comparators, wildcards and alternatives', () => {
    const range = mustParseRange('>=26.0.0 <28 || 30.*');
    expect(['26.0.0', '27.9', '30.1'].map((v) => satisfies(v, range))).toEqual([true, true, true]);
    expect(['25.9', '28', '29.0', '31.0'].map((v) => satisfies(v, range))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(satisfies('0.1', mustParseRange('*'))).toBe(true);
  });

  it.each([
    ['', 'a version range cannot be empty'],
    ['>=26 ||', 'an alternative after "||" is empty'],
    ['>=abc', '"abc" does not start with a digit'],
    ['26.x*', 'has characters outside'],
  ])('rejects %j: %s', (text, reason) => {
    const parsed = parseRange(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });

  it('place every version inside its exact range and at the edges of its bounds', () => {
    fc.assert(
      fc.property(debianVersionArb, (v) => {
        return (
          satisfies(v, mustParseRange(v)) &&
          satisfies(v, mustParseRange(`>=${v}`)) &&
          satisfies(v, mustParseRange(`<=${v}`)) &&
          !satisfies(v, mustParseRange(`<${v}`)) &&
          !satisfies(v, mustParseRange(`>${v}`))
        );
      }),
      RUNS,
    );
  });
});

describe('epoch wildcards', () => {
  it('pins the epoch when the wildcard names one, and ignores it otherwise', () => {
    const pinned = mustParseRange('2:26.*');
    expect(satisfies('2:26.2.2-1~deb12u5', pinned)).toBe(true);
    expect(satisfies('1:26.2.2-1', pinned)).toBe(false);
    expect(satisfies('26.2.2', pinned)).toBe(false);
    expect(satisfies('2:27.0.0-1', pinned)).toBe(false);
    expect(satisfies('2:26.2.2-1~deb12u5', mustParseRange('26.*'))).toBe(true);
  });
});
