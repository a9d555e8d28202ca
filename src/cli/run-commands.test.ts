/**
 * End-to-end tests of the run commands on the built `escalator` binary: apply, status, report,
 * rollback, commit, resume, suspend, abort — what an operator sees (exit code, output, JSON
 * documents, log lines) and that the persistent twin carries the world from one command to the
 * next.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readYamlFast } from '../campaign/yaml-fast.js';
import { loadSimState } from '../drivers/sim/persist.js';
import { runEscalator, stackTraceIn, type CliRun } from './testing/run.js';

let dir = '';
const escalator = (...args: string[]): Promise<CliRun> => runEscalator(dir, args);

const DOCS = ['-k', 'cloud/catalog.yaml', '-c', 'cloud/campaign.yaml'];
const START = ['-i', 'cloud/inventory.yaml', ...DOCS];

interface InventoryDoc {
  spec: {
    hosts: { name: string; roles: string[]; components: Record<string, string> }[];
    instances?: { name: string; host: string }[];
  };
}
interface ReportDoc {
  run: string;
  state: string;
  hosts: { done: number; failed: number; rolledBack: number; planned: number };
  failedHosts: { host: string; code: string }[];
}

let victim = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'escalator-run-'));
  const run = await escalator('sim', 'generate', '--hosts', '16', '--seed', '5', '--out', 'cloud');
  expect(run.code, run.stderr).toBe(0);
  const inventory = parse(
    await readFile(join(dir, 'cloud/inventory.yaml'), 'utf8'),
  ) as InventoryDoc;
  const busy = new Set((inventory.spec.instances ?? []).map((i) => i.host));
  const host = inventory.spec.hosts.find((h) => h.roles.includes('compute') && busy.has(h.name));
  if (!host) throw new Error('the generated cloud has no compute host with instances');
  victim = host.name;
  await writeFile(
    join(dir, 'install-fails-once.yaml'),
    [
      'apiVersion: escalator.dev/v1alpha1',
      'kind: Scenario',
      'metadata: {name: install-fails-once}',
      'spec:',
      '  seed: 1',
      '  faults:',
      `    - install-fails: {host: ${victim}, count: 1}`,
      '',
    ].join('\n'),
  );
  // The generated campaign, pausing on failure (the default rolls back).
  const campaign = await readFile(join(dir, 'cloud/campaign.yaml'), 'utf8');
  await writeFile(
    join(dir, 'pause-campaign.yaml'),
    campaign.replace(/onFailure:\s*\n(\s+)action: \w+/, 'onFailure:\n$1action: pause'),
  );
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('apply, status, report, rollback, commit', () => {
  const db = ['--db', 'smooth/escalator.db'];

  it('carries the campaign out and prints the report (exit 0)', async () => {
    const run = await escalator('apply', ...START, ...db);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/run \w+: completed/);
    expect(run.stdout).toMatch(/hosts: \d+ done, 0 failed/);
    expect(run.stdout).toContain('Service interruption per VNF');
  });

  it('apply again finds the campaign carried out: nothing to do (exit 0)', async () => {
    const run = await escalator('apply', ...START, ...db);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('nothing to do');
  });

  it('status lists the run; report --output json describes it', async () => {
    const status = await escalator('status', ...db, '--output', 'json');
    expect(status.code, status.stderr).toBe(0);
    const runs = JSON.parse(status.stdout) as { run: string; state: string }[];
    expect(runs.map((r) => r.state)).toEqual(['completed']);
    const report = await escalator('report', ...db, '--output', 'json');
    expect(report.code, report.stderr).toBe(0);
    const doc = JSON.parse(report.stdout) as ReportDoc;
    expect(doc.run).toBe(runs[0]?.run);
    expect(doc.hosts.done).toBe(doc.hosts.planned);
    expect(doc.hosts.failed).toBe(0);
  });

  it('writes JSON log lines with time, level, campaign, run, object and action', async () => {
    const lines = (await readFile(join(dir, 'smooth/escalator.log'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) {
      expect(typeof line['time']).toBe('string');
      expect(typeof line['level']).toBe('string');
      expect(typeof line['action']).toBe('string');
    }
    expect(lines.some((l) => l['action'] === 'complete' && typeof l['run'] === 'string')).toBe(
      true,
    );
  });

  it('rollback after success puts every version back (exit 0)', async () => {
    const before = parse(await readFile(join(dir, 'cloud/inventory.yaml'), 'utf8')) as InventoryDoc;
    const run = await escalator('rollback', ...db);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/rolled-back/);
    const twin = await loadSimState(join(dir, 'smooth/sim-twin.jsonl'));
    const now = await twin.discover();
    for (const h of before.spec.hosts) {
      const back = now.hosts.find((x) => x.name === h.name)?.components ?? [];
      expect(Object.fromEntries(back.map((c) => [c.name, c.version]))).toEqual(h.components);
    }
    expect(twin.duplicates()).toEqual([]);
  });

  it('inventory export from the twin writes plain YAML that reads the fast way and validates', async () => {
    const run = await escalator(
      'inventory',
      'export',
      '--from',
      'sim',
      '--twin',
      'smooth/sim-twin.jsonl',
      '--out',
      'exported.yaml',
    );
    expect(run.code, run.stderr).toBe(0);
    const text = await readFile(join(dir, 'exported.yaml'), 'utf8');
    const fast = readYamlFast(text);
    expect(fast, 'the export takes the fast road').toBeDefined();
    expect(fast?.data).toEqual(parse(text));
    const valid = await escalator('validate', 'exported.yaml');
    expect(valid.code, valid.stderr).toBe(0);
  });

  it('commit closes the window; a rollback after it is refused clearly (exit 2)', async () => {
    const commit = await escalator('commit', ...db);
    expect(commit.code, commit.stderr).toBe(0);
    expect(commit.stdout).toContain('committed');
    const again = await escalator('rollback', ...db);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^error ESC_ILLEGAL_OPERATION: .*committed/);
    expect(stackTraceIn(again)).toBe(false);
  });
});

describe('a failed step, then resume', () => {
  const db = ['--db', 'failing/escalator.db'];
  const args = [
    '-i',
    'cloud/inventory.yaml',
    '-k',
    'cloud/catalog.yaml',
    '-c',
    'pause-campaign.yaml',
    '--scenario',
    'install-fails-once.yaml',
    ...db,
  ];

  it('stops with the host and step named (exit 7)', async () => {
    const run = await escalator('apply', ...args);
    expect(run.code).toBe(7);
    expect(run.stderr).toMatch(new RegExp(`^error ESC_STEP_FAILED: .*${victim}`));
    expect(run.stdout).toContain('suspended-by-error');
    expect(stackTraceIn(run)).toBe(false);
    const report = await escalator('report', ...db, '--output', 'json');
    const doc = JSON.parse(report.stdout) as ReportDoc;
    expect(doc.failedHosts.map((f) => f.host)).toContain(victim);
  });

  it('apply does not start a second run beside the suspended one (exit 7)', async () => {
    const run = await escalator('apply', ...args);
    expect(run.code).toBe(7);
    expect(run.stderr).toMatch(/^error ESC_RUN_SUSPENDED: .*resume it, roll it back or abort it/);
  });

  it('apply again with changed documents validates them: problems named (exit 2), another cloud refused', async () => {
    const text = await readFile(join(dir, 'cloud/inventory.yaml'), 'utf8');
    await writeFile(join(dir, 'broken-inventory.yaml'), text.replace(/vcpu: \d+/, 'vcpu: lots'));
    const broken = args.map((a) => (a === 'cloud/inventory.yaml' ? 'broken-inventory.yaml' : a));
    const invalid = await escalator('apply', ...broken);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(
      /broken-inventory\.yaml:\d+:\d+ spec\.flavors\[0\]\.vcpu: expected integer/,
    );
    expect(stackTraceIn(invalid)).toBe(false);
    await writeFile(join(dir, 'other-inventory.yaml'), text.replace(/vcpu: (\d+)/, 'vcpu: 1$1'));
    const other = args.map((a) => (a === 'cloud/inventory.yaml' ? 'other-inventory.yaml' : a));
    const refused = await escalator('apply', ...other);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/ESC_SIM_STATE: .*made from another inventory/);
  });

  it('apply again recognises its inventory by its digest, or by its content when reformatted', async () => {
    const header = JSON.parse(
      (await readFile(join(dir, 'failing/sim-twin.jsonl'), 'utf8')).split('\n')[0] as string,
    ) as { inventorySource?: string };
    expect(header.inventorySource).toMatch(/^sha256:[0-9a-f]{64}$/);
    const text = await readFile(join(dir, 'cloud/inventory.yaml'), 'utf8');
    await writeFile(join(dir, 'commented-inventory.yaml'), `# the same cloud\n${text}`);
    const same = args.map((a) => (a === 'cloud/inventory.yaml' ? 'commented-inventory.yaml' : a));
    const run = await escalator('apply', ...same);
    expect(run.code).toBe(7); // the same suspended run: the twin took the same inventory
    expect(run.stderr).toMatch(/^error ESC_RUN_SUSPENDED: /);
  });

  it('resume runs the failed step anew and finishes (exit 0)', async () => {
    const run = await escalator('resume', ...db);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/completed/);
    const twin = await loadSimState(join(dir, 'failing/sim-twin.jsonl'));
    expect(twin.duplicates()).toEqual([]);
  });
});

describe('bad input to the run commands', () => {
  it('a run id that does not exist is named (exit 2)', async () => {
    const run = await escalator('status', 'NO-SUCH-RUN', '--db', 'smooth/escalator.db');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error ESC_NOT_FOUND: there is no run NO-SUCH-RUN/);
  });

  it('resume without a twin and without an inventory says how to start one (exit 2)', async () => {
    const run = await escalator('apply', ...DOCS, '--db', 'empty/escalator.db');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('give --inventory FILE');
    expect(stackTraceIn(run)).toBe(false);
  });

  it('an unreachable PostgreSQL is ESC_STORE_UNAVAILABLE (exit 6)', async () => {
    const run = await escalator('status', '--db', 'postgres://nobody:x@127.0.0.1:1/none');
    expect(run.code).toBe(6);
    expect(run.stderr).toMatch(/^error ESC_STORE_UNAVAILABLE: /);
    expect(run.stderr).not.toContain(':x@');
  });
});
