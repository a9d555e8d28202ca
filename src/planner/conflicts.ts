/**
 * Hosts that can never be in the same wave, whatever else the wave holds, come in groups whose
 * members pairwise conflict: the hosts holding members of a VNF that allows only one member
 * impacted at once, the members of a quorum cluster that can lose only one, the hosts of a
 * failure domain the campaign limits to one host per wave. Two hosts conflict when they share a
 * group. A clique of this conflict graph (hosts that pairwise conflict) is a lower bound on the
 * number of waves. (A cluster that may lose one failure domain at a time has its own bound.)
 *
 * The groups are small lists; the graph is built from them only for the clique search.
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

/**
 * Branch-and-bound steps the clique search may take in all (each step extends a clique by one
 * host). Enough to search every neighbourhood of a generated 10,000-host cloud to the end; past
 * it the search stops with the largest clique found so far, which is still a true bound.
 */
const CLIQUE_STEPS = 2_000_000;

/**
 * A maximum clique, or a large one when the search runs out of steps (any clique is a true
 * bound). Hosts are taken in degeneracy order (repeatedly the one with the fewest neighbours
 * left); a clique's first host in that order has all the others among its later neighbours,
 * which are few, so each is searched exactly there: branch and bound, pruned by a greedy
 * colouring of the candidates (Tomita's MCQ: a clique needs a colour per member).
 */
export function largeClique({ members, groupsOf }: ConflictGroups): number[] {
  const hosts = [...groupsOf.keys()].sort((a, b) => a - b);
  const index = new Map<number, number>();
  hosts.forEach((h, k) => index.set(h, k));
  const adjacent: Set<number>[] = hosts.map(() => new Set<number>());
  const at: number[] = [];
  for (const list of members) {
    // Each host's position once per list, not once per pair.
    at.length = 0;
    for (const h of list) at.push(index.get(h) ?? -1);
    for (const x of at) {
      const near = adjacent[x];
      if (x < 0 || !near) continue;
      for (const y of at) if (y >= 0 && x !== y) near.add(y);
    }
  }
  const position = degeneracyOrder(adjacent);
  let best: number[] = [];
  let steps = 0;
  const expand = (clique: number[], candidates: number[]): void => {
    if (candidates.length === 0) {
      if (clique.length > best.length) best = clique.slice();
      return;
    }
    const { order, colours } = colourCandidates(candidates, adjacent);
    for (let k = order.length - 1; k >= 0; k--) {
      if (clique.length + (colours[k] ?? 0) <= best.length || steps >= CLIQUE_STEPS) return;
      steps++;
      const v = order[k] ?? 0;
      const near = adjacent[v];
      clique.push(v);
      const next: number[] = [];
      for (let j = 0; j < k; j++) if (near?.has(order[j] ?? -1)) next.push(order[j] ?? 0);
      expand(clique, next);
      clique.pop();
    }
  };
  const byPosition = hosts.map((_, k) => k).sort((a, b) => (position[a] ?? 0) - (position[b] ?? 0));
  for (const v of byPosition) {
    if (steps >= CLIQUE_STEPS) break;
    const later: number[] = [];
    for (const u of adjacent[v] ?? []) if ((position[u] ?? 0) > (position[v] ?? 0)) later.push(u);
    if (later.length + 1 <= best.length) continue;
    expand([v], later);
  }
  return best.map((k) => hosts[k] ?? 0);
}

/** Positions in a degeneracy order: repeatedly the vertex with the fewest neighbours left. */
function degeneracyOrder(adjacent: readonly Set<number>[]): Int32Array {
  const n = adjacent.length;
  const degree = new Int32Array(n);
  let maxDegree = 0;
  for (let v = 0; v < n; v++) {
    degree[v] = adjacent[v]?.size ?? 0;
    maxDegree = Math.max(maxDegree, degree[v] ?? 0);
  }
  const buckets: number[][] = Array.from({ length: maxDegree + 1 }, () => []);
  for (let v = 0; v < n; v++) buckets[degree[v] ?? 0]?.push(v);
  const position = new Int32Array(n).fill(-1);
  let placed = 0;
  let d = 0;
  while (placed < n) {
    d = Math.max(0, d - 1);
    while ((buckets[d]?.length ?? 0) === 0) d++;
    const v = buckets[d]?.pop() ?? 0;
    if (position[v] !== -1 || degree[v] !== d) continue; // a stale entry
    position[v] = placed++;
    for (const u of adjacent[v] ?? [])
      if (position[u] === -1) {
        const du = (degree[u] ?? 0) - 1;
        degree[u] = du;
        buckets[du]?.push(u);
      }
  }
  return position;
}

/**
 * Greedy colouring of the candidates, listed by colour: colours[k] is the colour (from 1) of
 * order[k], non-decreasing, so a clique grown from order[0..k] has at most colours[k] members.
 */
function colourCandidates(
  candidates: readonly number[],
  adjacent: readonly Set<number>[],
): { order: number[]; colours: number[] } {
  const classes: number[][] = [];
  for (const v of candidates) {
    const near = adjacent[v];
    let placed = false;
    for (const cls of classes)
      if (!near || !meetsAny(near, cls)) {
        cls.push(v);
        placed = true;
        break;
      }
    if (!placed) classes.push([v]);
  }
  const order: number[] = [];
  const colours: number[] = [];
  for (let c = 0; c < classes.length; c++)
    for (const v of classes[c] ?? []) {
      order.push(v);
      colours.push(c + 1);
    }
  return { order, colours };
}

/** Whether `near` holds one of `list` (a loop, not `some`: a closure per class tried). */
function meetsAny(near: ReadonlySet<number>, list: readonly number[]): boolean {
  for (const u of list) if (near.has(u)) return true;
  return false;
}
