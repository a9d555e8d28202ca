import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyHashes, keyHash } from './key-hashes.js';

const keysOf = (n: number, run = '01M97DF1AVFYTPN3TW6WP3SPV0'): string[] =>
  Array.from({ length: n }, (_, i) => `${run}/g0/s1/w${i % 28}/site-1-cmp-${i}/${i % 9}#1`);

describe('key hashes', () => {
  it('never deny a key they were made from, after merges and an encoding round trip', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 40 }), { maxLength: 200 }),
        fc.array(fc.string({ maxLength: 40 }), { maxLength: 200 }),
        (a, b) => {
          const merged = KeyHashes.decode(KeyHashes.of(a).with(b).encode());
          expect(merged).toBeDefined();
          for (const key of [...a, ...b]) expect(merged?.mayHave(key)).toBe(true);
          expect(merged?.size).toBe(new Set([...a, ...b].map(keyHash)).size);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('tell new keys from 50,000 kept ones without a false match', () => {
    const kept = KeyHashes.of(keysOf(50_000));
    const fresh = keysOf(50_000, '01M97DF1AVFYTPN3TW6WP3SPV1');
    expect(fresh.filter((k) => kept.mayHave(k))).toEqual([]);
  });

  it('refuse text that is not a sorted list of hashes', () => {
    const good = KeyHashes.of(['a', 'b', 'c']).encode();
    expect(KeyHashes.decode(good)?.size).toBe(3);
    expect(KeyHashes.decode('not base64!')).toBeUndefined();
    expect(KeyHashes.decode(good.slice(0, 8))).toBeUndefined(); // not whole hashes
    const bytes = Buffer.from(good, 'base64');
    const swapped = Buffer.concat([
      bytes.subarray(16, 24),
      bytes.subarray(8, 16),
      bytes.subarray(0, 8),
    ]);
    expect(KeyHashes.decode(swapped.toString('base64'))).toBeUndefined(); // not ascending
    const twice = Buffer.concat([bytes.subarray(0, 8), bytes.subarray(0, 8)]);
    expect(KeyHashes.decode(twice.toString('base64'))).toBeUndefined(); // not each once
    expect(KeyHashes.decode('')?.size).toBe(0);
  });

  it('hash to integers that a double holds exactly', () => {
    fc.assert(
      fc.property(fc.string(), (key) => {
        const h = keyHash(key);
        expect(Number.isSafeInteger(h) && h >= 0).toBe(true);
      }),
    );
  });
});
