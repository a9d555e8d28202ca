import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Scratch } from './state-file.js';

describe('scratch memory for a checkpoint’s lines', () => {
  it('gives each line’s UTF-8 bytes, whatever the pieces, as memory grows and is reused', () => {
    const scratch = new Scratch();
    const piece = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'grapheme' }),
      fc.constant('x'.repeat(70_000)),
    );
    fc.assert(
      fc.property(fc.array(fc.array(piece, { maxLength: 6 }), { maxLength: 5 }), (lines) => {
        for (const line of lines) {
          for (const text of line) scratch.push(text);
          scratch.endLine();
        }
        const taken = scratch.take();
        expect(taken.map((bytes) => bytes.toString('utf8'))).toEqual(
          lines.map((line) => `${line.join('')}\n`),
        );
      }),
    );
  });

  it('forgets a line left half-written when it is cleared', () => {
    const scratch = new Scratch();
    scratch.push('{"part":"fields","value":{"world":');
    scratch.clear();
    scratch.push('{"part":"key-hashes"}');
    scratch.endLine();
    expect(scratch.take().map(String)).toEqual(['{"part":"key-hashes"}\n']);
  });
});
