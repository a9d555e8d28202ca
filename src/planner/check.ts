/**
 * Check Smooth Upgrade Conditions: every condition that is not met, with what to do about it.
 * Static conditions come from the inventory, catalogue and campaign; capacity, quorum and
 * redundancy findings come from the planner's own attempt (a host it could not place).
 */
import {
  componentVersion,
  compareVersionStrings,
  liveMigrationBlackoutMs,
  satisfies,
  type Campaign,
  type CostModel,
  type Finding,
  type Host,
  type Stage,
} from '../model/index.js';
import type { PlanningInput } from './index.js';
import { isOut } from './actions.js';
import type { ReleaseIndex } from './releases.js';
import type { RejectKind } from './waves.js';
import type { World } from './world.js';

const MAX_LISTED = 5;

function listNames(names: readonly string[]): string {
  return names.length <= MAX_LISTED
    ? names.join(', ')
    : `${names.slice(0, MAX_LISTED).join(', ')} and ${names.length - MAX_LISTED} more`;
}

/** `changing`: the target hosts with at least one change (`StageAnalysis.changing`). */
export function conditionFindings(
  input: PlanningInput,
  changing: readonly Host[],
  releases: ReleaseIndex,
  world: World,
  cost: CostModel,
): Finding[] {
  const { campaign, inventory } = input;
  const findings: Finding[] = [];
  const smooth = campaign.mode === 'smooth';

  for (const h of changing) {
    if (h.state !== 'up')
      findings.push({
        code: 'HOST_DOWN',
        severity: 'blocker',
        subject: h.name,
        message: `${h.name} is ${h.state}: it cannot be upgraded now`,
        remedies: [
          `repair ${h.name} and bring it up`,
          `or leave it out: targets.exclude: [${h.name}]`,
        ],
      });
    if (h.alarms.length > 0)
      findings.push({
        code: 'HOST_ALARM',
        severity: campaign.guards.alarms === 'strict' ? 'blocker' : 'warning',
        subject: h.name,
        message: `${h.name} has ${h.alarms.length} active alarm(s): ${h.alarms.map((a) => `${a.severity} ${a.code} ${a.message}`.trim()).join('; ')}`,
        remedies: [
          `clear the alarm(s) on ${h.name} first`,
          `or leave it out: targets.exclude: [${h.name}]`,
          ...(campaign.guards.alarms === 'strict' ? ['or accept it: guards.alarms: lenient'] : []),
        ],
      });
  }

  findings.push(...versionFindings(campaign, changing, releases, inventory.hosts, smooth));

  // Instances on hosts to be upgraded that smooth mode cannot keep in service.
  const notRedundant = new Map<number, string[]>();
  const notMigratable: string[] = [];
  const overBudget: string[] = [];
  const changingIdx = new Set(changing.map((h) => world.hostIndex.get(h.name) ?? -1));
  for (const h of changingIdx)
    for (const i of world.onHost[h] ?? []) {
      const kind = world.action[i]?.kind ?? 'live-migrate';
      const v = world.vnfOf[i] ?? -1;
      const name = world.name[i] ?? '';
      if (smooth && isOut(kind)) {
        if (v < 0) notMigratable.push(name);
        else if ((world.budgets[v]?.out ?? 0) < 1)
          notRedundant.set(v, [...(notRedundant.get(v) ?? []), name]);
      }
      if (kind === 'live-migrate') {
        const blackout = liveMigrationBlackoutMs(world.mem[i] ?? 0, cost);
        const budget = Math.min(world.toleratedMs[i] ?? 0, campaign.guards.maxInterruptionMs);
        if (blackout > budget) overBudget.push(`${name} (${blackout} ms > ${budget} ms)`);
      }
    }
  for (const [v, names] of notRedundant) {
    const vnf = world.vnfs[v];
    if (!vnf) continue;
    const members = world.memberCount[v] ?? 0;
    findings.push({
      code: 'VNF_NOT_REDUNDANT',
      severity: 'blocker',
      subject: vnf.name,
      message: `${vnf.name} has ${members} member(s) and needs ${vnf.minAvailable} serving: ${listNames(names)} would be out of service (${world.action[world.instances.findIndex((x) => x.name === names[0])]?.reason ?? 'cannot migrate live'})`,
      remedies: [
        `scale ${vnf.name} out to ${vnf.minAvailable + 1} members (anti-affinity ${vnf.antiAffinity})`,
        'or accept its outage: mode: non-smooth',
        'or make its instances live-migratable',
      ],
    });
  }
  if (notMigratable.length > 0)
    findings.push({
      code: 'INSTANCE_NOT_MIGRATABLE',
      severity: 'blocker',
      subject: listNames(notMigratable),
      message: `${notMigratable.length} instance(s) outside any redundant VNF cannot live-migrate and would be interrupted: ${listNames(notMigratable)}`,
      remedies: [
        'enable live migration for them (shared storage or block migration)',
        'or accept their outage: mode: non-smooth',
        'or exclude their hosts: targets.exclude',
      ],
    });
  if (overBudget.length > 0)
    findings.push({
      code: 'INTERRUPTION_OVER_BUDGET',
      severity: 'warning',
      subject: listNames(overBudget.map((o) => o.split(' ')[0] ?? o)),
      message: `${overBudget.length} instance(s) would see a live-migration blackout above their budget: ${listNames(overBudget)}`,
      remedies: [
        'use switch-over for their VNFs (rollout.instanceAction: switch-over)',
        'or raise guards.maxInterruption / toleratedInterruption if the VNF copes',
      ],
    });

  // Clusters that cannot lose a member.
  for (const c of inventory.clusters) {
    if (c.kind !== 'quorum') continue;
    const touched = c.members.filter((m) => changing.some((h) => h.name === m));
    const down = c.members.filter((m) => inventory.hosts.find((h) => h.name === m)?.state !== 'up');
    if (touched.length > 0 && c.members.length - c.quorum - down.length < 1)
      findings.push({
        code: 'QUORUM_AT_RISK',
        severity: 'blocker',
        subject: c.name,
        message: `cluster ${c.name} has ${c.members.length} members (${down.length} down) and needs ${c.quorum}: upgrading ${touched[0]} would break quorum`,
        remedies: [
          down.length > 0
            ? `bring ${listNames(down)} back up first`
            : `add a member to ${c.name} (${c.members.length + 1} members keep quorum ${c.quorum} with one out)`,
        ],
      });
  }

  findings.push(...sharedServiceFindings(input, changing, releases));
  return findings;
}

/** Upgrade paths, side-by-side compatibility and unknown versions. */
function versionFindings(
  campaign: Campaign,
  changing: readonly Host[],
  releases: ReleaseIndex,
  allHosts: readonly Host[],
  smooth: boolean,
): Finding[] {
  const findings: Finding[] = [];
  for (const u of campaign.upgrades) {
    const target = releases.get(u.component, u.to);
    if (!target) continue;
    const skips = new Map<string, string[]>();
    for (const h of changing) {
      const from = componentVersion(h, u.component);
      if (from === undefined || compareVersionStrings(from, u.to) >= 0) continue;
      if (!satisfies(from, target.upgradeFrom))
        skips.set(from, [...(skips.get(from) ?? []), h.name]);
    }
    for (const [from, hosts] of skips) {
      const path = upgradePath(u.component, from, u.to, releases);
      findings.push({
        code: 'VERSION_SKIP',
        severity: 'blocker',
        subject: u.component,
        message: `${u.component} ${from} → ${u.to} skips a release: ${u.to} upgrades only from ${target.upgradeFrom.source} (${listNames(hosts)})`,
        remedies:
          path && path.length > 0
            ? [`upgrade to ${path.join(', then ')} first (a campaign per step), then to ${u.to}`]
            : [`the catalogue has no path from ${from} to ${u.to}: add the intermediate release`],
      });
    }
    const sites = new Set(changing.map((h) => h.site));
    const old = new Set<string>();
    for (const h of allHosts) {
      if (!sites.has(h.site)) continue;
      const v = componentVersion(h, u.component);
      if (v !== undefined && compareVersionStrings(v, u.to) !== 0) old.add(v);
    }
    const clash = [...old].filter((v) => !satisfies(v, target.coexistsWith));
    if (clash.length > 0)
      findings.push({
        code: 'NOT_COEXISTENT',
        severity: smooth ? 'blocker' : 'warning',
        subject: u.component,
        message: `${u.component} ${u.to} cannot run beside ${clash.join(', ')} (it coexists with ${target.coexistsWith.source}): a rolling upgrade would mix them`,
        remedies: smooth
          ? [
              'upgrade through a release that coexists with both',
              'or upgrade all at once: mode: non-smooth',
            ]
          : ['all hosts of the component are upgraded in one outage window'],
      });
    for (const v of old)
      if (!releases.get(u.component, v))
        findings.push({
          code: 'VERSION_UNKNOWN',
          severity: 'warning',
          subject: u.component,
          message: `installed ${u.component} ${v} is not in the catalogue: its requirements cannot be checked`,
          remedies: [`add release ${v} of ${u.component} to the catalogue`],
        });
  }
  return findings;
}

/** Shortest chain of intermediate releases from → … → (excluding `to`), or undefined. */
export function upgradePath(
  component: string,
  from: string,
  to: string,
  releases: ReleaseIndex,
): string[] | undefined {
  const all = releases.releases(component);
  const prev = new Map<string, string>();
  const queue = [from];
  const seen = new Set([from]);
  while (queue.length > 0) {
    const cur = queue.shift() as string;
    for (const r of all) {
      if (
        seen.has(r.version) ||
        compareVersionStrings(r.version, cur) <= 0 ||
        compareVersionStrings(r.version, to) > 0
      )
        continue;
      if (!satisfies(cur, r.upgradeFrom)) continue;
      seen.add(r.version);
      prev.set(r.version, cur);
      if (compareVersionStrings(r.version, to) === 0) {
        const path: string[] = [];
        for (let v = prev.get(r.version); v !== undefined && v !== from; v = prev.get(v))
          path.unshift(v);
        return path;
      }
      queue.push(r.version);
    }
  }
  return undefined;
}

function sharedServiceFindings(
  input: PlanningInput,
  changing: readonly Host[],
  releases: ReleaseIndex,
): Finding[] {
  const { inventory, campaign } = input;
  const findings: Finding[] = [];
  for (const s of inventory.sharedServices) {
    const u = campaign.upgrades.find((x) => x.component === s.component);
    const providers = changing.filter(
      (h) => h.site === s.providedBy && componentVersion(h, s.component) !== undefined,
    );
    if (!u || providers.length === 0) continue;
    // Components of the other sites that require the shared one.
    for (const h of inventory.hosts) {
      if (!s.usedBy.includes(h.site)) continue;
      for (const c of h.components) {
        const rel = releases.get(c.name, c.version);
        for (const req of rel?.requires ?? []) {
          if (req.component !== s.component || satisfies(u.to, req.range)) continue;
          findings.push({
            code: 'SHARED_SERVICE',
            severity: 'blocker',
            subject: `${s.component}@${s.providedBy}`,
            message: `${h.site} uses ${s.component} of ${s.providedBy}; its ${c.name} ${c.version} (e.g. on ${h.name}) requires ${s.component} ${req.range.source}, but this campaign upgrades it to ${u.to}`,
            remedies: [
              `upgrade ${c.name} in ${h.site} first`,
              `or keep ${s.component} within ${req.range.source}`,
            ],
          });
          break;
        }
      }
    }
    const cluster = inventory.clusters.find((c) =>
      providers.every((p) => c.members.includes(p.name)),
    );
    if (!cluster)
      findings.push({
        code: 'SHARED_SERVICE',
        severity: campaign.mode === 'smooth' ? 'blocker' : 'warning',
        subject: `${s.component}@${s.providedBy}`,
        message: `${s.usedBy.join(', ')} rely on ${s.component} of ${s.providedBy}, which no cluster keeps available while ${listNames(providers.map((p) => p.name))} is upgraded`,
        remedies: [
          `run ${s.component} on a cluster with quorum (declare it under clusters)`,
          `or schedule the outage with ${s.usedBy.join(', ')}`,
        ],
      });
    else
      findings.push({
        code: 'SHARED_SERVICE',
        severity: 'info',
        subject: `${s.component}@${s.providedBy}`,
        message: `${s.usedBy.join(', ')} keep using ${s.component} during the upgrade: cluster ${cluster.name} stays available (one member at a time within its quorum)`,
        remedies: [],
      });
  }
  return findings;
}

export interface UnplannedDetail {
  readonly host: Host;
  readonly reason: string;
  readonly kind: RejectKind;
  readonly stage: number;
}

/** Blockers for hosts the planner could not place, with capacity remedies. */
export function unplannedFindings(unplanned: readonly UnplannedDetail[], world: World): Finding[] {
  const findings: Finding[] = [];
  const capacity = unplanned.filter((u) => u.kind === 'capacity');
  const byGroup = new Map<number, UnplannedDetail[]>();
  for (const u of capacity) {
    const g = world.group[world.hostIndex.get(u.host.name) ?? -1] ?? 0;
    byGroup.set(g, [...(byGroup.get(g) ?? []), u]);
  }
  for (const [g, list] of byGroup) {
    let freeV = 0;
    let freeM = 0;
    const caps: { v: number; m: number }[] = [];
    for (let h = 0; h < world.hosts.length; h++) {
      if (world.group[h] !== g || !world.eligible[h]) continue;
      freeV += world.freeVcpu(h);
      freeM += world.freeMem(h);
      caps.push({
        v: world.hosts[h]?.capacity.vcpu ?? 0,
        m: world.hosts[h]?.capacity.memoryMiB ?? 0,
      });
    }
    let needV = 0;
    let needM = 0;
    for (const u of list) {
      const h = world.hostIndex.get(u.host.name) ?? -1;
      let v = 0;
      let m = 0;
      for (const i of world.onHost[h] ?? []) {
        v += world.vcpu[i] ?? 0;
        m += world.mem[i] ?? 0;
      }
      // Emptying h also removes its own free capacity from the pool.
      needV = Math.max(needV, v - (freeV - world.freeVcpu(h)));
      needM = Math.max(needM, m - (freeM - world.freeMem(h)));
    }
    caps.sort((a, b) => a.v - b.v);
    const typical = caps[Math.floor(caps.length / 2)] ?? { v: 64, m: 262144 };
    const hostsNeeded = Math.max(
      1,
      Math.ceil(needV / Math.max(1, typical.v)),
      Math.ceil(needM / Math.max(1, typical.m)),
    );
    const [site, az, aggregate] = (world.groupKeys[g] ?? '').split('/');
    const where = `${site}${az && az !== '-' ? ` ${az}` : ''}${aggregate && aggregate !== '-' ? ` (aggregate ${aggregate})` : ''}`;
    findings.push({
      code: 'CAPACITY_SHORT',
      severity: 'blocker',
      subject: listNames(list.map((u) => u.host.name)),
      message: `${list.length} host(s) in ${where} cannot be evacuated: ${list[0]?.reason ?? ''}`,
      remedies: [
        `add ${hostsNeeded} more host(s) with ≥ ${typical.v} vCPU / ${Math.round(typical.m / 1024)} GiB in ${where}` +
          (needV <= 0 && needM <= 0
            ? ' (spare capacity exists but anti-affinity or fragmentation leaves no valid destination)'
            : ''),
        'or free capacity there (shrink or move workloads)',
        'or upgrade those hosts with their instances stopped: mode: non-smooth',
      ],
    });
  }
  for (const u of unplanned.filter(
    (x) => x.kind === 'domain' || x.kind === 'receiving' || x.kind === 'anti-affinity',
  ))
    findings.push({
      code: 'NO_PROGRESS',
      severity: 'blocker',
      subject: u.host.name,
      message: `${u.host.name} fits in no wave: ${u.reason}`,
      remedies: ['relax rollout.maxPerFailureDomain, or exclude the host'],
    });
  return findings;
}

/** In non-smooth mode: the outage each VNF will see, wave by wave. */
export function outageFindings(
  stages: readonly Stage[],
  world: World,
  campaign: Campaign,
): Finding[] {
  if (campaign.mode === 'smooth') return [];
  const outage = new Map<string, number>();
  for (const st of stages)
    for (const w of st.waves) {
      const out = new Map<string, number>();
      for (const h of w.hosts)
        for (const a of h.instanceActions)
          if (a.vnf !== undefined && a.kind !== 'live-migrate')
            out.set(a.vnf, (out.get(a.vnf) ?? 0) + 1);
      for (const [vnf, n] of out) {
        const v = world.vnfIndex.get(vnf) ?? -1;
        if (n > (world.budgets[v]?.out ?? 0))
          outage.set(vnf, (outage.get(vnf) ?? 0) + w.predictedSeconds);
      }
    }
  return [...outage].map(([vnf, seconds]) => ({
    code: 'OUTAGE_EXPECTED' as const,
    severity: 'warning' as const,
    subject: vnf,
    message: `${vnf} will be out of service for about ${Math.round(seconds)} s in all (non-smooth mode)`,
    remedies: ['scale it out or make its instances live-migratable to upgrade it smoothly'],
  }));
}
