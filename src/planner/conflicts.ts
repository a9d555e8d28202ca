/**
 * Hosts that can never be in the same wave, whatever else the wave holds, come in groups whose
 * members pairwise conflict: the hosts holding members of a VNF that allows only one member
 * impacted at once, the members of a quorum cluster that can lose only one, the hosts of a
 * failure domain the campaign limits to one host per wave. Two hosts conflict when they share a
 * group. A clique of this conflict graph (hosts that pairwise conflict) is a lower bound on the
 * number of waves. (A cluster that may lose one failure domain at a time has its own bound.)
 *
 * The graph is never materialised: at 10,000 hosts it has hundreds of thousands of edges, while
 * the groups are small lists.
 */
import type { Campaign } from '../model/index.js';
import type { WaveBuilder } from './waves.js';
import type { World } from './world.js';

export interface ConflictGroups {
  /** Hosts of each group. */
  readonly members: readonly (readonly number[])[];
  /** Groups of each host, ascending. */
  readonly groupsOf: ReadonlyMap<number, readonly number[]>;
}

export function conflictGroups(
  hosts: readonly number[],
  world: World,
  campaign: Campaign,
  builder: WaveBuilder,
): ConflictGroups {
  const members: number[][] = [];
  if (campaign.mode === 'smooth') {
    const holders = new Map<number, number[]>();
    for (const h of hosts) {
      const m = builder.profile(h).members;
      for (let k = 0; k < m.length; k += 3) {
        const v = m[k] ?? 0;
        if (world.budgets[v]?.total !== 1) continue;
        const list = holders.get(v);
        if (list) list.push(h);
        else holders.set(v, [h]);
      }
    }
    for (const list of holders.values()) if (list.length > 1) members.push(list);
  }
  const byCluster = new Map<number, number[]>();
  for (const h of hosts)
    for (const ci of builder.clusterIndexesOf(h)) {
      const list = byCluster.get(ci);
      if (list) list.push(h);
      else byCluster.set(ci, [h]);
    }
  for (const [ci, list] of byCluster) {
    const c = builder.clusters[ci];
    if (c?.kind === 'quorum' && builder.clusterBudget(ci) === 1 && list.length > 1)
      members.push(list);
  }
  for (const [key, limit] of Object.entries(campaign.rollout.maxPerFailureDomain)) {
    if (limit !== 1) continue;
    const byValue = new Map<string, number[]>();
    for (const h of hosts) {
      const value = world.hosts[h]?.labels[key];
      if (value === undefined) continue;
      const list = byValue.get(value);
      if (list) list.push(h);
      else byValue.set(value, [h]);
    }
    for (const list of byValue.values()) if (list.length > 1) members.push(list);
  }
  const groupsOf = new Map<number, number[]>();
  members.forEach((list, g) => {
    for (const h of list) {
      const gs = groupsOf.get(h);
      if (gs) gs.push(g);
      else groupsOf.set(h, [g]);
    }
  });
  return { members, groupsOf };
}

/** Whether two hosts share a group (both lists ascending). */
function conflict(a: readonly number[], b: readonly number[]): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] ?? 0;
    const y = b[j] ?? 0;
    if (x === y) return true;
    if (x < y) i++;
    else j++;
  }
  return false;
}

/** Seeds tried by the clique search: enough to find the large cliques, bounded for 10,000 hosts. */
const CLIQUE_SEEDS = 64;

/** A large clique, found greedily from the most conflicted hosts (any clique is a true bound). */
export function largeClique({ members, groupsOf }: ConflictGroups): number[] {
  const degree = new Map<number, number>();
  for (const [h, gs] of groupsOf)
    degree.set(
      h,
      gs.reduce((n, g) => n + (members[g]?.length ?? 1) - 1, 0),
    );
  const deg = (h: number) => degree.get(h) ?? 0;
  const seeds = [...groupsOf.keys()]
    .sort((a, b) => deg(b) - deg(a) || a - b)
    .slice(0, CLIQUE_SEEDS);
  let best: number[] = [];
  for (const seed of seeds) {
    if (deg(seed) + 1 <= best.length) break;
    const candidates = new Set<number>();
    for (const g of groupsOf.get(seed) ?? [])
      for (const h of members[g] ?? []) if (h !== seed) candidates.add(h);
    const clique = [seed];
    for (const c of [...candidates].sort((a, b) => deg(b) - deg(a) || a - b)) {
      const gc = groupsOf.get(c) ?? [];
      if (clique.every((m) => conflict(gc, groupsOf.get(m) ?? []))) clique.push(c);
    }
    if (clique.length > best.length) best = clique;
  }
  return best;
}
