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
import type { Campaign, Cluster, InstanceActionKind, Strategy } from '../model/index.js';
import { moves } from './actions.js';
import type { HostVisit, StageSpec } from './stages.js';
import type { World } from './world.js';

export interface PlannedAction {
  readonly instance: number;
  readonly kind: InstanceActionKind;
  readonly from: number;
  /** Destination host index, -1 when the instance stays. */
  readonly to: number;
}

export interface WaveHost {
  readonly visit: HostVisit;
  readonly host: number;
  readonly actions: readonly PlannedAction[];
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

interface VnfProfile {
  readonly version: number;
  /** vCPU of the instances that must move off the host. */
  readonly moveLoad: number;
  readonly vnfs: Int32Array;
  readonly total: Int32Array;
  readonly out: Int32Array;
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

/** Destinations of one placement group: hosts needing no more visits first, then the others. */
class DestinationPool {
  private readonly done: number[] = [];
  private readonly later: number[] = [];
  private doneCursor = 0;
  private laterCursor = 0;
  constructor(
    private readonly world: World,
    private readonly pending: Int32Array,
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
   * A destination for instance i, avoiding `excluded` hosts, or -1. A host still to be upgraded
   * never receives a member that would push its VNF over budget when that host's turn comes
   * (`guardBudget`, smooth mode): it could then never be upgraded.
   */
  find(i: number, excluded: (h: number) => boolean, guardBudget: boolean): number {
    const w = this.world;
    const v = w.vnfOf[i] ?? -1;
    const aa = w.antiAffine(v);
    const limit =
      guardBudget && v >= 0
        ? w.action[i]?.kind === 'live-migrate'
          ? (w.budgets[v]?.total ?? 1)
          : (w.budgets[v]?.out ?? 0)
        : Infinity;
    while (this.doneCursor < this.done.length && this.full(this.done[this.doneCursor] ?? -1))
      this.doneCursor++;
    while (
      this.laterCursor < this.later.length &&
      ((this.pending[this.later[this.laterCursor] ?? -1] ?? 0) === 0 ||
        this.full(this.later[this.laterCursor] ?? -1))
    )
      this.laterCursor++;
    const passes = aa === 'soft' ? [true, false] : [aa === 'strict'];
    for (const avoidMembers of passes) {
      for (const [list, start, requirePending] of [
        [this.done, this.doneCursor, false],
        [this.later, this.laterCursor, true],
      ] as const) {
        for (let k = start; k < list.length; k++) {
          const h = list[k] ?? -1;
          if (requirePending && (this.pending[h] ?? 0) === 0) continue;
          if (excluded(h) || !w.fits(i, h)) continue;
          if (avoidMembers && w.members(h, v) > 0) continue;
          if (requirePending && w.members(h, v) + 1 > limit) continue;
          return h;
        }
      }
    }
    return -1;
  }

  /** A host that has just finished its last visit becomes a preferred destination. */
  promote(h: number): void {
    this.done.push(h);
  }
}

export class WaveBuilder {
  private readonly pools: DestinationPool[] = [];
  private readonly clustersOf = new Map<number, number[]>();
  private readonly clusterAllowed: number[];
  private readonly domainLimits: [string, number][];
  private readonly profiles: (VnfProfile | undefined)[] = [];
  private readonly hashes: (number | undefined)[] = [];
  /**
   * Whether the last wave left hosts behind for lack of room: then the heaviest hosts go first,
   * since emptying them frees the largest holes (otherwise the lightest, to move least early).
   */
  private capacityBound = false;

  readonly clusters: readonly Cluster[];

  constructor(private readonly ctx: WaveContext) {
    this.clusters = ctx.clusters;
    const { world, pending } = ctx;
    const groups = world.groupKeys.length;
    const minV = new Array<number>(groups).fill(Infinity);
    const minM = new Array<number>(groups).fill(Infinity);
    for (let i = 0; i < world.instances.length; i++) {
      const h = world.loc[i] ?? -1;
      if (h < 0) continue;
      const g = world.group[h] ?? 0;
      minV[g] = Math.min(minV[g] ?? Infinity, world.vcpu[i] ?? 0);
      minM[g] = Math.min(minM[g] ?? Infinity, world.mem[i] ?? 0);
    }
    for (let g = 0; g < groups; g++)
      this.pools.push(new DestinationPool(world, pending, minV[g] ?? 0, minM[g] ?? 0));
    for (let h = 0; h < world.hosts.length; h++)
      if (world.eligible[h]) this.pools[world.group[h] ?? 0]?.add(h);
    this.clusterAllowed = ctx.clusters.map((c, ci) => {
      for (const m of c.members) {
        const h = world.hostIndex.get(m);
        if (h === undefined) continue;
        const list = this.clustersOf.get(h) ?? [];
        list.push(ci);
        this.clustersOf.set(h, list);
      }
      if (c.kind === 'failure-domains') return c.maxDomainsDown;
      const down = c.members.filter(
        (m) => world.hosts[world.hostIndex.get(m) ?? -1]?.state !== 'up',
      ).length;
      return c.members.length - c.quorum - down;
    });
    this.domainLimits = Object.entries(ctx.campaign.rollout.maxPerFailureDomain);
  }

  /** How many members of the cluster may be out at once (for quorum clusters), or domains. */
  clusterBudget(ci: number): number {
    return this.clusterAllowed[ci] ?? 0;
  }

  clusterIndexesOf(h: number): readonly number[] {
    return this.clustersOf.get(h) ?? [];
  }

  /** The VNFs with members on a host. */
  vnfsOn(h: number): Int32Array {
    return this.profile(h).vnfs;
  }

  /** Members per VNF on a host (total, and out of service), cached until its contents change. */
  private profile(h: number): VnfProfile {
    const w = this.ctx.world;
    const version = w.version[h] ?? 0;
    const cached = this.profiles[h];
    if (cached && cached.version === version) return cached;
    const counts = new Map<number, [number, number]>();
    let moveLoad = 0;
    for (const i of w.onHost[h] ?? []) {
      if (w.moving[i] === 1) moveLoad += w.vcpu[i] ?? 0;
      const v = w.vnfOf[i] ?? -1;
      if (v < 0) continue;
      const c = counts.get(v) ?? [0, 0];
      c[0]++;
      if (w.out[i] === 1) c[1]++;
      counts.set(v, c);
    }
    const fresh: VnfProfile = {
      version,
      moveLoad,
      vnfs: Int32Array.from(counts.keys()),
      total: Int32Array.from([...counts.values()].map((c) => c[0])),
      out: Int32Array.from([...counts.values()].map((c) => c[1])),
    };
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
    const counts = new Map<number, { out: number; total: number }>();
    for (const i of w.onHost[h] ?? []) {
      const v = w.vnfOf[i] ?? -1;
      if (v < 0) continue;
      const c = counts.get(v) ?? { out: 0, total: 0 };
      c.total++;
      if (w.out[i] === 1) c.out++;
      counts.set(v, c);
    }
    for (const [v, c] of counts) {
      const b = w.budgets[v];
      if (b && (c.out > b.out || c.total > b.total))
        return {
          kind: 'vnf',
          text: () =>
            `${w.vnfs[v]?.name} would lose ${c.out > b.out ? `${c.out} member(s) out of service` : `${c.total} members at once`} but allows ${c.out > b.out ? b.out : b.total}`,
        };
    }
    return undefined;
  }

  build(stage: StageSpec): StageWaves {
    const { world } = this.ctx;
    const unplanned: { visit: HostVisit; reason: string; kind: RejectKind }[] = [];
    let remaining: { visit: HostVisit; host: number }[] = [];
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

    const waves: BuiltWave[] = [];
    while (remaining.length > 0) {
      const ordered = this.ctx.strategy === 'optimised' ? this.rank(remaining) : remaining;
      const { wave, rejects } = this.fill(ordered, false);
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
  private rank(
    remaining: { visit: HostVisit; host: number }[],
  ): { visit: HostVisit; host: number }[] {
    const w = this.ctx.world;
    const smooth = this.ctx.campaign.mode === 'smooth';
    const vnfLeft = new Int32Array(w.vnfs.length);
    const domainLeft = new Map<string, number>();
    const clusterLeft = new Map<number, number>();
    const profiles = remaining.map((r) => this.profile(r.host));
    for (let k = 0; k < remaining.length; k++) {
      const r = remaining[k];
      const p = profiles[k];
      if (!r || !p) continue;
      for (let j = 0; j < p.vnfs.length; j++) {
        const v = p.vnfs[j] ?? 0;
        vnfLeft[v] = (vnfLeft[v] ?? 0) + (p.total[j] ?? 0);
      }
      for (const [key] of this.domainLimits) {
        const value = w.hosts[r.host]?.labels[key];
        if (value !== undefined)
          domainLeft.set(`${key}=${value}`, (domainLeft.get(`${key}=${value}`) ?? 0) + 1);
      }
      for (const ci of this.clusterIndexesOf(r.host))
        clusterLeft.set(ci, (clusterLeft.get(ci) ?? 0) + 1);
    }
    const base = Math.ceil(remaining.length / this.ctx.cap);
    const scored = remaining.map((r, k) => {
      const p = profiles[k];
      let urgency = base;
      // Conflict degree: other remaining hosts this one competes with for VNF budgets.
      let conflicts = 0;
      if (p && smooth)
        for (let j = 0; j < p.vnfs.length; j++) {
          const v = p.vnfs[j] ?? 0;
          const left = vnfLeft[v] ?? 0;
          const budget = w.budgets[v]?.total ?? 1;
          urgency = Math.max(urgency, Math.ceil(left / budget));
          conflicts += (left - 1) / budget;
        }
      for (const [key, limit] of this.domainLimits) {
        const value = w.hosts[r.host]?.labels[key];
        if (value !== undefined)
          urgency = Math.max(urgency, Math.ceil((domainLeft.get(`${key}=${value}`) ?? 0) / limit));
      }
      for (const ci of this.clusterIndexesOf(r.host)) {
        const c = this.ctx.clusters[ci];
        if (c?.kind === 'quorum')
          urgency = Math.max(
            urgency,
            Math.ceil((clusterLeft.get(ci) ?? 0) / Math.max(1, this.clusterBudget(ci))),
          );
      }
      const load = p?.moveLoad ?? 0;
      return { r, urgency, conflicts, load, hash: this.hash(r.host) };
    });
    // Hosts with nothing to move cost nothing and become destinations: they go first.
    scored.sort(
      (a, b) =>
        Number(a.load > 0) - Number(b.load > 0) ||
        b.urgency - a.urgency ||
        b.conflicts - a.conflicts ||
        (this.capacityBound ? b.load - a.load : a.load - b.load) ||
        a.hash - b.hash,
    );
    return scored.map((s) => s.r);
  }

  /** Members of the instance's VNF when its anti-affinity is strict, else 0. */
  private spread(i: number): number {
    const w = this.ctx.world;
    const v = w.vnfOf[i] ?? -1;
    return w.antiAffine(v) === 'strict' ? (w.memberCount[v] ?? 0) : 0;
  }

  private hash(h: number): number {
    let x = this.hashes[h];
    if (x === undefined) {
      x = hashName(this.ctx.world.hosts[h]?.name ?? '');
      this.hashes[h] = x;
    }
    return x;
  }

  /** Fill one wave from hosts in the given order. */
  private fill(
    ordered: readonly { visit: HostVisit; host: number }[],
    explain: boolean,
  ): {
    wave: WaveHost[];
    rejects: Rejections;
  } {
    const w = this.ctx.world;
    const smooth = this.ctx.campaign.mode === 'smooth';
    const wave: WaveHost[] = [];
    const inWave = new Set<number>();
    const receiving = new Set<number>();
    const vnfOut = new Int32Array(w.vnfs.length);
    const vnfTotal = new Int32Array(w.vnfs.length);
    const domainCount = this.domainLimits.map(() => new Map<string, number>());
    const clusterCount = new Map<number, number>();
    const clusterDomains = new Map<number, Set<string>>();
    const rejects = new Rejections(explain);

    for (const cand of ordered) {
      if (wave.length >= this.ctx.cap) break;
      const h = cand.host;
      const reject = (r: Reject) => rejects.add(h, r);
      if (receiving.has(h)) {
        reject({
          kind: 'receiving',
          text: () => `${cand.visit.host.name} takes instances evacuated in this wave`,
        });
        continue;
      }
      const host = w.hosts[h];
      let domainHit: Reject | undefined;
      for (let d = 0; d < this.domainLimits.length; d++) {
        const [key, limit] = this.domainLimits[d] ?? ['', 0];
        const value = host?.labels[key];
        if (value !== undefined && (domainCount[d]?.get(value) ?? 0) + 1 > limit)
          domainHit = {
            kind: 'domain',
            text: () => `${key} ${value} already has ${limit} host(s) in the wave`,
          };
      }
      if (domainHit) {
        reject(domainHit);
        continue;
      }
      let clusterHit: Reject | undefined;
      for (const ci of this.clusterIndexesOf(h)) {
        const c = this.ctx.clusters[ci];
        if (!c) continue;
        if (c.kind === 'quorum' && (clusterCount.get(ci) ?? 0) + 1 > this.clusterBudget(ci))
          clusterHit = {
            kind: 'cluster',
            text: () =>
              `cluster ${c.name} keeps quorum ${c.quorum} only with ${this.clusterBudget(ci)} member(s) out`,
          };
        if (c.kind === 'failure-domains') {
          const d = host?.labels[c.failureDomain] ?? host?.name ?? '';
          const set = clusterDomains.get(ci);
          if (set && !set.has(d) && set.size + 1 > c.maxDomainsDown)
            clusterHit = {
              kind: 'cluster',
              text: () =>
                `cluster ${c.name} allows ${c.maxDomainsDown} ${c.failureDomain} out at once`,
            };
        }
      }
      if (clusterHit) {
        reject(clusterHit);
        continue;
      }
      const profile = this.profile(h);
      if (this.ctx.strategy === 'fixed-parallel') {
        const shared = [...profile.vnfs].find(
          (v) => w.antiAffine(v) !== 'none' && (vnfTotal[v] ?? 0) > 0,
        );
        if (shared !== undefined) {
          reject({
            kind: 'anti-affinity',
            text: () =>
              `shares anti-affinity group ${w.vnfs[shared]?.name} with a host in the wave`,
          });
          continue;
        }
      }
      if (smooth) {
        let vnfHit: Reject | undefined;
        for (let k = 0; k < profile.vnfs.length; k++) {
          const v = profile.vnfs[k] ?? -1;
          const b = w.budgets[v];
          if (!b) continue;
          if (
            (vnfOut[v] ?? 0) + (profile.out[k] ?? 0) > b.out ||
            (vnfTotal[v] ?? 0) + (profile.total[k] ?? 0) > b.total
          ) {
            vnfHit = {
              kind: 'vnf',
              text: () =>
                `${w.vnfs[v]?.name} (${w.vnfs[v]?.redundancy}) allows ${b.total} member(s) impacted at once`,
            };
            break;
          }
        }
        if (vnfHit) {
          reject(vnfHit);
          continue;
        }
      }
      // Capacity: place every instance that must move, never onto a host of this wave.
      inWave.add(h);
      const actions: PlannedAction[] = [];
      const placed: { i: number; to: number }[] = [];
      let capacityHit: Reject | undefined;
      const pool = this.pools[w.group[h] ?? 0];
      // Most constrained first: members of large strict anti-affinity groups have the fewest
      // valid destinations, so they must not find them taken by instances that could go anywhere;
      // then first-fit decreasing by size.
      const movers = [...(w.onHost[h] ?? [])].sort(
        (a, b) =>
          this.spread(b) - this.spread(a) ||
          (w.vcpu[b] ?? 0) - (w.vcpu[a] ?? 0) ||
          (w.mem[b] ?? 0) - (w.mem[a] ?? 0),
      );
      for (const i of movers) {
        const kind = w.action[i]?.kind ?? 'live-migrate';
        if (!moves(kind)) {
          actions.push({ instance: i, kind, from: h, to: -1 });
          continue;
        }
        const to = pool ? pool.find(i, (x) => inWave.has(x), smooth) : -1;
        if (to < 0) {
          capacityHit = {
            kind: 'capacity',
            text: () =>
              `no room for ${w.instances[i]?.name} (${w.vcpu[i]} vCPU, ${w.mem[i]} MiB) in ${w.groupKeys[w.group[h] ?? 0]}`,
          };
          break;
        }
        w.move(i, to);
        placed.push({ i, to });
        actions.push({ instance: i, kind, from: h, to });
      }
      if (capacityHit) {
        for (const p of placed.reverse()) w.move(p.i, h);
        inWave.delete(h);
        reject(capacityHit);
        continue;
      }
      for (const p of placed) {
        receiving.add(p.to);
        w.moveCount[p.i] = (w.moveCount[p.i] ?? 0) + 1;
      }
      for (let k = 0; k < profile.vnfs.length; k++) {
        const v = profile.vnfs[k] ?? -1;
        vnfOut[v] = (vnfOut[v] ?? 0) + (profile.out[k] ?? 0);
        vnfTotal[v] = (vnfTotal[v] ?? 0) + (profile.total[k] ?? 0);
      }
      for (let d = 0; d < this.domainLimits.length; d++) {
        const value = host?.labels[this.domainLimits[d]?.[0] ?? ''];
        const counts = domainCount[d];
        if (value !== undefined && counts) counts.set(value, (counts.get(value) ?? 0) + 1);
      }
      for (const ci of this.clusterIndexesOf(h)) {
        clusterCount.set(ci, (clusterCount.get(ci) ?? 0) + 1);
        const c = this.ctx.clusters[ci];
        if (c?.kind === 'failure-domains') {
          const set = clusterDomains.get(ci) ?? new Set<string>();
          set.add(host?.labels[c.failureDomain] ?? host?.name ?? '');
          clusterDomains.set(ci, set);
        }
      }
      wave.push({ visit: cand.visit, host: h, actions, why: this.hostWhy(cand.visit, actions) });
    }
    return { wave, rejects };
  }

  private hostWhy(visit: HostVisit, actions: readonly PlannedAction[]): string {
    const migrating = actions.filter((a) => a.to >= 0).length;
    const staying = actions.length - migrating;
    const parts = [
      `upgrades ${visit.changes.map((c) => `${c.component} ${c.from} → ${c.to}`).join(', ')}`,
    ];
    if (migrating > 0) parts.push(`evacuates ${migrating} instance(s)`);
    if (staying > 0) parts.push(`${staying} instance(s) stay (switch-over or stop-start)`);
    if (actions.length === 0) parts.push('hosts no instances');
    return parts.join('; ');
  }
}

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

/** FNV-1a: a stable, platform-independent order among equals. */
export function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < name.length; k++) {
    h ^= name.charCodeAt(k);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
