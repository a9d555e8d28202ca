// A process driving a persistent twin (the built dist/) through a rolling upgrade of three hosts,
// as `escalator apply --target sim` would: it keeps its progress in a side file (the engine's
// store), retries an unfinished step with the same idempotency keys when it starts again, and
// checkpoints the twin after each step. persist.test.ts SIGKILLs it at random moments and starts
// it again until it finishes; it then prints what the world looks like.
//
//   node crash-child.mjs <state file> <progress file> <init JSON file>
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { openPersistentSim } from '../../../../dist/drivers/sim/persist.js';

const [statePath, progressPath, initPath] = process.argv.slice(2);
const init = JSON.parse(readFileSync(initPath, 'utf8'));
const done = new Set(
  existsSync(progressPath) ? readFileSync(progressPath, 'utf8').split('\n').filter(Boolean) : [],
);
const sim = await openPersistentSim(statePath, init);
process.stdout.write(`open ${sim.now()}\n`);

const ctx = (key) => ({ idempotencyKey: `run-1/${key}`, campaign: 'crash', run: 'run-1' });
/** The engine's own I/O between polls: wall time passes, virtual time stands still. */
const io = () => sim.busy(() => new Promise((resolve) => setTimeout(resolve, 2)));

async function retrying(f) {
  for (;;) {
    try {
      return await f();
    } catch (error) {
      if (!error.retryable) throw error;
      await sim.sleep(1);
    }
  }
}

/** Waits for an operation as an engine polls: a little wall time per 10 virtual seconds. */
async function polled(promise) {
  let settled = false;
  const result = promise.finally(() => (settled = true));
  result.catch(() => undefined); // awaited below, once settled
  while (!settled) {
    await io();
    await sim.sleep(10);
  }
  return result;
}

async function moved(instance, mode, key) {
  const m = await retrying(() => sim.migrate({ instance, mode }, ctx(key)));
  for (;;) {
    const s = await retrying(() => sim.migrationStatus(m.id));
    if (s.state === 'completed') return;
    if (s.state !== 'queued' && s.state !== 'running') throw new Error(`${key}: ${s.state}`);
    await io();
    await sim.sleep(5);
  }
}

async function step(id, work) {
  if (done.has(id)) return;
  await work();
  // The progress file is this process's store: written inside busy(), as the engine writes.
  await sim.busy(async () => appendFileSync(progressPath, `${id}\n`));
  sim.checkpoint();
  process.stdout.write(`step ${id} ${sim.now()}\n`);
}

for (const host of ['c1', 'c2', 'c3']) {
  await step(`${host}/disable`, () =>
    retrying(() => sim.setScheduling(host, { enabled: false }, ctx(`${host}/disable`))),
  );
  await step(`${host}/evacuate`, async () => {
    const inventory = await sim.discover();
    for (const i of inventory.instances.filter((i) => i.host === host))
      await moved(i.name, i.migration === 'live' ? 'live' : 'cold', `${host}/move/${i.name}`);
  });
  for (const [component, version] of [
    ['kernel', '6.1.90-1'],
    ['nova-compute', '27.1.0'],
  ])
    await step(`${host}/install/${component}`, () =>
      polled(
        retrying(() =>
          sim.hostAction(
            host,
            { kind: 'install', component, version },
            ctx(`${host}/${component}`),
          ),
        ),
      ),
    );
  await step(`${host}/reboot`, () =>
    polled(retrying(() => sim.hostAction(host, { kind: 'reboot' }, ctx(`${host}/reboot`)))),
  );
  await step(`${host}/enable`, () =>
    retrying(() => sim.setScheduling(host, { enabled: true }, ctx(`${host}/enable`))),
  );
}

await sim.runUntilIdle();
const world = sim.world;
const result = {
  hosts: [...world.hosts.values()].map((h) => ({
    name: h.name,
    state: h.state,
    scheduling: h.scheduling,
    components: Object.fromEntries(h.components),
  })),
  instances: [...world.instances.values()].map((i) => ({
    name: i.name,
    host: i.host,
    power: i.power,
  })),
  sideEffects: sim.sideEffects(),
  byKey: Object.fromEntries(sim.sideEffectsByKey()),
  duplicates: sim.duplicates(),
};
sim.close();
process.stdout.write(`result ${JSON.stringify(result)}\n`);
