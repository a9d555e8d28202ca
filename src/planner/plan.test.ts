import { describe, expect, it } from 'vitest';
import { mustParseRange, type Plan } from '../model/index.js';
import { check, plan, verifyPlan } from './index.js';
import {
  smallCloud,
  release,
  catalog,
  host,
  instance,
  inventory,
  campaign,
} from './testing/fixtures.js';

type DeepMutable<T> = { -readonly [K in keyof T]: DeepMutable<T[K]> };
const mutable = (p: Plan) => structuredClone(p) as DeepMutable<Plan>;
const hostsOf = (p: Plan) => p.stages.map((s) => s.waves.map((w) => w.hosts.map((h) => h.host)));

describe('plan on a small cloud', () => {
  const input = smallCloud();

  it('orders stages by the catalogue: conductors before computes', () => {
    const p = plan(input, { strategy: 'optimised' });
    expect(p.stages.map((s) => s.components)).toEqual([
      ['kernel', 'nova-conductor'],
      ['kernel', 'nova-compute'],
    ]);
    expect(p.stages[1]?.reason).toContain('nova-compute 27.1.0 requires nova-conductor >=27');
  });

  it('takes at most one controller at a time to keep quorum', () => {
    const p = plan(input, { strategy: 'optimised' });
    for (const w of p.stages[0]?.waves ?? []) expect(w.hosts.length).toBe(1);
    expect(p.stages[0]?.waves).toHaveLength(3);
  });

  it('never impacts both members of an active-standby pair in one wave', () => {
    const p = plan(input, { strategy: 'optimised' });
    for (const w of p.stages[1]?.waves ?? []) {
      const vfw = w.hosts.flatMap((h) => h.instanceActions).filter((a) => a.vnf === 'vfw');
      expect(vfw.length).toBeLessThanOrEqual(1);
    }
  });

  it('produces plans the checker accepts, for every strategy', () => {
    for (const strategy of ['optimised', 'serial', 'fixed-parallel'] as const) {
      const p = plan(input, { strategy });
      expect(verifyPlan(p, input)).toBeUndefined();
      expect(p.unplanned).toEqual([]);
      expect(p.findings.filter((f) => f.severity === 'blocker')).toEqual([]);
    }
  });

  it('is deterministic', () => {
    expect(plan(input, { strategy: 'optimised' })).toEqual(plan(input, { strategy: 'optimised' }));
  });

  it('needs no more waves than serial and states its bounds', () => {
    const opt = plan(input, { strategy: 'optimised' });
    const ser = plan(input, { strategy: 'serial' });
    expect(opt.summary.waves).toBeLessThanOrEqual(ser.summary.waves);
    expect(ser.summary.waves).toBe(9);
    expect(opt.summary.wavesLowerBound).toBeGreaterThan(0);
    expect(opt.summary.waves).toBeGreaterThanOrEqual(opt.summary.wavesLowerBound);
    expect(opt.bounds.every((b) => b.why.length > 0)).toBe(true);
  });

  it('gives every host its steps in order, one reboot for all components', () => {
    const p = plan(input, { strategy: 'optimised' });
    const op = p.stages[1]?.waves[0]?.hosts[0];
    const kinds = op?.steps.map((s) => s.kind) ?? [];
    expect(kinds.indexOf('disable-scheduling')).toBeLessThan(kinds.indexOf('install'));
    expect(kinds.filter((k) => k === 'activate')).toHaveLength(1);
    expect(kinds.at(-1) === 'enable-scheduling' || kinds.at(-1) === 'notify-complete').toBe(true);
  });
});

describe('the plan checker', () => {
  const input = smallCloud();
  const good = plan(input, { strategy: 'optimised' });

  it('names a wave that holds both members of an active-standby pair', () => {
    const bad = mutable(good);
    const stage = bad.stages[1];
    const waves = stage?.waves ?? [];
    // Merge the compute waves holding vfw-a and vfw-b: both members are impacted at once.
    const vfwIn = (w: (typeof waves)[number]) =>
      w.hosts.flatMap((h) => h.instanceActions).find((a) => a.vnf === 'vfw')?.instance;
    const first = waves.find((w) => vfwIn(w) !== undefined);
    const second = waves.find(
      (w) => w !== first && vfwIn(w) !== undefined && vfwIn(w) !== vfwIn(first ?? w),
    );
    expect(first && second).toBeTruthy();
    if (stage && first && second) {
      first.hosts.push(...second.hosts);
      stage.waves = stage.waves.filter((w) => w !== second);
    }
    const v = verifyPlan(bad, {
      ...input,
      campaign: {
        ...input.campaign,
        rollout: { ...input.campaign.rollout, maxParallel: { kind: 'absolute', value: 100 } },
      },
    });
    expect(v?.constraint).toBe('VNF availability');
    expect(v?.subject).toMatch(/vfw|vepc/);
  });

  it('names a migration onto a host of the same wave', () => {
    const p = mutable(good);
    const wave = p.stages[1]?.waves.find(
      (w) => w.hosts.length > 1 && w.hosts.some((h) => h.instanceActions.some((a) => a.to)),
    );
    expect(wave).toBeDefined();
    const mover = wave?.hosts.find((h) => h.instanceActions.some((a) => a.to));
    const other = wave?.hosts.find((h) => h !== mover);
    const action = mover?.instanceActions.find((a) => a.to);
    if (action && other) action.to = other.host;
    expect(verifyPlan(p, input)?.constraint).toBe('destination');
  });

  it('names a host left out without a reason', () => {
    const p = mutable(good);
    p.stages[1]?.waves.pop();
    expect(verifyPlan(p, input)?.constraint).toBe('completeness');
  });
});

describe('check', () => {
  it('finds a version jump that skips a release and names the intermediate one', () => {
    const cat = catalog([
      release('ceph-osd', '16.2.11'),
      release('ceph-osd', '17.2.6', { upgradeFrom: mustParseRange('16.*') }),
      release('ceph-osd', '18.2.1', { upgradeFrom: mustParseRange('17.*') }),
    ]);
    const inv = inventory([host('st-1', ['storage'], { 'ceph-osd': '16.2.11' })]);
    const findings = check({
      inventory: inv,
      catalog: cat,
      campaign: campaign([{ component: 'ceph-osd', to: '18.2.1' }]),
    });
    const skip = findings.find((f) => f.code === 'VERSION_SKIP');
    expect(skip?.severity).toBe('blocker');
    expect(skip?.remedies[0]).toContain('17.2.6');
  });

  it('says how many hosts are missing when spare capacity is too small', () => {
    const hosts = [1, 2].map((n) =>
      host(`cmp-${n}`, ['compute'], { kernel: '1.0' }, { capacity: { vcpu: 8, memoryMiB: 16384 } }),
    );
    const insts = [
      instance('a', 'cmp-1', { flavor: 'large' }),
      instance('b', 'cmp-2', { flavor: 'large' }),
    ];
    const cat = catalog([release('kernel', '1.0'), release('kernel', '2.0')]);
    const findings = check({
      inventory: inventory(hosts, insts),
      catalog: cat,
      campaign: campaign([{ component: 'kernel', to: '2.0' }]),
    });
    const cap = findings.find((f) => f.code === 'CAPACITY_SHORT');
    expect(cap?.severity).toBe('blocker');
    expect(cap?.remedies[0]).toMatch(/add 1 more host\(s\) with ≥ 8 vCPU \/ 16 GiB in dc1 az1/);
  });

  it('asks to scale out a VNF with one member that cannot migrate, or accept outage', () => {
    const hosts = [1, 2].map((n) => host(`cmp-${n}`, ['compute'], { kernel: '1.0' }));
    const insts = [instance('solo', 'cmp-1', { vnf: 'vsolo', migration: 'none' })];
    const vnfs = [
      {
        name: 'vsolo',
        redundancy: 'none' as const,
        minAvailable: 1,
        antiAffinity: 'none' as const,
      },
    ];
    const cat = catalog([release('kernel', '1.0'), release('kernel', '2.0')]);
    const input = {
      inventory: inventory(hosts, insts, vnfs),
      catalog: cat,
      campaign: campaign([{ component: 'kernel', to: '2.0' }]),
    };
    const f = check(input).find((x) => x.code === 'VNF_NOT_REDUNDANT');
    expect(f?.remedies.join(' ')).toMatch(/scale vsolo out to 2 members.*non-smooth/);
    const p = plan(input, { strategy: 'optimised' });
    expect(p.unplanned.map((u) => u.host)).toEqual(['cmp-1']);
    expect(verifyPlan(p, input)).toBeUndefined();
    // Non-smooth: planned, and the outage is told.
    const ns = { ...input, campaign: { ...input.campaign, mode: 'non-smooth' as const } };
    const pn = plan(ns, { strategy: 'optimised' });
    expect(pn.unplanned).toEqual([]);
    expect(pn.findings.find((x) => x.code === 'OUTAGE_EXPECTED')?.subject).toBe('vsolo');
  });

  it('reports hosts with alarms and hosts that are down', () => {
    const hosts = [
      host(
        'cmp-1',
        ['compute'],
        { kernel: '1.0' },
        { alarms: [{ code: 'disk', severity: 'major', message: 'RAID degraded' }] },
      ),
      host('cmp-2', ['compute'], { kernel: '1.0' }, { state: 'down' }),
      host('cmp-3', ['compute'], { kernel: '1.0' }),
    ];
    const cat = catalog([release('kernel', '1.0'), release('kernel', '2.0')]);
    const codes = check({
      inventory: inventory(hosts),
      catalog: cat,
      campaign: campaign([{ component: 'kernel', to: '2.0' }]),
    }).map((f) => `${f.code}:${f.subject}`);
    expect(codes).toContain('HOST_ALARM:cmp-1');
    expect(codes).toContain('HOST_DOWN:cmp-2');
  });
});

describe('waves', () => {
  it('keeps to maxPerFailureDomain', () => {
    const input = smallCloud(8);
    const c = {
      ...input.campaign,
      rollout: { ...input.campaign.rollout, maxPerFailureDomain: { az: 1 } },
    };
    const p = plan({ ...input, campaign: c }, { strategy: 'optimised' });
    expect(
      hostsOf(p)
        .flat()
        .every((w) => w.length === 1),
    ).toBe(true);
    expect(verifyPlan(p, { ...input, campaign: c })).toBeUndefined();
  });
});

describe('alarms', () => {
  it('leaves a host with alarms out of the plan under strict alarms, and the checker refuses it', () => {
    const base = smallCloud();
    const alarmed = base.inventory.hosts.map((h) =>
      h.name === 'cmp-06'
        ? { ...h, alarms: [{ code: 'fan', severity: 'major' as const, message: 'fan failed' }] }
        : h,
    );
    const input = { ...base, inventory: { ...base.inventory, hosts: alarmed } };
    const p = plan(input, { strategy: 'optimised' });
    expect(p.unplanned.map((u) => u.host)).toEqual(['cmp-06']);
    expect(p.findings.find((f) => f.code === 'HOST_ALARM')?.severity).toBe('blocker');
    expect(verifyPlan(p, input)).toBeUndefined();
    // The plan made without the alarm would put cmp-06 in a wave: the checker names it.
    const before = plan(base, { strategy: 'optimised' });
    expect(verifyPlan(before, input)?.constraint).toBe('host alarms');
    // Lenient: planned, with a warning.
    const lenient = {
      ...input,
      campaign: {
        ...input.campaign,
        guards: { ...input.campaign.guards, alarms: 'lenient' as const },
      },
    };
    const pl = plan(lenient, { strategy: 'optimised' });
    expect(pl.unplanned).toEqual([]);
    expect(pl.findings.find((f) => f.code === 'HOST_ALARM')?.severity).toBe('warning');
  });
});
