/**
 * Escalator against a real OpenStack: the testbed of tools/openstack-testbed (Keystone, Nova,
 * Placement, Glance, Neutron from Debian's Zed packages, four fake-driver compute hosts, two
 * anti-affinity groups of three servers and two plain servers). Runs with `npm run
 * test:openstack`, one test after the other: each leaves the cloud as the next expects it.
 *
 * While a campaign runs, a watcher looks at every server once a second: each must stay active
 * and running, and no two members of an anti-affinity group may share a host at any sample.
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  INITIAL_VERSIONS,
  TESTBED_DIR,
  adminSession,
  hostSh,
  migrationsSince,
  resetTestbed,
  servers,
  testbedFacts,
  watchServers,
  writeTargetFile,
  type TestbedFacts,
} from '../drivers/openstack/testing/testbed.js';
import type { KeystoneSession } from '../drivers/openstack/keystone.js';
import { readRunDocument } from '../engine/run-document.js';
import { openStore } from '../store/index.js';
import { MAIN, ROOT, cleanEnv, runEscalator, stackTraceIn, type CliRun } from './testing/run.js';

let dir = '';
let facts: TestbedFacts;
let target = '';
let nova: KeystoneSession;
const escalator = (...args: string[]): Promise<CliRun> => runEscalator(dir, args);

const DOCS = ['-k', 'catalog.yaml', '-c', 'campaign.yaml'];
const ON_CLOUD = () => ['--target', 'openstack', '--cloud', target, ...DOCS];

/** The waves of a run's plan, as lists of host names. */
async function wavesOf(db: string): Promise<string[][]> {
  const store = await openStore(db);
  try {
    const [run] = await store.listRuns({ newestFirst: true, limit: 1 });
    if (run === undefined) throw new Error(`no run in ${db}`);
    const doc = readRunDocument(run.id, await store.getPlan(run.id));
    return doc.plan.stages.flatMap((s) => s.waves.map((w) => w.hosts.map((h) => h.host)));
  } finally {
    await store.close();
  }
}

/** Every compute host's versions of the campaign's components, by host. */
async function versions(): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  for (const host of facts.computeHosts) {
    const health = JSON.parse(await hostSh(facts, host, 'health')) as {
      components: Record<string, string>;
    };
    out[host] = Object.fromEntries(
      Object.keys(INITIAL_VERSIONS).map((c) => [c, health.components[c] ?? '']),
    );
  }
  return out;
}

const initial = () =>
  Object.fromEntries(facts.computeHosts.map((h) => [h, { ...INITIAL_VERSIONS }]));
const upgraded = () =>
  Object.fromEntries(
    facts.computeHosts.map((h) => [
      h,
      { kernel: '6.1.90-1', openvswitch: '3.1.2-1', 'nova-compute': '2:26.2.3-1~deb12u1' },
    ]),
  );

async function allEnabled(): Promise<boolean> {
  const body = (await nova.request('compute', 'GET', '/os-services?binary=nova-compute')).body as {
    services: { status: string; state: string }[];
  };
  return body.services.every((s) => s.status === 'enabled' && s.state === 'up');
}

beforeAll(async () => {
  facts = testbedFacts();
  nova = adminSession(facts);
  dir = await mkdtemp(join(tmpdir(), 'escalator-openstack-'));
  target = await writeTargetFile(facts);
  for (const f of ['catalog.yaml', 'campaign.yaml'])
    await copyFile(join(ROOT, 'tools', 'openstack-testbed', 'escalator', f), join(dir, f));
  await resetTestbed(facts);
}, 600_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.sequential('escalator on a real OpenStack (the testbed)', () => {
  it('exports the inventory; check and plan run on it; a rehearsal on the twin predicts the waves the real run takes', async () => {
    const exported = await escalator(
      'inventory',
      'export',
      '--cloud',
      target,
      '--out',
      'cloud.yaml',
    );
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toMatch(/4 hosts, 8 instances, 2 VNFs/);
    const check = await escalator('check', '-i', 'cloud.yaml', ...DOCS);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    const plan = await escalator('plan', '-i', 'cloud.yaml', ...DOCS, '--output', 'json');
    expect(plan.code, plan.stderr).toBe(0);
    const rehearsal = await escalator('apply', '-i', 'cloud.yaml', ...DOCS, '--db', 'twin/e.db');
    expect(rehearsal.code, rehearsal.stderr).toBe(0);
    const planned = JSON.parse(plan.stdout) as {
      stages: { waves: { hosts: { host: string }[] }[] }[];
    };
    const fromPlan = planned.stages.flatMap((s) => s.waves.map((w) => w.hosts.map((h) => h.host)));
    expect(await wavesOf(join(dir, 'twin/e.db'))).toEqual(fromPlan);
    await writeFile(join(dir, 'rehearsed-waves.json'), JSON.stringify(fromPlan));
  }, 120_000);

  it('carries a smooth upgrade out: every host upgraded and enabled again, every server active throughout, anti-affinity kept at every moment, no server moved more than planned', async () => {
    const since = new Date().toISOString();
    const watch = watchServers(nova);
    const run = await escalator('apply', ...ON_CLOUD(), '--db', 'smooth/e.db');
    await watch.stop();
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/hosts: 4 done, 0 failed/);
    expect(run.stdout).toMatch(/Step durations/);
    expect(await versions()).toEqual(upgraded());
    expect(await allEnabled()).toBe(true);
    expect(watch.samples).toBeGreaterThan(30);
    expect(watch.notActive).toEqual([]);
    expect(watch.antiAffinity).toEqual([]);
    // The waves are those the rehearsal on the twin predicted.
    const rehearsed = JSON.parse(
      await import('node:fs/promises').then((f) =>
        f.readFile(join(dir, 'rehearsed-waves.json'), 'utf8'),
      ),
    ) as string[][];
    expect(await wavesOf(join(dir, 'smooth/e.db'))).toEqual(rehearsed);
    // Moves: each one completed, none repeated beyond the plan's own count.
    const moves = await migrationsSince(nova, since);
    expect(moves.filter((m) => m.status !== 'completed')).toEqual([]);
    const plannedMoves = await plannedMigrations(join(dir, 'smooth/e.db'));
    expect(moves).toHaveLength(plannedMoves);
    const byServer = new Map<string, number>();
    for (const m of moves) byServer.set(m.server, (byServer.get(m.server) ?? 0) + 1);
    expect(Math.max(...byServer.values())).toBeLessThanOrEqual(2);
  }, 1_800_000);

  it('rolls the successful upgrade back: previous versions on every host, all enabled, servers kept active', async () => {
    const watch = watchServers(nova);
    const back = await escalator('rollback', '--cloud', target, '--db', 'smooth/e.db');
    await watch.stop();
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toMatch(/rolled-back/);
    expect(await versions()).toEqual(initial());
    expect(await allEnabled()).toBe(true);
    expect(watch.notActive).toEqual([]);
    expect(watch.antiAffinity).toEqual([]);
  }, 1_800_000);

  it('a failing install on one host stops the run with the host named (exit 7); rollback puts every host back', async () => {
    const rehearsed = JSON.parse(
      await import('node:fs/promises').then((f) =>
        f.readFile(join(dir, 'rehearsed-waves.json'), 'utf8'),
      ),
    ) as string[][];
    const victim = rehearsed[1]?.[0] ?? facts.computeHosts[1] ?? 'compute-2';
    await writeFile(join(TESTBED_DIR, 'hosts', victim, 'fail-install'), 'nova-compute\n');
    try {
      const watch = watchServers(nova);
      const run = await escalator('apply', ...ON_CLOUD(), '--db', 'failing/e.db');
      expect(run.code).toBe(7);
      expect(run.stderr).toMatch(new RegExp(`^error ESC_STEP_FAILED: .*${victim}`));
      expect(stackTraceIn(run)).toBe(false);
      await rm(join(TESTBED_DIR, 'hosts', victim, 'fail-install'), { force: true });
      const back = await escalator('rollback', '--cloud', target, '--db', 'failing/e.db');
      await watch.stop();
      expect(back.code, back.stderr).toBe(0);
      expect(await versions()).toEqual(initial());
      expect(await allEnabled()).toBe(true);
      expect(watch.notActive).toEqual([]);
      expect(watch.antiAffinity).toEqual([]);
      // The host's package manager cleared the failure's alarm when the old version went back.
      const health = JSON.parse(await hostSh(facts, victim, 'health')) as { alarms: unknown[] };
      expect(health.alarms).toEqual([]);
    } finally {
      await rm(join(TESTBED_DIR, 'hosts', victim, 'fail-install'), { force: true });
    }
  }, 1_800_000);

  it('killed with SIGKILL in the middle of an evacuation, apply resumes against Nova without a second migration and finishes', async () => {
    const since = new Date().toISOString();
    const watch = watchServers(nova);
    // Kill the process while one of its live migrations is in progress in Nova.
    const killed = await new Promise<{
      signal: NodeJS.Signals | null;
      saw: string;
      output: string;
    }>((resolve) => {
      const child = spawn(process.execPath, [MAIN, 'apply', ...ON_CLOUD(), '--db', 'killed/e.db'], {
        cwd: dir,
        env: cleanEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      let saw = '';
      const look = setInterval(() => {
        void servers(nova).then((now) => {
          const moving = now.find((v) => v.taskState === 'migrating');
          if (moving && saw === '') {
            saw = moving.name;
            child.kill('SIGKILL');
          }
        });
      }, 300);
      child.on('close', (_code, signal) => {
        clearInterval(look);
        resolve({ signal, saw, output });
      });
    });
    expect(killed.signal, killed.output).toBe('SIGKILL');
    expect(killed.saw).not.toBe('');
    const again = await escalator('apply', ...ON_CLOUD(), '--db', 'killed/e.db');
    await watch.stop();
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/hosts: 4 done, 0 failed/);
    expect(await versions()).toEqual(upgraded());
    expect(await allEnabled()).toBe(true);
    const moves = await migrationsSince(nova, since);
    expect(moves.filter((m) => m.status !== 'completed')).toEqual([]);
    // The migration in flight at the kill was joined, not asked again: the plan's count.
    expect(moves).toHaveLength(await plannedMigrations(join(dir, 'killed/e.db')));
    expect(watch.notActive).toEqual([]);
    expect(watch.antiAffinity).toEqual([]);
    // Leave the cloud as it was.
    const back = await escalator('rollback', '--cloud', target, '--db', 'killed/e.db');
    expect(back.code, back.stderr).toBe(0);
    expect(await versions()).toEqual(initial());
  }, 2_400_000);
});

/** Migrations the run's plan asks for (instance actions that move an instance). */
async function plannedMigrations(db: string): Promise<number> {
  const store = await openStore(db);
  try {
    const [run] = await store.listRuns({ newestFirst: true, limit: 1 });
    if (run === undefined) throw new Error(`no run in ${db}`);
    const doc = readRunDocument(run.id, await store.getPlan(run.id));
    return doc.plan.stages
      .flatMap((s) => s.waves.flatMap((w) => w.hosts.flatMap((h) => h.instanceActions)))
      .filter((a) => a.kind === 'live-migrate' || a.kind === 'cold-migrate').length;
  } finally {
    await store.close();
  }
}
