/**
 * A scripted rolling upgrade of the small cloud (testing/cloud.ts) as an engine would drive it,
 * for the persistence tests: every kind of side effect (scheduling, live and cold migrations, an
 * abort, stop/start, installs, a restart, reboots, commands, backups and restores, VNFM notices,
 * the scale-up setting) under a scenario of faults, in steps that may be cut short by a "kill"
 * and are then retried whole with the same idempotency keys, as the engine retries a step whose
 * end it did not journal.
 */
import { DEFAULT_COST_MODEL } from '../../../model/index.js';
import { DriverError, type OperationContext } from '../../driver.js';
import type { SimDriver } from '../driver.js';
import type { PersistentSimOptions } from '../persist.js';
import type { Scenario } from '../scenario.js';

/** Thrown into a step when its process "dies". */
export class Killed extends Error {
  constructor() {
    super('killed');
    this.name = 'Killed';
  }
}

/**
 * Faults that leave the final world the same however often steps are retried: counted driver
 * errors (retried), hangs, one failing install (a new attempt follows), a migration failing with
 * probability ½ (the only draws, made once per migration, so the same in every run), a VNFM
 * switching over, a host that never comes back.
 */
export const SCRIPT_SCENARIO: Scenario = {
  name: 'bad-night',
  seed: 11,
  faults: [
    { kind: 'driver-errors', operation: 'migrate', error: 'transient', count: 2, afterSeconds: 0 },
    {
      kind: 'driver-errors',
      operation: 'setScheduling',
      error: 'timeout',
      count: 1,
      afterSeconds: 0,
    },
    { kind: 'driver-errors', operation: 'health', error: 'transient', count: 3, afterSeconds: 0 },
    {
      kind: 'driver-errors',
      operation: 'migrationStatus',
      error: 'timeout',
      count: 1,
      afterSeconds: 0,
    },
    { kind: 'hang', host: 'c2', step: 'install', seconds: 200, count: 1 },
    { kind: 'hang', host: 'c3', step: 'verify', seconds: 20, count: 2 },
    { kind: 'install-fails', host: 'c1', component: 'nova-compute', count: 1 },
    { kind: 'migration-fails', instance: 'pair-2', probability: 0.5, count: 1 },
    { kind: 'vnfm', vnf: 'pair', answer: 'switch-over', delaySeconds: 5 },
    { kind: 'host-never-returns', host: 'c4' },
  ],
};

/** Slow migrations (a small instance moves live in 210 s) keep them in flight at many kills. */
export const SCRIPT_OPTIONS: PersistentSimOptions = {
  scenario: SCRIPT_SCENARIO,
  cost: { ...DEFAULT_COST_MODEL, migrationMiBps: 20 },
  durations: { reboot: 300, components: { 'nova-compute': { install: 180, restart: 60 } } },
  bootTimeoutSeconds: 600,
};

/** The driver as a step sees it: every call may be the one at which the process dies. */
export type Call = <T>(f: (sim: SimDriver) => Promise<T>) => Promise<T>;

/** What the engine keeps in its own store across restarts (a guard's original value, refs). */
export type Memo = Map<string, unknown>;

interface StepApi {
  readonly call: Call;
  readonly memo: Memo;
}

export interface Step {
  readonly name: string;
  readonly run: (api: StepApi) => Promise<void>;
}

const ctx = (key: string): OperationContext => ({
  idempotencyKey: `run-1/${key}`,
  campaign: 'zed-to-antelope',
  run: 'run-1',
});

/** Retries what may be retried (transient, timeout) with the same key, a virtual second apart. */
async function retrying<T>(call: Call, f: (sim: SimDriver) => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await call(f);
    } catch (error) {
      if (!(error instanceof DriverError) || !error.retryable) throw error;
      await call((sim) => sim.sleep(1));
    }
  }
}

async function remember<T>(api: StepApi, name: string, f: () => Promise<T>): Promise<T> {
  if (api.memo.has(name)) return api.memo.get(name) as T;
  const value = await f();
  api.memo.set(name, value);
  return value;
}

/** Starts a migration and polls it (5 virtual seconds apart) until it ends. */
async function migrated(
  api: StepApi,
  instance: string,
  mode: 'live' | 'cold',
  key: string,
  destination?: string,
): Promise<string> {
  const request = { instance, mode, ...(destination === undefined ? {} : { destination }) };
  const started = await retrying(api.call, (sim) => sim.migrate(request, ctx(key)));
  for (;;) {
    const s = await retrying(api.call, (sim) => sim.migrationStatus(started.id));
    if (s.state !== 'queued' && s.state !== 'running') return s.state;
    await api.call((sim) => sim.sleep(5));
  }
}

/** Migrates until it completes, a new attempt (and key) after each failure. */
async function migratedForSure(
  api: StepApi,
  instance: string,
  mode: 'live' | 'cold',
  key: string,
): Promise<void> {
  for (let attempt = 1; attempt <= 5; attempt++)
    if ((await migrated(api, instance, mode, `${key}/${attempt}`)) === 'completed') return;
  throw new Error(`${instance} could not be migrated`);
}

const install = (component: string, version: string) =>
  ({ kind: 'install', component, version }) as const;

const notice = (vnf: string, host: string, instances: string[]) => ({
  vnf,
  host,
  instances,
  leadTime: 60,
  deadline: 300,
});

export const SCRIPT: readonly Step[] = [
  {
    name: 'disable scale-up',
    run: async (api) => {
      const before = await remember(api, 'scale-up', () =>
        retrying(api.call, (sim) => sim.getScaleUp()),
      );
      await retrying(api.call, (sim) =>
        sim.setScaleUp(
          { enabled: false, detail: { ...before.detail, instances: 0 } },
          ctx('scale-off'),
        ),
      );
    },
  },
  {
    name: 'evacuate c1',
    run: async (api) => {
      await retrying(api.call, (sim) =>
        sim.notifyVnfm(notice('pair', 'c1', ['pair-1']), ctx('c1/notify-pair')),
      );
      await retrying(api.call, (sim) =>
        sim.notifyVnfm(notice('solo', 'c1', ['solo-1']), ctx('c1/notify-solo')),
      );
      await retrying(api.call, (sim) =>
        sim.setScheduling('c1', { enabled: false }, ctx('c1/disable')),
      );
      // Both at once: the scheduler places them one after the other at the same virtual time.
      await Promise.all([
        migratedForSure(api, 'solo-1', 'live', 'c1/move-solo-1'),
        migratedForSure(api, 'pair-1', 'live', 'c1/move-pair-1'),
      ]);
    },
  },
  {
    name: 'upgrade c1',
    run: async (api) => {
      const ref = await remember(api, 'c1/backup', () =>
        retrying(api.call, (sim) => sim.backup('c1', ['versions', 'config'], ctx('c1/backup'))),
      );
      await retrying(api.call, (sim) =>
        sim.hostAction('c1', install('kernel', '6.1.90-1'), ctx('c1/install-kernel')),
      );
      for (let attempt = 1; ; attempt++)
        try {
          await retrying(api.call, (sim) =>
            sim.hostAction(
              'c1',
              install('nova-compute', '27.1.0'),
              ctx(`c1/install-nova/${attempt}`),
            ),
          );
          break;
        } catch (error) {
          if (!(error instanceof DriverError) || error.kind !== 'failed' || attempt >= 3)
            throw error;
        }
      await retrying(api.call, (sim) =>
        sim.hostAction('c1', { kind: 'command', command: 'nova-manage db sync' }, ctx('c1/sync')),
      );
      await retrying(api.call, (sim) => sim.hostAction('c1', { kind: 'reboot' }, ctx('c1/reboot')));
      await retrying(api.call, (sim) => sim.health('c1'));
      // The configuration goes back to the backup's; the versions stay upgraded.
      await retrying(api.call, (sim) =>
        sim.restore({ ...ref, items: ['config'] }, ctx('c1/restore-config')),
      );
      await retrying(api.call, (sim) =>
        sim.setScheduling('c1', { enabled: true }, ctx('c1/enable')),
      );
      await retrying(api.call, (sim) =>
        sim.notifyVnfm(notice('pair', 'c1', []), ctx('c1/notify-done')),
      );
    },
  },
  {
    name: 'evacuate c2',
    run: async (api) => {
      await retrying(api.call, (sim) =>
        sim.setScheduling('c2', { enabled: false }, ctx('c2/disable')),
      );
      await migratedForSure(api, 'cold-1', 'cold', 'c2/move-cold-1');
      await migratedForSure(api, 'pair-2', 'live', 'c2/move-pair-2');
    },
  },
  {
    name: 'upgrade c2 (hangs 200 s)',
    run: async (api) => {
      await retrying(api.call, (sim) =>
        sim.hostAction('c2', install('kernel', '6.1.90-1'), ctx('c2/install-kernel')),
      );
      await retrying(api.call, (sim) =>
        sim.hostAction('c2', { kind: 'restart', component: 'nova-compute' }, ctx('c2/restart')),
      );
      await retrying(api.call, (sim) => sim.health('c2'));
      await retrying(api.call, (sim) =>
        sim.setScheduling('c2', { enabled: true }, ctx('c2/enable')),
      );
    },
  },
  {
    name: 'stop and start solo-1',
    run: async (api) => {
      await retrying(api.call, (sim) => sim.stopInstance('solo-1', ctx('solo-1/stop')));
      await api.call((sim) => sim.sleep(10));
      await retrying(api.call, (sim) => sim.startInstance('solo-1', ctx('solo-1/start')));
    },
  },
  {
    name: 'c3: a trial upgrade undone, an aborted move',
    run: async (api) => {
      const ref = await remember(api, 'c3/backup', () =>
        retrying(api.call, (sim) => sim.backup('c3', ['versions'], ctx('c3/backup'))),
      );
      await retrying(api.call, (sim) =>
        sim.hostAction('c3', install('kernel', '6.1.99-1'), ctx('c3/install-kernel')),
      );
      await retrying(api.call, (sim) => sim.health('c3'));
      await retrying(api.call, (sim) =>
        sim.hostAction('c3', { kind: 'command', command: 'true' }, ctx('c3/check')),
      );
      await retrying(api.call, (sim) => sim.restore(ref, ctx('c3/restore')));
      const m = await retrying(api.call, (sim) =>
        sim.migrate({ instance: 'solo-1', mode: 'live', destination: 'c2' }, ctx('c3/move')),
      );
      await api.call((sim) => sim.sleep(2));
      await retrying(api.call, (sim) => sim.abortMigration(m.id, ctx('c3/abort')));
    },
  },
  {
    name: 'reboot c4 (never returns)',
    run: async (api) => {
      try {
        await retrying(api.call, (sim) =>
          sim.hostAction('c4', { kind: 'reboot' }, ctx('c4/reboot')),
        );
      } catch (error) {
        if (!(error instanceof DriverError) || error.kind !== 'failed') throw error;
      }
    },
  },
  {
    name: 'restore scale-up',
    run: async (api) => {
      const before = await remember(api, 'scale-up', () =>
        retrying(api.call, (sim) => sim.getScaleUp()),
      );
      await retrying(api.call, (sim) => sim.setScaleUp(before, ctx('scale-on')));
    },
  },
];

/** What must come out the same whether or not the process died on the way. */
export function finalWorld(sim: SimDriver) {
  const world = sim.world;
  return {
    hosts: [...world.hosts.values()].map((h) => ({
      name: h.name,
      state: h.state,
      scheduling: h.scheduling,
      components: Object.fromEntries(h.components),
      config: h.config,
      alarms: h.alarms.map((a) => a.code),
    })),
    instances: [...world.instances.values()].map((i) => ({
      name: i.name,
      host: i.host,
      power: i.power,
    })),
    scaleUp: world.scaleUp,
    backups: [...world.backups.keys()],
    sideEffects: sim.sideEffects(),
    keys: [...sim.sideEffectsByKey().keys()].sort(),
    notices: sim.vnfmNotices().map((n) => [n.notice.vnf, n.notice.host, n.answer.kind]),
  };
}
