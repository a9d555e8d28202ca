import { spawn } from 'node:child_process';
import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { EscalatorError } from '../../model/index.js';
import type { OperationContext } from '../driver.js';
import { SimDriver, type SimState } from './driver.js';
import type { PersistentSim } from './persist.js';
import {
  CHECKPOINT_LINES,
  SIM_STATE_FORMAT,
  SIM_STATE_VERSION,
  loadSimState,
  openPersistentSim,
  type SimInit,
} from './persist.js';
import { Rng } from './rng.js';
import { smallCloud } from './testing/cloud.js';
import {
  Killed,
  SCRIPT,
  SCRIPT_OPTIONS,
  finalWorld,
  type Call,
  type Memo,
  type Step,
} from './testing/upgrade-script.js';

const dirs: string[] = [];
const tempFile = (name = 'sim.jsonl'): string => {
  const dir = mkdtempSync(join(tmpdir(), 'escalator-sim-'));
  dirs.push(dir);
  return join(dir, name);
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The script's twin, with its scenario of faults. */
const INIT: SimInit = { inventory: smallCloud(), options: SCRIPT_OPTIONS };
/** A twin without faults. */
const PLAIN: SimInit = { inventory: smallCloud() };
const ctx = (key: string): OperationContext => ({
  idempotencyKey: key,
  campaign: 'zed-to-antelope',
  run: 'run-1',
});
const lines = (path: string): string[] => readFileSync(path, 'utf8').split('\n').slice(0, -1);

/**
 * Writes edited lines of a checkpointed file, its header's line sizes made to match them (as if
 * the twin had written them so): to test what the lines say, not where they are.
 */
function writeLines(path: string, text: readonly string[]): void {
  const [head, ...rest] = text;
  const header = JSON.parse(head as string) as { checkpoint: { parts: number; sizes: number[] } };
  header.checkpoint.sizes = rest
    .slice(0, header.checkpoint.parts + 1)
    .map((l) => Buffer.byteLength(l, 'utf8') + 1);
  writeFileSync(path, `${[JSON.stringify(header), ...rest].join('\n')}\n`);
}

async function stateError(promise: Promise<unknown>): Promise<EscalatorError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof EscalatorError) return error;
    throw error;
  }
  throw new Error('expected an EscalatorError');
}

/** The script on a plain in-memory twin: what a run that never dies ends with. */
async function uninterrupted(): Promise<{ sim: SimDriver }> {
  const sim = new SimDriver(INIT.inventory, SCRIPT_OPTIONS);
  const memo: Memo = new Map();
  for (const step of SCRIPT) await step.run({ call: (f) => f(sim), memo });
  await sim.runUntilIdle();
  return { sim };
}

interface Interrupted {
  readonly sim: PersistentSim;
  readonly kills: number;
  /** Deaths before the call reached the twin, with the call in flight, after it ended. */
  readonly ways: readonly number[];
  /** Deaths while the twin had operations in flight. */
  readonly inFlight: number;
  readonly checkpoints: number;
}

/** Deaths per step (fewer when a step ends before): some 24 in the whole run. */
const DEATHS_PER_STEP = 3;

/**
 * The script on a persistent twin whose process "dies" three times in each step, at a call
 * drawn among those the attempt would make (counted by a dry run on a copy of the twin): before
 * the call reaches the twin, just after (the call in flight), or once it has ended (its answer
 * lost), chosen at random. The dead twin writes nothing more; the step is retried whole on the
 * twin reopened from the file. At each death the replayed twin is checked against the dead one:
 * the same virtual time, and once both have run their in-flight operations to the end, the
 * same state (world, outcomes by key, counters, migrations, notices, fault strikes and draws).
 */
async function interrupted(path: string, rng: Rng, checkpoints: boolean): Promise<Interrupted> {
  let kills = 0;
  let inFlight = 0;
  let written = 0;
  const ways = [0, 0, 0];
  let killedAt = Number.NaN;
  const attempt = (sim: PersistentSim, dieAt: number | undefined): Call => {
    let dead = false;
    let calls = 0;
    return async (f) => {
      if (dead) throw new Killed();
      if (++calls !== dieAt) return f(sim);
      const way = rng.int(0, 2);
      ways[way] = (ways[way] ?? 0) + 1;
      if (way === 1) f(sim).catch(() => undefined);
      if (way === 2) await f(sim).catch(() => undefined);
      if (!dead) {
        dead = true;
        killedAt = sim.now();
        if (sim.busyWith() !== undefined) inFlight++;
        sim.close();
      }
      throw new Killed();
    };
  };
  /** The calls an attempt at `step` makes from here, counted on a copy (the twin held meanwhile). */
  const callsAhead = (sim: PersistentSim, step: Step, memo: Memo): Promise<number> =>
    sim.busy(async () => {
      const copy = await loadSimState(path);
      let calls = 0;
      await step.run({
        call: (f) => {
          calls++;
          return f(copy);
        },
        memo: new Map(memo),
      });
      return calls;
    });
  let sim = await openPersistentSim(path, INIT);
  const memo: Memo = new Map();
  for (const step of SCRIPT) {
    for (let deaths = 0; ;) {
      const dieAt =
        deaths < DEATHS_PER_STEP ? rng.int(1, await callsAhead(sim, step, memo)) : undefined;
      try {
        await step.run({ call: attempt(sim, dieAt), memo });
        break;
      } catch (error) {
        if (!(error instanceof Killed)) throw error;
        kills++;
        deaths++;
        const copy = await loadSimState(path);
        expect(copy.now(), `${step.name}: time after reopening`).toBe(killedAt);
        await Promise.all([sim.runUntilIdle(), copy.runUntilIdle()]);
        expect(copy.state(), `${step.name}: state replayed`).toEqual(sim.state());
        sim = await openPersistentSim(path, INIT);
      }
    }
    if (checkpoints && sim.checkpoint()) written++;
  }
  await sim.runUntilIdle();
  return { sim, kills, ways, inFlight, checkpoints: written };
}

describe('persistent sim: a run killed three times in every step ends as a run never killed', () => {
  it.each([
    { checkpoints: false, seed: 1 },
    { checkpoints: true, seed: 2 },
  ])(
    'same final world, no side effect applied twice (checkpoints: $checkpoints)',
    async ({ checkpoints, seed }) => {
      const baseline = await uninterrupted();
      const path = tempFile();
      const run = await interrupted(path, new Rng(seed), checkpoints);

      expect(run.kills).toBeGreaterThanOrEqual(24);
      expect(run.ways.every((n) => n > 0)).toBe(true);
      expect(run.inFlight).toBeGreaterThanOrEqual(8);
      if (checkpoints) expect(run.checkpoints).toBeGreaterThan(3);
      expect(finalWorld(run.sim)).toEqual(finalWorld(baseline.sim));
      expect(run.sim.duplicates()).toEqual([]);
      const counts = [...run.sim.sideEffectsByKey()];
      expect(counts.length).toBe(baseline.sim.sideEffectsByKey().size);
      expect(counts.filter(([, n]) => n !== 1)).toEqual([]);
      // The world really went through it all.
      expect(finalWorld(run.sim).hosts.find((h) => h.name === 'c1')?.components).toEqual({
        kernel: '6.1.90-1',
        'nova-compute': '27.1.0',
      });
      expect(run.sim.world.host('c4')?.state).toBe('down');
      run.sim.close();

      // A later command (rollback) opens the same world again.
      const later = await openPersistentSim(path);
      expect(finalWorld(later)).toEqual(finalWorld(run.sim));
      expect(later.now()).toBe(run.sim.now());
      later.close();
    },
  );
});

describe('persistent sim: operations in flight', () => {
  it('an install that had 200 of its 300 virtual seconds left finishes after reopening, once', async () => {
    const path = tempFile();
    const install = { kind: 'install', component: 'kernel', version: '6.1.90-1' } as const;
    const first = await openPersistentSim(path, { inventory: smallCloud() });
    void first.hostAction('c1', install, ctx('install')).catch(() => undefined);
    await first.sleep(100);
    first.close(); // as a SIGKILL: nothing more is written

    const second = await openPersistentSim(path, { inventory: smallCloud() });
    expect(second.now()).toBe(100);
    expect(second.world.host('c1')?.components.get('kernel')).toBe('6.1.76-1');
    const again = await second.hostAction('c1', install, ctx('install'));
    expect(again).toEqual({ ok: true, output: 'kernel: 6.1.76-1 → 6.1.90-1' });
    expect(second.now()).toBe(300);
    expect(second.sideEffects()).toEqual({ install: 1 });
    expect(second.duplicates()).toEqual([]);
    second.close();
  });

  it('a running migration continues and a retry with its key gets the same migration', async () => {
    const path = tempFile();
    const slow: SimInit = { inventory: smallCloud(), options: { cost: SCRIPT_OPTIONS.cost } };
    const first = await openPersistentSim(path, slow);
    const m = await first.migrate({ instance: 'solo-1', mode: 'live' }, ctx('move'));
    await first.sleep(50);
    expect((await first.migrationStatus(m.id)).state).toBe('running');
    first.close();

    const second = await openPersistentSim(path, slow);
    const again = await second.migrate({ instance: 'solo-1', mode: 'live' }, ctx('move'));
    expect(again).toMatchObject({ id: m.id, state: 'running' });
    await second.runUntilIdle();
    expect(await second.migrationStatus(m.id)).toMatchObject({ state: 'completed' });
    expect(second.sideEffects()).toEqual({ migrate: 1 });
    second.close();
  });

  it('a fault strike consumed by a read is not struck again after reopening', async () => {
    const path = tempFile();
    const init: SimInit = {
      inventory: smallCloud(),
      options: {
        scenario: {
          name: 'flaky',
          seed: 1,
          faults: [
            {
              kind: 'driver-errors',
              operation: 'health',
              error: 'transient',
              count: 1,
              afterSeconds: 0,
            },
          ],
        },
      },
    };
    const first = await openPersistentSim(path, init);
    await expect(first.health('c1')).rejects.toMatchObject({ kind: 'transient' });
    first.close();
    const second = await openPersistentSim(path, init);
    await expect(second.health('c1')).resolves.toMatchObject({ state: 'up' });
    second.close();
    // Reads that struck nothing are not logged.
    const third = await openPersistentSim(path, init);
    await third.health('c2');
    await third.discover();
    third.close();
    expect(lines(path).filter((l) => l.includes('"op"'))).toHaveLength(1);
  });
});

describe('persistent sim: a real process killed with SIGKILL', () => {
  const CHILD = fileURLToPath(new URL('./testing/crash-child.mjs', import.meta.url));

  interface Exit {
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
    readonly stdout: string;
    readonly stderr: string;
  }

  function child(dir: string, killAfterMs?: number): Promise<Exit> {
    return new Promise((resolve, reject) => {
      const p = spawn(
        process.execPath,
        [CHILD, join(dir, 'sim.jsonl'), join(dir, 'progress'), join(dir, 'init.json')],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      p.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      p.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const timer =
        killAfterMs === undefined ? undefined : setTimeout(() => p.kill('SIGKILL'), killAfterMs);
      p.on('error', reject);
      p.on('close', (code, signal) => {
        if (timer !== undefined) clearTimeout(timer);
        resolve({ code, signal, stdout, stderr });
      });
    });
  }

  const resultOf = (exit: Exit): unknown => {
    expect(exit.stderr).toBe('');
    expect(exit.code).toBe(0);
    const line = exit.stdout.split('\n').find((l) => l.startsWith('result '));
    return JSON.parse((line ?? 'result null').slice('result '.length)) as unknown;
  };

  const folder = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'escalator-sim-child-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'init.json'), JSON.stringify({ inventory: smallCloud() }));
    return dir;
  };

  it('is killed mid-run again and again, and ends as a process never killed', async () => {
    const calm = resultOf(await child(folder()));

    const dir = folder();
    const rng = new Rng(5);
    let kills = 0;
    let last: Exit | undefined;
    for (let life = 0; life < 60; life++) {
      // Later lives get longer, so the run surely ends.
      last = await child(dir, rng.int(60, 200) + life * 10);
      if (last.signal === 'SIGKILL') kills++;
      else break;
    }
    expect(last?.signal).toBeNull();
    expect(kills).toBeGreaterThanOrEqual(3);
    const killed = resultOf(last as Exit) as {
      duplicates: string[];
      byKey: Record<string, number>;
    };
    expect(killed).toEqual(calm);
    expect(killed.duplicates).toEqual([]);
    expect(Object.values(killed.byKey).every((n) => n === 1)).toBe(true);
    expect(Object.keys(killed.byKey).length).toBeGreaterThan(20);
  });
});

describe('persistent sim: a torn last line', () => {
  it('is dropped, everything before it kept, and the log goes on after it', async () => {
    const path = tempFile();
    const first = await openPersistentSim(path, PLAIN);
    await first.setScheduling('c1', { enabled: false }, ctx('off'));
    void first
      .hostAction('c2', { kind: 'install', component: 'kernel', version: '6.2' }, ctx('i'))
      .catch(() => undefined);
    await first.sleep(10);
    first.close();
    const whole = await loadSimState(path);
    const wholeTime = whole.now(); // its clock runs on from here
    const size = readFileSync(path).length;
    appendFileSync(path, '{"t":10,"k":0,"op":"setScheduling","a":["c3",{"enab');

    const second = await openPersistentSim(path, PLAIN);
    expect(readFileSync(path).length).toBe(size); // the fragment is gone
    expect(second.now()).toBe(wholeTime);
    await Promise.all([second.runUntilIdle(), whole.runUntilIdle()]);
    expect(second.state()).toEqual(whole.state());
    await second.setScheduling('c3', { enabled: false }, ctx('off-3'));
    second.close();

    const third = await openPersistentSim(path, PLAIN);
    expect(third.world.host('c3')?.scheduling.enabled).toBe(false);
    expect(third.world.host('c2')?.components.get('kernel')).toBe('6.2');
    expect(third.sideEffects()).toEqual({ setScheduling: 2, install: 1 });
    third.close();
  });

  it('keeps a whole last line that only lacks its newline', async () => {
    const path = tempFile();
    const first = await openPersistentSim(path, PLAIN);
    await first.setScheduling('c1', { enabled: false }, ctx('off'));
    first.close();
    writeFileSync(path, readFileSync(path, 'utf8').replace(/\n$/, ''));
    const second = await openPersistentSim(path, PLAIN);
    expect(second.world.host('c1')?.scheduling.enabled).toBe(false);
    await second.setScheduling('c2', { enabled: false }, ctx('off-2'));
    second.close();
    const third = await openPersistentSim(path, PLAIN);
    expect(third.sideEffects()).toEqual({ setScheduling: 2 });
    third.close();
    // Even a lone start (the header and the inventory).
    const lone = tempFile();
    (await openPersistentSim(lone, PLAIN)).close();
    writeFileSync(lone, readFileSync(lone, 'utf8').replace(/\n$/, ''));
    const reopened = await openPersistentSim(lone, PLAIN);
    await reopened.setScheduling('c1', { enabled: false }, ctx('off'));
    reopened.close();
    // The inventory line, ended; the call on a line of its own; the clock's move after it.
    const after = lines(lone);
    expect(after).toHaveLength(4);
    expect(after[2]).toMatch(/^\{"t":0,"k":0,"op":"setScheduling"/);
    expect(after[3]).toMatch(/^\{"t":\d+(\.\d+)?,"k":\d+\}$/);
    expect((await loadSimState(lone)).sideEffects()).toEqual({ setScheduling: 1 });
  });
});

describe('persistent sim: files it cannot use are clear errors', () => {
  const write = (text: string): string => {
    const path = tempFile();
    writeFileSync(path, text);
    return path;
  };
  const header = JSON.stringify({
    format: SIM_STATE_FORMAT,
    version: 1,
    inventory: smallCloud(),
    options: {},
  });

  it('a corrupt header names the file and line 1', async () => {
    const path = write('{"format": "escalator-sim-st\n');
    const e = await stateError(openPersistentSim(path, INIT));
    expect(e.code).toBe('ESC_SIM_STATE');
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(`${path}:1:`);
    expect(e.message).toMatch(/not a sim state/);
  });

  it('a foreign file (an inventory in YAML) is not a sim state', async () => {
    const path = write('apiVersion: escalator.dev/v1alpha1\nkind: Inventory\n');
    const e = await stateError(openPersistentSim(path));
    expect(e.message).toMatch(new RegExp(`^${path}:1: not a sim state`));
  });

  it('an empty file, a folder and a missing file without an inventory are refused', async () => {
    expect((await stateError(openPersistentSim(write('')))).message).toMatch(/empty/);
    expect((await stateError(openPersistentSim(dirname(tempFile())))).message).toMatch(
      /not a file/,
    );
    const missing = tempFile();
    const e = await stateError(openPersistentSim(missing));
    expect(e.message).toMatch(/no sim state there; give the inventory/);
    expect(existsSync(missing)).toBe(false);
  });

  it('a file cut after its header (no inventory line) is refused, saying so', async () => {
    const v2 = JSON.stringify({
      format: SIM_STATE_FORMAT,
      version: SIM_STATE_VERSION,
      options: {},
    });
    const e = await stateError(openPersistentSim(write(`${v2}\n`)));
    expect(e.message).toMatch(/the inventory \(line 2\) is missing: the file was cut/);
  });

  it('a state from a newer Escalator asks for an upgrade', async () => {
    const path = write(`${header.replace('"version":1', `"version":${SIM_STATE_VERSION + 1}`)}\n`);
    expect((await stateError(openPersistentSim(path))).message).toMatch(/newer Escalator/);
  });

  it('a corrupt line in the middle names its line', async () => {
    const call = `{"t":0,"k":0,"op":"setScheduling","a":["c1",{"enabled":false},${JSON.stringify(ctx('a'))}]}`;
    const path = write(`${header}\n${call}\n{"t":0,"k":0,"op":\n${call}\n`);
    const e = await stateError(openPersistentSim(path));
    expect(e.message).toContain(`${path}:3: corrupt line`);
    const unknown = write(`${header}\n{"t":0,"k":0,"op":"format","a":[]}\n`);
    expect((await stateError(openPersistentSim(unknown))).message).toContain(
      `${unknown}:2: unknown operation "format"`,
    );
    const badArgs = write(`${header}\n{"t":0,"k":0,"op":"stopInstance","a":["solo-1",{}]}\n`);
    expect((await stateError(openPersistentSim(badArgs))).message).toContain(
      `${badArgs}:2: expected an operation context`,
    );
    const backwards = write(`${header}\n{"t":5,"k":0}\n{"t":4,"k":0}\n`);
    expect((await stateError(openPersistentSim(backwards))).message).toContain(
      `${backwards}:3: the clock goes back`,
    );
  });

  it('another inventory or other options than the twin was made from are refused', async () => {
    const path = tempFile();
    (await openPersistentSim(path, INIT)).close();
    const inventory = smallCloud();
    const other = {
      ...inventory,
      hosts: inventory.hosts.map((h) => (h.name === 'c2' ? { ...h, state: 'down' as const } : h)),
    };
    const e = await stateError(openPersistentSim(path, { ...INIT, inventory: other }));
    expect(e.message).toContain('made from another inventory (inventory.hosts[2].state differs)');
    const o = await stateError(
      openPersistentSim(path, { inventory, options: { ...SCRIPT_OPTIONS, timeoutSeconds: 5 } }),
    );
    expect(o.message).toContain('another set of options (options.timeoutSeconds differs)');
    // The same inputs, keys in another order, are the same.
    const reordered = JSON.parse(JSON.stringify(INIT.inventory)) as Record<string, unknown>;
    const sameInventory = Object.fromEntries(Object.entries(reordered).reverse());
    (
      await openPersistentSim(path, {
        ...INIT,
        inventory: sameInventory as unknown as typeof inventory,
      })
    ).close();
  });

  it('a twin that is closed refuses side effects instead of losing them', async () => {
    const path = tempFile();
    const sim = await openPersistentSim(path, PLAIN);
    sim.close();
    const e = await stateError(sim.setScheduling('c1', { enabled: false }, ctx('late')));
    expect(e.message).toContain('closed');
    expect(sim.sideEffects()).toEqual({});
  });
});

describe('persistent sim: checkpoints', () => {
  it('holds lines back only until the caller does its own I/O (busy)', async () => {
    const path = tempFile();
    const sim = await openPersistentSim(path, PLAIN);
    const before = lines(path).length;
    await sim.setScheduling('c1', { enabled: false }, ctx('held'));
    expect(lines(path)).toHaveLength(before); // held back: nobody outside has seen it yet
    const seen = await sim.busy(() => Promise.resolve(lines(path).length));
    expect(seen).toBeGreaterThan(before); // written before the caller's own I/O ran
    sim.close();
    expect((await loadSimState(path)).sideEffects()).toEqual({ setScheduling: 1 });
  });

  it('splits a large saved state into part lines and reads it back whole', async () => {
    const path = tempFile();
    const sim = await openPersistentSim(path, PLAIN);
    const n = 45_000; // more than two parts' worth of outcomes
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        sim.setScheduling(`c${(i % 4) + 1}`, { enabled: i % 2 === 0 }, ctx(`bulk-${i}`)),
      ),
    );
    await sim.runUntilIdle();
    expect(sim.checkpoint()).toBe(true);
    const state = sim.state();
    sim.close();
    const outcomeLines = lines(path).filter((l) => l.startsWith('{"part":"outcomes"'));
    expect(outcomeLines.length).toBeGreaterThanOrEqual(3);
    const again = await openPersistentSim(path);
    expect(again.state()).toEqual(state);
    expect(again.sideEffects()).toEqual({ setScheduling: n });
    again.close();
    // A file cut among its part lines is refused, not half-read.
    const cut = tempFile('cut.jsonl');
    writeFileSync(cut, `${lines(path).slice(0, 3).join('\n')}\n`);
    const e = await stateError(openPersistentSim(cut));
    expect(e.message).toMatch(
      /cut\.jsonl: the saved state ends at byte \d+ by its header, the file at \d+: the file was cut/,
    );
    const whole = await stateError(loadSimState(cut));
    expect(whole.message).toMatch(/cut\.jsonl: the saved state has 1 of its \d+ part lines/);
  });

  it('checkpoints when the engine says it is settled, once the log has grown enough', async () => {
    const path = tempFile();
    const sim = await openPersistentSim(path, PLAIN);
    await sim.setScheduling('c1', { enabled: false }, ctx('one'));
    sim.settled();
    sim.flush();
    expect(lines(path).length).toBeGreaterThan(1); // not yet: the log is short
    expect(JSON.parse(lines(path)[0] as string)).not.toHaveProperty('checkpoint');
    await Promise.all(
      Array.from({ length: CHECKPOINT_LINES }, (_, i) =>
        sim.setScheduling(`c${(i % 4) + 1}`, { enabled: false }, ctx(`grow-${i}`)),
      ),
    );
    await sim.runUntilIdle();
    sim.settled();
    expect(JSON.parse(lines(path)[0] as string)).toHaveProperty('checkpoint');
    sim.close();
    expect((await loadSimState(path)).sideEffects()).toEqual({
      setScheduling: CHECKPOINT_LINES + 1,
    });
  });

  it('reopening after a checkpoint gives what reopening the whole log gives', async () => {
    const plain = tempFile();
    const compact = tempFile();
    const a = await openPersistentSim(plain, INIT);
    const b = await openPersistentSim(compact, INIT);
    const memo: Memo = new Map();
    const memoB: Memo = new Map();
    let written = 0;
    for (const step of SCRIPT.slice(0, 5)) {
      await step.run({ call: (f) => f(a), memo });
      await step.run({ call: (f) => f(b), memo: memoB });
      if (b.checkpoint()) written++;
    }
    expect(written).toBeGreaterThan(0);
    // Leave operations in flight: no checkpoint then.
    const install = { kind: 'install', component: 'kernel', version: '6.1.99-1' } as const;
    for (const sim of [a, b]) {
      void sim.hostAction('c3', install, ctx('late-install')).catch(() => undefined);
      void sim.migrate({ instance: 'solo-1', mode: 'live' }, ctx('late-move'));
      await sim.sleep(40);
      expect(sim.checkpoint()).toBe(false);
      sim.close(); // at once: its clock would run on
    }
    expect(lines(compact).length).toBeLessThan(lines(plain).length / 4);

    const fromLog = await loadSimState(plain);
    const logTime = fromLog.now(); // before its clock runs on
    const logWorld = finalWorld(fromLog);
    const fromCheckpoint = await loadSimState(compact);
    expect(fromCheckpoint.now()).toBe(logTime);
    expect(finalWorld(fromCheckpoint)).toEqual(logWorld);
    await Promise.all([fromLog.runUntilIdle(), fromCheckpoint.runUntilIdle()]);
    expect(fromCheckpoint.state()).toEqual(fromLog.state());
    expect(fromCheckpoint.now()).toBe(fromLog.now());
    // Outcomes settled before the checkpoint are answered from it, errors included.
    const again = await openPersistentSim(compact, INIT);
    await expect(
      again.hostAction(
        'c1',
        { kind: 'install', component: 'nova-compute', version: '27.1.0' },
        { ...ctx('run-1/c1/install-nova/1') },
      ),
    ).rejects.toMatchObject({ name: 'DriverError', kind: 'failed' });
    expect(again.sideEffectsByKey().get('run-1/c1/install-nova/1')).toBe(1);
    again.close();
  });

  it('writes the world in pieces exactly as JSON.stringify writes its state, twice over', async () => {
    const path = tempFile();
    const sim = await openPersistentSim(path, INIT);
    const memo: Memo = new Map();
    // Migrations, backups, installs, a failed install and outages: every list of the world.
    for (const step of SCRIPT.slice(0, 6)) await step.run({ call: (f) => f(sim), memo });
    await sim.runUntilIdle();
    for (let round = 0; round < 2; round++) {
      // The second round reuses the memory of the first, the world having changed since.
      if (round === 1) await sim.setScheduling('c4', { enabled: false }, ctx('between'));
      await sim.runUntilIdle();
      expect(sim.checkpoint()).toBe(true);
      const { outcomes: _o, migrations: _m, notices: _n, ...fields } = sim.state();
      expect(fields.world.backups.length).toBeGreaterThan(0);
      expect(lines(path)[2]).toBe(JSON.stringify({ part: 'fields', value: fields }));
    }
    sim.close();
  });

  /** A twin that ran the first steps of the script, checkpointed, then made one more call. */
  async function checkpointed(): Promise<{ path: string; state: SimState }> {
    const path = tempFile();
    const sim = await openPersistentSim(path, INIT);
    const memo: Memo = new Map();
    for (const step of SCRIPT.slice(0, 5)) await step.run({ call: (f) => f(sim), memo });
    await sim.runUntilIdle();
    expect(sim.checkpoint()).toBe(true);
    await sim.setScheduling('c2', { enabled: false }, ctx('after-checkpoint'));
    await sim.runUntilIdle();
    const state = sim.state();
    sim.close();
    return { path, state };
  }

  it('reads the history of a restarted twin when first needed, and names a corrupt part then', async () => {
    const { path, state } = await checkpointed();
    expect(state.migrations.length).toBeGreaterThan(0);
    const text = lines(path);
    const at = text.findIndex((l) => l.startsWith('{"part":"migrations"'));
    text[at] = '{"part":"migrations","items":[{"id":';
    writeLines(path, text);
    // Opening reads the fields and the outcome keys only: a call under a new key is answered.
    const sim = await openPersistentSim(path, INIT);
    await sim.setScheduling('c3', { enabled: false }, ctx('new-key'));
    expect(sim.sideEffects()['setScheduling']).toBe(
      (state.appliedByKind.find(([k]) => k === 'setScheduling')?.[1] ?? 0) + 1,
    );
    // A checkpoint writes the history lines again as they are, without reading them.
    await sim.runUntilIdle();
    expect(sim.checkpoint()).toBe(true);
    // Reading the migrations (here, for the whole state) finds the corrupt line and names it.
    const moved = lines(path).findIndex((l) =>
      l.startsWith('{"part":"migrations","items":[{"id":'),
    );
    expect(() => sim.state()).toThrow(`${path}:${at + 1}: corrupt part of the saved state`);
    expect(moved).toBeGreaterThan(0); // still in the new file, for the next reader to name
    sim.close();
  });

  it('checkpoints again after a restart with the history as it was, plus what came after', async () => {
    const { path } = await checkpointed();
    for (let life = 0; life < 3; life++) {
      const sim = await openPersistentSim(path, INIT);
      await sim.setScheduling('c3', { enabled: life % 2 === 0 }, ctx(`life-${life}`));
      await sim
        .hostAction('c4', { kind: 'command', command: `echo ${life}` }, ctx(`cmd-${life}`))
        .catch(() => undefined);
      await sim.runUntilIdle();
      expect(sim.checkpoint()).toBe(true);
      const state = sim.state();
      sim.close();
      const again = await loadSimState(path);
      expect(again.state()).toEqual(state);
    }
  });

  it('names a line that does not end where the header says it does', async () => {
    const { path } = await checkpointed();
    const text = lines(path);
    const at = text.findIndex((l) => l.startsWith('{"part":"fields"'));
    // One character more in a line the header has the size of: it now ends a byte later.
    text[at] = (text[at] as string).replace('"value":{', '"value": {');
    writeFileSync(path, `${text.join('\n')}\n`);
    const e = await stateError(openPersistentSim(path, INIT));
    expect(e.message).toContain(`${path}:${at + 1}: the line does not end where the header says`);
  });

  it('reads a file of an older Escalator (no line sizes, no key hashes) whole, and adds them', async () => {
    const { path, state } = await checkpointed();
    const [head, ...rest] = lines(path);
    const header = JSON.parse(head as string) as {
      version: number;
      checkpoint: { parts: number; counts: Record<string, unknown>; sizes?: unknown };
    };
    header.version = 2;
    delete header.checkpoint.sizes;
    delete header.checkpoint.counts['outcomes'];
    header.checkpoint.parts -= 1;
    const older = rest.filter((l) => !l.startsWith('{"part":"key-hashes"'));
    expect(older).toHaveLength(rest.length - 1);
    writeFileSync(path, `${[JSON.stringify(header), ...older].join('\n')}\n`);
    const sim = await openPersistentSim(path, INIT);
    expect(sim.state()).toEqual(state);
    expect(sim.checkpoint()).toBe(true);
    sim.close();
    expect(JSON.parse(lines(path)[0] as string)).toMatchObject({ version: SIM_STATE_VERSION });
    const sizes = (JSON.parse(lines(path)[0] as string) as { checkpoint: { sizes: number[] } })
      .checkpoint.sizes;
    expect(sizes).toEqual(
      lines(path)
        .slice(1, sizes.length + 1)
        .map((l) => Buffer.byteLength(l, 'utf8') + 1),
    );
    const again = await openPersistentSim(path, INIT);
    expect(again.state()).toEqual(state);
    again.close();
  });

  it('tells a new key by the hashes of the keys without reading them; a reused key reads them', async () => {
    const { path } = await checkpointed();
    const text = lines(path);
    const at = text.findIndex((l) => l.startsWith('{"part":"outcome-keys"'));
    const { items } = JSON.parse(text[at] as string) as { items: string[] };
    text[at] = JSON.stringify({ part: 'outcome-keys', items: items.map((_, i) => i) });
    writeLines(path, text);
    const sim = await openPersistentSim(path, INIT);
    await sim.setScheduling('c3', { enabled: false }, ctx('brand-new'));
    // A key the twin kept before the checkpoint: to answer it, the keys are read, and the
    // corrupt line is named.
    await expect(
      sim.hostAction(
        'c1',
        { kind: 'install', component: 'nova-compute', version: '27.1.0' },
        ctx('run-1/c1/install-nova/1'),
      ),
    ).rejects.toThrow(`${path}: an outcome key of the saved state is not a string`);
    sim.close();
  });

  it('answers a reused key from the keys line that holds it, the other lines unread', async () => {
    const { path } = await checkpointed();
    // A second checkpoint: a second keys line, with the keys of the calls since.
    const sim = await openPersistentSim(path, INIT);
    await sim.setScheduling('c3', { enabled: false }, ctx('second-line'));
    await sim.runUntilIdle();
    expect(sim.checkpoint()).toBe(true);
    sim.close();
    const text = lines(path);
    const keyLines = text.flatMap((l, i) => (l.startsWith('{"part":"outcome-keys"') ? [i] : []));
    expect(keyLines).toHaveLength(2);
    const last = keyLines[1] as number;
    const { items } = JSON.parse(text[last] as string) as { items: string[] };
    expect(items).toContain('second-line');
    text[last] = JSON.stringify({ part: 'outcome-keys', items: items.map((_, i) => i) });
    writeLines(path, text);
    const again = await openPersistentSim(path, INIT);
    const installs = again.sideEffects()['install'];
    // The install kept under this key (it failed) is answered again, not made twice.
    await expect(
      again.hostAction(
        'c1',
        { kind: 'install', component: 'nova-compute', version: '27.1.0' },
        ctx('run-1/c1/install-nova/1'),
      ),
    ).rejects.toMatchObject({ name: 'DriverError', kind: 'failed' });
    expect(again.sideEffects()['install']).toBe(installs);
    // A key of the damaged line matches its hash but is found in no line: all keys are read.
    await expect(again.setScheduling('c3', { enabled: false }, ctx('second-line'))).rejects.toThrow(
      `${path}: an outcome key of the saved state is not a string`,
    );
    again.close();
  });

  it('names a corrupt inventory line as line 2', async () => {
    const { path } = await checkpointed();
    const text = lines(path);
    text[1] = '{"hosts":[';
    writeLines(path, text);
    const e = await stateError(openPersistentSim(path));
    expect(e.message).toContain(`${path}:2: corrupt inventory`);
    // Given the inventory it was made from, the text differs: the error says so, still line 2.
    const given = await stateError(openPersistentSim(path, INIT));
    expect(given.message).toContain(`${path}:2: corrupt inventory`);
  });

  it('reads a version 1 file (the inventory in its header, keys inside the outcomes)', async () => {
    const { path, state } = await checkpointed();
    const [headerLine, inventoryLine, ...rest] = lines(path);
    const header = JSON.parse(headerLine as string) as {
      checkpoint: { parts: number; counts?: unknown; sizes?: unknown };
    };
    const parts = rest
      .slice(0, header.checkpoint.parts)
      .map((l) => JSON.parse(l) as { part: string; items?: unknown[]; value?: unknown });
    const keys = parts.filter((p) => p.part === 'outcome-keys').flatMap((p) => p.items ?? []);
    const outcomes = parts
      .filter((p) => p.part === 'outcomes')
      .flatMap((p) => p.items ?? [])
      .map((o, i) => ({ key: keys[i], ...(o as object) }));
    const v1Parts = [
      ...parts.filter(
        (p) => p.part === 'fields' || p.part === 'migrations' || p.part === 'notices',
      ),
      { part: 'outcomes', items: outcomes },
    ];
    const { counts: _counts, sizes: _sizes, ...checkpoint } = header.checkpoint;
    const v1Header = {
      ...header,
      version: 1,
      inventory: JSON.parse(inventoryLine as string) as unknown,
      checkpoint: { ...checkpoint, parts: v1Parts.length },
    };
    const v1 = tempFile();
    writeFileSync(
      v1,
      `${[JSON.stringify(v1Header), ...v1Parts.map((p) => JSON.stringify(p)), ...rest.slice(header.checkpoint.parts)].join('\n')}\n`,
    );
    const sim = await openPersistentSim(v1, INIT);
    expect(sim.state()).toEqual(state);
    // Its next checkpoint writes the current version.
    expect(sim.checkpoint()).toBe(true);
    sim.close();
    expect(JSON.parse(lines(v1)[0] as string)).toMatchObject({ version: SIM_STATE_VERSION });
    expect((await loadSimState(v1)).state()).toEqual(state);
  });

  it('is written atomically: the header, its part lines, then what came after', async () => {
    const path = tempFile();
    const sim = await openPersistentSim(path, PLAIN);
    await sim.setScheduling('c1', { enabled: false }, ctx('a'));
    expect(sim.checkpoint()).toBe(true);
    const saved = lines(path);
    const header = JSON.parse(saved[0] as string) as { checkpoint: { parts: number } };
    expect(saved).toHaveLength(2 + header.checkpoint.parts);
    expect(JSON.parse(saved[1] as string)).toEqual(JSON.parse(JSON.stringify(PLAIN.inventory)));
    expect(
      saved
        .slice(2)
        .every((l) =>
          /^\{"part":"(fields|key-hashes|outcome-keys|outcomes|migrations|notices)"/.test(l),
        ),
    ).toBe(true);
    await sim.setScheduling('c2', { enabled: false }, ctx('b'));
    sim.flush();
    expect(lines(path).slice(saved.length)).toEqual([
      expect.stringContaining('"op":"setScheduling"'),
      '{"t":4,"k":1}',
    ]);
    sim.close();
    const again = await openPersistentSim(path, PLAIN);
    expect(again.sideEffects()).toEqual({ setScheduling: 2 });
    expect(again.now()).toBe(4);
    again.close();
  });
});

describe('persistent sim: many calls', () => {
  // How fast logging and replay are is measured by bench/engine-bench.mjs, not asserted here.
  it('logs thousands of concurrent calls and replays them all', async () => {
    const n = 5000;
    const calls = (sim: SimDriver) =>
      Promise.all(
        Array.from({ length: n }, (_, i) =>
          sim.setScheduling(`c${(i % 4) + 1}`, { enabled: false }, ctx(`k${i}`)),
        ),
      );
    const plain = new SimDriver(smallCloud());
    await calls(plain);
    const path = tempFile();
    const persistent = await openPersistentSim(path, { inventory: smallCloud() });
    await calls(persistent);
    persistent.close();
    const reopened = await openPersistentSim(path);
    expect(reopened.sideEffects()).toEqual({ setScheduling: n });
    expect(reopened.state()).toEqual(plain.state());
    reopened.close();
  });
});
