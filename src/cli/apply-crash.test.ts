/**
 * Crash safety of `escalator apply`, end to end: the built command carries a 200-host campaign
 * out on the persistent twin and is killed with SIGKILL at 20+ seeded random moments, then
 * started again each time with the same command line, until it finishes. The run must end in the
 * same final inventory as an uninterrupted run, with a consistent journal (every step's and
 * host's entries chain from → to, the run completed) and no side effect applied twice.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSimState } from '../drivers/sim/persist.js';
import { Rng } from '../drivers/sim/rng.js';
import type { Inventory } from '../model/index.js';
import { openStore, type JournalEntry } from '../store/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'dist', 'cli', 'main.js');
const KILLS = 20;

let dir = '';

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly output: string;
}

/** When to send SIGKILL: so long after the start, or after the first line the command printed. */
type Kill = { readonly afterStartMs: number } | { readonly afterOutputMs: number };

/** Starts `escalator …args`, killing it as `kill` says unless it ended first. */
function escalator(args: readonly string[], kill?: Kill): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let timer: NodeJS.Timeout | undefined;
    const arm = (ms: number) => {
      timer ??= setTimeout(() => child.kill('SIGKILL'), ms);
    };
    if (kill !== undefined && 'afterStartMs' in kill) arm(kill.afterStartMs);
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (kill !== undefined && 'afterOutputMs' in kill) arm(kill.afterOutputMs);
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

const applyArgs = (state: string): string[] => [
  'apply',
  '-i',
  'cloud/inventory.yaml',
  '-k',
  'cloud/catalog.yaml',
  '-c',
  'cloud/campaign.yaml',
  '--db',
  join(state, 'escalator.db'),
];

/** What an operator compares: every host's versions and scheduling, every instance's place. */
function essence(inv: Inventory): unknown {
  return {
    hosts: inv.hosts.map((h) => ({
      name: h.name,
      state: h.state,
      schedulable: h.schedulable,
      components: h.components.map((c) => `${c.name}=${c.version}`),
    })),
    instances: inv.instances.map((i) => `${i.name}@${i.host}`).sort(),
  };
}

/** Each object's entries must chain: an entry starts where the previous one ended. */
function brokenChains(entries: readonly JournalEntry[]): string[] {
  const last = new Map<string, string>();
  const broken: string[] = [];
  for (const e of entries) {
    if (e.from === null || e.to === null) continue;
    const id = `${e.objectType} ${e.objectId}`;
    const before = last.get(id);
    if (before !== undefined && before !== e.from)
      broken.push(`${id}: ${e.action} from ${e.from}, but it was ${before} (seq ${e.seq})`);
    last.set(id, e.to);
  }
  return broken;
}

/** Steps the run has finished so far (0 before the database or the run exists). */
async function stepsDone(db: string): Promise<number> {
  if (!existsSync(db)) return 0;
  const store = await openStore(db);
  try {
    const [run] = await store.listRuns({});
    if (run === undefined) return 0;
    return (await store.listSteps(run.id, { states: ['succeeded'] })).length;
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'escalator-crash-'));
  const generated = await escalator([
    'sim',
    'generate',
    '--hosts',
    '200',
    '--seed',
    '11',
    '--out',
    'cloud',
  ]);
  expect(generated.code, generated.output).toBe(0);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('escalator apply killed with SIGKILL again and again', () => {
  it(`ends as an uninterrupted run: same inventory, consistent journal, no side effect twice (${KILLS} kills, 200 hosts)`, async () => {
    // The reference: one uninterrupted run.
    const reference = await escalator(applyArgs('calm'));
    expect(reference.code, reference.output).toBe(0);
    const calm = await loadSimState(join(dir, 'calm', 'sim-twin.jsonl'));

    // The same campaign, killed at seeded random moments, restarted each time.
    const rng = new Rng(20261206);
    let kills = 0;
    let finished: Exit | undefined;
    const restarts: string[] = [];
    /** Steps succeeded when each kill landed. */
    const progress: number[] = [];
    for (let attempt = 0; attempt < KILLS * 4 && finished === undefined; attempt++) {
      // One kill in four lands during start-up (opening the store, replaying the twin), the
      // others at a random moment of the work, once the command has printed its first line —
      // early enough that the 20 kills spread over the run rather than pile up at its end.
      const kill: Kill | undefined =
        kills >= KILLS
          ? undefined
          : rng.next() < 0.25
            ? { afterStartMs: 100 + Math.floor(rng.next() * 600) }
            : { afterOutputMs: Math.floor(rng.next() * 300) };
      const exit = await escalator(applyArgs('crashy'), kill);
      if (exit.signal === 'SIGKILL') {
        kills++;
        progress.push(await stepsDone(join(dir, 'crashy', 'escalator.db')));
        continue;
      }
      restarts.push(exit.output.split('\n').slice(-3).join(' | '));
      expect(exit.code, exit.output).toBe(0);
      if (kills >= KILLS) finished = exit;
    }
    expect(kills).toBeGreaterThanOrEqual(KILLS);
    // The kills landed mid-run, at many different points, not all during start-up.
    expect(new Set(progress.filter((p) => p > 0)).size, progress.join(' ')).toBeGreaterThanOrEqual(
      KILLS / 2,
    );
    expect(finished, restarts.join('\n')).toBeDefined();

    const crashy = await loadSimState(join(dir, 'crashy', 'sim-twin.jsonl'));
    expect(crashy.duplicates()).toEqual([]);
    expect(essence(await crashy.discover())).toEqual(essence(await calm.discover()));
    expect(await crashy.getScaleUp()).toEqual(await calm.getScaleUp());

    const store = await openStore(join(dir, 'crashy', 'escalator.db'));
    try {
      const runs = await store.listRuns({});
      expect(runs.map((r) => r.state)).toEqual(['completed']);
      const run = runs[0];
      if (run === undefined) throw new Error('no run');
      const steps = await store.listSteps(run.id);
      expect(steps.filter((s) => s.state !== 'succeeded' && s.state !== 'skipped')).toEqual([]);
      const journal = await store.readJournal(run.id, {});
      expect(brokenChains(journal)).toEqual([]);
      // Every step was begun once per attempt and succeeded once.
      const succeeded = journal.filter((e) => e.objectType === 'step' && e.action === 'succeed');
      expect(new Set(succeeded.map((e) => e.objectId)).size).toBe(succeeded.length);
      const guards = await store.listGuards(run.id);
      expect(guards.every((g) => g.restoredAt !== null)).toBe(true);
    } finally {
      await store.close();
    }
  }, 600_000);
});
