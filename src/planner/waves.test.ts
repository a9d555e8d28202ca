import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { colouringEffort } from './waves.js';

const first = (hosts: number) => ({ hosts, coloured: false });
const later = (hosts: number) => ({ hosts, coloured: true });

describe('colouringEffort', () => {
  it('gives small colourings many passes and large ones few, at least one', () => {
    expect(colouringEffort(10, 0, first(10)).passes).toBe(300);
    expect(colouringEffort(1_000, 0, first(1_000)).passes).toBe(30);
    expect(colouringEffort(9_000, 0, first(9_000)).passes).toBe(3);
    expect(colouringEffort(100_000, 0, first(100_000)).passes).toBe(1);
    expect(colouringEffort(0, 0, first(0)).passes).toBe(300);
  });

  it('passes the target through and tries DSATUR on a first colouring', () => {
    expect(colouringEffort(500, 7, first(9_000))).toEqual({
      passes: 60,
      target: 7,
      saturate: true,
    });
  });

  it('lets a stage small enough to be coloured again spend its whole work on each colouring', () => {
    expect(colouringEffort(300, 0, later(2_000))).toEqual({
      passes: 100,
      target: 0,
      saturate: true,
    });
  });

  it('gives the later colourings of a stage too large to colour again no more passes than its first, and no DSATUR', () => {
    expect(colouringEffort(2_886, 4, later(9_070))).toEqual({
      passes: colouringEffort(9_070, 4, first(9_070)).passes,
      target: 4,
      saturate: false,
    });
    fc.assert(
      fc.property(fc.integer({ min: 3_001, max: 50_000 }), fc.nat(), (stage, left) => {
        const effort = colouringEffort(left % (stage + 1), 0, later(stage));
        expect(effort.passes).toBeLessThanOrEqual(colouringEffort(stage, 0, first(stage)).passes);
        expect(effort.saturate).toBe(false);
      }),
    );
  });
});
