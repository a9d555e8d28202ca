/**
 * The conflict graph of a stage: an edge joins two hosts that can never be in the same wave,
 * whatever else the wave holds — they share a VNF that allows only one member impacted at
 * once, a quorum cluster that can lose only one member, different failure domains of a
 * cluster that can lose only one, or a failure domain the campaign limits to one host.
 *
 * A clique of it is a lower bound on the number of waves.
 */
import type { Campaign } from '../model/index.js';
import type { WaveBuilder } from './waves.js';
import type { World } from './world.js';

export type ConflictGraph = ReadonlyMap<number, ReadonlySet<number>>;

export function conflictGraph(
  hosts: readonly number[],
  world: World,
  campaign: Campaign,
  builder: WaveBuilder,
): ConflictGraph {
  const adj = new Map<number, Set<number>>(hosts.map((h) => [h, new Set<number>()]));
  const join = (x: number, y: number) => {
    if (x === y) return;
    adj.get(x)?.add(y);
    adj.get(y)?.add(x);
  };
  const link = (group: readonly number[]) => {
    for (let a = 0; a < group.length; a++)
      for (let b = a + 1; b < group.length; b++) join(group[a] ?? -1, group[b] ?? -1);
  };
  if (campaign.mode === 'smooth') {
    const holders = new Map<number, number[]>();
    for (const h of hosts)
      for (const v of builder.vnfsOn(h)) {
        if (world.budgets[v]?.total !== 1) continue;
        const list = holders.get(v);
        if (list) list.push(h);
        else holders.set(v, [h]);
      }
    for (const list of holders.values()) link(list);
  }
  const byCluster = new Map<number, number[]>();
  for (const h of hosts)
    for (const ci of builder.clusterIndexesOf(h))
      byCluster.set(ci, [...(byCluster.get(ci) ?? []), h]);
  for (const [ci, members] of byCluster) {
    const c = builder.clusters[ci];
    if (!c || builder.clusterBudget(ci) !== 1) continue;
    if (c.kind === 'quorum') link(members);
    else
      for (let a = 0; a < members.length; a++)
        for (let b = a + 1; b < members.length; b++) {
          const x = members[a] ?? -1;
          const y = members[b] ?? -1;
          if (world.hosts[x]?.labels[c.failureDomain] !== world.hosts[y]?.labels[c.failureDomain])
            join(x, y);
        }
  }
  for (const [key, limit] of Object.entries(campaign.rollout.maxPerFailureDomain)) {
    if (limit !== 1) continue;
    const byValue = new Map<string, number[]>();
    for (const h of hosts) {
      const value = world.hosts[h]?.labels[key];
      if (value !== undefined) byValue.set(value, [...(byValue.get(value) ?? []), h]);
    }
    for (const members of byValue.values()) link(members);
  }
  return adj;
}

/** Seeds tried by the clique search: enough to find the large cliques, bounded for 10,000 hosts. */
const CLIQUE_SEEDS = 64;

/** A large clique, found greedily from the most conflicted hosts (any clique is a true bound). */
export function largeClique(adj: ConflictGraph): number[] {
  const degree = (h: number) => adj.get(h)?.size ?? 0;
  const seeds = [...adj.keys()]
    .sort((a, b) => degree(b) - degree(a) || a - b)
    .slice(0, CLIQUE_SEEDS);
  let best: number[] = [];
  for (const seed of seeds) {
    if (degree(seed) + 1 <= best.length) break;
    const clique = [seed];
    const candidates = [...(adj.get(seed) ?? [])].sort((a, b) => degree(b) - degree(a) || a - b);
    for (const c of candidates) {
      const n = adj.get(c);
      if (n && clique.every((m) => n.has(m))) clique.push(c);
    }
    if (clique.length > best.length) best = clique;
  }
  return best;
}
