import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

const RUNS = { numRuns: 300 };

function seconds(input: string | number): number {
  const parsed = parseDuration(input);
  if (!parsed.ok) throw new Error(`expected ${String(input)} to parse: ${parsed.reason}`);
  return parsed.seconds;
}

describe('parseDuration', () => {
  it('reads each unit and combinations of them', () => {
    expect(seconds('500ms')).toBe(0.5);
    expect(seconds('90s')).toBe(90);
    expect(seconds('15m')).toBe(900);
    expect(seconds('1h30m')).toBe(5400);
    expect(seconds('1d')).toBe(86_400);
    expect(seconds('1.5h')).toBe(5400);
    expect(seconds('1m30s250ms')).toBe(90.25);
  });

  it('reads a number, or a text of digits only, as seconds', () => {
    expect(seconds(30)).toBe(30);
    expect(seconds(0.25)).toBe(0.25);
    expect(seconds('45')).toBe(45);
  });

  it('gives exact milliseconds, free of binary-fraction noise', () => {
    const parsed = parseDuration('1.1s');
    expect(parsed.ok && parsed.milliseconds).toBe(1100);
  });

  it.each([
    ['', 'a duration cannot be empty'],
    ['5 s', '"5 s" is not a duration'],
    ['1h30', 'cannot read "30" in "1h30"'],
    ['30m1h', '"h" comes after a larger or equal unit'],
    ['1h1h', '"h" comes after a larger or equal unit'],
    ['soon', '"soon" is not a duration'],
  ])('rejects %j, saying why', (text, reason) => {
    const parsed = parseDuration(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });

  it('rejects negative and non-finite numbers', () => {
    expect(parseDuration(-1)).toEqual({ ok: false, reason: 'a duration cannot be negative' });
    expect(parseDuration(Number.POSITIVE_INFINITY).ok).toBe(false);
    expect(parseDuration(Number.NaN).ok).toBe(false);
  });
});

describe('formatDuration', () => {
  it('writes the canonical form', () => {
    expect(formatDuration(5400)).toBe('1h30m');
    expect(formatDuration(0.5)).toBe('500ms');
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(90061.5)).toBe('1d1h1m1s500ms');
  });

  it('round-trips through parseDuration for any whole number of milliseconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 12 }), (ms) => {
        const parsed = parseDuration(formatDuration(ms / 1000));
        return parsed.ok && parsed.milliseconds === ms;
      }),
      RUNS,
    );
  });

  it('round-trips durations written unit by unit', () => {
    const unitCounts = fc.record({
      d: fc.nat(400),
      h: fc.nat(23),
      m: fc.nat(59),
      s: fc.nat(59),
      ms: fc.nat(999),
    });
    fc.assert(
      fc.property(unitCounts, (counts) => {
        const text = Object.entries(counts)
          .filter(([, n]) => n > 0)
          .map(([unit, n]) => `${n}${unit}`)
          .join('');
        const expected =
          (((counts.d * 24 + counts.h) * 60 + counts.m) * 60 + counts.s) * 1000 + counts.ms;
        const parsed = parseDuration(text === '' ? '0s' : text);
        if (!parsed.ok || parsed.milliseconds !== expected) return false;
        const again = parseDuration(formatDuration(parsed.seconds));
        return again.ok && again.milliseconds === expected;
      }),
      RUNS,
    );
  });

  it('round-trips sub-millisecond precision', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 9 }), (micros) => {
        const s = micros / 1_000_000;
        const parsed = parseDuration(formatDuration(s));
        return parsed.ok && Math.round(parsed.seconds * 1_000_000) === micros;
      }),
      RUNS,
    );
  });
});
