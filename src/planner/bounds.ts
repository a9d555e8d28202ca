/**
 * Lower bounds on the number of waves of a stage: no valid plan can do with fewer, so
 * waves / bound measures how far a plan is from the best possible. Each bound says why it is
 * a true bound. They are computed on the state the stage starts from (earlier stages may have
 * moved instances).
 */
import type { Bound, Campaign } from '../model/index.js';
import type { StageSpec } from './stages.js';
import type { World } from './world.js';
import type { WaveBuilder } from './waves.js';
import { conflictGroups, largeClique } from './conflicts.js';

export function stageBounds(
  stage: StageSpec,
  world: World,
  campaign: Campaign,
  cap: number,
  builder: WaveBuilder,
): Bound[] {
  const hosts = stage.visits
    .filter((v) => v.host.state === 'up')
    .map((v) => world.hostIndex.get(v.host.name) ?? -1);
  const n = hosts.length;
  const bounds: Bound[] = [];
  const s = stage.index;
  bounds.push({
    name: 'maxParallel',
    value: Math.ceil(n / cap),
    unit: 'waves',
    stage: s,
    why: `${n} hosts, at most ${cap} per wave: every host is in some wave`,
  });

  for (const [key, limit] of Object.entries(campaign.rollout.maxPerFailureDomain)) {
    const count = new Map<string, number>();
    for (const h of hosts) {
      const value = world.hosts[h]?.labels[key];
      if (value !== undefined) count.set(value, (count.get(value) ?? 0) + 1);
    }
    const worst = maxEntry(count);
    if (worst)
      bounds.push({
        name: `failure domain ${key}=${worst[0]}`,
        value: Math.ceil(worst[1] / limit),
        unit: 'waves',
        stage: s,
        why: `${worst[1]} hosts in ${key} ${worst[0]}, at most ${limit} per wave`,
      });
  }

  if (campaign.mode === 'smooth') {
    const total = new Int32Array(world.vnfs.length);
    const out = new Int32Array(world.vnfs.length);
    for (const h of hosts)
      for (const i of world.onHost[h] ?? []) {
        const v = world.vnfOf[i] ?? -1;
        if (v < 0) continue;
        total[v] = (total[v] ?? 0) + 1;
        if (world.out[i] === 1) out[v] = (out[v] ?? 0) + 1;
      }
    let best: Bound | undefined;
    for (let v = 0; v < total.length; v++) {
      const m = total[v] ?? 0;
      const b = world.budgets[v];
      if (m === 0 || !b) continue;
      const byTotal = Math.ceil(m / b.total);
      const o = out[v] ?? 0;
      const byOut = b.out > 0 ? Math.ceil(o / b.out) : 0;
      const value = Math.max(byTotal, byOut);
      if (!best || value > best.value)
        best = {
          name: `VNF ${world.vnfs[v]?.name}`,
          value,
          unit: 'waves',
          stage: s,
          why: `${m} members on hosts of this stage, each impacted when its host is; at most ${b.total} impacted (${b.out} out of service) at once`,
        };
    }
    if (best) bounds.push(best);
  }

  const clusterMembers = new Map<number, Set<string>>();
  const clusterCount = new Map<number, number>();
  for (const h of hosts)
    for (const ci of builder.clusterIndexesOf(h)) {
      clusterCount.set(ci, (clusterCount.get(ci) ?? 0) + 1);
      const c = builder.clusters[ci];
      if (c?.kind === 'failure-domains') {
        const set = clusterMembers.get(ci) ?? new Set<string>();
        set.add(world.hosts[h]?.labels[c.failureDomain] ?? world.hosts[h]?.name ?? '');
        clusterMembers.set(ci, set);
      }
    }
  for (const [ci, m] of clusterCount) {
    const c = builder.clusters[ci];
    const budget = builder.clusterBudget(ci);
    if (!c || budget < 1) continue;
    if (c.kind === 'quorum')
      bounds.push({
        name: `cluster ${c.name}`,
        value: Math.ceil(m / budget),
        unit: 'waves',
        stage: s,
        why: `${m} members to upgrade, quorum ${c.quorum} leaves ${budget} out at once`,
      });
    else {
      const domains = clusterMembers.get(ci)?.size ?? 0;
      const perDomain = campaign.rollout.maxPerFailureDomain[c.failureDomain];
      const byDomains = Math.ceil(domains / budget);
      const byHosts = perDomain === undefined ? 0 : Math.ceil(m / (budget * perDomain));
      bounds.push(
        byHosts > byDomains
          ? {
              name: `cluster ${c.name}`,
              value: byHosts,
              unit: 'waves',
              stage: s,
              why: `${m} members; a wave may touch ${budget} ${c.failureDomain}(s) of it and at most ${perDomain} host(s) per ${c.failureDomain}`,
            }
          : {
              name: `cluster ${c.name}`,
              value: byDomains,
              unit: 'waves',
              stage: s,
              why: `${domains} ${c.failureDomain}s to upgrade, ${budget} out at once`,
            },
      );
    }
  }

  const aa = antiAffinityRoomBound(hosts, world, s);
  if (aa) bounds.push(aa);

  const clique = largeClique(conflictGroups(hosts, world, campaign, builder));
  if (clique.length > 1)
    bounds.push({
      name: 'conflicting hosts',
      value: clique.length,
      unit: 'waves',
      stage: s,
      why: `${clique.length} hosts (e.g. ${clique
        .slice(0, 3)
        .map((h) => world.hosts[h]?.name)
        .join(
          ', ',
        )}) pairwise cannot share a wave (a VNF, quorum or failure domain allows only one of each pair out): each needs a wave of its own`,
    });

  // Capacity: in a placement group G, the load left on hosts outside a wave W must fit them:
  // Σ_{h∈W} (cap(h) − staying(h)) ≤ free(G). Summed over waves: waves ≥ Σ (cap − staying) / free.
  const groups = new Map<number, { needV: number; needM: number }>();
  for (const h of hosts) {
    const g = world.group[h] ?? 0;
    let stayV = 0;
    let stayM = 0;
    let moveV = 0;
    let moveM = 0;
    for (const i of world.onHost[h] ?? []) {
      if (world.moving[i] === 1) {
        moveV += world.vcpu[i] ?? 0;
        moveM += world.mem[i] ?? 0;
      } else {
        stayV += world.vcpu[i] ?? 0;
        stayM += world.mem[i] ?? 0;
      }
    }
    const host = world.hosts[h];
    const eligible = world.eligible[h] === 1;
    const e = groups.get(g) ?? { needV: 0, needM: 0 };
    e.needV += eligible ? (host?.capacity.vcpu ?? 0) - stayV : moveV;
    e.needM += eligible ? (host?.capacity.memoryMiB ?? 0) - stayM : moveM;
    groups.set(g, e);
  }
  const freeV = new Map<number, number>();
  const freeM = new Map<number, number>();
  for (let h = 0; h < world.hosts.length; h++) {
    if (!world.eligible[h]) continue;
    const g = world.group[h] ?? 0;
    freeV.set(g, (freeV.get(g) ?? 0) + world.freeVcpu(h));
    freeM.set(g, (freeM.get(g) ?? 0) + world.freeMem(h));
  }
  let capBound: Bound | undefined;
  for (const [g, e] of groups) {
    for (const [need, free, unit] of [
      [e.needV, freeV.get(g) ?? 0, 'vCPU'],
      [e.needM, freeM.get(g) ?? 0, 'MiB'],
    ] as const) {
      if (need <= 0) continue;
      const value = free > 0 ? Math.ceil(need / free - 1e-9) : Number.POSITIVE_INFINITY;
      if (!capBound || value > capBound.value)
        capBound = {
          name: `capacity ${world.groupKeys[g]} (${unit})`,
          value,
          unit: 'waves',
          stage: s,
          why: `hosts of this stage in ${world.groupKeys[g]} free ${Math.round(need)} ${unit} in all when emptied; the group has ${Math.round(free)} ${unit} spare, and a wave can only empty what the rest can hold`,
        };
    }
  }
  if (capBound && Number.isFinite(capBound.value)) bounds.push(capBound);
  return bounds;
}

function maxEntry(m: Map<string, number>): [string, number] | undefined {
  let best: [string, number] | undefined;
  for (const e of m) if (!best || e[1] > best[1]) best = e;
  return best;
}

/**
 * Strict anti-affinity leaves room to move only onto hosts without a member. In a placement
 * group of n receiving hosts holding m members (one per host), a wave W must find, outside W, a
 * member-free host for each member it moves: (n − m) − (member-free hosts in W) ≥ members in W,
 * that is |W ∩ group| ≤ n − m. So the stage's hosts with members need ≥ their count / (n − m)
 * waves. (It needs every member to move; members that stay free their own host's slot.)
 */
function antiAffinityRoomBound(
  hosts: readonly number[],
  world: World,
  stage: number,
): Bound | undefined {
  const inStage = new Set(hosts);
  const receivers = new Map<number, number>();
  for (let h = 0; h < world.hosts.length; h++)
    if (world.eligible[h])
      receivers.set(world.group[h] ?? 0, (receivers.get(world.group[h] ?? 0) ?? 0) + 1);
  // VNF → group → [hosts holding members (any), of which in the stage and moving].
  const holders = new Map<
    number,
    { all: Set<number>; moving: Set<number>; group: number; v: number; staying: boolean }
  >();
  for (let i = 0; i < world.instances.length; i++) {
    const v = world.vnfOf[i] ?? -1;
    if (v < 0 || world.antiAffine(v) !== 'strict') continue;
    const h = world.loc[i] ?? -1;
    if (h < 0 || !world.eligible[h]) continue;
    const g = world.group[h] ?? 0;
    const key = v * world.groupKeys.length + g;
    let e = holders.get(key);
    if (!e)
      holders.set(key, (e = { all: new Set(), moving: new Set(), group: g, v, staying: false }));
    e.all.add(h);
    const moving = world.moving[i] === 1;
    if (!moving) e.staying = true;
    else if (inStage.has(h)) e.moving.add(h);
  }
  let best: Bound | undefined;
  for (const e of holders.values()) {
    // Members that stay in place need no destination: the argument holds only if all move.
    if (e.moving.size === 0 || e.staying) continue;
    const room = (receivers.get(e.group) ?? 0) - e.all.size;
    if (room < 1) continue; // no valid plan at all: the check reports capacity
    const value = Math.ceil(e.moving.size / room);
    if (!best || value > best.value)
      best = {
        name: `anti-affinity ${world.vnfs[e.v]?.name}`,
        value,
        unit: 'waves',
        stage,
        why: `${world.vnfs[e.v]?.name} (strict) has members on ${e.all.size} of the ${receivers.get(e.group)} hosts of ${world.groupKeys[e.group]}: a wave may hold at most ${room} host(s) of that group, since each member it moves needs a member-free host outside the wave; ${e.moving.size} such hosts are upgraded in this stage`,
      };
  }
  return best;
}
