import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DocumentError } from '../../campaign/problems.js';
import { DriverError, type OperationContext } from '../driver.js';
import { SimDriver } from './driver.js';
import { scenarioFromData, scenarioFromText, type Scenario } from './scenario.js';
import { loadScenario } from './scenario-file.js';
import { smallCloud } from './testing/cloud.js';

let keys = 0;
const ctx = (key = `k${++keys}`): OperationContext => ({
  idempotencyKey: key,
  campaign: 'c',
  run: 'r',
});

const scenario = (faults: unknown[], seed?: number): Scenario =>
  scenarioFromData({
    apiVersion: 'escalator.dev/v1alpha1',
    kind: 'Scenario',
    metadata: { name: 'test' },
    spec: { ...(seed === undefined ? {} : { seed }), faults },
  });
const twin = (faults: unknown[], seed?: number) =>
  new SimDriver(smallCloud(), { scenario: scenario(faults, seed) });

async function failure(p: Promise<unknown>): Promise<DriverError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DriverError) return e;
    throw e;
  }
  throw new Error('expected a DriverError');
}

async function settle(sim: SimDriver, id: string) {
  for (;;) {
    const s = await sim.migrationStatus(id);
    if (s.state !== 'queued' && s.state !== 'running') return s;
    await sim.sleep(1);
  }
}

const kernel = { kind: 'install', component: 'kernel', version: '6.1.90-1' } as const;

describe('scenario faults', () => {
  it('install-fails: the install on that host fails, versions unchanged, an alarm raised', async () => {
    const sim = twin([{ 'install-fails': { host: 'c1', component: 'kernel' } }]);
    const e = await failure(sim.hostAction('c1', kernel, ctx()));
    expect(e).toMatchObject({ kind: 'failed', subject: 'c1' });
    const health = await sim.health('c1');
    expect(health.components['kernel']).toBe('6.1.76-1');
    expect(health.alarms.map((a) => a.code)).toEqual(['package-install-failed']);
    // Other hosts and components are not affected.
    await expect(sim.hostAction('c2', kernel, ctx())).resolves.toMatchObject({ ok: true });
    await expect(
      sim.hostAction('c1', { kind: 'install', component: 'nova-compute', version: '27' }, ctx()),
    ).resolves.toMatchObject({ ok: true });
  });

  it('install-fails with a count: a retry under a new key succeeds', async () => {
    const sim = twin([{ 'install-fails': { host: 'c1', count: 1 } }]);
    await failure(sim.hostAction('c1', kernel, ctx('a')));
    // The same key gives the same failure, not a second attempt.
    await failure(sim.hostAction('c1', kernel, ctx('a')));
    await expect(sim.hostAction('c1', kernel, ctx('b'))).resolves.toMatchObject({ ok: true });
  });

  it('hang: the step takes `for` longer, once', async () => {
    const sim = twin([{ hang: { host: 'c1', step: 'install', for: '1h' } }]);
    await sim.hostAction('c1', kernel, ctx());
    expect(sim.now()).toBe(300 + 3600);
    await sim.hostAction('c1', kernel, ctx());
    expect(sim.now()).toBe(300 + 3600 + 300);
  });

  it('migration-fails: the migration fails halfway and the instance stays', async () => {
    const sim = twin([{ 'migration-fails': { instance: 'solo-1' } }]);
    const m = await sim.migrate({ instance: 'solo-1', mode: 'live' }, ctx());
    const s = await settle(sim, m.id);
    expect(s).toMatchObject({ state: 'failed', source: 'c1' });
    expect(s.error).toMatch(/failed/);
    const inv = await sim.discover();
    expect(inv.instances.find((i) => i.name === 'solo-1')?.host).toBe('c1');
    expect(sim.world.host('c3')?.usedVcpu).toBe(0);
    const other = await sim.migrate({ instance: 'pair-1', mode: 'live' }, ctx());
    expect((await settle(sim, other.id)).state).toBe('completed');
  });

  it('host-never-returns: a reboot ends `failed`, the host and its instances stay down', async () => {
    const sim = twin([{ 'host-never-returns': { host: 'c1' } }]);
    const e = await failure(sim.hostAction('c1', { kind: 'reboot' }, ctx()));
    expect(e).toMatchObject({ kind: 'failed', subject: 'c1' });
    const health = await sim.health('c1');
    expect(health.state).toBe('down');
    expect(health.alarms.map((a) => a.code)).toContain('host-unreachable');
    const [solo] = await sim.probe(0);
    expect(solo?.vnf).toBe('solo');
    expect(solo?.interruptions[0]).toEqual({ at: 0, ms: sim.now() * 1000 });
  });

  it('vnfm: nack with the reason, silent, switch-over, ack after a delay', async () => {
    const sim = twin([
      { vnfm: { vnf: 'solo', answer: 'nack', reason: 'busy' } },
      { vnfm: { vnf: 'pair', answer: 'switch-over', delay: '3s' } },
      { vnfm: { vnf: 'cold', answer: 'silent' } },
    ]);
    const notice = (vnf: string) => ({ vnf, host: 'c1', instances: [], leadTime: 0, deadline: 60 });
    expect(await sim.notifyVnfm(notice('solo'), ctx())).toEqual({ kind: 'nack', reason: 'busy' });
    expect(await sim.notifyVnfm(notice('pair'), ctx())).toEqual({ kind: 'switched-over' });
    const t = sim.now();
    expect(await sim.notifyVnfm(notice('cold'), ctx())).toEqual({ kind: 'silent' });
    expect(sim.now() - t).toBe(60);
    const acker = twin([{ vnfm: { vnf: 'solo', answer: 'ack', delay: '20s' } }]);
    expect(await acker.notifyVnfm(notice('solo'), ctx())).toEqual({ kind: 'ack' });
    expect(acker.now()).toBe(20);
  });

  it('driver-errors transient: the next calls fail retryably, without acting', async () => {
    const sim = twin([
      { 'driver-errors': { operation: 'setScheduling', kind: 'transient', count: 2 } },
    ]);
    for (let i = 0; i < 2; i++) {
      const e = await failure(sim.setScheduling('c1', { enabled: false }, ctx('same')));
      expect(e).toMatchObject({ kind: 'transient', retryable: true });
    }
    expect(sim.sideEffects()).toEqual({});
    await expect(sim.setScheduling('c1', { enabled: false }, ctx('same'))).resolves.toMatchObject({
      enabled: false,
    });
    expect(sim.sideEffects()).toEqual({ setScheduling: 1 });
  });

  it('driver-errors timeout: the call times out but acted; the retry gets the first outcome', async () => {
    const sim = twin([{ 'driver-errors': { operation: 'hostAction', kind: 'timeout', count: 1 } }]);
    const e = await failure(sim.hostAction('c1', kernel, ctx('install')));
    expect(e).toMatchObject({ kind: 'timeout', retryable: true });
    expect(sim.now()).toBe(30);
    await expect(sim.hostAction('c1', kernel, ctx('install'))).resolves.toMatchObject({ ok: true });
    expect(sim.now()).toBe(300);
    expect(sim.sideEffects()).toEqual({ install: 1 });
    expect(sim.duplicates()).toEqual([]);
  });

  it('driver-errors for a while: every call in the window fails, none after', async () => {
    const sim = twin([{ 'driver-errors': { kind: 'transient', after: '10s', for: '1m' } }]);
    await expect(sim.health('c1')).resolves.toMatchObject({ state: 'up' });
    await sim.sleep(10);
    expect((await failure(sim.health('c1'))).kind).toBe('transient');
    expect((await failure(sim.discover())).kind).toBe('transient');
    await sim.sleep(60);
    await expect(sim.health('c1')).resolves.toMatchObject({ state: 'up' });
  });

  it('faults with a probability are the same for the same seed', async () => {
    const run = async (seed: number) => {
      const sim = twin(
        [{ 'driver-errors': { kind: 'transient', count: 100, probability: 0.5 } }],
        seed,
      );
      const outcomes: boolean[] = [];
      for (let i = 0; i < 40; i++)
        outcomes.push(
          await sim.health('c1').then(
            () => true,
            () => false,
          ),
        );
      return outcomes;
    };
    const a = await run(7);
    expect(await run(7)).toEqual(a);
    expect(a).toContain(true);
    expect(a).toContain(false);
    expect(await run(8)).not.toEqual(a);
  });
});

describe('scenario documents', () => {
  it('reads a YAML scenario from a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'escalator-scenario-'));
    const file = join(dir, 'night.yaml');
    await writeFile(
      file,
      [
        'apiVersion: escalator.dev/v1alpha1',
        'kind: Scenario',
        'metadata: { name: night }',
        'spec:',
        '  seed: 3',
        '  faults:',
        '    - hang: { step: evacuate, for: 90s }',
        '    - driver-errors: { kind: timeout, for: 5m }',
        '',
      ].join('\n'),
    );
    expect(await loadScenario(file)).toEqual({
      name: 'night',
      seed: 3,
      faults: [
        { kind: 'hang', step: 'evacuate', seconds: 90, count: 1 },
        { kind: 'driver-errors', error: 'timeout', seconds: 300, afterSeconds: 0 },
      ],
    });
  });

  it('reports every problem with file:line:column', () => {
    const text = [
      'apiVersion: escalator.dev/v1alpha1',
      'kind: Scenario',
      'metadata: { name: bad }',
      'spec:',
      '  faults:',
      '    - hang: { step: instal, for: 1h }',
      '    - migration-fails: { count: 2 }',
      '    - vnfm: { vnf: v1, answer: ack, dealy: 5s }',
      '    - driver-errors: { kind: timeout }',
      '    - explode: { host: c1 }',
      '',
    ].join('\n');
    let error: unknown;
    try {
      scenarioFromText(text, 'bad.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DocumentError);
    const lines = (error as DocumentError).details;
    expect(lines).toEqual([
      expect.stringMatching(/^bad\.yaml:6:21 spec\.faults\[0\]\.hang\.step: expected .*install/),
      'bad.yaml:8:37 spec.faults[2].vnfm.dealy: unknown field "dealy"',
      'bad.yaml:10:7 spec.faults[4].explode: unknown field "explode"',
    ]);
  });

  it('reports semantic problems of a valid-looking scenario at their place', () => {
    const text = [
      'apiVersion: escalator.dev/v1alpha1',
      'kind: Scenario',
      'metadata: { name: bad }',
      'spec:',
      '  faults:',
      '    - migration-fails: { count: 2 }',
      '    - driver-errors: { kind: timeout }',
      '',
    ].join('\n');
    expect(() => scenarioFromText(text, 'sem.yaml')).toThrow(
      /sem\.yaml:6:24 spec\.faults\[0\]\.migration-fails: migration-fails needs an instance or a host[\s\S]*sem\.yaml:7:22 spec\.faults\[1\]\.driver-errors: driver-errors needs either a count or a duration/,
    );
  });
});
