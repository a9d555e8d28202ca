import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { largeClique, type ConflictGroups } from './conflicts.js';

/** Conflict groups from lists of hosts (each list: hosts that pairwise conflict). */
function groupsFrom(lists: readonly (readonly number[])[]): ConflictGroups {
  const members = lists.map((l) => [...new Set(l)].sort((a, b) => a - b));
  const groupsOf = new Map<number, number[]>();
  members.forEach((list, g) => {
    for (const h of list) groupsOf.set(h, [...(groupsOf.get(h) ?? []), g]);
  });
  return { members, groupsOf };
}

const conflict = (c: ConflictGroups, a: number, b: number): boolean =>
  (c.groupsOf.get(a) ?? []).some((g) => (c.groupsOf.get(b) ?? []).includes(g));

/** The largest clique by trying every subset (small graphs only). */
function bruteForce(c: ConflictGroups): number {
  const hosts = [...c.groupsOf.keys()];
  let best = 0;
  for (let mask = 1; mask < 1 << hosts.length; mask++) {
    const set = hosts.filter((_, k) => (mask >> k) & 1);
    if (set.length <= best) continue;
    if (set.every((a, i) => set.every((b, j) => i >= j || conflict(c, a, b)))) best = set.length;
  }
  return best;
}

const lists = fc.array(fc.array(fc.integer({ min: 0, max: 13 }), { minLength: 2, maxLength: 5 }), {
  maxLength: 12,
});

describe('the clique bound', () => {
  it('is a set of hosts that pairwise conflict', () => {
    fc.assert(
      fc.property(lists, (l) => {
        const c = groupsFrom(l);
        const clique = largeClique(c);
        for (const a of clique)
          for (const b of clique) if (a !== b) expect(conflict(c, a, b)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('is a largest one on small graphs', () => {
    fc.assert(
      fc.property(lists, (l) => {
        const c = groupsFrom(l);
        const size = largeClique(c).length;
        expect(Math.max(size, c.groupsOf.size > 0 ? 1 : 0)).toBe(bruteForce(c));
      }),
      { numRuns: 300 },
    );
  });

  it('finds a clique spread over groups that no single group holds', () => {
    // 1-2, 2-3 and 1-3 conflict through three different VNFs: a triangle, not a group.
    expect(
      largeClique(
        groupsFrom([
          [1, 2],
          [2, 3],
          [1, 3],
          [3, 4],
        ]),
      ).sort(),
    ).toEqual([1, 2, 3]);
  });
});
