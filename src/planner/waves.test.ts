import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { colouringPasses } from './waves.js';

describe('colouringPasses', () => {
  it('gives small stages many passes and large ones few, at least one', () => {
    expect(colouringPasses(10, 10)).toBe(300);
    expect(colouringPasses(1_000, 1_000)).toBe(30);
    expect(colouringPasses(9_000, 9_000)).toBe(3);
    expect(colouringPasses(100_000, 100_000)).toBe(1);
    expect(colouringPasses(0, 0)).toBe(300);
  });

  it('lets a stage that could be coloured again from the start spend its work on each colouring', () => {
    expect(colouringPasses(300, 2_000)).toBe(100);
  });

  it('gives the later colourings of a stage too large to colour again no more passes than its first', () => {
    expect(colouringPasses(2_886, 9_070)).toBe(colouringPasses(9_070, 9_070));
    fc.assert(
      fc.property(fc.integer({ min: 3_001, max: 50_000 }), fc.nat(), (stage, left) => {
        const hosts = left % (stage + 1);
        expect(colouringPasses(hosts, stage)).toBeLessThanOrEqual(colouringPasses(stage, stage));
      }),
    );
  });
});
