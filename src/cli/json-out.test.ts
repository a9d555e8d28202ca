import { describe, expect, it } from 'vitest';
import { writeJson } from './json-out.js';

const written = (value: unknown, depth?: number): string => {
  const chunks: Uint8Array[] = [];
  writeJson(
    value,
    (c) => {
      chunks.push(c);
    },
    depth,
  );
  return Buffer.concat(chunks).toString('utf8');
};

describe('writeJson', () => {
  it('writes exactly what JSON.stringify writes', () => {
    const values: unknown[] = [
      { a: 1, b: 'x → y', c: [1, 'two', null, true], d: { e: {}, f: [] } },
      { skip: undefined, fn: () => 1, sym: Symbol('s'), keep: 0 },
      [undefined, () => 1, Symbol('s'), 'kept'],
      { date: new Date(0), boxed: [new Number(3), new String('s'), new Boolean(false)] },
      { nested: { deeper: { deepest: { bottom: [{ x: 1 }, { y: [2, 3] }] } } } },
      { '"quoted"\nkey': '\u2028 \u0000 "' },
      Object.assign(Object.create(null) as object, { bare: 1 }),
      [],
      {},
      'just a string',
      42,
      null,
    ];
    for (const value of values)
      for (const depth of [0, 1, 2, 6, 20])
        expect(written(value, depth)).toBe(JSON.stringify(value));
  });

  it('writes a large value in pieces of about a mebibyte', () => {
    const value = {
      items: Array.from({ length: 40_000 }, (_, k) => ({ k, text: `${'x'.repeat(50)} → ${k}` })),
      big: 'y'.repeat(1 << 20),
    };
    const chunks: Uint8Array[] = [];
    writeJson(value, (c) => {
      chunks.push(c);
    });
    expect(chunks.length).toBeGreaterThan(2);
    expect(new Set(chunks.map((c) => c.buffer)).size).toBe(chunks.length);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(JSON.stringify(value));
  });

  it('writes into the same memory again when the writer is done with a chunk', () => {
    const value = {
      items: Array.from({ length: 40_000 }, (_, k) => ({ k, text: `${'x'.repeat(50)} → ${k}` })),
    };
    const copies: Buffer[] = [];
    const memory = new Set<ArrayBufferLike>();
    writeJson(value, (c) => {
      copies.push(Buffer.from(c));
      memory.add(c.buffer);
      return true;
    });
    expect(copies.length).toBeGreaterThan(2);
    expect(memory.size).toBe(1);
    expect(Buffer.concat(copies).toString('utf8')).toBe(JSON.stringify(value));
  });
});
