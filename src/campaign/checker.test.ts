import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Checker } from './checker.js';

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 500);

/** Short names from a small alphabet, so that lists repeat some (and collide in the table). */
const names = fc.array(
  fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'é', '-'), maxLength: 3 }),
  {
    maxLength: 200,
  },
);

describe('repeated names without an index', () => {
  it('are reported as `unique` reports them: each repeat, with the first', () => {
    const items = fc.array(
      fc.oneof(
        names.map((l) => ({ name: l[0] ?? '' })),
        fc.constant({}),
        fc.constant({ name: 7 }),
      ),
      { maxLength: 60 },
    );
    fc.assert(
      fc.property(items, (list) => {
        const indexed = new Checker();
        indexed.unique(list, ['spec', 'instances'], 'instance');
        const bare = new Checker();
        bare.repeats(list, ['spec', 'instances'], 'instance');
        expect(bare.problems).toEqual(indexed.problems);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
