import { describe, expect, it } from 'vitest';
import { Rng } from '../drivers/sim/rng.js';
import { ulidGenerator, ulidTime } from './ids.js';

const at = (ms: number) => ({ now: () => ms });

describe('run ids (ULIDs)', () => {
  it('are 26 Crockford base-32 characters that carry the time', () => {
    const time = Date.UTC(2026, 10, 25, 10, 0, 0, 123);
    const id = ulidGenerator(at(time), new Rng(1))();
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(ulidTime(id)).toBe(time);
  });

  it('sort by creation time as text', () => {
    let now = Date.UTC(2026, 0, 1);
    const next = ulidGenerator({ now: () => now }, new Rng(2));
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      now += i % 3 === 0 ? 0 : 7; // several in the same millisecond too
      ids.push(next());
    }
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('stay ordered when the clock steps back', () => {
    let now = 1_000_000;
    const next = ulidGenerator({ now: () => now }, new Rng(3));
    const a = next();
    now -= 500;
    const b = next();
    expect(b > a).toBe(true);
  });

  it('are the same for the same clock and seed', () => {
    const make = () => ulidGenerator(at(42), new Rng(7));
    const a = make();
    const b = make();
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });

  it('refuse a time a ULID cannot hold', () => {
    expect(() => ulidGenerator(at(-1), new Rng(1))()).toThrow(RangeError);
    expect(() => ulidGenerator(at(2 ** 48), new Rng(1))()).toThrow(RangeError);
  });
});
