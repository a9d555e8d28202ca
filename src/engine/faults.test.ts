/**
 * One test per injected fault kind on the twin, asserting what the operator sees (run state,
 * error code, the host named), and that nothing is lost or left half-done: no side effect
 * applied twice, no host left disabled by the campaign, the scale-up setting put back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Campaign, Inventory } from '../model/index.js';
import type { Fault } from '../drivers/sim/scenario.js';
import { buildReport } from './report.js';
import type { Engine } from './engine.js';
import { harness, type Harness, type HarnessOptions } from './testing/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const SCALE_UP = { enabled: true, detail: { instances: 11, cores: 44 } };

async function start(faults: readonly Fault[] = [], o: HarnessOptions = {}): Promise<Harness> {
  h = await harness({
    ...o,
    sim: { scaleUp: SCALE_UP, scenario: { name: 'faults', seed: 3, faults }, ...o.sim },
  });
  return h;
}

const onFailure =
  (action: Campaign['rollout']['onFailure']['action'], maxFailedHosts = 0) =>
  (c: Campaign): Campaign => ({
    ...c,
    rollout: { ...c.rollout, onFailure: { action, maxFailedHosts } },
  });
const pause = onFailure('pause');

/** An engine over the harness that asks to suspend its run when wave `index` starts. */
function suspendingAt(x: Harness, index: number): Engine {
  let asked = false;
  const engine = x.restart({
    onProgress: (e) => {
      if (!asked && e.kind === 'wave' && e.index === index) {
        asked = true;
        void engine.suspend(e.run);
      }
    },
  });
  return engine;
}

/**
 * The compute hosts in plan order, and one with instances to move in the middle (`liveOnly`:
 * one whose instances all move live, so that a hang of its evacuation hangs a migration).
 */
async function victim(liveOnly = false): Promise<{ host: string; vnf: string }> {
  const probe = await harness();
  const { plan } = await import('../planner/index.js');
  const p = plan(
    {
      inventory: probe.cloud.inventory,
      catalog: probe.cloud.catalog,
      campaign: probe.cloud.campaign,
    },
    { strategy: 'optimised' },
  );
  await probe.close();
  const ops = p.stages.flatMap((s) => s.waves.flatMap((w) => w.hosts));
  const busy = ops.filter(
    (o) =>
      o.instanceActions.some((a) => a.vnf !== undefined && a.kind === 'live-migrate') &&
      (!liveOnly || o.instanceActions.every((a) => a.kind === 'live-migrate')),
  );
  const op = busy[Math.floor(busy.length / 2)];
  const vnf = op?.instanceActions.find((a) => a.vnf !== undefined)?.vnf;
  if (op === undefined || vnf === undefined)
    throw new Error('the generated cloud has no busy host');
  return { host: op.host, vnf };
}

/** Nothing half-done: hosts enabled, instances running, scale-up exact, no double effect. */
async function clean(x: Harness, inv?: Inventory): Promise<void> {
  const now = inv ?? (await x.sim.discover());
  expect(now.hosts.filter((c) => !c.schedulable).map((c) => c.name)).toEqual([]);
  expect(
    now.instances
      .filter((i) => x.sim.world.instance(i.name)?.power !== 'running')
      .map((i) => i.name),
  ).toEqual([]);
  expect(await x.sim.getScaleUp()).toEqual(SCALE_UP);
  expect(x.sim.duplicates()).toEqual([]);
}

const placement = (inv: Inventory) =>
  Object.fromEntries(inv.instances.map((i) => [i.name, i.host]));
const versions = (inv: Inventory) =>
  Object.fromEntries(
    inv.hosts.map((c) => [c.name, c.components.map((k) => `${k.name}=${k.version}`).join(',')]),
  );

describe('engine under faults', () => {
  it('a hung install times out, pauses the run, and resuming observes the same operation to its end', async () => {
    const v = await victim();
    const x = await start(
      [{ kind: 'hang', host: v.host, step: 'install', seconds: 100_000, count: 1 }],
      { campaign: pause },
    );
    const first = await x.engine.apply({ campaign: x.cloud.campaign, catalog: x.cloud.catalog });
    expect(first.run.state).toBe('suspended-by-error');
    expect(first.error?.code).toBe('ESC_STEP_TIMEOUT');
    expect(first.error?.message).toContain(v.host);
    const installsBefore = x.sim.sideEffects().install ?? 0;
    const second = await x.engine.resume(first.run.id);
    // The hung install is still running under its key: resume waits for it (and may time out
    // again) — it never starts a second install on that host.
    if (second.run.state !== 'completed') {
      expect(second.error?.code).toBe('ESC_STEP_TIMEOUT');
      const third = await x.engine.resume(first.run.id);
      expect(third.run.state).toBe('completed');
    }
    const installsOnVictim = [...x.sim.sideEffectsByKey().keys()].filter(
      (k) => k.includes(`/${v.host}/`) && /#\d+$/.test(k),
    );
    expect(installsOnVictim.length).toBeGreaterThan(0);
    expect(x.sim.sideEffects().install ?? 0).toBeGreaterThan(installsBefore);
    await clean(x);
  });

  it('a migration that fails is retried; one that keeps failing stops the host with ESC_MIGRATION_FAILED, and rollback puts everything back', async () => {
    const v = await victim();
    const x = await start([{ kind: 'migration-fails', host: v.host }], { campaign: pause });
    const before = await x.sim.discover();
    const r = await x.engine.apply({ campaign: x.cloud.campaign, catalog: x.cloud.catalog });
    expect(r.run.state).toBe('suspended-by-error');
    expect(r.error?.code).toBe('ESC_MIGRATION_FAILED');
    expect(r.error?.message).toContain(v.host);
    const back = await x.engine.rollback(r.run.id);
    expect(back.run.state).toBe('rolled-back');
    const after = await x.sim.discover();
    expect(placement(after)).toEqual(placement(before));
    expect(versions(after)).toEqual(versions(before));
    await clean(x, after);
  });

  it('a migration that fails once is retried and the run completes', async () => {
    const v = await victim();
    const x = await start([{ kind: 'migration-fails', host: v.host, count: 1 }], {
      campaign: pause,
    });
    const r = await x.engine.apply({ campaign: x.cloud.campaign, catalog: x.cloud.catalog });
    expect(r.error).toBeUndefined();
    expect(r.run.state).toBe('completed');
    await clean(x);
  });

  it('a live migration that does not converge is aborted after timeouts.migration; the host is named (ESC_MIGRATION_FAILED)', async () => {
    const v = await victim(true);
    const x = await start(
      [{ kind: 'hang', host: v.host, step: 'evacuate', seconds: 5000, count: 1 }],
      {
        campaign: (c) =>
          pause({
            ...c,
            timeouts: { ...c.timeouts, migration: 300, evacuate: 3600 },
            rollout: { ...c.rollout, onMigrationTimeout: 'abort' },
          }),
      },
    );
    const r = await x.engine.apply({ campaign: x.cloud.campaign, catalog: x.cloud.catalog });
    expect(r.run.state).toBe('suspended-by-error');
    expect(r.error?.code).toBe('ESC_MIGRATION_FAILED');
    expect(r.error?.message).toMatch(
      /still running after 300s \(timeouts\.migration\) and was aborted/,
    );
    expect(x.sim.sideEffects().abortMigration).toBe(1);
    const back = await x.engine.rollback(r.run.id);
    expect(back.run.state).toBe('rolled-back');
    await clean(x);
  });

  it('with onMigrationTimeout: force-complete, a migration that does not converge is forced and the run completes', async () => {
    const v = await victim(true);
    const x = await start(
      [{ kind: 'hang', host: v.host, step: 'evacuate', seconds: 5000, count: 1 }],
      {
        campaign: (c) => ({
          ...c,
          timeouts: { ...c.timeouts, migration: 300, evacuate: 3600 },
          rollout: { ...c.rollout, onMigrationTimeout: 'force-complete' },
          guards: { ...c.guards, maxInterruptionMs: 60_000 },
        }),
      },
    );
    const r = await x.engine.apply({ campaign: x.cloud.campaign, catalog: x.cloud.catalog });
    expect(r.error).toBeUndefined();
    expect(r.run.state).toBe('completed');
    expect(x.sim.sideEffects().forceCompleteMigration).toBe(1);
    expect(x.sim.sideEffects().abortMigration ?? 0).toBe(0);
    await clean(x);
  });

  it('a host that never comes back from its reboot is named (ESC_HOST_LOST); the rest is rolled back and the lost host reported', async () => {
    const v = await victim();
    const x = await start([{ kind: 'host-never-returns', host: v.host }], { campaign: pause });
    const r = await x.engine.apply({ campaign: x.cloud.campaign, catalog: x.cloud.catalog });
    expect(r.run.state).toBe('suspended-by-error');
    expect(r.error?.code).toBe('ESC_HOST_LOST');
    expect(r.error?.message).toContain(v.host);
    const back = await x.engine.rollback(r.run.id);
    // The lost host cannot be rolled back: the rollback stops there and says so.
    expect(back.run.state).toBe('suspended-by-error');
    expect(back.error?.message).toContain(v.host);
    const report = await buildReport(x.store, back.run);
    expect(report.failedHosts.map((f) => f.host)).toContain(v.host);
    expect(x.sim.duplicates()).toEqual([]);
  });

  it('a silent VNF manager pauses the run when the campaign says pause', async () => {
    const v = await victim();
    const x = await start([{ kind: 'vnfm', vnf: v.vnf, answer: 'silent' }], {
      campaign: (c) => pause({ ...c, coordination: { ...c.coordination, onNoAck: 'pause' } }),
    });
    const r = await x.engine.apply({ campaign: x.cloud.campaign, catalog: x.cloud.catalog });
    expect(r.run.state).toBe('suspended-by-error');
    expect(r.error?.code).toBe('ESC_VNFM_SILENT');
    expect(r.error?.message).toContain(v.vnf);
    const back = await x.engine.rollback(r.run.id);
    expect(back.run.state).toBe('rolled-back');
    await clean(x);
  });

  it('a silent VNF manager is taken as consent with onNoAck: proceed', async () => {
    const v = await victim();
    const x = await start([{ kind: 'vnfm', vnf: v.vnf, answer: 'silent' }], {
      campaign: (c) => ({ ...c, coordination: { ...c.coordination, onNoAck: 'proceed' } }),
    });
    const r = await x.engine.apply({ campaign: x.cloud.campaign, catalog: x.cloud.catalog });
    expect(r.run.state).toBe('completed');
    await clean(x);
  });

  it('a silent VNF manager makes the engine skip its hosts with onNoAck: skip-host', async () => {
    const v = await victim();
    const x = await start([{ kind: 'vnfm', vnf: v.vnf, answer: 'silent' }], {
      campaign: (c) => ({ ...c, coordination: { ...c.coordination, onNoAck: 'skip-host' } }),
    });
    const r = await x.engine.apply({ campaign: x.cloud.campaign, catalog: x.cloud.catalog });
    expect(r.run.state).toBe('completed');
    const report = await buildReport(x.store, r.run);
    expect(report.hosts.skipped).toBeGreaterThan(0);
    const inv = await x.sim.discover();
    const skipped = inv.hosts.find((c) => c.name === v.host);
    expect(
      skipped?.components.some((k) =>
        x.cloud.campaign.upgrades.some((u) => u.component === k.name && u.to !== k.version),
      ),
    ).toBe(true);
    await clean(x, inv);
  });

  it('a VNF manager that NACKs stops the host before anything is touched (ESC_VNFM_REFUSED)', async () => {
    const v = await victim();
    const x = await start([{ kind: 'vnfm', vnf: v.vnf, answer: 'nack', reason: 'busy hour' }], {
      campaign: pause,
    });
    const r = await x.engine.apply({ campaign: x.cloud.campaign, catalog: x.cloud.catalog });
    expect(r.run.state).toBe('suspended-by-error');
    expect(r.error?.code).toBe('ESC_VNFM_REFUSED');
    expect(r.error?.message).toContain('busy hour');
    const inv = await x.sim.discover();
    expect(inv.hosts.find((c) => c.name === v.host)?.schedulable).toBe(true);
    await x.engine.rollback(r.run.id);
    await clean(x);
  });

  it('transient driver errors and timeouts for a while are retried under the same keys', async () => {
    const x = await start([
      { kind: 'driver-errors', error: 'transient', afterSeconds: 3000, seconds: 600 },
      {
        kind: 'driver-errors',
        operation: 'hostAction',
        error: 'timeout',
        afterSeconds: 9000,
        count: 5,
      },
    ]);
    const r = await x.engine.apply({ campaign: x.cloud.campaign, catalog: x.cloud.catalog });
    expect(r.error).toBeUndefined();
    expect(r.run.state).toBe('completed');
    await clean(x);
  });

  it('an interruption over the budget pauses a smooth run', async () => {
    const x = await start([], {
      campaign: (c) => ({ ...c, guards: { ...c.guards, maxInterruptionMs: 10 } }),
    });
    const r = await x.engine.apply({ campaign: x.cloud.campaign, catalog: x.cloud.catalog });
    expect(r.run.state).toBe('suspended-by-error');
    expect(r.error?.code).toBe('ESC_INTERRUPTION_OVER_BUDGET');
    const back = await x.engine.rollback(r.run.id);
    expect(back.run.state).toBe('rolled-back');
    await clean(x);
  });

  it('onFailure: rollback rolls the run back by itself and says why (exit 8)', async () => {
    const v = await victim();
    const x = await start([{ kind: 'install-fails', host: v.host, count: 1 }], {
      campaign: onFailure('rollback'),
    });
    const before = await x.sim.discover();
    const r = await x.engine.apply({ campaign: x.cloud.campaign, catalog: x.cloud.catalog });
    expect(r.run.state).toBe('rolled-back');
    expect(r.error?.code).toBe('ESC_ROLLED_BACK');
    expect(r.error?.message).toContain(v.host);
    expect(versions(await x.sim.discover())).toEqual(versions(before));
    await clean(x);
  });

  it('onFailure: continue puts the failed host back and finishes the others', async () => {
    const v = await victim();
    const x = await start([{ kind: 'install-fails', host: v.host, count: 1 }], {
      campaign: onFailure('continue', 1),
    });
    const before = await x.sim.discover();
    const r = await x.engine.apply({ campaign: x.cloud.campaign, catalog: x.cloud.catalog });
    expect(r.run.state).toBe('completed');
    const after = await x.sim.discover();
    expect(versions(after)[v.host]).toBe(versions(before)[v.host]);
    const report = await buildReport(x.store, r.run);
    expect(report.hosts.rolledBack).toBe(1);
    await clean(x, after);
  });

  it('onFailure: continue stops when the failed host cannot be put back, and names it', async () => {
    const v = await victim();
    // Every install on the host fails: the upgrade, and the rollback to the previous version.
    const x = await start([{ kind: 'install-fails', host: v.host }], {
      campaign: onFailure('continue', 1),
    });
    const r = await x.engine.apply({ campaign: x.cloud.campaign, catalog: x.cloud.catalog });
    expect(r.run.state).toBe('suspended-by-error');
    expect(r.error?.code).toBe('ESC_STEP_FAILED');
    expect(r.error?.message).toMatch(new RegExp(`${v.host}.*could not be put back`));
    const report = await buildReport(x.store, r.run);
    expect(report.failedHosts.map((f) => f.host)).toContain(v.host);
    expect(x.sim.duplicates()).toEqual([]);
  });
});

describe('operator requests', () => {
  it('suspend pauses after the current steps; resume finishes the run', async () => {
    const x = await start();
    const engine = suspendingAt(x, 3);
    const r = await engine.apply({ campaign: x.cloud.campaign, catalog: x.cloud.catalog });
    expect(r.run.state).toBe('suspended');
    const done = await engine.resume(r.run.id);
    expect(done.run.state).toBe('completed');
    await clean(x);
  });

  it('a run resumed by another process that fails later rolls back the hosts finished before too', async () => {
    const v = await victim();
    const x = await start([{ kind: 'install-fails', host: v.host, count: 1 }], {
      campaign: onFailure('rollback'),
    });
    const before = await x.sim.discover();
    const r = await suspendingAt(x, 2).apply({
      campaign: x.cloud.campaign,
      catalog: x.cloud.catalog,
    });
    expect(r.run.state).toBe('suspended');
    // A new engine reads the run back: going forward, only the steps of unfinished hosts.
    const back = await x.restart().resume(r.run.id);
    expect(back.run.state).toBe('rolled-back');
    expect(back.error?.code).toBe('ESC_ROLLED_BACK');
    const after = await x.sim.discover();
    expect(versions(after)).toEqual(versions(before));
    expect(placement(after)).toEqual(placement(before));
    await clean(x, after);
  });

  it('abort finishes the current steps, puts the hosts in progress back and restores scale-up', async () => {
    const x = await start();
    let asked = false;
    const engine = x.restart({
      onProgress: (e) => {
        if (!asked && e.kind === 'step' && e.step.includes('/w6/') && e.state === 'running') {
          asked = true;
          void engine.abort(e.run);
        }
      },
    });
    const r = await engine.apply({ campaign: x.cloud.campaign, catalog: x.cloud.catalog });
    expect(r.run.state).toBe('suspended');
    const report = await buildReport(x.store, r.run);
    expect(report.hosts.rolledBack).toBeGreaterThan(0);
    await clean(x);
  });

  /** The last host in plan order that holds no instance (a controller, network or storage host). */
  async function emptyLateHost(): Promise<string> {
    const probe = await harness();
    const { plan } = await import('../planner/index.js');
    const p = plan(
      {
        inventory: probe.cloud.inventory,
        catalog: probe.cloud.catalog,
        campaign: probe.cloud.campaign,
      },
      { strategy: 'optimised' },
    );
    const holding = new Set(probe.cloud.inventory.instances.map((i) => i.host));
    await probe.close();
    const ops = p.stages.flatMap((s) => s.waves.flatMap((w) => w.hosts));
    const empty = ops.slice(4).filter((o) => !holding.has(o.host));
    const last = empty[empty.length - 1];
    if (last === undefined) throw new Error('the generated cloud has no late empty host');
    return last.host;
  }

  it('re-plans the rest when a host of a later wave goes down', async () => {
    const victimHost = await emptyLateHost();
    const x = await start();
    let done = false;
    const engine = x.restart({
      onProgress: (e) => {
        if (!done && e.kind === 'wave' && e.index === 2) {
          done = true;
          const host = x.sim.world.host(victimHost);
          if (host) {
            host.state = 'down';
            x.sim.world.refreshHost(host, x.sim.now());
          }
        }
      },
    });
    const r = await engine.apply({
      campaign: x.cloud.campaign,
      catalog: x.cloud.catalog,
      force: true,
    });
    expect(r.error).toBeUndefined();
    expect(r.run.state).toBe('completed');
    const report = await buildReport(x.store, r.run);
    expect(report.generation).toBeGreaterThan(0);
    expect(x.events.some((e) => e.kind === 'replan')).toBe(false); // events of the first engine only
    const journal = await x.store.readJournal(r.run.id, { objectType: 'run' });
    const replan = journal.find((e) => e.action === 'replan');
    expect(JSON.stringify(replan?.detail)).toContain(`${victimHost} is down`);
    // The down host was left out of the rest; its versions are as they were.
    const after = await x.sim.discover();
    const before = x.cloud.inventory;
    expect(versions(after)[victimHost]).toBe(versions(before)[victimHost]);
    expect(x.sim.duplicates()).toEqual([]);
  });

  it('re-plans the rest also in a run resumed by another process, which reads all steps first', async () => {
    const victimHost = await emptyLateHost();
    const x = await start();
    const r = await suspendingAt(x, 1).apply({
      campaign: x.cloud.campaign,
      catalog: x.cloud.catalog,
      force: true,
    });
    expect(r.run.state).toBe('suspended');
    const host = x.sim.world.host(victimHost);
    if (host === undefined) throw new Error(`no host ${victimHost}`);
    host.state = 'down';
    x.sim.world.refreshHost(host, x.sim.now());
    const done = await x.restart().resume(r.run.id);
    expect(done.error).toBeUndefined();
    expect(done.run.state).toBe('completed');
    expect((await buildReport(x.store, done.run)).generation).toBeGreaterThan(0);
    // Rolled back afterwards, hosts of both plans are put back.
    const back = await x.restart().rollback(r.run.id);
    expect(back.run.state).toBe('rolled-back');
    expect(versions(await x.sim.discover())).toEqual(versions(x.cloud.inventory));
  });

  it('a host that fails under VNF members mid-run pauses the run with the outage it caused', async () => {
    const v = await victim();
    const x = await start();
    let done = false;
    const engine = x.restart({
      onProgress: (e) => {
        if (!done && e.kind === 'wave' && e.index === 2) {
          done = true;
          const host = x.sim.world.host(v.host);
          if (host) {
            host.state = 'down';
            x.sim.world.refreshHost(host, x.sim.now());
          }
        }
      },
    });
    const r = await engine.apply({ campaign: x.cloud.campaign, catalog: x.cloud.catalog });
    // Whoever caused it, a VNF out of service in a smooth run stops the run for the operator.
    expect(r.run.state).toBe('suspended-by-error');
    expect(r.error?.code).toBe('ESC_INTERRUPTION_OVER_BUDGET');
  });

  it('refuses illegal operations with a clear error', async () => {
    const x = await start();
    const r = await x.engine.apply({ campaign: x.cloud.campaign, catalog: x.cloud.catalog });
    await expect(x.engine.resume(r.run.id)).rejects.toMatchObject({
      code: 'ESC_ILLEGAL_OPERATION',
    });
    await x.engine.commit(r.run.id);
    await expect(x.engine.rollback(r.run.id)).rejects.toThrow(/committed is final/);
    await expect(x.engine.restore(r.run.id)).rejects.toMatchObject({
      code: 'ESC_ILLEGAL_OPERATION',
    });
  });
});
