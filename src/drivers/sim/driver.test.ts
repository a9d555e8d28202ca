import { describe, expect, it } from 'vitest';
import {
  DEFAULT_COST_MODEL,
  coldMigrationSeconds,
  liveMigrationBlackoutMs,
  liveMigrationSeconds,
} from '../../model/index.js';
import { DriverError, type OperationContext } from '../driver.js';
import { SimDriver, schedulingReason, type SimOptions } from './driver.js';
import { smallCloud } from './testing/cloud.js';

let keys = 0;
const ctx = (key = `k${++keys}`, campaign = 'zed-to-antelope'): OperationContext => ({
  idempotencyKey: key,
  campaign,
  run: 'run-1',
});
const twin = (options: SimOptions = {}) => new SimDriver(smallCloud(), options);

/** Polls a migration through the virtual clock until it ends. */
async function settle(sim: SimDriver, id: string) {
  for (;;) {
    const s = await sim.migrationStatus(id);
    if (s.state !== 'queued' && s.state !== 'running') return s;
    await sim.sleep(1);
  }
}

async function driverError(promise: Promise<unknown>): Promise<DriverError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DriverError) return error;
    throw error;
  }
  throw new Error('expected a DriverError');
}

const placement = async (sim: SimDriver) =>
  Object.fromEntries((await sim.discover()).instances.map((i) => [i.name, i.host]));

const SMALL_MiB = 4096;

describe('sim driver: migrations', () => {
  it('a live migration moves the instance and takes the cost model time', async () => {
    const sim = twin();
    const started = await sim.migrate(
      { instance: 'solo-1', mode: 'live', destination: 'c3' },
      ctx(),
    );
    expect(started.state).toBe('queued');
    const done = await settle(sim, started.id);
    expect(done).toMatchObject({
      state: 'completed',
      source: 'c1',
      destination: 'c3',
      progress: 1,
    });
    expect((await placement(sim))['solo-1']).toBe('c3');
    // Watch the exact completion time with the clock itself.
    const sim2 = twin();
    const m = await sim2.migrate({ instance: 'solo-1', mode: 'live' }, ctx());
    await sim2.runUntilIdle();
    expect(sim2.now()).toBeCloseTo(liveMigrationSeconds(SMALL_MiB, DEFAULT_COST_MODEL), 9);
    expect((await sim2.migrationStatus(m.id)).state).toBe('completed');
  });

  it('shows a live-migration blackout on the probe only for a VNF without a spare member', async () => {
    const sim = twin();
    const solo = await sim.migrate({ instance: 'solo-1', mode: 'live' }, ctx());
    const pair = await sim.migrate({ instance: 'pair-1', mode: 'live', destination: 'c3' }, ctx());
    await sim.runUntilIdle();
    expect((await sim.migrationStatus(solo.id)).state).toBe('completed');
    expect((await sim.migrationStatus(pair.id)).state).toBe('completed');
    const samples = await sim.probe(0);
    expect(samples.map((s) => s.vnf)).toEqual(['solo']);
    const blackout = liveMigrationBlackoutMs(SMALL_MiB);
    expect(samples[0]?.interruptions).toEqual([
      { at: liveMigrationSeconds(SMALL_MiB) - blackout / 1000, ms: blackout },
    ]);
  });

  it('reports progress while running', async () => {
    const sim = twin();
    const m = await sim.migrate({ instance: 'solo-1', mode: 'live' }, ctx());
    await sim.sleep(liveMigrationSeconds(SMALL_MiB) / 2);
    const s = await sim.migrationStatus(m.id);
    expect(s.state).toBe('running');
    expect(s.progress).toBeCloseTo(0.5, 6);
  });

  it('a cold migration takes its instance down for the cold-migration time', async () => {
    const sim = twin();
    const m = await sim.migrate({ instance: 'cold-1', mode: 'cold' }, ctx());
    expect((await settle(sim, m.id)).state).toBe('completed');
    expect((await placement(sim))['cold-1']).not.toBe('c2');
    const [sample] = await sim.probe(0);
    expect(sample?.vnf).toBe('cold');
    expect(sample?.interruptions).toHaveLength(1);
    expect(sample?.interruptions[0]?.at).toBe(0);
    expect(sample?.interruptions[0]?.ms).toBeCloseTo(coldMigrationSeconds(SMALL_MiB) * 1000, 3);
  });

  it('refuses to live-migrate an instance that can only be cold-migrated', async () => {
    const sim = twin();
    const e = await driverError(sim.migrate({ instance: 'cold-1', mode: 'live' }, ctx()));
    expect(e.kind).toBe('rejected');
    expect(e.retryable).toBe(false);
  });

  it('capacity refuses a full destination', async () => {
    const sim = twin();
    const m = await sim.migrate({ instance: 'solo-1', mode: 'live', destination: 'c4' }, ctx());
    const s = await settle(sim, m.id);
    expect(s.state).toBe('failed');
    expect(s.error).toMatch(/c4 lacks vCPU/);
    expect((await placement(sim))['solo-1']).toBe('c1');
  });

  it('strict anti-affinity refuses a destination holding another member', async () => {
    const sim = twin();
    const m = await sim.migrate({ instance: 'pair-1', mode: 'live', destination: 'c2' }, ctx());
    const s = await settle(sim, m.id);
    expect(s.state).toBe('failed');
    expect(s.error).toMatch(/strict anti-affinity/);
  });

  it('the scheduler never picks a host breaking strict anti-affinity or capacity', async () => {
    const sim = twin();
    const m = await sim.migrate({ instance: 'pair-1', mode: 'live' }, ctx());
    const s = await settle(sim, m.id);
    expect(s).toMatchObject({ state: 'completed', destination: 'c3' });
  });

  it('a scheduler-chosen migration with no valid host fails asynchronously', async () => {
    const sim = twin();
    for (const h of ['c2', 'c3', 'c4']) await sim.setScheduling(h, { enabled: false }, ctx());
    const m = await sim.migrate({ instance: 'solo-1', mode: 'live' }, ctx());
    expect(m.state).toBe('queued');
    const s = await settle(sim, m.id);
    expect(s.state).toBe('failed');
    expect(s.error).toMatch(/no valid host/);
  });

  it('abort cancels a running live migration and gives the destination its capacity back', async () => {
    const sim = twin();
    const m = await sim.migrate({ instance: 'solo-1', mode: 'live', destination: 'c3' }, ctx());
    await sim.sleep(2);
    expect((await sim.abortMigration(m.id, ctx())).state).toBe('cancelled');
    await sim.runUntilIdle();
    expect((await placement(sim))['solo-1']).toBe('c1');
    expect(sim.world.host('c3')?.usedVcpu).toBe(0);
    expect(await sim.probe(0)).toEqual([]);
  });

  it('runs at most concurrentMigrationsPerHost migrations from one host at once', async () => {
    const sim = twin();
    const a = await sim.migrate({ instance: 'solo-1', mode: 'live', destination: 'c3' }, ctx());
    const b = await sim.migrate({ instance: 'pair-1', mode: 'live', destination: 'c3' }, ctx());
    const sim3 = twin({ cost: { ...DEFAULT_COST_MODEL, concurrentMigrationsPerHost: 1 } });
    const c = await sim3.migrate({ instance: 'solo-1', mode: 'live', destination: 'c3' }, ctx());
    const d = await sim3.migrate({ instance: 'pair-1', mode: 'live', destination: 'c3' }, ctx());
    await sim.sleep(1);
    await sim3.sleep(1);
    expect((await sim.migrationStatus(a.id)).state).toBe('running');
    expect((await sim.migrationStatus(b.id)).state).toBe('running');
    expect((await sim3.migrationStatus(c.id)).state).toBe('running');
    expect((await sim3.migrationStatus(d.id)).state).toBe('queued');
    await sim3.runUntilIdle();
    expect(sim3.now()).toBeCloseTo(2 * liveMigrationSeconds(SMALL_MiB), 9);
  });
});

describe('sim driver: instances and hosts', () => {
  it('stop and start show the downtime in between', async () => {
    const sim = twin();
    await sim.stopInstance('solo-1', ctx());
    await sim.sleep(100);
    await sim.startInstance('solo-1', ctx());
    const [sample] = await sim.probe(0);
    const api = DEFAULT_COST_MODEL.apiStepSeconds;
    expect(sample).toEqual({
      vnf: 'solo',
      interruptions: [{ at: 0, ms: (api + 100 + api) * 1000 }],
    });
  });

  it('a reboot takes its host and the instances on it down until it is back', async () => {
    const sim = twin({ durations: { reboot: 300 } });
    const reboot = sim.hostAction('c1', { kind: 'reboot' }, ctx());
    await sim.sleep(10);
    expect((await sim.health('c1')).state).toBe('down');
    await expect(reboot).resolves.toMatchObject({ ok: true });
    expect(sim.now()).toBe(300);
    expect(await sim.health('c1')).toMatchObject({ state: 'up', servicesUp: true });
    const samples = await sim.probe(0);
    // solo has no spare: down for the whole reboot; pair-2 on c2 kept pair serving.
    expect(samples).toEqual([{ vnf: 'solo', interruptions: [{ at: 0, ms: 300_000 }] }]);
  });

  it('install changes the version after the catalogue-like duration', async () => {
    const sim = twin({ durations: { components: { 'nova-compute': { install: 180 } } } });
    const result = await sim.hostAction(
      'c1',
      { kind: 'install', component: 'nova-compute', version: '27.1.0' },
      ctx(),
    );
    expect(result.ok).toBe(true);
    expect(sim.now()).toBe(180);
    expect((await sim.health('c1')).components['nova-compute']).toBe('27.1.0');
  });

  it('a restart takes the service down for its duration', async () => {
    const sim = twin();
    const restart = sim.hostAction('c1', { kind: 'restart', component: 'nova-compute' }, ctx());
    await sim.sleep(1);
    expect((await sim.health('c1')).servicesUp).toBe(false);
    await restart;
    expect((await sim.health('c1')).servicesUp).toBe(true);
    expect(sim.now()).toBe(120);
  });

  it('backup and restore bring versions and configuration back', async () => {
    const sim = twin();
    const ref = await sim.backup('c1', ['versions', 'config'], ctx());
    await sim.hostAction(
      'c1',
      { kind: 'install', component: 'kernel', version: '6.1.90-1' },
      ctx(),
    );
    await sim.hostAction('c1', { kind: 'command', command: 'sed -i s/a/b/ /etc/nova.conf' }, ctx());
    expect(sim.configOf('c1')).toBe(2);
    await sim.restore(ref, ctx());
    expect((await sim.health('c1')).components).toEqual({
      kernel: '6.1.76-1',
      'nova-compute': '26.2.2',
    });
    expect(sim.configOf('c1')).toBe(0);
  });

  it('discover gives the live inventory', async () => {
    const sim = twin();
    await sim.setScheduling('c3', { enabled: false }, ctx());
    await sim.hostAction(
      'c2',
      { kind: 'install', component: 'kernel', version: '6.1.90-1' },
      ctx(),
    );
    const inv = await sim.discover();
    expect(inv.hosts.find((h) => h.name === 'c3')?.schedulable).toBe(false);
    expect(inv.hosts.find((h) => h.name === 'c2')?.components).toContainEqual({
      name: 'kernel',
      version: '6.1.90-1',
    });
    expect(inv.instances).toHaveLength(5);
  });
});

describe('sim driver: scheduling and scale-up', () => {
  it('disables with the campaign as reason and re-enables its own hosts', async () => {
    const sim = twin();
    const off = await sim.setScheduling('c1', { enabled: false }, ctx());
    expect(off).toEqual({ enabled: false, reason: schedulingReason('zed-to-antelope') });
    expect(await sim.setScheduling('c1', { enabled: true }, ctx())).toEqual({ enabled: true });
  });

  it('refuses to re-enable a host disabled for another reason', async () => {
    const sim = twin();
    await sim.setScheduling(
      'c1',
      { enabled: false, reason: 'operator: bad DIMM' },
      ctx('op', 'other'),
    );
    // Disabling again keeps the operator's reason.
    expect(await sim.setScheduling('c1', { enabled: false }, ctx())).toEqual({
      enabled: false,
      reason: 'operator: bad DIMM',
    });
    const e = await driverError(sim.setScheduling('c1', { enabled: true }, ctx()));
    expect(e.kind).toBe('rejected');
    expect(e.message).toMatch(/another reason/);
    expect(await sim.getScheduling('c1')).toEqual({ enabled: false, reason: 'operator: bad DIMM' });
  });

  it('scale-up set and restore round-trip exactly', async () => {
    const sim = twin({
      scaleUp: { enabled: true, detail: { instances: 100, cores: 400, note: null } },
    });
    const before = await sim.getScaleUp();
    await sim.setScaleUp({ enabled: false, detail: { instances: 0, cores: 0 } }, ctx());
    expect(await sim.getScaleUp()).toEqual({ enabled: false, detail: { instances: 0, cores: 0 } });
    await sim.setScaleUp(before, ctx());
    expect(await sim.getScaleUp()).toStrictEqual(before);
    expect(before).toStrictEqual({
      enabled: true,
      detail: { instances: 100, cores: 400, note: null },
    });
  });
});

describe('sim driver: idempotency', () => {
  it('repeating every operation with the same key applies nothing twice', async () => {
    const sim = twin();
    const K = (name: string) => ctx(`run-1/${name}`);
    const twice = async <T>(f: () => Promise<T>): Promise<[T, T]> => [await f(), await f()];

    const [s1, s2] = await twice(() => sim.setScheduling('c1', { enabled: false }, K('disable')));
    expect(s2).toEqual(s1);
    const [m1, m2] = await twice(() =>
      sim.migrate({ instance: 'solo-1', mode: 'live', destination: 'c3' }, K('migrate')),
    );
    expect(m2.id).toBe(m1.id);
    await settle(sim, m1.id);
    const m3 = await sim.migrate(
      { instance: 'solo-1', mode: 'live', destination: 'c3' },
      K('migrate'),
    );
    expect(m3).toMatchObject({ id: m1.id, state: 'completed' });
    const pairMove = await sim.migrate({ instance: 'pair-1', mode: 'live' }, K('m2'));
    await twice(() => sim.abortMigration(pairMove.id, K('abort')));
    await twice(() => sim.stopInstance('cold-1', K('stop')));
    await twice(() => sim.startInstance('cold-1', K('start')));
    const install = { kind: 'install', component: 'kernel', version: '6.1.90-1' } as const;
    const [i1, i2] = await twice(() => sim.hostAction('c1', install, K('install')));
    expect(i2).toEqual(i1);
    await twice(() =>
      sim.hostAction('c1', { kind: 'restart', component: 'nova-compute' }, K('restart')),
    );
    await twice(() => sim.hostAction('c3', { kind: 'reboot' }, K('reboot')));
    await twice(() => sim.hostAction('c1', { kind: 'command', command: 'true' }, K('command')));
    await twice(() => sim.setScaleUp({ enabled: false, detail: {} }, K('scale')));
    const [b1, b2] = await twice(() => sim.backup('c1', ['versions'], K('backup')));
    expect(b2).toEqual(b1);
    await twice(() => sim.restore(b1, K('restore')));
    const notice = { vnf: 'pair', host: 'c1', instances: ['pair-1'], leadTime: 60, deadline: 300 };
    await twice(() => sim.notifyVnfm(notice, K('notify')));
    await twice(() => sim.setScheduling('c1', { enabled: true }, K('enable')));

    expect(sim.sideEffects()).toEqual({
      setScheduling: 2,
      migrate: 2,
      abortMigration: 1,
      stopInstance: 1,
      startInstance: 1,
      install: 1,
      restart: 1,
      reboot: 1,
      command: 1,
      setScaleUp: 1,
      backup: 1,
      restore: 1,
      notifyVnfm: 1,
    });
    expect(sim.duplicates()).toEqual([]);
    expect(sim.configOf('c1')).toBe(2); // the backup was taken after the install and the command
    expect(sim.vnfmNotices()).toHaveLength(1);
  });

  it('a repeat while the first call still runs joins it instead of acting again', async () => {
    const sim = twin();
    const install = { kind: 'install', component: 'kernel', version: '6.1.90-1' } as const;
    const first = sim.hostAction('c1', install, ctx('same'));
    await sim.sleep(10);
    const second = sim.hostAction('c1', install, ctx('same'));
    expect(await second).toEqual(await first);
    expect(sim.now()).toBe(300);
    expect(sim.sideEffects()).toEqual({ install: 1 });
  });

  it('refuses a key reused for another request', async () => {
    const sim = twin();
    await sim.stopInstance('solo-1', ctx('k'));
    const e = await driverError(sim.startInstance('solo-1', ctx('k')));
    expect(e.kind).toBe('rejected');
    expect(e.message).toMatch(/idempotency key k/);
  });
});

describe('sim driver: VNF managers', () => {
  const notice = (vnf: string) => ({
    vnf,
    host: 'c1',
    instances: [`${vnf}-1`],
    leadTime: 60,
    deadline: 300,
  });

  it('acks after a delay by default, nacks with a reason, stays silent until the deadline', async () => {
    const sim = twin({
      vnfm: {
        pair: { answer: 'nack', reason: 'upgrade window closed' },
        cold: { answer: 'silent' },
      },
    });
    expect(await sim.notifyVnfm(notice('solo'), ctx())).toEqual({ kind: 'ack' });
    expect(sim.now()).toBe(DEFAULT_COST_MODEL.apiStepSeconds);
    expect(await sim.notifyVnfm(notice('pair'), ctx())).toEqual({
      kind: 'nack',
      reason: 'upgrade window closed',
    });
    const t = sim.now();
    expect(await sim.notifyVnfm(notice('cold'), ctx())).toEqual({ kind: 'silent' });
    expect(sim.now() - t).toBe(300);
  });

  it('a VNFM that switches over itself shows the switch-over gap on the probe', async () => {
    const sim = twin({ vnfm: { pair: { answer: 'switch-over', delaySeconds: 5 } } });
    expect(await sim.notifyVnfm(notice('pair'), ctx())).toEqual({ kind: 'switched-over' });
    expect(await sim.probe(0)).toEqual([
      { vnf: 'pair', interruptions: [{ at: 5, ms: DEFAULT_COST_MODEL.switchOverGapMs }] },
    ]);
  });

  it('an answer later than the deadline is silence', async () => {
    const sim = twin({ vnfm: { solo: { answer: 'ack', delaySeconds: 600 } } });
    expect(await sim.notifyVnfm(notice('solo'), ctx())).toEqual({ kind: 'silent' });
  });
});

describe('sim driver: probes', () => {
  it('merges overlapping interruptions and reports those ending after `since`', async () => {
    const sim = twin({ vnfm: { solo: { answer: 'switch-over', delaySeconds: 0 } } });
    await sim.stopInstance('solo-1', ctx());
    await sim.notifyVnfm(
      { vnf: 'solo', host: 'c1', instances: ['solo-1'], leadTime: 0, deadline: 10 },
      ctx(),
    );
    await sim.sleep(10);
    // Still stopped: an open interruption counts up to now.
    expect(await sim.probe(0)).toEqual([{ vnf: 'solo', interruptions: [{ at: 0, ms: 12_000 }] }]);
    await sim.startInstance('solo-1', ctx());
    expect(await sim.probe(13)).toEqual([{ vnf: 'solo', interruptions: [{ at: 0, ms: 14_000 }] }]);
    expect(await sim.probe(14)).toEqual([]);
  });
});

describe('sim driver: reboots and migrations', () => {
  it('a reboot fails the migrations from its host; the instance stays and comes back with it', async () => {
    const sim = twin({ durations: { reboot: 60 } });
    const m = await sim.migrate({ instance: 'solo-1', mode: 'live', destination: 'c3' }, ctx());
    await sim.sleep(1);
    await sim.hostAction('c1', { kind: 'reboot' }, ctx());
    expect(await sim.migrationStatus(m.id)).toMatchObject({ state: 'failed' });
    expect(sim.world.host('c3')?.usedVcpu).toBe(0);
    expect((await placement(sim))['solo-1']).toBe('c1');
    expect(await sim.probe(0)).toEqual([{ vnf: 'solo', interruptions: [{ at: 1, ms: 60_000 }] }]);
  });
});

describe('sim driver: restoring a saved state', () => {
  /** A twin that migrated, rebooted and lost a VNF member for a while. */
  async function used(): Promise<SimDriver> {
    const sim = twin({ durations: { reboot: 60 } });
    await settle(
      sim,
      (await sim.migrate({ instance: 'solo-1', mode: 'live', destination: 'c3' }, ctx())).id,
    );
    await sim.hostAction('c1', { kind: 'reboot' }, ctx());
    await sim.setScheduling('c2', { enabled: false, reason: 'maintenance' }, ctx());
    await sim.runUntilIdle();
    return sim;
  }

  it('a world built from the saved state is the world restored onto a fresh one', async () => {
    const state = (await used()).state();
    const restored = twin({ durations: { reboot: 60 } });
    restored.restoreState(state);
    const built = new SimDriver(smallCloud(), { durations: { reboot: 60 } }, state.world);
    built.restoreState(state);
    expect(built.state()).toEqual(restored.state());
    expect(built.world.host('c3')).toEqual(restored.world.host('c3'));
    expect(await placement(built)).toEqual(await placement(restored));
    expect(await built.probe(0)).toEqual(await restored.probe(0));
  });

  it('a saved world that lacks a host, an instance or a VNF of the inventory is refused', () => {
    const { world } = new SimDriver(smallCloud()).state();
    expect(
      () => new SimDriver(smallCloud(), {}, { ...world, hosts: world.hosts.slice(1) }),
    ).toThrow(/the saved world has \d+ hosts/);
    expect(
      () => new SimDriver(smallCloud(), {}, { ...world, instances: world.instances.slice(1) }),
    ).toThrow(/the saved world has \d+ instances/);
    const renamed = world.vnfs.map((v, i) => (i === 0 ? { ...v, name: 'other' } : v));
    expect(() => new SimDriver(smallCloud(), {}, { ...world, vnfs: renamed })).toThrow(
      /the saved world has no VNF/,
    );
  });
});
