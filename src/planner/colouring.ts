/**
 * Wave classes: a partition of a stage's hosts into groups that could each be one wave as far
 * as the static limits go — maxParallel, failure domains, cluster quorum and VNF impact budgets,
 * as the hosts hold their instances now. It is graph colouring with budgets instead of plain
 * edges (a VNF that allows two members out forbids three hosts together, not a pair), and, like
 * colouring, filling one wave at a time from a ranked list leaves a long tail of small waves at
 * the end. So the optimised strategy colours first and builds its waves class by class; the
 * dynamic limits (spare capacity, hosts receiving evacuated instances) stay with the wave
 * builder, which may still hold a host back to a later wave.
 *
 * The colouring is first-fit over the hosts in order of difficulty, then improved by iterated
 * greedy (Culberson and Luo, 1996): first-fit again with the hosts listed class by class, in a
 * new order of the classes. Every constraint here is hereditary (a subset of an allowed class is
 * allowed), so a class listed i-th lands in class i or earlier: a pass never needs more classes
 * than the one before. The class orders cycle through reversed, largest first, and a shuffle by
 * a fixed hash, so the result depends on the input alone.
 */

const NONE: readonly number[] = [];

/**
 * DSATUR re-checks every host related to each host it colours: quadratic in a dense stage. Past
 * this many hosts the colouring starts from first-fit alone (at that size waves are many hosts
 * each, and the bounds are met without it; see bench/results/plan.md).
 */
const DSATUR_MAX_HOSTS = 3_000;

/** The static limits of a wave, per host, as the wave builder knows them. */
export interface ClassLimits {
  /** Hosts per wave. */
  readonly cap: number;
  /** Whether VNF budgets apply (smooth mode). */
  readonly smooth: boolean;
  readonly vnfCount: number;
  readonly budgetOut: Int32Array;
  readonly budgetTotal: Int32Array;
  /** Per failure-domain limit: hosts allowed per domain, each host's domain (-1: none), domain count. */
  readonly domainLimit: readonly number[];
  readonly domainOf: readonly Int32Array[];
  readonly domainCount: readonly number[];
  readonly clusterCount: number;
  /** Per cluster: members (quorum) or failure domains (failure-domains) allowed out at once. */
  readonly clusterBudget: (ci: number) => number;
  /** Per cluster: its failure-domain key when it counts domains, else undefined. */
  readonly clusterDomainKey: (ci: number) => string | undefined;
  readonly clustersOf: (h: number) => readonly number[];
  readonly label: (h: number, key: string) => string;
  /** The host's VNF members, flat triples: VNF, members, members out of service. */
  readonly members: (h: number) => readonly number[];
}

/**
 * Class usage: what each class holds against each limit. One table serves every pass and every
 * colouring of a stage: its arrays are kept and only the entries used are cleared.
 */
export class ClassTable {
  private readonly size: number[] = [];
  /**
   * Per class: what each VNF's budget has left, [out, total] side by side (allocated when the
   * class first holds a member: controllers hold none; a check then reads one number where
   * it read the count and the budget, first-fit's hottest line), and the VNFs it has counted,
   * to restore only those: the
   * first `touchedCount[c]` entries of `touched[c]`. A reset only sets the count to 0: emptying
   * the list (length = 0) gave its memory away, and regrowing it in every pass of every
   * colouring allocated ~180 MB while planning 10,000 hosts.
   */
  private readonly left: (Int32Array | undefined)[] = [];
  private readonly touched: number[][] = [];
  private readonly touchedCount: number[] = [];
  private readonly domains: Int32Array[][] = [];
  private readonly clusters: Int32Array[] = [];
  private readonly clusterDomains: Map<number, Set<string>>[] = [];
  count = 0;

  constructor(private readonly limits: ClassLimits) {}

  reset(): void {
    for (let c = 0; c < this.count; c++) {
      this.size[c] = 0;
      const left = this.left[c];
      const touched = this.touched[c] ?? [];
      const n = this.touchedCount[c] ?? 0;
      if (left)
        for (let k = 0; k < n; k++) {
          const v = touched[k] ?? 0;
          left[2 * v] = this.limits.budgetOut[v] ?? 0;
          left[2 * v + 1] = this.limits.budgetTotal[v] ?? 0;
        }
      this.touchedCount[c] = 0;
      for (const d of this.domains[c] ?? []) d.fill(0);
      this.clusters[c]?.fill(0);
      this.clusterDomains[c]?.clear();
    }
    this.count = 0;
  }

  private open(): number {
    const c = this.count++;
    if (this.size.length <= c) {
      const l = this.limits;
      this.size.push(0);
      this.left.push(undefined);
      this.touched.push([]);
      this.touchedCount.push(0);
      this.domains.push(l.domainCount.map((n) => new Int32Array(n)));
      this.clusters.push(new Int32Array(l.clusterCount));
      this.clusterDomains.push(new Map());
    }
    return c;
  }

  /** Notes that class c counts VNF v (its budget is restored at the next reset). */
  private touch(c: number, v: number): void {
    const touched = this.touched[c];
    const n = this.touchedCount[c] ?? 0;
    if (!touched) return;
    touched[n] = v;
    this.touchedCount[c] = n + 1;
  }

  /** What class c has left of each VNF's budget, allocated on first use. */
  private leftOf(c: number): Int32Array {
    let left = this.left[c];
    if (!left) {
      const l = this.limits;
      left = new Int32Array(2 * l.vnfCount);
      for (let v = 0; v < l.vnfCount; v++) {
        left[2 * v] = l.budgetOut[v] ?? 0;
        left[2 * v + 1] = l.budgetTotal[v] ?? 0;
      }
      this.left[c] = left;
    }
    return left;
  }

  fits(h: number, c: number): boolean {
    return this.fitsWith(h, c, this.limits.smooth ? this.limits.members(h) : NONE);
  }

  /** As `fits`, given the host's VNF members (`limits.members(h)`), looked up once per host. */
  private fitsWith(h: number, c: number, m: readonly number[]): boolean {
    const l = this.limits;
    if ((this.size[c] ?? 0) >= l.cap) return false;
    for (let d = 0; d < l.domainOf.length; d++) {
      const id = l.domainOf[d]?.[h] ?? -1;
      if (id >= 0 && (this.domains[c]?.[d]?.[id] ?? 0) + 1 > (l.domainLimit[d] ?? 0)) return false;
    }
    for (const ci of l.clustersOf(h)) {
      const key = l.clusterDomainKey(ci);
      if (key === undefined) {
        if ((this.clusters[c]?.[ci] ?? 0) + 1 > l.clusterBudget(ci)) return false;
      } else {
        const set = this.clusterDomains[c]?.get(ci);
        const size = set?.size ?? 0;
        if (!(set?.has(l.label(h, key)) ?? false) && size + 1 > l.clusterBudget(ci)) return false;
      }
    }
    if (l.smooth) {
      const left = this.left[c];
      if (!left) {
        for (let k = 0; k < m.length; k += 3) {
          const v = m[k] ?? 0;
          if ((m[k + 2] ?? 0) > (l.budgetOut[v] ?? 0)) return false;
          if ((m[k + 1] ?? 0) > (l.budgetTotal[v] ?? 0)) return false;
        }
        return true;
      }
      for (let k = 0; k < m.length; k += 3) {
        const v = m[k] ?? 0;
        if ((m[k + 2] ?? 0) > (left[2 * v] ?? 0)) return false;
        if ((m[k + 1] ?? 0) > (left[2 * v + 1] ?? 0)) return false;
      }
    }
    return true;
  }

  /** The first class host h fits in, opening a new one if none does. */
  place(h: number): number {
    const m = this.limits.smooth ? this.limits.members(h) : NONE;
    let c = 0;
    while (c < this.count && !this.fitsWith(h, c, m)) c++;
    if (c === this.count) this.open();
    this.addWith(h, c, m);
    return c;
  }

  /**
   * Whether class c can take one more member of VNF v (out of service or not) and stay within
   * its budget: an instance evacuated onto a host of that class joins it.
   */
  room(c: number, v: number, out: boolean): boolean {
    if (!this.limits.smooth) return true;
    const left = this.left[c];
    if (!left)
      return (
        (!out || (this.limits.budgetOut[v] ?? 0) >= 1) && (this.limits.budgetTotal[v] ?? 0) >= 1
      );
    if (out && (left[2 * v] ?? 0) < 1) return false;
    return (left[2 * v + 1] ?? 0) >= 1;
  }

  /** A member of VNF v arrives on (+1) or leaves (-1) a host of class c. */
  arrive(c: number, v: number, out: boolean, sign: 1 | -1): void {
    if (!this.limits.smooth) return;
    const left = this.leftOf(c);
    if (left[2 * v + 1] === this.limits.budgetTotal[v]) this.touch(c, v);
    if (out) left[2 * v] = (left[2 * v] ?? 0) - sign;
    left[2 * v + 1] = (left[2 * v + 1] ?? 0) - sign;
  }

  full(c: number): boolean {
    return (this.size[c] ?? 0) >= this.limits.cap;
  }

  add(h: number, c: number): void {
    this.addWith(h, c, this.limits.smooth ? this.limits.members(h) : NONE);
  }

  private addWith(h: number, c: number, m: readonly number[]): void {
    if (c === this.count) this.open();
    const l = this.limits;
    this.size[c] = (this.size[c] ?? 0) + 1;
    for (let d = 0; d < l.domainOf.length; d++) {
      const id = l.domainOf[d]?.[h] ?? -1;
      const counts = this.domains[c]?.[d];
      if (id >= 0 && counts) counts[id] = (counts[id] ?? 0) + 1;
    }
    for (const ci of l.clustersOf(h)) {
      const key = l.clusterDomainKey(ci);
      const counts = this.clusters[c];
      if (counts) counts[ci] = (counts[ci] ?? 0) + 1;
      if (key !== undefined) {
        const sets = this.clusterDomains[c];
        const set = sets?.get(ci) ?? new Set<string>();
        set.add(l.label(h, key));
        sets?.set(ci, set);
      }
    }
    if (m.length > 0) {
      const left = this.leftOf(c);
      for (let k = 0; k < m.length; k += 3) {
        const v = m[k] ?? 0;
        if (left[2 * v + 1] === l.budgetTotal[v]) this.touch(c, v);
        left[2 * v] = (left[2 * v] ?? 0) - (m[k + 2] ?? 0);
        left[2 * v + 1] = (left[2 * v + 1] ?? 0) - (m[k + 1] ?? 0);
      }
    }
  }
}

/** How hard a colouring tries. */
export interface ColouringEffort {
  /** Iterated-greedy passes, at most. */
  readonly passes: number;
  /** Enough classes to stop at: a lower bound, nothing can do better. */
  readonly target: number;
  /** Whether DSATUR is tried beside first-fit (up to DSATUR_MAX_HOSTS hosts); by default it is. */
  readonly saturate?: boolean;
}

/**
 * Colours `hosts` (listed most difficult first) into wave classes. Returns each host's class,
 * by position in `hosts`, classes numbered from 0. Stops improving after `effort.passes`
 * iterated-greedy passes, or as soon as it reaches `effort.target` classes.
 */
export function colourHosts(
  hosts: readonly number[],
  limits: ClassLimits,
  effort: ColouringEffort,
  table: ClassTable = new ClassTable(limits),
): { readonly classOf: Int32Array; readonly table: ClassTable } {
  const { passes, target } = effort;
  let classOf: Int32Array;
  let order: number[] = [];
  for (let k = 0; k < hosts.length; k++) order.push(k);
  const firstFit = (list: readonly number[]): Int32Array => {
    table.reset();
    const out = new Int32Array(hosts.length);
    for (const k of list) out[k] = table.place(hosts[k] ?? 0);
    return out;
  };
  // The hosts as listed (by the classes of an earlier colouring, when there was one), and DSATUR.
  classOf = firstFit(order);
  let classes = table.count;
  const saturated =
    effort.saturate !== false && hosts.length <= DSATUR_MAX_HOSTS
      ? dsatur(hosts, limits, table)
      : undefined;
  if (saturated && table.count < classes) {
    classOf = saturated;
    classes = table.count;
  }
  // Iterated greedy lists the classes in the order their hosts were coloured.
  order.sort((a, b) => (classOf[a] ?? 0) - (classOf[b] ?? 0) || a - b);
  for (let pass = 0; pass < passes && classes > target; pass++) {
    // The classes as lists, in the order their hosts were listed.
    const lists: number[][] = Array.from({ length: classes }, () => []);
    for (const k of order) lists[classOf[k] ?? 0]?.push(k);
    const ids = lists.map((_, c) => c);
    const kind = pass % 3;
    if (kind === 0) ids.reverse();
    else if (kind === 1)
      ids.sort((a, b) => (lists[b]?.length ?? 0) - (lists[a]?.length ?? 0) || a - b);
    else ids.sort((a, b) => mix(a, pass) - mix(b, pass) || a - b);
    order = [];
    for (const c of ids) for (const k of lists[c] ?? []) order.push(k);
    classOf = firstFit(order);
    classes = table.count;
  }
  // The table as the chosen colouring fills it, classes opened in order.
  table.reset();
  const byClass: number[] = [];
  for (let k = 0; k < hosts.length; k++) byClass.push(k);
  byClass.sort((a, b) => (classOf[a] ?? 0) - (classOf[b] ?? 0) || a - b);
  for (const k of byClass) table.add(hosts[k] ?? 0, classOf[k] ?? 0);
  return { classOf, table };
}

/**
 * DSATUR (Brélaz, 1979) with budgets: repeatedly colour the host that fits in the fewest existing
 * classes (ties: the earliest listed, the most constrained), into the first class it fits.
 * Placing a host can only close classes to hosts that share a VNF, failure domain or cluster
 * with it (or to all, when the class is full), so only those are checked again.
 */
function dsatur(hosts: readonly number[], limits: ClassLimits, table: ClassTable): Int32Array {
  table.reset();
  const n = hosts.length;
  const classOf = new Int32Array(n).fill(-1);
  // Who shares what, as numbered relations: a VNF v is v, a failure domain comes after the
  // VNFs, a cluster after the domains. `relOf` lists each host's relations, `holders` each
  // relation's hosts (positions in `hosts`), both as offsets into flat arrays.
  const domainBase: number[] = [];
  let relations = limits.smooth ? limits.vnfCount : 0;
  for (const count of limits.domainCount) {
    domainBase.push(relations);
    relations += count;
  }
  const clusterBase = relations;
  relations += limits.clusterCount;
  const relStart = new Int32Array(n + 1);
  const rels: number[] = [];
  for (let k = 0; k < n; k++) {
    const h = hosts[k] ?? 0;
    if (limits.smooth) {
      const m = limits.members(h);
      for (let j = 0; j < m.length; j += 3) rels.push(m[j] ?? 0);
    }
    for (let d = 0; d < limits.domainOf.length; d++) {
      const id = limits.domainOf[d]?.[h] ?? -1;
      if (id >= 0) rels.push((domainBase[d] ?? 0) + id);
    }
    for (const ci of limits.clustersOf(h)) rels.push(clusterBase + ci);
    relStart[k + 1] = rels.length;
  }
  const holderStart = new Int32Array(relations + 1);
  for (const r of rels) holderStart[r + 1] = (holderStart[r + 1] ?? 0) + 1;
  for (let r = 0; r < relations; r++)
    holderStart[r + 1] = (holderStart[r + 1] ?? 0) + (holderStart[r] ?? 0);
  const holders = new Int32Array(rels.length);
  const fill = holderStart.slice(0, relations);
  for (let k = 0; k < n; k++)
    for (let j = relStart[k] ?? 0; j < (relStart[k + 1] ?? 0); j++) {
      const r = rels[j] ?? 0;
      holders[fill[r] ?? 0] = k;
      fill[r] = (fill[r] ?? 0) + 1;
    }
  const blocked: Uint8Array[] = [];
  const saturation = new Int32Array(n);
  const stamp = new Int32Array(n);
  // The next host: a max-heap of saturation · n + (n − 1 − position); an entry whose
  // saturation has grown since it was pushed is stale and skipped.
  const heap = new MaxHeap();
  for (let k = 0; k < n; k++) heap.push(n - 1 - k);
  const block = (u: number, c: number): void => {
    const row = blocked[c];
    if (!row || row[u] === 1 || classOf[u] !== -1) return;
    row[u] = 1;
    const sat = (saturation[u] ?? 0) + 1;
    saturation[u] = sat;
    heap.push(sat * n + (n - 1 - u));
  };
  for (let step = 1; step <= n; step++) {
    let best = -1;
    while (best < 0) {
      const top = heap.pop();
      const k = n - 1 - (top % n);
      if (classOf[k] === -1 && Math.floor(top / n) === saturation[k]) best = k;
    }
    const h = hosts[best] ?? 0;
    let c = 0;
    while (c < table.count && blocked[c]?.[best] === 1) c++;
    if (c === table.count) blocked.push(new Uint8Array(n));
    table.add(h, c);
    classOf[best] = c;
    if (table.full(c)) {
      for (let u = 0; u < n; u++) block(u, c);
      continue;
    }
    for (let j = relStart[best] ?? 0; j < (relStart[best + 1] ?? 0); j++) {
      const r = rels[j] ?? 0;
      for (let x = holderStart[r] ?? 0; x < (holderStart[r + 1] ?? 0); x++) {
        const u = holders[x] ?? 0;
        if (stamp[u] === step || classOf[u] !== -1) continue;
        stamp[u] = step;
        if (blocked[c]?.[u] !== 1 && !table.fits(hosts[u] ?? 0, c)) block(u, c);
      }
    }
  }
  return classOf;
}

/** A binary max-heap of numbers. */
class MaxHeap {
  private readonly items: number[] = [];

  push(x: number): void {
    const a = this.items;
    let i = a.length;
    a.push(x);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = a[parent] ?? 0;
      if (p >= x) break;
      a[i] = p;
      i = parent;
    }
    a[i] = x;
  }

  /** The largest number (the heap must not be empty). */
  pop(): number {
    const a = this.items;
    const top = a[0] ?? 0;
    const last = a.pop() ?? 0;
    const n = a.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && (a[r] ?? 0) > (a[l] ?? 0) ? r : l;
      if ((a[c] ?? 0) <= last) break;
      a[i] = a[c] ?? 0;
      i = c;
    }
    a[i] = last;
    return top;
  }
}

/** A fixed pseudo-random key for class c in pass p (MurmurHash3's finaliser). */
function mix(c: number, p: number): number {
  let h = Math.imul(c + 1, 0x9e3779b1) ^ Math.imul(p + 1, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
