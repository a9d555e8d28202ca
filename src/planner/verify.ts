/**
 * The plan checker: an independent re-check of a plan against the inventory, wave by wave.
 * It shares no code with the wave builder: it replays the plan on its own copy of the state and
 * names the first hard constraint a wave breaks — capacity, anti-affinity, VNF availability,
 * failure domains, quorum, maxParallel, action kinds, dependency and compatibility order.
 */
import {
  canReceiveInstances,
  componentVersion,
  compareVersionStrings,
  impactBudget,
  resolveParallelism,
  satisfies,
  type Host,
  type Plan,
  type Release,
} from '../model/index.js';
import type { PlanningInput, Violation } from './index.js';
import { ReleaseIndex } from './releases.js';
import { selectTargets } from './targets.js';

class Broken extends Error {
  constructor(readonly violation: Violation) {
    super(violation.message);
  }
}

export function verifyPlan(plan: Plan, input: PlanningInput): Violation | undefined {
  try {
    replay(plan, input);
    return undefined;
  } catch (e) {
    if (e instanceof Broken) return e.violation;
    throw e;
  }
}

function replay(plan: Plan, { inventory, catalog, campaign }: PlanningInput): void {
  const releases = new ReleaseIndex(catalog);
  const hosts = new Map(inventory.hosts.map((h) => [h.name, h]));
  const flavors = new Map(inventory.flavors.map((f) => [f.name, f]));
  const instances = new Map(inventory.instances.map((i) => [i.name, i]));
  const vnfs = new Map(inventory.vnfs.map((v) => [v.name, v]));
  const targets = new Set(selectTargets(inventory, campaign).map((h) => h.name));
  const smooth = campaign.mode === 'smooth';

  const where = new Map<string, string>();
  const onHost = new Map<string, Set<string>>();
  const used = new Map<string, { v: number; m: number }>();
  for (const h of inventory.hosts) {
    onHost.set(h.name, new Set());
    used.set(h.name, { v: 0, m: 0 });
  }
  const size = (name: string) => {
    const f = flavors.get(instances.get(name)?.flavor ?? '');
    return { v: f?.vcpu ?? 0, m: f?.memoryMiB ?? 0 };
  };
  const place = (inst: string, host: string, sign: 1 | -1) => {
    const s = size(inst);
    const u = used.get(host);
    if (u) {
      u.v += sign * s.v;
      u.m += sign * s.m;
    }
    if (sign > 0) {
      where.set(inst, host);
      onHost.get(host)?.add(inst);
    } else onHost.get(host)?.delete(inst);
  };
  for (const i of inventory.instances) place(i.name, i.host, 1);

  const members = new Map<string, number>();
  const down = new Map<string, number>();
  for (const i of inventory.instances)
    if (i.vnf !== undefined) {
      members.set(i.vnf, (members.get(i.vnf) ?? 0) + 1);
      if (hosts.get(i.host)?.state !== 'up') down.set(i.vnf, (down.get(i.vnf) ?? 0) + 1);
    }
  const budget = (vnf: string) => {
    const v = vnfs.get(vnf);
    return v
      ? impactBudget(v, (members.get(vnf) ?? 0) - (down.get(vnf) ?? 0))
      : { out: Infinity, total: Infinity };
  };

  const versions = new Map<string, Map<string, string>>();
  for (const h of inventory.hosts)
    versions.set(h.name, new Map(h.components.map((c) => [c.name, c.version])));
  const baseline = new Set(
    compatibilityProblems(inventory.hosts, versions, releases, undefined).map((p) => p.key),
  );

  const stageSize = new Map<number, number>();
  for (const st of plan.stages)
    stageSize.set(
      st.index,
      st.waves.reduce((s, w) => s + w.hosts.length, 0),
    );
  for (const u of plan.unplanned) stageSize.set(u.stage, (stageSize.get(u.stage) ?? 0) + 1);

  for (const st of plan.stages) {
    const cap = resolveParallelism(campaign.rollout.maxParallel, stageSize.get(st.index) ?? 0);
    for (const wave of st.waves) {
      const fail = (constraint: string, subject: string, message: string): never => {
        throw new Broken({ constraint, stage: st.index, wave: wave.index, subject, message });
      };
      if (wave.hosts.length > cap)
        fail(
          'maxParallel',
          `wave ${wave.index}`,
          `${wave.hosts.length} hosts in one wave, campaign allows ${cap}`,
        );
      const inWave = new Set<string>();
      for (const op of wave.hosts) {
        const h = hosts.get(op.host);
        if (!h) fail('inventory', op.host, `${op.host} is not in the inventory`);
        else if (!targets.has(h.name))
          fail('targets', op.host, `${op.host} is not selected by the campaign`);
        else if (h.state !== 'up') fail('host state', op.host, `${op.host} is ${h.state}`);
        else if (campaign.guards.alarms === 'strict' && h.alarms.length > 0)
          fail('host alarms', op.host, `${op.host} has active alarms and guards.alarms is strict`);
        if (inWave.has(op.host)) fail('duplicate', op.host, `${op.host} appears twice in the wave`);
        inWave.add(op.host);
      }
      const waveHosts = wave.hosts.map((op) => hosts.get(op.host) as Host);

      for (const [key, limit] of Object.entries(campaign.rollout.maxPerFailureDomain)) {
        const count = new Map<string, number>();
        for (const h of waveHosts) {
          const value = h.labels[key];
          if (value === undefined) continue;
          count.set(value, (count.get(value) ?? 0) + 1);
          if ((count.get(value) ?? 0) > limit)
            fail(
              'failure domain',
              `${key}=${value}`,
              `more than ${limit} host(s) of ${key} ${value} in one wave`,
            );
        }
      }
      for (const c of inventory.clusters) {
        const inC = waveHosts.filter((h) => c.members.includes(h.name));
        if (inC.length === 0) continue;
        if (c.kind === 'quorum') {
          const downMembers = c.members.filter((m) => hosts.get(m)?.state !== 'up').length;
          const allowed = c.members.length - c.quorum - downMembers;
          if (inC.length > allowed)
            fail(
              'quorum',
              c.name,
              `${inC.length} member(s) of ${c.name} out at once; quorum ${c.quorum} allows ${Math.max(0, allowed)}`,
            );
        } else {
          const domains = new Set(inC.map((h) => h.labels[c.failureDomain] ?? h.name));
          if (domains.size > c.maxDomainsDown)
            fail(
              'failure domain',
              c.name,
              `${domains.size} ${c.failureDomain}s of ${c.name} out at once; it allows ${c.maxDomainsDown}`,
            );
        }
      }

      // Instance actions: exactly the instances on each host, of an allowed kind.
      const outCount = new Map<string, number>();
      const totalCount = new Map<string, number>();
      const moves: { inst: string; from: string; to: string }[] = [];
      for (const op of wave.hosts) {
        const present = onHost.get(op.host) ?? new Set<string>();
        const acted = new Set(op.instanceActions.map((a) => a.instance));
        for (const name of present)
          if (!acted.has(name))
            fail('instance actions', name, `${name} on ${op.host} has no action`);
        for (const a of op.instanceActions) {
          const inst = instances.get(a.instance);
          if (!inst || !present.has(a.instance) || a.from !== op.host)
            fail(
              'instance actions',
              a.instance,
              `${a.instance} is not on ${op.host} at this point`,
            );
          if (!inst) continue;
          if (a.kind === 'live-migrate' && inst.migration !== 'live')
            fail('migratability', a.instance, `${a.instance} cannot live-migrate`);
          if (a.kind === 'cold-migrate' && inst.migration === 'none')
            fail('migratability', a.instance, `${a.instance} cannot migrate`);
          if (
            a.kind === 'switch-over' &&
            (inst.vnf === undefined || vnfs.get(inst.vnf)?.redundancy === 'none')
          )
            fail('switch-over', a.instance, `${a.instance} has no redundant VNF to switch over to`);
          const moving = a.kind === 'live-migrate' || a.kind === 'cold-migrate';
          if (moving !== (a.to !== undefined))
            fail(
              'instance actions',
              a.instance,
              `${a.kind} of ${a.instance} ${moving ? 'needs' : 'cannot have'} a destination`,
            );
          if (inst.vnf !== undefined) {
            totalCount.set(inst.vnf, (totalCount.get(inst.vnf) ?? 0) + 1);
            if (a.kind !== 'live-migrate')
              outCount.set(inst.vnf, (outCount.get(inst.vnf) ?? 0) + 1);
          }
          if (a.to !== undefined) moves.push({ inst: a.instance, from: op.host, to: a.to });
        }
      }
      if (smooth)
        for (const [vnf, total] of totalCount) {
          const b = budget(vnf);
          const out = outCount.get(vnf) ?? 0;
          if (out > b.out || total > b.total)
            fail(
              'VNF availability',
              vnf,
              `${total} member(s) of ${vnf} impacted at once (${out} out of service); it allows ${b.total} (${b.out} out)`,
            );
        }

      const received = new Set<string>();
      for (const m of moves) {
        const dest = hosts.get(m.to);
        const src = hosts.get(m.from);
        if (!dest) fail('destination', m.inst, `${m.inst} goes to unknown host ${m.to}`);
        else if (inWave.has(m.to))
          fail(
            'destination',
            m.inst,
            `${m.inst} goes to ${m.to}, which is upgraded in the same wave`,
          );
        else if (!canReceiveInstances(dest))
          fail('destination', m.inst, `${m.inst} goes to ${m.to}, which cannot take instances`);
        else if (
          src &&
          (src.site !== dest.site ||
            src.labels.az !== dest.labels.az ||
            src.labels.aggregate !== dest.labels.aggregate)
        )
          fail(
            'destination',
            m.inst,
            `${m.inst} would leave its site/az/aggregate (${m.from} → ${m.to})`,
          );
        place(m.inst, m.from, -1);
        place(m.inst, m.to, 1);
        received.add(m.to);
      }
      for (const name of received) {
        const h = hosts.get(name);
        const u = used.get(name);
        if (h && u && (u.v > h.capacity.vcpu || u.m > h.capacity.memoryMiB))
          fail(
            'capacity',
            name,
            `${name} would hold ${u.v} vCPU / ${u.m} MiB, above its ${h.capacity.vcpu} vCPU / ${h.capacity.memoryMiB} MiB`,
          );
        const count = new Map<string, number>();
        for (const inst of onHost.get(name) ?? []) {
          const vnf = instances.get(inst)?.vnf;
          if (vnf === undefined || vnfs.get(vnf)?.antiAffinity !== 'strict') continue;
          count.set(vnf, (count.get(vnf) ?? 0) + 1);
          if ((count.get(vnf) ?? 0) > 1)
            fail('anti-affinity', vnf, `two members of ${vnf} on ${name}`);
        }
      }

      // Versions: the wave's changes, then compatibility in the mixed state during the wave.
      const before = new Map<string, Map<string, string>>();
      for (const op of wave.hosts) {
        const vs = versions.get(op.host) ?? new Map<string, string>();
        before.set(op.host, new Map(vs));
        for (const c of op.changes) {
          const cur = vs.get(c.component);
          if (cur === undefined || compareVersionStrings(cur, c.from) !== 0)
            fail(
              'versions',
              op.host,
              `${op.host} has ${c.component} ${cur ?? 'not installed'}, the plan expects ${c.from}`,
            );
          const target = campaign.upgrades.find((u) => u.component === c.component);
          if (!target || compareVersionStrings(target.to, c.to) !== 0)
            fail('versions', op.host, `${c.component} → ${c.to} is not what the campaign asks`);
          vs.set(c.component, c.to);
        }
      }
      for (const p of compatibilityProblems(inventory.hosts, versions, releases, before))
        if (!baseline.has(p.key)) fail('compatibility', p.subject, p.message);
    }
  }

  const unplanned = new Set(plan.unplanned.map((u) => u.host));
  for (const h of inventory.hosts) {
    if (!targets.has(h.name) || unplanned.has(h.name)) continue;
    for (const u of campaign.upgrades) {
      const v = versions.get(h.name)?.get(u.component);
      if (
        v !== undefined &&
        compareVersionStrings(v, u.to) < 0 &&
        componentVersion(h, u.component) !== undefined
      )
        throw new Broken({
          constraint: 'completeness',
          stage: -1,
          wave: -1,
          subject: h.name,
          message: `${h.name} keeps ${u.component} ${v}: neither upgraded nor listed as unplanned`,
        });
    }
  }
}

interface Problem {
  readonly key: string;
  readonly subject: string;
  readonly message: string;
}

/**
 * Requirement and side-by-side problems in the union of states `versions` and `before` (the
 * hosts of a wave are mid-change: both their old and new versions may run).
 */
function compatibilityProblems(
  allHosts: readonly Host[],
  versions: ReadonlyMap<string, ReadonlyMap<string, string>>,
  releases: ReleaseIndex,
  before: ReadonlyMap<string, ReadonlyMap<string, string>> | undefined,
): Problem[] {
  const problems: Problem[] = [];
  const bySite = new Map<string, Map<string, Set<string>>>();
  const add = (site: string, component: string, version: string) => {
    let s = bySite.get(site);
    if (!s) bySite.set(site, (s = new Map<string, Set<string>>()));
    let set = s.get(component);
    if (!set) s.set(component, (set = new Set()));
    set.add(version);
  };
  for (const h of allHosts) {
    for (const [c, v] of versions.get(h.name) ?? []) add(h.site, c, v);
    for (const [c, v] of before?.get(h.name) ?? []) add(h.site, c, v);
  }
  for (const [site, comps] of bySite) {
    for (const [component, vs] of comps) {
      const list = [...vs];
      for (const v of list) {
        const rel = releases.get(component, v);
        if (!rel) continue;
        for (const req of rel.requires) {
          if (req.scope !== 'site') continue;
          for (const other of comps.get(req.component) ?? [])
            if (!satisfies(other, req.range))
              problems.push({
                key: `req/${site}/${component}/${v}/${req.component}/${other}`,
                subject: component,
                message: `${component} ${v} runs beside ${req.component} ${other} in ${site}, but requires ${req.range.source}`,
              });
        }
        for (const w of list) {
          if (w === v || compareVersionStrings(v, w) >= 0) continue;
          const newer: Release | undefined = releases.get(component, w);
          if (!satisfies(w, rel.coexistsWith) && !(newer && satisfies(v, newer.coexistsWith)))
            problems.push({
              key: `coexist/${site}/${component}/${v}/${w}`,
              subject: component,
              message: `${component} ${v} and ${w} run side by side in ${site}, which neither allows`,
            });
        }
      }
    }
  }
  const changed = before ? [...before.keys()] : allHosts.map((h) => h.name);
  for (const name of changed) {
    const vs = versions.get(name);
    for (const [component, v] of vs ?? []) {
      for (const req of releases.get(component, v)?.requires ?? []) {
        if (req.scope !== 'host') continue;
        const other = vs?.get(req.component);
        if (other !== undefined && !satisfies(other, req.range))
          problems.push({
            key: `host/${name}/${component}/${v}/${req.component}/${other}`,
            subject: name,
            message: `${component} ${v} on ${name} runs beside ${req.component} ${other}, but requires ${req.range.source}`,
          });
      }
    }
  }
  return problems;
}
