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
 * colouring of the candidates (Tomita's MCQ: a clique needs a colour per member). The search
 * from a host reads a matrix of its later neighbours' conflicts (at most the degeneracy squared
 * bytes), not the whole graph.
 */
export function largeClique(conflicts: ConflictGroups): number[] {
  const graph = conflictGraph(conflicts);
  const { hosts, start, near } = graph;
  const n = hosts.length;
  const position = degeneracyOrder(graph);
  /** Local index of each vertex in the current search's later neighbours (stamped by root). */
  const localStamp = new Int32Array(n).fill(-1);
  const localOf = new Int32Array(n);
  let matrix = new Uint8Array(0);
  let best: number[] = [];
  let steps = 0;
  const byPosition = new Int32Array(n);
  for (let v = 0; v < n; v++) byPosition[position[v] ?? 0] = v;
  for (const v of byPosition) {
    if (steps >= CLIQUE_STEPS) break;
    const later: number[] = [];
    const pv = position[v] ?? 0;
    for (let e = start[v] ?? 0; e < (start[v + 1] ?? 0); e++) {
      const u = near[e] ?? 0;
      if ((position[u] ?? 0) > pv) later.push(u);
    }
    const k = later.length;
    if (k + 1 <= best.length) continue;
    if (matrix.length < k * k) matrix = new Uint8Array(k * k);
    else matrix.fill(0, 0, k * k);
    for (let a = 0; a < k; a++) {
      localStamp[later[a] ?? 0] = v;
      localOf[later[a] ?? 0] = a;
    }
    // A clique of more than best.length hosts from v holds best.length of `later`, each with
    // best.length - 1 neighbours among them: with fewer such candidates, searching finds nothing.
    let viable = 0;
    for (let a = 0; a < k; a++) {
      const u = later[a] ?? 0;
      let degree = 0;
      for (let e = start[u] ?? 0; e < (start[u + 1] ?? 0); e++) {
        const w = near[e] ?? 0;
        if (localStamp[w] !== v) continue;
        matrix[a * k + (localOf[w] ?? 0)] = 1;
        degree++;
      }
      if (degree + 1 >= best.length) viable++;
    }
    if (viable + 1 <= best.length) continue;
    const adjacent = (a: number, b: number): boolean => matrix[a * k + b] === 1;
    const expand = (clique: number[], candidates: number[]): void => {
      if (candidates.length === 0) {
        if (clique.length > best.length) best = clique.slice();
        return;
      }
      const { order, colours } = colourCandidates(candidates, adjacent);
      for (let c = order.length - 1; c >= 0; c--) {
        if (clique.length + (colours[c] ?? 0) <= best.length || steps >= CLIQUE_STEPS) return;
        steps++;
        const a = order[c] ?? 0;
        clique.push(later[a] ?? 0);
        const next: number[] = [];
        for (let j = 0; j < c; j++) if (adjacent(a, order[j] ?? 0)) next.push(order[j] ?? 0);
        expand(clique, next);
        clique.pop();
      }
    };
    expand(
      [v],
      later.map((_, a) => a),
    );
  }
  return best.map((k) => hosts[k] ?? 0);
}

/**
 * The conflict graph: the hosts ascending, and the neighbours (by index) of each one, v, in
 * `near[start[v] … start[v + 1] - 1]`.
 */
interface ConflictGraph {
  readonly hosts: readonly number[];
  readonly start: Int32Array;
  readonly near: Int32Array;
}

/**
 * Each host's neighbours in the order they first appear in its groups (groups ascending, each
 * group's hosts as listed), without repeats: the order the clique search's ties follow.
 */
function conflictGraph({ members, groupsOf }: ConflictGroups): ConflictGraph {
  const hosts = [...groupsOf.keys()].sort((a, b) => a - b);
  const n = hosts.length;
  // Host numbers are array indexes (World): an array maps them back faster than a Map.
  const index = new Int32Array(n === 0 ? 0 : (hosts[n - 1] ?? 0) + 1).fill(-1);
  hosts.forEach((h, k) => (index[h] = k));
  const start = new Int32Array(n + 1);
  const seen = new Int32Array(n).fill(-1);
  let near = new Int32Array(Math.max(16, n * 4));
  let edges = 0;
  for (let x = 0; x < n; x++) {
    start[x] = edges;
    seen[x] = x;
    for (const g of groupsOf.get(hosts[x] ?? 0) ?? [])
      for (const h of members[g] ?? []) {
        const y = index[h] ?? -1;
        if (y < 0 || seen[y] === x) continue;
        seen[y] = x;
        if (edges === near.length) {
          const grown = new Int32Array(near.length * 2);
          grown.set(near);
          near = grown;
        }
        near[edges++] = y;
      }
  }
  start[n] = edges;
  return { hosts, start, near: near.subarray(0, edges) };
}

/** Positions in a degeneracy order: repeatedly the vertex with the fewest neighbours left. */
function degeneracyOrder({ start, near }: ConflictGraph): Int32Array {
  const n = start.length - 1;
  const degree = new Int32Array(n);
  let maxDegree = 0;
  for (let v = 0; v < n; v++) {
    degree[v] = (start[v + 1] ?? 0) - (start[v] ?? 0);
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
    for (let e = start[v] ?? 0; e < (start[v + 1] ?? 0); e++) {
      const u = near[e] ?? 0;
      if (position[u] === -1) {
        const du = (degree[u] ?? 0) - 1;
        degree[u] = du;
        buckets[du]?.push(u);
      }
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
  adjacent: (a: number, b: number) => boolean,
): { order: number[]; colours: number[] } {
  const classes: number[][] = [];
  for (const v of candidates) {
    let placed = false;
    for (const cls of classes)
      if (!meetsAny(v, cls, adjacent)) {
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

/** Whether `v` conflicts with one of `list` (a loop, not `some`: a closure per class tried). */
function meetsAny(
  v: number,
  list: readonly number[],
  adjacent: (a: number, b: number) => boolean,
): boolean {
  for (const u of list) if (adjacent(v, u)) return true;
  return false;
}
