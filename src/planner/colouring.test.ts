import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { colourHosts, type ClassLimits } from './colouring.js';

/** A random stage: hosts holding VNF members, in racks, some in quorum clusters. */
interface Stage {
  readonly hosts: number;
  readonly cap: number;
  readonly budgets: readonly { readonly out: number; readonly total: number }[];
  /** Per host: [vnf, members, out] triples. */
  readonly members: readonly (readonly number[])[];
  readonly rackOf: readonly number[];
  readonly racks: number;
  readonly rackLimit: number;
  /** Per cluster: its members and how many may be out at once. */
  readonly clusters: readonly { readonly members: readonly number[]; readonly budget: number }[];
}

const stage: fc.Arbitrary<Stage> = fc
  .record({
    hosts: fc.integer({ min: 1, max: 60 }),
    vnfs: fc.integer({ min: 1, max: 30 }),
    racks: fc.integer({ min: 1, max: 8 }),
    cap: fc.integer({ min: 1, max: 20 }),
    rackLimit: fc.integer({ min: 1, max: 6 }),
    seed: fc.array(fc.nat(), { minLength: 400, maxLength: 400 }),
  })
  .map(({ hosts, vnfs, racks, cap, rackLimit, seed }) => {
    let at = 0;
    const next = (n: number): number => (seed[at++ % seed.length] ?? 0) % n;
    const budgets = Array.from({ length: vnfs }, () => {
      const total = 1 + next(3);
      return { total, out: next(total + 1) };
    });
    const members = Array.from({ length: hosts }, () => {
      const m: number[] = [];
      const taken = new Set<number>();
      for (let k = next(4); k > 0; k--) {
        const v = next(vnfs);
        if (taken.has(v)) continue;
        taken.add(v);
        // A host never holds more of a VNF than the VNF allows out: it could never be upgraded.
        const total = 1 + next(budgets[v]?.total ?? 1);
        m.push(v, total, Math.min(total, next(2), budgets[v]?.out ?? 0));
      }
      return m;
    });
    const rackOf = Array.from({ length: hosts }, () => next(racks));
    const clusters = Array.from({ length: next(3) }, () => ({
      members: [...new Set(Array.from({ length: 1 + next(5) }, () => next(hosts)))],
      budget: 1 + next(2),
    }));
    return { hosts, cap, budgets, members, rackOf, racks, rackLimit, clusters };
  });

function limitsOf(s: Stage): ClassLimits {
  const clustersOf = Array.from({ length: s.hosts }, (_, h) =>
    s.clusters.flatMap((c, ci) => (c.members.includes(h) ? [ci] : [])),
  );
  return {
    cap: s.cap,
    smooth: true,
    vnfCount: s.budgets.length,
    budgetOut: Int32Array.from(s.budgets.map((b) => b.out)),
    budgetTotal: Int32Array.from(s.budgets.map((b) => b.total)),
    domainLimit: [s.rackLimit],
    domainOf: [Int32Array.from(s.rackOf)],
    domainCount: [s.racks],
    clusterCount: s.clusters.length,
    clusterBudget: (ci) => s.clusters[ci]?.budget ?? 0,
    clusterDomainKey: () => undefined,
    clustersOf: (h) => clustersOf[h] ?? [],
    label: (h) => String(h),
    members: (h) => s.members[h] ?? [],
  };
}

/** The first limit a class breaks, checked from the stage itself (not from the colouring's table). */
function violation(s: Stage, hosts: readonly number[], classOf: Int32Array): string | undefined {
  const byClass = new Map<number, number[]>();
  hosts.forEach((h, k) => {
    const c = classOf[k] ?? -1;
    byClass.set(c, [...(byClass.get(c) ?? []), h]);
  });
  for (const [c, members] of byClass) {
    if (members.length > s.cap) return `class ${c} holds ${members.length} > ${s.cap} hosts`;
    const perRack = new Map<number, number>();
    const out = new Map<number, number>();
    const total = new Map<number, number>();
    for (const h of members) {
      const r = s.rackOf[h] ?? 0;
      perRack.set(r, (perRack.get(r) ?? 0) + 1);
      const m = s.members[h] ?? [];
      for (let j = 0; j < m.length; j += 3) {
        const v = m[j] ?? 0;
        total.set(v, (total.get(v) ?? 0) + (m[j + 1] ?? 0));
        out.set(v, (out.get(v) ?? 0) + (m[j + 2] ?? 0));
      }
    }
    for (const [r, n] of perRack) if (n > s.rackLimit) return `class ${c}: rack ${r} has ${n}`;
    for (const [v, n] of total)
      if (n > (s.budgets[v]?.total ?? 0)) return `class ${c}: VNF ${v} has ${n} members impacted`;
    for (const [v, n] of out)
      if (n > (s.budgets[v]?.out ?? 0)) return `class ${c}: VNF ${v} has ${n} members out`;
    for (const [ci, cl] of s.clusters.entries()) {
      const n = members.filter((h) => cl.members.includes(h)).length;
      if (n > cl.budget) return `class ${c}: cluster ${ci} loses ${n} > ${cl.budget}`;
    }
  }
  return undefined;
}

const classCount = (classOf: Int32Array): number => Math.max(0, ...classOf) + 1;

describe('wave classes', () => {
  it('never put more in one class than a limit allows (cap, rack, VNF budgets, cluster quorum)', () => {
    fc.assert(
      fc.property(stage, fc.integer({ min: 0, max: 12 }), (s, passes) => {
        const hosts = Array.from({ length: s.hosts }, (_, h) => h);
        const { classOf } = colourHosts(hosts, limitsOf(s), { passes, target: 0 });
        expect(violation(s, hosts, classOf)).toBeUndefined();
        expect(classOf.every((c) => c >= 0 && c < hosts.length)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('never need more classes with more iterated-greedy passes', () => {
    fc.assert(
      fc.property(stage, (s) => {
        const hosts = Array.from({ length: s.hosts }, (_, h) => h);
        const none = classCount(colourHosts(hosts, limitsOf(s), { passes: 0, target: 0 }).classOf);
        const some = classCount(colourHosts(hosts, limitsOf(s), { passes: 10, target: 0 }).classOf);
        expect(some).toBeLessThanOrEqual(none);
      }),
      { numRuns: 200 },
    );
  });

  it('colour pairwise-conflicting hosts one per class, and the rest alongside them', () => {
    // Hosts 0..4 all hold a member of VNF 0, which allows one impacted: five classes; hosts 5..9
    // hold nothing that conflicts and fill the classes up (cap 2).
    const s: Stage = {
      hosts: 10,
      cap: 2,
      budgets: [{ out: 1, total: 1 }],
      members: Array.from({ length: 10 }, (_, h) => (h < 5 ? [0, 1, 0] : [])),
      rackOf: Array.from({ length: 10 }, () => 0),
      racks: 1,
      rackLimit: 10,
      clusters: [],
    };
    const hosts = Array.from({ length: 10 }, (_, h) => h);
    const { classOf } = colourHosts(hosts, limitsOf(s), { passes: 5, target: 5 });
    expect(classCount(classOf)).toBe(5);
    expect(violation(s, hosts, classOf)).toBeUndefined();
  });

  it('keep the table of the colouring they return: room for one more member where the budget allows', () => {
    const s: Stage = {
      hosts: 2,
      cap: 2,
      budgets: [
        { out: 1, total: 2 },
        { out: 0, total: 1 },
      ],
      members: [
        [0, 1, 0],
        [1, 1, 0],
      ],
      rackOf: [0, 0],
      racks: 1,
      rackLimit: 2,
      clusters: [],
    };
    const { classOf, table } = colourHosts([0, 1], limitsOf(s), { passes: 0, target: 1 });
    expect([...classOf]).toEqual([0, 0]);
    expect(table.room(0, 0, false)).toBe(true); // one of two impacted so far
    expect(table.room(0, 1, false)).toBe(false); // its only allowed member is there
    table.arrive(0, 0, false, 1);
    expect(table.room(0, 0, false)).toBe(false);
  });
});
