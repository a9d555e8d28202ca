/**
 * Lower bounds on the number of waves of a stage: no valid plan can do with fewer, so
 * waves / bound measures how far a plan is from the best possible. Each bound says why it is
 * a true bound. They are computed on the state the stage starts from (earlier stages may have
 * moved instances).
 */
import type { Bound, Campaign } from '../model/index.js';
import type { StageSpec } from './stages.js';
import { AFFINITY, type World } from './world.js';
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
    for (const h of hosts) {
      const m = builder.profile(h).members;
      for (let k = 0; k < m.length; k += 3) {
        const v = m[k] ?? 0;
        total[v] = (total[v] ?? 0) + (m[k + 1] ?? 0);
        out[v] = (out[v] ?? 0) + (m[k + 2] ?? 0);
      }
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
    const p = builder.profile(h);
    const eligible = world.eligible[h] === 1;
    const e = groups.get(g) ?? { needV: 0, needM: 0 };
    e.needV += eligible ? (world.capVcpu[h] ?? 0) - p.stayVcpu : p.moveVcpu;
    e.needM += eligible ? (world.capMem[h] ?? 0) - p.stayMem : p.moveMem;
    groups.set(g, e);
  }
  const freeV = new Float64Array(world.groupKeys.length);
  const freeM = new Float64Array(world.groupKeys.length);
  for (let h = 0; h < world.hosts.length; h++) {
    if (!world.eligible[h]) continue;
    const g = world.group[h] ?? 0;
    freeV[g] = (freeV[g] ?? 0) + world.freeVcpu(h);
    freeM[g] = (freeM[g] ?? 0) + world.freeMem(h);
  }
  let capBound: Bound | undefined;
  for (const [g, e] of groups) {
    for (const [need, free, unit] of [
      [e.needV, freeV[g] ?? 0, 'vCPU'],
      [e.needM, freeM[g] ?? 0, 'MiB'],
    ] as const) {
      if (need <= 0) continue;
      const value = free > 0 ? Math.ceil(need / free - 1e-9) : Number.POSITIVE_INFINITY;
      if (!capBound || value > capBound.value)
        capBound = {
          name: `${CAPACITY} ${world.groupKeys[g]} (${unit})`,
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

const CAPACITY = 'capacity';

/** Whether the stage's largest bound is spare capacity (rather than a limit on the waves). */
export function capacityLimited(bounds: readonly Bound[]): boolean {
  let top: Bound | undefined;
  for (const b of bounds) if (!top || b.value > top.value) top = b;
  return top?.name.startsWith(`${CAPACITY} `) ?? false;
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
  const nh = world.hosts.length;
  const inStage = new Uint8Array(nh);
  for (const h of hosts) inStage[h] = 1;
  const groups = world.groupKeys.length;
  const receivers = new Int32Array(groups);
  for (let h = 0; h < nh; h++)
    if (world.eligible[h])
      receivers[world.group[h] ?? 0] = (receivers[world.group[h] ?? 0] ?? 0) + 1;
  // Per VNF and placement group: hosts holding members (any), of which in the stage and moving,
  // whether a member stays, and the first member in the inventory (ties go to the earliest). Scratch arrays by
  // group and host, stamped with v + 1 so that nothing is cleared between VNFs.
  const groupStamp = new Int32Array(groups);
  const all = new Int32Array(groups);
  const moving = new Int32Array(groups);
  const staying = new Uint8Array(groups);
  const first = new Int32Array(groups);
  const seenAll = new Int32Array(nh);
  const seenMoving = new Int32Array(nh);
  const touched: number[] = [];
  let best: Bound | undefined;
  let bestFirst = 0;
  for (let v = 0; v < world.vnfs.length; v++) {
    if (world.affinity[v] !== AFFINITY.strict) continue;
    const stamp = v + 1;
    touched.length = 0;
    for (let k = world.vnfStart[v] ?? 0; k < (world.vnfStart[v + 1] ?? 0); k++) {
      const i = world.vnfMembers[k] ?? 0;
      const h = world.loc[i] ?? -1;
      if (h < 0 || !world.eligible[h]) continue;
      const g = world.group[h] ?? 0;
      if (groupStamp[g] !== stamp) {
        groupStamp[g] = stamp;
        all[g] = 0;
        moving[g] = 0;
        staying[g] = 0;
        first[g] = world.origin[i] ?? i;
        touched.push(g);
      }
      if (seenAll[h] !== stamp) {
        seenAll[h] = stamp;
        all[g] = (all[g] ?? 0) + 1;
      }
      if (world.moving[i] !== 1) staying[g] = 1;
      else if (inStage[h] === 1 && seenMoving[h] !== stamp) {
        seenMoving[h] = stamp;
        moving[g] = (moving[g] ?? 0) + 1;
      }
    }
    for (const g of touched) {
      const movingHosts = moving[g] ?? 0;
      const allHosts = all[g] ?? 0;
      // Members that stay in place need no destination: the argument holds only if all move.
      if (movingHosts === 0 || staying[g] === 1) continue;
      const room = (receivers[g] ?? 0) - allHosts;
      if (room < 1) continue; // no valid plan at all: the check reports capacity
      const value = Math.ceil(movingHosts / room);
      const at = first[g] ?? 0;
      if (best && (value < best.value || (value === best.value && at > bestFirst))) continue;
      bestFirst = at;
      best = {
        name: `anti-affinity ${world.vnfs[v]?.name}`,
        value,
        unit: 'waves',
        stage,
        why: `${world.vnfs[v]?.name} (strict) has members on ${allHosts} of the ${receivers[g]} hosts of ${world.groupKeys[g]}: a wave may hold at most ${room} host(s) of that group, since each member it moves needs a member-free host outside the wave; ${movingHosts} such hosts are upgraded in this stage`,
      };
    }
  }
  return best;
}
