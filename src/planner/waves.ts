/**
 * Builds the waves of one stage. All strategies share the same hard constraints (maxParallel,
 * failure domains, cluster quorum, VNF impact budgets, capacity with anti-affinity); they differ
 * only in the order hosts are tried and in how many a wave may hold:
 *
 * - optimised: every wave re-ranks the remaining hosts by urgency (the hosts of the group that
 *   needs the most waves first, as DSATUR colours the most constrained vertex first), then by
 *   least load to move, and fills the wave up to the campaign's maxParallel;
 * - serial: one host at a time in name order (OpenStack Fenix's default workflow);
 * - fixed-parallel: up to N hosts in name order, skipping hosts that share an anti-affinity
 *   group with one already in the wave (StarlingX max-parallel-worker-hosts, N = 2).
 *
 * Evacuated instances go first to hosts that need no further visit (already upgraded or not
 * targeted), so that they move at most once, and only then to hosts still to be upgraded.
 */
import {
  hashName,
  type Campaign,
  type Cluster,
  type ComponentChange,
  type Strategy,
  type Vnf,
} from '../model/index.js';
import type { HostVisit, StageSpec } from './stages.js';
import { AFFINITY, type World } from './world.js';
import { ClassTable, colourHosts, type ClassLimits, type ColouringEffort } from './colouring.js';

export interface WaveHost {
  readonly visit: HostVisit;
  readonly host: number;
  /** The host's instances in the order they were handled, and where each goes (-1: it stays). */
  readonly instances: readonly number[];
  readonly destinations: readonly number[];
  readonly why: string;
}

export interface BuiltWave {
  readonly hosts: readonly WaveHost[];
  readonly reason: string;
}

export interface StageWaves {
  readonly waves: readonly BuiltWave[];
  readonly unplanned: readonly {
    readonly visit: HostVisit;
    readonly reason: string;
    readonly kind: RejectKind;
  }[];
}

/** Why hosts were held back from a wave: counts by kind, an example, and each host's reason on demand. */
class Rejections {
  readonly byKind = new Map<RejectKind, number>();
  first: Reject | undefined;
  readonly perHost: Map<number, Reject> | undefined;
  constructor(explain: boolean) {
    this.perHost = explain ? new Map() : undefined;
  }
  add(host: number, r: Reject): void {
    this.byKind.set(r.kind, (this.byKind.get(r.kind) ?? 0) + 1);
    this.first ??= r;
    this.perHost?.set(host, r);
  }
}

/** What a host holds, as the bounds and the builder need it; cached until its contents change. */
export class HostProfile {
  constructor(
    readonly version: number,
    /**
     * Per VNF with members on the host, in the order of its first member there, three numbers:
     * the VNF, its members on the host, and how many of them are out of service (flat: one
     * small array per host, read in the hottest loops).
     */
    readonly members: readonly number[],
    /**
     * vCPU and memory of the instances that must move off the host, and of those that stay. In
     * a typed array, not in fields: a field holding small integers first and fractions later
     * changes the object's shape, and the optimised code reading profiles would be thrown away.
     */
    private readonly sizes: Float64Array,
  ) {}

  get moveVcpu(): number {
    return this.sizes[0] ?? 0;
  }
  get moveMem(): number {
    return this.sizes[1] ?? 0;
  }
  get stayVcpu(): number {
    return this.sizes[2] ?? 0;
  }
  get stayMem(): number {
    return this.sizes[3] ?? 0;
  }
}

export type RejectKind =
  'health' | 'parallel' | 'receiving' | 'domain' | 'cluster' | 'anti-affinity' | 'vnf' | 'capacity';

interface Reject {
  readonly kind: RejectKind;
  /** Formatted only when shown: thousands of hosts are held back per wave at scale. */
  readonly text: () => string;
}

export interface WaveContext {
  readonly world: World;
  readonly campaign: Campaign;
  readonly strategy: Strategy;
  readonly cap: number;
  /** Remaining visits per host across all stages; 0 = never visited again. */
  readonly pending: Int32Array;
  readonly clusters: readonly Cluster[];
}

/**
 * Members of one VNF per host, counted afresh for each placement, and only if asked. Stamped
 * scratch arrays: a new count needs no clearing, so it costs the VNF's size, not the hosts'.
 */
class MemberTally {
  private readonly stamp: Int32Array;
  private readonly count: Int32Array;
  private current = 0;
  private vnf = -1;
  private counted = true;
  constructor(private readonly world: World) {
    this.stamp = new Int32Array(world.hosts.length);
    this.count = new Int32Array(world.hosts.length);
  }

  /** The VNF `on` answers for next (none when v < 0). */
  select(v: number): void {
    this.vnf = v;
    this.counted = v < 0;
    this.current++;
  }

  /** Members of the selected VNF on host h. */
  on(h: number): number {
    if (!this.counted) this.countMembers();
    return this.stamp[h] === this.current ? (this.count[h] ?? 0) : 0;
  }

  private countMembers(): void {
    const w = this.world;
    const v = this.vnf;
    for (let k = w.vnfStart[v] ?? 0; k < (w.vnfStart[v + 1] ?? 0); k++) {
      const h = w.loc[w.vnfMembers[k] ?? 0] ?? -1;
      if (h < 0) continue;
      if (this.stamp[h] !== this.current) {
        this.stamp[h] = this.current;
        this.count[h] = 0;
      }
      this.count[h] = (this.count[h] ?? 0) + 1;
    }
    this.counted = true;
  }
}

/** Destinations of one placement group: hosts needing no more visits first, then the others. */
class DestinationPool {
  private readonly done: number[] = [];
  private readonly later: number[] = [];
  private doneCursor = 0;
  private laterCursor = 0;
  constructor(
    private readonly world: World,
    private readonly pending: Int32Array,
    private readonly tally: MemberTally,
    private readonly minVcpu: number,
    private readonly minMem: number,
  ) {}

  add(h: number): void {
    if ((this.pending[h] ?? 0) === 0) this.done.push(h);
    else this.later.push(h);
  }

  private full(h: number): boolean {
    return this.world.freeVcpu(h) < this.minVcpu || this.world.freeMem(h) < this.minMem;
  }

  /**
   * A destination for instance i, avoiding hosts marked in `excluded`, or -1. A host still to be
   * upgraded never receives a member that would push its VNF over budget when that host's turn
   * comes (`guardBudget`, smooth mode): it could then never be upgraded. With `doneOnly`, only
   * hosts needing no further visit may receive it. `classGuard`, when given, is asked about
   * hosts still to be upgraded; they are taken against its answer only when no host it accepts
   * will do.
   */
  find(
    i: number,
    excluded: Uint8Array,
    guardBudget: boolean,
    doneOnly: boolean,
    classGuard?: (i: number, h: number) => boolean,
  ): number {
    const w = this.world;
    const v = w.vnfOf[i] ?? -1;
    const aa = v < 0 ? AFFINITY.none : (w.affinity[v] ?? AFFINITY.none);
    const limit =
      guardBudget && v >= 0
        ? w.action[i]?.kind === 'live-migrate'
          ? (w.budgetTotal[v] ?? 1)
          : (w.budgetOut[v] ?? 0)
        : Infinity;
    while (this.doneCursor < this.done.length && this.full(this.done[this.doneCursor] ?? -1))
      this.doneCursor++;
    while (
      this.laterCursor < this.later.length &&
      ((this.pending[this.later[this.laterCursor] ?? -1] ?? 0) === 0 ||
        this.full(this.later[this.laterCursor] ?? -1))
    )
      this.laterCursor++;
    this.tally.select(v);
    const h = this.pick(i, excluded, aa, limit, false, doneOnly, classGuard);
    // The guard only turns hosts to be upgraded away: the second look skips the done ones.
    return h >= 0 || doneOnly || !classGuard
      ? h
      : this.pick(i, excluded, aa, limit, true, doneOnly, undefined);
  }

  /**
   * Soft anti-affinity: a host without a member if there is one, else any. (A method, not a
   * closure in `find`: that cost a closure and its context per instance placed.)
   */
  private pick(
    i: number,
    excluded: Uint8Array,
    aa: number,
    limit: number,
    laterOnly: boolean,
    doneOnly: boolean,
    guard: ((i: number, h: number) => boolean) | undefined,
  ): number {
    if (aa !== AFFINITY.soft)
      return this.scan(i, excluded, aa === AFFINITY.strict, limit, laterOnly, doneOnly, guard);
    const h = this.scan(i, excluded, true, limit, laterOnly, doneOnly, guard);
    return h >= 0 ? h : this.scan(i, excluded, false, limit, laterOnly, doneOnly, guard);
  }

  private scan(
    i: number,
    excluded: Uint8Array,
    avoidMembers: boolean,
    limit: number,
    laterOnly: boolean,
    doneOnly: boolean,
    guard: ((i: number, h: number) => boolean) | undefined,
  ): number {
    const w = this.world;
    if (!laterOnly)
      for (let k = this.doneCursor; k < this.done.length; k++) {
        const h = this.done[k] ?? -1;
        if (excluded[h] === 1 || !w.fits(i, h)) continue;
        if (avoidMembers && this.tally.on(h) > 0) continue;
        return h;
      }
    if (doneOnly) return -1;
    for (let k = this.laterCursor; k < this.later.length; k++) {
      const h = this.later[k] ?? -1;
      if ((this.pending[h] ?? 0) === 0) continue;
      if (excluded[h] === 1 || !w.fits(i, h)) continue;
      const members = this.tally.on(h);
      if (avoidMembers && members > 0) continue;
      if (members + 1 > limit) continue;
      if (guard && !guard(i, h)) continue;
      return h;
    }
    return -1;
  }

  /** A host that has just finished its last visit becomes a preferred destination. */
  promote(h: number): void {
    this.done.push(h);
  }
}

const NO_CLUSTERS: readonly number[] = [];

/** Iterated-greedy passes over a stage's wave classes (colouring.ts). */
const COLOURING_PASSES = 300;
/** Fewer passes for large stages: passes × hosts stays near this (each pass is a first-fit). */
const COLOURING_WORK = 30_000;
/**
 * Up to this many hosts left in a stage, its classes are coloured again after a wave when they
 * need it; past it they keep the stage's first colouring (colouring costs more there than it
 * saves: the same waves at 10,000 hosts, 0.3 s faster).
 */
const RECOLOUR_MAX_HOSTS = 3_000;

/**
 * How hard a colouring of `hosts` hosts tries, in a stage that started with `stage.hosts` and
 * has been `coloured` before (or not): passes × hosts stays near COLOURING_WORK, and it stops at
 * `target` classes. A stage too large to be coloured again at first (over RECOLOUR_MAX_HOSTS)
 * gives each later colouring no more passes than its first, and no DSATUR. At 10,000 hosts its
 * eight later colourings took ~30,000 first-fits each against ~36,000 for the first, and their
 * DSATUR never found fewer classes than first-fit (25 colourings: the generated clouds of 10,000
 * hosts, seeds 1–3, and of 5,000 hosts, seed 1). With both limits, no wave count and no
 * migration count of those clouds changed. The passes alone made the 10,000-host plan take
 * 4.40 s of CPU instead of 4.50 s (medians of 6 alternating runs); DSATUR took ~0.08 s of its
 * profile.
 */
export function colouringEffort(
  hosts: number,
  target: number,
  stage: { readonly hosts: number; readonly coloured: boolean },
): ColouringEffort {
  const later = stage.coloured && stage.hosts > RECOLOUR_MAX_HOSTS;
  const basis = later ? Math.max(hosts, stage.hosts) : hosts;
  const passes = Math.max(
    1,
    Math.min(COLOURING_PASSES, Math.floor(COLOURING_WORK / Math.max(1, basis))),
  );
  return { passes, target, saturate: !later };
}

/**
 * The warm-up wave makes room for this share of what a full wave moves on average; the wave
 * after it takes more hosts only as far as that room goes (done-only). Tuned on generated clouds
 * at 70 % utilisation (bench/results/plan.md): a full share makes the warm-up move more than the
 * room saves; much less makes the next waves small.
 */
const WARM_UP_ROOM = 0.8;

/** Where a stage is with its warm-up wave: none, the next wave, or the next one follows it. */
type WarmUp = 'none' | 'next' | 'done';

type Candidate = { readonly visit: HostVisit; readonly host: number };

/** The wave being filled: its hosts and what they count against each limit. */
interface WaveInProgress {
  readonly hosts: WaveHost[];
  /** Per failure-domain limit: hosts of the wave in each domain. */
  readonly domainCount: Int32Array[];
  /** Per cluster: members in the wave, and (failure-domain clusters) their domains. */
  readonly clusterCount: Int32Array;
  readonly clusterDomains: Map<number, Set<string>>;
  /** Profiles of the hosts taken, as the checks saw them (to give their VNFs' room back). */
  readonly taken: (readonly number[])[];
}

export class WaveBuilder {
  private readonly pools: DestinationPool[] = [];
  private readonly clustersOf: (readonly number[])[];
  private readonly clusterAllowed: number[];
  private readonly domainLimits: [string, number][];
  /** Per failure-domain limit: each host's domain as a number (-1 without the label), and how many there are. */
  private readonly domainOf: Int32Array[];
  private readonly domainCounts: number[];
  /** Per host (dense arrays: filled in any order, they must not turn into dictionaries). */
  private readonly profiles: (HostProfile | undefined)[];
  private readonly hashes: Float64Array;
  /**
   * Scratch, reused by every wave (allocating them per wave costs more than the waves): where
   * each VNF sits in the profile being built (stamped, never cleared); members left per VNF
   * and what that means for the ranking (rank); hosts in and receiving for the wave being filled; and per VNF what the wave may
   * still take, [out of service, impacted] side by side so that one check reads one cache line.
   * `rank` and `fill` leave them as they found them.
   */
  private readonly slotStamp: Int32Array;
  private readonly slot: Int32Array;
  private profileStamp = 0;
  private readonly vnfLeft: Int32Array;
  private readonly pressure: Float64Array;
  private readonly touched: Int32Array;
  private readonly inWave: Uint8Array;
  private readonly receiving: Uint8Array;
  private readonly room: Int32Array;
  /** "upgrades …" of each list of changes (hosts of one kind share theirs, stages.ts). */
  private readonly upgradeTexts = new Map<readonly ComponentChange[], string>();
  /** Sort keys of `rank`, one slot per remaining host. */
  private readonly urgencyOf: Float64Array;
  private readonly conflictsOf: Float64Array;
  private readonly loadOf: Float64Array;
  private readonly hashOf: Float64Array;
  /** Optimised strategy: the position of each host's wave class in the stage (colouring.ts). */
  private readonly classRank: Int32Array;
  /** Optimised strategy: each remaining host's wave class (-1: none) and what the classes hold. */
  private readonly classId: Int32Array;
  private classes: ClassTable | undefined;
  /** Whether the next wave is a stage's warm-up class (see warmUpClass), or the one after it. */
  private warmUp: WarmUp = 'none';
  /** The stage being built: its hosts as it started, and whether it has been coloured (colouringEffort). */
  private stage = { hosts: 0, coloured: false };
  /** While set, hosts after the first of a wave evacuate only onto hosts needing no further visit. */
  private onlyOnceMoved = false;
  /** Set when an evacuation had to overfill a class: the classes must be coloured again. */
  private classBroken = false;
  /**
   * Whether the last wave left hosts behind for lack of room: then the heaviest hosts go first,
   * since emptying them frees the largest holes (otherwise the lightest, to move least early).
   */
  private capacityBound = false;

  readonly clusters: readonly Cluster[];

  constructor(private readonly ctx: WaveContext) {
    this.clusters = ctx.clusters;
    const { world, pending } = ctx;
    const nh = world.hosts.length;
    const nv = world.vnfs.length;
    const groups = world.groupKeys.length;
    const tally = new MemberTally(world);
    for (let g = 0; g < groups; g++)
      this.pools.push(
        new DestinationPool(
          world,
          pending,
          tally,
          world.smallestVcpu[g] ?? Infinity,
          world.smallestMem[g] ?? Infinity,
        ),
      );
    for (let h = 0; h < nh; h++) if (world.eligible[h]) this.pools[world.group[h] ?? 0]?.add(h);
    const clustersOf: number[][] = [];
    this.clusterAllowed = ctx.clusters.map((c, ci) => {
      for (const m of c.members) {
        const h = world.hostIndex.get(m);
        if (h === undefined) continue;
        (clustersOf[h] ??= []).push(ci);
      }
      if (c.kind === 'failure-domains') return c.maxDomainsDown;
      const down = c.members.filter(
        (m) => world.hosts[world.hostIndex.get(m) ?? -1]?.state !== 'up',
      ).length;
      return c.members.length - c.quorum - down;
    });
    this.clustersOf = Array.from({ length: nh }, (_, h) => clustersOf[h] ?? NO_CLUSTERS);
    this.domainLimits = Object.entries(ctx.campaign.rollout.maxPerFailureDomain);
    this.domainCounts = [];
    this.domainOf = this.domainLimits.map(([key]) => {
      const ids = new Map<string, number>();
      const of = new Int32Array(nh).fill(-1);
      world.hosts.forEach((host, h) => {
        const value = host.labels[key];
        if (value === undefined) return;
        let id = ids.get(value);
        if (id === undefined) ids.set(value, (id = ids.size));
        of[h] = id;
      });
      this.domainCounts.push(ids.size);
      return of;
    });
    this.profiles = new Array<HostProfile | undefined>(nh).fill(undefined);
    this.hashes = new Float64Array(nh).fill(-1);
    this.slotStamp = new Int32Array(nv);
    this.slot = new Int32Array(nv);
    this.vnfLeft = new Int32Array(nv);
    this.pressure = new Float64Array(2 * nv);
    this.touched = new Int32Array(nv);
    this.inWave = new Uint8Array(nh);
    this.receiving = new Uint8Array(nh);
    this.room = new Int32Array(2 * nv);
    for (let v = 0; v < nv; v++) this.resetRoom(v);
    this.urgencyOf = new Float64Array(nh);
    this.conflictsOf = new Float64Array(nh);
    this.loadOf = new Float64Array(nh);
    this.hashOf = new Float64Array(nh);
    this.classRank = new Int32Array(nh);
    this.classId = new Int32Array(nh).fill(-1);
  }

  /** How many members of the cluster may be out at once (for quorum clusters), or domains. */
  clusterBudget(ci: number): number {
    return this.clusterAllowed[ci] ?? 0;
  }

  clusterIndexesOf(h: number): readonly number[] {
    return this.clustersOf[h] ?? NO_CLUSTERS;
  }

  /** What host h holds now (one pass over its instances, shared by the bounds and every wave). */
  profile(h: number): HostProfile {
    const w = this.ctx.world;
    const version = w.version[h] ?? 0;
    const cached = this.profiles[h];
    if (cached && cached.version === version) return cached;
    const members: number[] = [];
    const stamp = ++this.profileStamp;
    const sizes = new Float64Array(4);
    for (const i of w.onHost[h] ?? []) {
      const at = w.moving[i] === 1 ? 0 : 2;
      sizes[at] = (sizes[at] ?? 0) + (w.vcpu[i] ?? 0);
      sizes[at + 1] = (sizes[at + 1] ?? 0) + (w.mem[i] ?? 0);
      const v = w.vnfOf[i] ?? -1;
      if (v < 0) continue;
      let k = this.slot[v] ?? 0;
      if (this.slotStamp[v] !== stamp) {
        this.slotStamp[v] = stamp;
        this.slot[v] = k = members.length;
        members.push(v, 0, 0);
      }
      members[k + 1] = (members[k + 1] ?? 0) + 1;
      if (w.out[i] === 1) members[k + 2] = (members[k + 2] ?? 0) + 1;
    }
    const fresh = new HostProfile(version, members, sizes);
    this.profiles[h] = fresh;
    return fresh;
  }

  /** Reasons a host can never be in any wave, whatever else the wave holds. */
  private aloneInfeasible(h: number): Reject | undefined {
    const w = this.ctx.world;
    for (const ci of this.clusterIndexesOf(h)) {
      const c = this.ctx.clusters[ci];
      if (c && this.clusterBudget(ci) < 1)
        return {
          kind: 'cluster',
          text: () => `cluster ${c.name} cannot lose a member and keep quorum`,
        };
    }
    if (this.ctx.campaign.mode !== 'smooth') return undefined;
    const m = this.profile(h).members;
    for (let k = 0; k < m.length; k += 3) {
      const v = m[k] ?? 0;
      const total = m[k + 1] ?? 0;
      const out = m[k + 2] ?? 0;
      const b = w.budgets[v];
      if (b && (out > b.out || total > b.total))
        return rejects.overBudget(w.vnfs[v]?.name, b, out, total);
    }
    return undefined;
  }

  /**
   * The waves of a stage. `lowerBound` (the stage's best bound) lets the optimised strategy stop
   * improving its wave classes once they reach it.
   */
  build(stage: StageSpec, lowerBound = 0, useClasses = true): StageWaves {
    const { world } = this.ctx;
    const unplanned: { visit: HostVisit; reason: string; kind: RejectKind }[] = [];
    let remaining: Candidate[] = [];
    for (const visit of stage.visits) {
      const host = world.hostIndex.get(visit.host.name) ?? -1;
      if (visit.host.state !== 'up') {
        unplanned.push({
          visit,
          reason: `${visit.host.name} is ${visit.host.state}`,
          kind: 'health',
        });
        continue;
      }
      if (visit.host.alarms.length > 0 && this.ctx.campaign.guards.alarms === 'strict') {
        const alarms = visit.host.alarms.map((a) => a.code).join(', ');
        unplanned.push({
          visit,
          reason: `${visit.host.name} has active alarms (${alarms})`,
          kind: 'health',
        });
        continue;
      }
      const bad = this.aloneInfeasible(host);
      if (bad) unplanned.push({ visit, reason: bad.text(), kind: bad.kind });
      else remaining.push({ visit, host });
    }
    if (this.ctx.strategy !== 'optimised')
      remaining.sort((a, b) => compareNames(a.visit.host.name, b.visit.host.name));
    const colouring = this.ctx.strategy === 'optimised' && useClasses;
    this.stage = { hosts: remaining.length, coloured: false };
    this.forgetClasses(remaining);
    if (colouring) this.assignClasses(remaining, lowerBound, true);

    const waves: BuiltWave[] = [];
    while (remaining.length > 0) {
      const ordered = this.ctx.strategy === 'optimised' ? this.rank(remaining) : remaining;
      // The warm-up wave holds its class alone: any other host would move its instances twice.
      // The wave after it takes, past its first host, only hosts whose instances all fit where
      // the warm-up made room: it is the wave that room was made for.
      const phase = this.warmUp;
      this.warmUp = phase === 'next' ? 'done' : 'none';
      this.onlyOnceMoved = phase === 'done';
      const { wave, rejects } = this.fill(ordered, false, phase === 'next' ? 0 : Infinity);
      this.onlyOnceMoved = false;
      this.capacityBound = (rejects.byKind.get('capacity') ?? 0) > 0;
      if (wave.length === 0) {
        // Nothing fits: ask again, this time keeping every host's reason.
        const explained = this.fill(ordered, true).rejects.perHost;
        for (const r of remaining) {
          const why = explained?.get(r.host) ?? {
            kind: 'capacity' as const,
            text: () => 'no wave can take it',
          };
          unplanned.push({ visit: r.visit, reason: why.text(), kind: why.kind });
        }
        break;
      }
      waves.push({ hosts: wave, reason: this.waveReason(wave.length, rejects) });
      const inWave = new Set(wave.map((x) => x.host));
      remaining = remaining.filter((r) => !inWave.has(r.host));
      if (colouring && remaining.length > 0) {
        // Colour the rest again when the wave left a host of its class behind, or an evacuated
        // instance landed where its class had no room, or the classes are above the bound: the
        // hosts now upgraded no longer constrain anyone. Large stages keep their first colouring.
        const first = this.classRank[ordered[0]?.host ?? 0] ?? 0;
        const leftBehind = remaining.some((r) => this.classRank[r.host] === first);
        const classesLeft = new Set<number>();
        for (const r of remaining) classesLeft.add(this.classRank[r.host] ?? 0);
        const atBound = classesLeft.size <= lowerBound - waves.length;
        if (remaining.length <= RECOLOUR_MAX_HOSTS && (leftBehind || this.classBroken || !atBound))
          this.assignClasses(remaining, lowerBound - waves.length);
        this.classBroken = false;
      }
      for (const x of wave) {
        const p = (this.ctx.pending[x.host] ?? 1) - 1;
        this.ctx.pending[x.host] = p;
        if (p === 0 && world.eligible[x.host])
          this.pools[world.group[x.host] ?? 0]?.promote(x.host);
      }
    }
    return { waves, unplanned };
  }

  private waveReason(size: number, rejects: Rejections): string {
    if (size >= this.ctx.cap)
      return `full: ${size} host(s), the most this strategy allows at once (${this.ctx.strategy}, ${this.ctx.cap})`;
    if (rejects.byKind.size === 0) return `${size} host(s): all that remained in the stage`;
    const parts = [...rejects.byKind].map(([k, n]) => `${n} held back by ${KIND_TEXT[k]}`);
    const example = rejects.first;
    return `${size} host(s); ${parts.join(', ')}${example ? ` (e.g. ${example.text()})` : ''}`;
  }

  /** Optimised order: most urgent group first, then least load to move, then a stable hash. */
  private rank(remaining: readonly Candidate[]): Candidate[] {
    // Arrays the hot loops read are built by push, never by map: map returns packed or holey
    // arrays depending on their length, and optimised code specialised for one shape is
    // thrown away when it meets the other.
    const profiles: HostProfile[] = [];
    for (const r of remaining) profiles.push(this.profile(r.host));
    const left = this.tallyLeft(remaining, profiles);
    this.score(remaining, profiles, left);
    const { urgencyOf, conflictsOf, loadOf, hashOf, classRank } = this;
    const heaviestFirst = this.capacityBound;
    const order: number[] = [];
    for (let k = 0; k < remaining.length; k++) order.push(k);
    // Hosts with nothing to move cost nothing and become destinations: they go first.
    order.sort((a, b) => {
      const la = loadOf[a] ?? 0;
      const lb = loadOf[b] ?? 0;
      return (
        (classRank[remaining[a]?.host ?? 0] ?? 0) - (classRank[remaining[b]?.host ?? 0] ?? 0) ||
        Number(la > 0) - Number(lb > 0) ||
        (urgencyOf[b] ?? 0) - (urgencyOf[a] ?? 0) ||
        (conflictsOf[b] ?? 0) - (conflictsOf[a] ?? 0) ||
        (heaviestFirst ? lb - la : la - lb) ||
        (hashOf[a] ?? 0) - (hashOf[b] ?? 0) ||
        a - b
      );
    });
    const ordered: Candidate[] = [];
    for (const k of order) ordered.push(remaining[k] as Candidate);
    return ordered;
  }

  /** A new stage: no classes (all hosts rank alike), no warm-up. */
  private forgetClasses(remaining: readonly Candidate[]): void {
    this.warmUp = 'none';
    this.classes = undefined;
    for (const r of remaining) this.classRank[r.host] = 0;
  }

  /**
   * Colours the stage's hosts into wave classes (colouring.ts), the most constrained listed
   * first, and ranks the classes lightest first: the first waves evacuate onto hosts that are
   * still to be upgraded, so the less they move, the fewer instances move twice.
   */
  private assignClasses(remaining: readonly Candidate[], lowerBound: number, warmUp = false): void {
    const first = warmUp ? this.warmUpClass(remaining) : new Set<number>();
    if (first.size > 0) {
      const rest = remaining.filter((r) => !first.has(r.host));
      this.assignClasses(rest, lowerBound - 1);
      for (const r of rest) this.classRank[r.host] = (this.classRank[r.host] ?? 0) + 1;
      for (const h of first) this.classRank[h] = 0;
      this.warmUp = 'next';
      return;
    }
    const profiles: HostProfile[] = [];
    for (const r of remaining) profiles.push(this.profile(r.host));
    this.score(remaining, profiles, this.tallyLeft(remaining, profiles));
    const { urgencyOf, conflictsOf, hashOf } = this;
    const order: number[] = [];
    for (let k = 0; k < remaining.length; k++) order.push(k);
    const { classRank } = this;
    order.sort(
      (a, b) =>
        (classRank[remaining[a]?.host ?? 0] ?? 0) - (classRank[remaining[b]?.host ?? 0] ?? 0) ||
        (urgencyOf[b] ?? 0) - (urgencyOf[a] ?? 0) ||
        (conflictsOf[b] ?? 0) - (conflictsOf[a] ?? 0) ||
        (hashOf[a] ?? 0) - (hashOf[b] ?? 0) ||
        a - b,
    );
    const hosts: number[] = [];
    for (const k of order) hosts.push(remaining[k]?.host ?? 0);
    const { classOf, table } = colourHosts(
      hosts,
      this.classLimits(),
      colouringEffort(hosts.length, lowerBound, this.stage),
      this.classes,
    );
    this.stage = { ...this.stage, coloured: true };
    this.classes = table;
    this.classId.fill(-1);
    for (let k = 0; k < hosts.length; k++) this.classId[hosts[k] ?? 0] = classOf[k] ?? 0;
    let classes = 0;
    for (const c of classOf) classes = Math.max(classes, c + 1);
    const load = new Float64Array(classes);
    for (let k = 0; k < hosts.length; k++) {
      const c = classOf[k] ?? 0;
      load[c] = (load[c] ?? 0) + this.profile(hosts[k] ?? 0).moveVcpu;
    }
    const byLoad: number[] = [];
    for (let c = 0; c < classes; c++) byLoad.push(c);
    byLoad.sort((a, b) => (load[a] ?? 0) - (load[b] ?? 0) || a - b);
    const position = new Int32Array(classes);
    byLoad.forEach((c, p) => (position[c] = p));
    for (let k = 0; k < hosts.length; k++)
      this.classRank[hosts[k] ?? 0] = position[classOf[k] ?? 0] ?? 0;
  }

  /**
   * An instance evacuated in an early wave may land on a host still to be upgraded, and then
   * counts against that host's wave class: the class must still have room in its VNF's budget,
   * or the host could not be upgraded with its class. (Undefined outside the optimised strategy.)
   */
  private readonly classGuard = (i: number, h: number): boolean => {
    const c = this.classId[h] ?? -1;
    const v = this.ctx.world.vnfOf[i] ?? -1;
    if (c < 0 || v < 0 || !this.classes) return true;
    return this.classes.room(c, v, this.ctx.world.out[i] === 1);
  };

  /** Counts instance i arriving on (+1) or leaving (-1) host h against h's wave class. */
  private arrive(i: number, h: number, sign: 1 | -1): void {
    const c = this.classId[h] ?? -1;
    const v = this.ctx.world.vnfOf[i] ?? -1;
    if (c >= 0 && v >= 0) this.classes?.arrive(c, v, this.ctx.world.out[i] === 1, sign);
  }

  /**
   * The first wave of a stage may find no upgraded host to evacuate onto: what it moves lands on
   * hosts still to be upgraded and moves again. So it takes the hosts with the fewest instances
   * to move, and only as many as it takes to make room for the next wave: per placement group,
   * until the room of the hosts that need no further visit (these, once upgraded and empty,
   * and any already done) holds what a full wave of that group moves on average. Empty when
   * the stage moves nothing or the room is there already.
   */
  private warmUpClass(remaining: readonly Candidate[]): Set<number> {
    const w = this.ctx.world;
    const groups = w.groupKeys.length;
    const movers = new Int32Array(remaining.length);
    const needV = new Float64Array(groups);
    const needM = new Float64Array(groups);
    const roomV = new Float64Array(groups);
    const roomM = new Float64Array(groups);
    const share = (this.ctx.cap / remaining.length) * WARM_UP_ROOM;
    remaining.forEach((r, k) => {
      let n = 0;
      for (const i of w.onHost[r.host] ?? []) if (w.moving[i] === 1) n++;
      movers[k] = n;
      const g = w.group[r.host] ?? 0;
      const p = this.profile(r.host);
      needV[g] = (needV[g] ?? 0) + p.moveVcpu * share;
      needM[g] = (needM[g] ?? 0) + p.moveMem * share;
    });
    for (let h = 0; h < w.hosts.length; h++)
      if (w.eligible[h] === 1 && (this.ctx.pending[h] ?? 0) === 0) {
        const g = w.group[h] ?? 0;
        roomV[g] = (roomV[g] ?? 0) + w.freeVcpu(h);
        roomM[g] = (roomM[g] ?? 0) + w.freeMem(h);
      }
    const short = (g: number): boolean =>
      (roomV[g] ?? 0) < (needV[g] ?? 0) || (roomM[g] ?? 0) < (needM[g] ?? 0);
    let groupsShort = 0;
    for (let g = 0; g < groups; g++) if (short(g)) groupsShort++;
    const chosen = new Set<number>();
    if (groupsShort === 0) return chosen;
    const order: number[] = [];
    for (let k = 0; k < remaining.length; k++) order.push(k);
    // Fewest instances moved per vCPU of room made first.
    const cost = new Float64Array(remaining.length);
    remaining.forEach((r, k) => {
      const room = (w.capVcpu[r.host] ?? 0) - this.profile(r.host).stayVcpu;
      cost[k] = w.eligible[r.host] === 1 && room > 0 ? (movers[k] ?? 0) / room : Infinity;
    });
    order.sort(
      (a, b) =>
        (cost[a] ?? 0) - (cost[b] ?? 0) ||
        (movers[a] ?? 0) - (movers[b] ?? 0) ||
        this.hash(remaining[a]?.host ?? 0) - this.hash(remaining[b]?.host ?? 0) ||
        a - b,
    );
    const table = new ClassTable(this.classLimits());
    for (const k of order) {
      const h = remaining[k]?.host ?? 0;
      const g = w.group[h] ?? 0;
      if (!short(g) || (table.count > 0 && !table.fits(h, 0))) continue;
      table.add(h, 0);
      chosen.add(h);
      if (w.eligible[h] === 1) {
        const p = this.profile(h);
        roomV[g] = (roomV[g] ?? 0) + (w.capVcpu[h] ?? 0) - p.stayVcpu;
        roomM[g] = (roomM[g] ?? 0) + (w.capMem[h] ?? 0) - p.stayMem;
        if (!short(g)) groupsShort--;
      }
      if (groupsShort === 0 || table.full(0)) break;
    }
    return chosen;
  }

  /** The static limits of a wave, for the colouring. */
  private classLimits(): ClassLimits {
    const w = this.ctx.world;
    return {
      cap: this.ctx.cap,
      smooth: this.ctx.campaign.mode === 'smooth',
      vnfCount: w.vnfs.length,
      budgetOut: w.budgetOut,
      budgetTotal: w.budgetTotal,
      domainLimit: this.domainLimits.map(([, limit]) => limit),
      domainOf: this.domainOf,
      domainCount: this.domainCounts,
      clusterCount: this.clusters.length,
      clusterBudget: (ci) => this.clusterBudget(ci),
      clusterDomainKey: (ci) => {
        const c = this.clusters[ci];
        return c?.kind === 'failure-domains' ? c.failureDomain : undefined;
      },
      clustersOf: (h) => this.clusterIndexesOf(h),
      label: (h, key) => w.hosts[h]?.labels[key] ?? w.hosts[h]?.name ?? '',
      members: (h) => this.profile(h).members,
    };
  }

  /**
   * What is left to upgrade of each failure domain and cluster, and for each VNF with members
   * left, once (a VNF has members on several hosts): the waves they need at least, and its
   * share of a host's conflict degree, side by side in `pressure`.
   */
  private tallyLeft(
    remaining: readonly Candidate[],
    profiles: readonly HostProfile[],
  ): { domainLeft: Int32Array[]; clusterLeft: Int32Array } {
    const w = this.ctx.world;
    const { vnfLeft, touched, pressure } = this;
    const domainLeft = this.perDomain();
    const clusterLeft = new Int32Array(this.clusters.length);
    let touchedCount = 0;
    for (let k = 0; k < remaining.length; k++) {
      const h = remaining[k]?.host ?? 0;
      const m = profiles[k]?.members ?? [];
      for (let j = 0; j < m.length; j += 3) {
        const v = m[j] ?? 0;
        if (vnfLeft[v] === 0) touched[touchedCount++] = v;
        vnfLeft[v] = (vnfLeft[v] ?? 0) + (m[j + 1] ?? 0);
      }
      for (let d = 0; d < this.domainOf.length; d++) {
        const id = this.domainOf[d]?.[h] ?? -1;
        const counts = domainLeft[d];
        if (id >= 0 && counts) counts[id] = (counts[id] ?? 0) + 1;
      }
      for (const ci of this.clusterIndexesOf(h)) clusterLeft[ci] = (clusterLeft[ci] ?? 0) + 1;
    }
    for (let t = 0; t < touchedCount; t++) {
      const v = touched[t] ?? 0;
      const members = vnfLeft[v] ?? 0;
      const budget = w.budgetTotal[v] ?? 1;
      pressure[2 * v] = Math.ceil(members / budget);
      pressure[2 * v + 1] = (members - 1) / budget;
      vnfLeft[v] = 0;
    }
    return { domainLeft, clusterLeft };
  }

  /** The sort keys of each remaining host (`urgencyOf`, `conflictsOf`, `loadOf`, `hashOf`). */
  private score(
    remaining: readonly Candidate[],
    profiles: readonly HostProfile[],
    { domainLeft, clusterLeft }: { domainLeft: Int32Array[]; clusterLeft: Int32Array },
  ): void {
    const smooth = this.ctx.campaign.mode === 'smooth';
    const { pressure, urgencyOf, conflictsOf, loadOf, hashOf } = this;
    const base = Math.ceil(remaining.length / this.ctx.cap);
    for (let k = 0; k < remaining.length; k++) {
      const h = remaining[k]?.host ?? 0;
      const p = profiles[k];
      let urgency = base;
      // Conflict degree: other remaining hosts this one competes with for VNF budgets.
      let conflicts = 0;
      if (p && smooth)
        for (let j = 0; j < p.members.length; j += 3) {
          const v = p.members[j] ?? 0;
          urgency = Math.max(urgency, pressure[2 * v] ?? 0);
          conflicts += pressure[2 * v + 1] ?? 0;
        }
      for (let d = 0; d < this.domainOf.length; d++) {
        const id = this.domainOf[d]?.[h] ?? -1;
        const limit = this.domainLimits[d]?.[1] ?? 1;
        if (id >= 0) urgency = Math.max(urgency, Math.ceil((domainLeft[d]?.[id] ?? 0) / limit));
      }
      for (const ci of this.clusterIndexesOf(h)) {
        const c = this.ctx.clusters[ci];
        if (c?.kind === 'quorum')
          urgency = Math.max(
            urgency,
            Math.ceil((clusterLeft[ci] ?? 0) / Math.max(1, this.clusterBudget(ci))),
          );
      }
      urgencyOf[k] = urgency;
      conflictsOf[k] = conflicts;
      loadOf[k] = p?.moveVcpu ?? 0;
      hashOf[k] = this.hash(h);
    }
  }

  private hash(h: number): number {
    let x = this.hashes[h] ?? -1;
    if (x < 0) {
      x = hashName(this.ctx.world.hosts[h]?.name ?? '');
      this.hashes[h] = x;
    }
    return x;
  }

  /** A zeroed count per failure domain, per failure-domain limit (built by push: see `rank`). */
  private perDomain(): Int32Array[] {
    const counts: Int32Array[] = [];
    for (const n of this.domainCounts) counts.push(new Int32Array(n));
    return counts;
  }

  /** What a wave may still take of VNF v: all of its budget. */
  private resetRoom(v: number): void {
    const w = this.ctx.world;
    this.room[2 * v] = w.budgetOut[v] ?? 0;
    this.room[2 * v + 1] = w.budgetTotal[v] ?? 0;
  }

  /** Fill one wave from hosts in the given order. */
  private fill(
    ordered: readonly Candidate[],
    explain: boolean,
    maxRank = Infinity,
  ): {
    wave: WaveHost[];
    rejects: Rejections;
  } {
    const wave: WaveInProgress = {
      hosts: [],
      domainCount: this.perDomain(),
      clusterCount: new Int32Array(this.clusters.length),
      clusterDomains: new Map(),
      taken: [],
    };
    const rejects = new Rejections(explain);
    for (const cand of ordered) {
      if ((this.classRank[cand.host] ?? 0) > maxRank) break;
      if (wave.hosts.length >= this.ctx.cap) break;
      const reject = this.constraintHit(cand, wave) ?? this.evacuate(cand, wave);
      if (reject) rejects.add(cand.host, reject);
    }
    // Leave the scratch as it was: the hosts of the wave, what they took and where it went.
    for (const x of wave.hosts) {
      this.inWave[x.host] = 0;
      for (const to of x.destinations) if (to >= 0) this.receiving[to] = 0;
    }
    for (const m of wave.taken) for (let k = 0; k < m.length; k += 3) this.resetRoom(m[k] ?? 0);
    return { wave: wave.hosts, rejects };
  }

  /**
   * Why host `cand` cannot join the wave as it stands, whatever room there is: it receives
   * evacuated instances, or a failure domain, cluster, anti-affinity group (fixed-parallel) or
   * VNF budget is full. Undefined when none is.
   */
  private constraintHit(cand: Candidate, wave: WaveInProgress): Reject | undefined {
    const w = this.ctx.world;
    const h = cand.host;
    if (this.receiving[h] === 1) return rejects.receiving(cand.visit.host.name);
    const host = w.hosts[h];
    let hit: Reject | undefined;
    for (let d = 0; d < this.domainOf.length; d++) {
      const id = this.domainOf[d]?.[h] ?? -1;
      const limit = this.domainLimits[d]?.[1] ?? 0;
      if (id >= 0 && (wave.domainCount[d]?.[id] ?? 0) + 1 > limit) {
        const key = this.domainLimits[d]?.[0] ?? '';
        hit = rejects.domain(key, host?.labels[key], limit);
      }
    }
    if (hit) return hit;
    for (const ci of this.clusterIndexesOf(h)) {
      const c = this.ctx.clusters[ci];
      if (!c) continue;
      if (c.kind === 'quorum' && (wave.clusterCount[ci] ?? 0) + 1 > this.clusterBudget(ci))
        hit = rejects.quorum(c, this.clusterBudget(ci));
      if (c.kind === 'failure-domains') {
        const d = host?.labels[c.failureDomain] ?? host?.name ?? '';
        const set = wave.clusterDomains.get(ci);
        if (set && !set.has(d) && set.size + 1 > c.maxDomainsDown) hit = rejects.domainsDown(c);
      }
    }
    if (hit) return hit;
    const m = this.profile(h).members;
    const room = this.room;
    if (this.ctx.strategy === 'fixed-parallel')
      for (let k = 0; k < m.length; k += 3) {
        const v = m[k] ?? 0;
        // Some host of the wave has a member of v when its room is below its budget.
        if (w.affinity[v] !== AFFINITY.none && (room[2 * v + 1] ?? 0) < (w.budgetTotal[v] ?? 0))
          return rejects.antiAffinity(w.vnfs[v]);
      }
    if (this.ctx.campaign.mode === 'smooth')
      for (let k = 0; k < m.length; k += 3) {
        const v = m[k] ?? 0;
        if ((m[k + 2] ?? 0) > (room[2 * v] ?? 0) || (m[k + 1] ?? 0) > (room[2 * v + 1] ?? 0))
          return rejects.vnf(w.vnfs[v], w.budgetTotal[v]);
      }
    return undefined;
  }

  /**
   * Capacity: places every instance of host `cand` that must move, never onto a host of this
   * wave, and takes the host into the wave; or undoes the moves and says what found no room.
   */
  private evacuate(cand: Candidate, wave: WaveInProgress): Reject | undefined {
    const w = this.ctx.world;
    const h = cand.host;
    const members = this.profile(h).members; // before the moves change it
    this.inWave[h] = 1;
    const instances = sortMovers(w.onHost[h] ?? [], w.strictGroup, w.vcpu, w.mem);
    const destinations: number[] = [];
    const pool = this.pools[w.group[h] ?? 0];
    const guardBudget = this.ctx.campaign.mode === 'smooth';
    const doneOnly = this.onlyOnceMoved && wave.hosts.length > 0;
    for (const i of instances) {
      if (w.moving[i] !== 1) {
        destinations.push(-1);
        continue;
      }
      const guard = this.classes ? this.classGuard : undefined;
      const to = pool ? pool.find(i, this.inWave, guardBudget, doneOnly, guard) : -1;
      if (guard && to >= 0 && !guard(i, to)) this.classBroken = true;
      if (to < 0) {
        // Undo, last placed first.
        for (let k = destinations.length - 1; k >= 0; k--)
          if ((destinations[k] ?? -1) >= 0) {
            w.move(instances[k] ?? 0, h);
            this.arrive(instances[k] ?? 0, destinations[k] ?? 0, -1);
          }
        this.inWave[h] = 0;
        return {
          kind: 'capacity',
          text: () =>
            `no room for ${w.instances[i]?.name} (${w.vcpu[i]} vCPU, ${w.mem[i]} MiB) in ${w.groupKeys[w.group[h] ?? 0]}`,
        };
      }
      w.move(i, to);
      this.arrive(i, to, 1);
      destinations.push(to);
    }
    this.take(cand, wave, members, instances, destinations);
    return undefined;
  }

  /** Counts host `cand` (its VNF members as they were, evacuated since) against every limit of the wave. */
  private take(
    cand: Candidate,
    wave: WaveInProgress,
    m: readonly number[],
    instances: number[],
    destinations: number[],
  ): void {
    const w = this.ctx.world;
    const h = cand.host;
    for (let k = 0; k < instances.length; k++) {
      const to = destinations[k] ?? -1;
      if (to < 0) continue;
      const i = instances[k] ?? 0;
      this.receiving[to] = 1;
      w.moveCount[i] = (w.moveCount[i] ?? 0) + 1;
    }
    wave.taken.push(m);
    for (let k = 0; k < m.length; k += 3) {
      const v = m[k] ?? 0;
      this.room[2 * v] = (this.room[2 * v] ?? 0) - (m[k + 2] ?? 0);
      this.room[2 * v + 1] = (this.room[2 * v + 1] ?? 0) - (m[k + 1] ?? 0);
    }
    for (let d = 0; d < this.domainOf.length; d++) {
      const id = this.domainOf[d]?.[h] ?? -1;
      const counts = wave.domainCount[d];
      if (id >= 0 && counts) counts[id] = (counts[id] ?? 0) + 1;
    }
    const host = w.hosts[h];
    for (const ci of this.clusterIndexesOf(h)) {
      wave.clusterCount[ci] = (wave.clusterCount[ci] ?? 0) + 1;
      const c = this.ctx.clusters[ci];
      if (c?.kind === 'failure-domains') {
        const set = wave.clusterDomains.get(ci) ?? new Set<string>();
        set.add(host?.labels[c.failureDomain] ?? host?.name ?? '');
        wave.clusterDomains.set(ci, set);
      }
    }
    wave.hosts.push({
      visit: cand.visit,
      host: h,
      instances,
      destinations,
      why: this.hostWhy(cand.visit, destinations),
    });
  }

  private hostWhy(visit: HostVisit, destinations: readonly number[]): string {
    let migrating = 0;
    for (const to of destinations) if (to >= 0) migrating++;
    const staying = destinations.length - migrating;
    let upgrades = this.upgradeTexts.get(visit.changes);
    if (upgrades === undefined) {
      upgrades = `upgrades ${visit.changes.map((c) => `${c.component} ${c.from} → ${c.to}`).join(', ')}`;
      this.upgradeTexts.set(visit.changes, upgrades);
    }
    const parts = [upgrades];
    if (migrating > 0) parts.push(`evacuates ${migrating} instance(s)`);
    if (staying > 0) parts.push(`${staying} instance(s) stay (switch-over or stop-start)`);
    if (destinations.length === 0) parts.push('hosts no instances');
    return parts.join('; ');
  }
}

/**
 * A host's instances, most constrained first: members of large strict anti-affinity groups have
 * the fewest valid destinations, so they must not find them taken by instances that could go
 * anywhere; then first-fit decreasing by size (vCPU, then memory); ties keep their order.
 * Insertion sort: a host holds tens of instances, and it compares without a callback.
 */
function sortMovers(
  onHost: readonly number[],
  spread: Int32Array,
  vcpu: Float64Array,
  mem: Float64Array,
): number[] {
  const sorted = onHost.slice();
  for (let k = 1; k < sorted.length; k++) {
    const i = sorted[k] ?? 0;
    const si = spread[i] ?? 0;
    const vi = vcpu[i] ?? 0;
    const mi = mem[i] ?? 0;
    let j = k - 1;
    for (; j >= 0; j--) {
      const x = sorted[j] ?? 0;
      const sx = spread[x] ?? 0;
      const vx = vcpu[x] ?? 0;
      // Stop at the first instance that goes before i (or ties with it).
      if (sx > si || (sx === si && (vx > vi || (vx === vi && (mem[x] ?? 0) >= mi)))) break;
      sorted[j + 1] = x;
    }
    sorted[j + 1] = i;
  }
  return sorted;
}

/**
 * Why a host was held back, made apart from the checks that find it: a closure written in a
 * check would make every call of it allocate a context for the variables the closure uses (and
 * one per turn of a loop that declares them), rejected or not: ~35 MB of the ~450 MB allocated
 * while planning 10,000 hosts (V8's sampling heap profiler, collected objects included).
 */
const rejects = {
  receiving: (host: string): Reject => ({
    kind: 'receiving',
    text: () => `${host} takes instances evacuated in this wave`,
  }),
  domain: (key: string, value: string | undefined, limit: number): Reject => ({
    kind: 'domain',
    text: () => `${key} ${value} already has ${limit} host(s) in the wave`,
  }),
  quorum: (c: Cluster & { readonly kind: 'quorum' }, budget: number): Reject => ({
    kind: 'cluster',
    text: () => `cluster ${c.name} keeps quorum ${c.quorum} only with ${budget} member(s) out`,
  }),
  domainsDown: (c: Cluster & { readonly kind: 'failure-domains' }): Reject => ({
    kind: 'cluster',
    text: () => `cluster ${c.name} allows ${c.maxDomainsDown} ${c.failureDomain} out at once`,
  }),
  antiAffinity: (vnf: Vnf | undefined): Reject => ({
    kind: 'anti-affinity',
    text: () => `shares anti-affinity group ${vnf?.name} with a host in the wave`,
  }),
  vnf: (vnf: Vnf | undefined, budgetTotal: number | undefined): Reject => ({
    kind: 'vnf',
    text: () =>
      `${vnf?.name} (${vnf?.redundancy}) allows ${budgetTotal} member(s) impacted at once`,
  }),
  /** A host whose members of one VNF exceed its budget on their own. */
  overBudget: (
    vnf: string | undefined,
    b: { readonly out: number; readonly total: number },
    out: number,
    total: number,
  ): Reject => ({
    kind: 'vnf',
    text: () =>
      `${vnf} would lose ${out > b.out ? `${out} member(s) out of service` : `${total} members at once`} but allows ${out > b.out ? b.out : b.total}`,
  }),
};

const KIND_TEXT: Record<RejectKind, string> = {
  health: 'host health',
  parallel: 'maxParallel',
  receiving: 'taking evacuated instances',
  domain: 'failure-domain limits',
  cluster: 'cluster quorum',
  'anti-affinity': 'anti-affinity groups',
  vnf: 'VNF redundancy',
  capacity: 'spare capacity',
};

export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
