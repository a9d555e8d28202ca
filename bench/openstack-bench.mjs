#!/usr/bin/env node
// The OpenStack benchmark: the testbed's campaign (tools/openstack-testbed/escalator) carried out
// by `escalator apply --target openstack` against the real Nova, Placement and Keystone of the
// testbed, then rolled back. It measures, in one run, the campaign's wall time and the sum of the
// Nova and host operations it could not avoid waiting for — per wave, the slowest host's live
// migrations (the union of Nova's own created → updated spans), its activation (nova-compute restart or
// reboot until the service reports up) and its package installs — and reports their ratio and
// the API calls per host. Writes bench/results/openstack.json and openstack.md. The testbed must
// be at its initial versions (setup.sh leaves it so; the run is rolled back at the end).
//
//   tools/openstack-testbed/setup.sh            (the testbed must be up)
//   npm run bench:openstack
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const TOOLS = join(ROOT, 'tools', 'openstack-testbed', 'escalator');
const RESULTS = join(ROOT, 'bench', 'results');

function cli(args, cwd) {
  return new Promise((resolvePromise) => {
    const started = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) =>
      resolvePromise({ code, out, err, seconds: (performance.now() - started) / 1000 }),
    );
  });
}

const { openStore } = await import(pathToFileURL(join(ROOT, 'dist', 'store', 'index.js')).href);
const { readRunDocument } = await import(
  pathToFileURL(join(ROOT, 'dist', 'engine', 'run-document.js')).href
);
const { KeystoneSession } = await import(
  pathToFileURL(join(ROOT, 'dist', 'drivers', 'openstack', 'keystone.js')).href
);

const TESTBED_DIR = process.env.TESTBED_DIR ?? '/var/lib/escalator-os-testbed';

/** The testbed's facts (testbed.json) and an admin session on its Nova. */
function testbed() {
  const facts = JSON.parse(readFileSync(join(TESTBED_DIR, 'testbed.json'), 'utf8'));
  const nova = new KeystoneSession({
    authUrl: facts.keystone.authUrl,
    credentials: { kind: 'password', ...facts.admin },
    region: facts.keystone.region,
    interface: 'public',
    timeoutMs: 60_000,
  });
  return { facts, nova };
}

async function main() {
  const { nova } = testbed();
  const work = mkdtempSync(join(os.tmpdir(), 'escalator-os-bench-'));
  try {
    const target = join(work, 'target.yaml');
    writeFileSync(
      target,
      execFileSync(join(TOOLS, 'target.sh'), ['--inline-secret'], { encoding: 'utf8' }),
    );
    const check = await cli(
      ['inventory', 'export', '--cloud', target, '--out', join(work, 'inv.yaml')],
      work,
    );
    if (check.code !== 0) throw new Error(`the testbed cannot be read: ${check.err}`);
    const db = join(work, 'e.db');
    const docs = ['-k', join(TOOLS, 'catalog.yaml'), '-c', join(TOOLS, 'campaign.yaml')];
    const since = new Date().toISOString();
    process.stderr.write('applying the campaign on the testbed…\n');
    const apply = await cli(
      ['apply', '--target', 'openstack', '--cloud', target, ...docs, '--db', db],
      work,
    );
    if (apply.code !== 0) throw new Error(`apply exited ${apply.code}: ${apply.err}`);

    const store = await openStore(db);
    const [run] = await store.listRuns({});
    const doc = readRunDocument(run.id, await store.getPlan(run.id));
    const steps = await store.listSteps(run.id);
    const journal = await store.readJournal(run.id, {});
    await store.close();
    const complete = journal.findLast((e) => e.objectType === 'run' && e.action === 'complete');
    const stats = complete?.detail?.driverStats ?? {};

    const body = (
      await nova.request(
        'compute',
        'GET',
        `/os-migrations?changes-since=${encodeURIComponent(since)}`,
      )
    ).body;
    // Per source host, the time its migrations took: the union of their created → updated spans
    // (Nova runs one at a time per host; the others wait in its queue — not counted twice).
    const fresh = body.migrations.filter(
      (m) => Date.parse(`${m.created_at}Z`) >= Date.parse(since),
    );
    const migrations = fresh.length;
    const spans = new Map();
    for (const m of fresh) {
      if (m.status !== 'completed') continue;
      const span = [Date.parse(`${m.created_at}Z`), Date.parse(`${m.updated_at}Z`)];
      spans.set(m.source_compute, [...(spans.get(m.source_compute) ?? []), span]);
    }
    const migrationSeconds = new Map();
    for (const [host, list] of spans) {
      list.sort((a, b) => a[0] - b[0]);
      let total = 0;
      let [start, end] = list[0];
      for (const [s2, e2] of list.slice(1)) {
        if (s2 > end) {
          total += end - start;
          [start, end] = [s2, e2];
        } else end = Math.max(end, e2);
      }
      total += end - start;
      migrationSeconds.set(host, total / 1000);
    }
    const stepSeconds = (host, kind) =>
      steps
        .filter((s) => s.host === host && s.kind === kind && s.state === 'succeeded')
        .reduce((sum, s) => sum + Math.max(0, (s.detail?.t1 ?? 0) - (s.detail?.t0 ?? 0)), 0);
    const waves = doc.plan.stages.flatMap((s) => s.waves);
    const perWave = waves.map((w) => {
      const hosts = w.hosts.map((h) => {
        const migration = migrationSeconds.get(h.host) ?? 0;
        const activation = stepSeconds(h.host, 'activate');
        const install = stepSeconds(h.host, 'install');
        return {
          host: h.host,
          migration,
          activation,
          install,
          total: migration + activation + install,
        };
      });
      const slowest = hosts.reduce((a, b) => (b.total > a.total ? b : a));
      return { hosts: w.hosts.map((h) => h.host), slowest };
    });
    const unavoidable = perWave.reduce((sum, w) => sum + w.slowest.total, 0);
    const hostsCount = doc.plan.summary.hosts;

    process.stderr.write('rolling it back…\n');
    const back = await cli(['rollback', '--cloud', target, '--db', db], work);
    if (back.code !== 0) throw new Error(`rollback exited ${back.code}: ${back.err}`);

    const result = {
      date: new Date().toISOString(),
      commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
        cwd: ROOT,
        encoding: 'utf8',
      }).trim(),
      machine: {
        cpu: os.cpus()[0]?.model,
        cores: os.cpus().length,
        node: process.version,
        loadAverage: os.loadavg()[0],
      },
      hosts: hostsCount,
      waves: waves.length,
      migrations,
      applyWallSeconds: apply.seconds,
      unavoidableSeconds: unavoidable,
      ratio: apply.seconds / unavoidable,
      apiCalls: stats.total ?? null,
      apiCallsPerHost: stats.total === undefined ? null : stats.total / hostsCount,
      apiCallsByKind: stats,
      perWave,
      rollbackWallSeconds: back.seconds,
    };
    writeFileSync(join(RESULTS, 'openstack.json'), `${JSON.stringify(result, null, 2)}\n`);
    const lines = [
      '# OpenStack benchmark',
      '',
      `\`node bench/openstack-bench.mjs\` at ${result.commit} on ${result.date}, on the testbed at its initial versions (tools/openstack-testbed: Zed from Debian 12, 4 fake-driver compute hosts, 8 servers in two anti-affinity groups and two plain), ${result.machine.cpu} × ${result.machine.cores}, Node ${result.machine.node}, load average ${result.machine.loadAverage.toFixed(2)} at the end.`,
      '',
      `The campaign (kernel, Open vSwitch and nova-compute on every compute host; one host per wave) applied by \`escalator apply --target openstack\`: **${result.applyWallSeconds.toFixed(1)} s** wall, from spawning the command to its exit. The operations it had to wait for — per wave, the slowest host's live migrations (the union of Nova's created → updated spans), activation (restart or reboot until nova-compute reports up) and installs — sum to **${result.unavoidableSeconds.toFixed(1)} s**: ratio **${result.ratio.toFixed(2)}** (goal ≤ 1.2). ${result.migrations} migrations; **${result.apiCalls ?? '?'} API calls, ${result.apiCallsPerHost?.toFixed(1) ?? '?'} per host**. The rollback afterwards took ${result.rollbackWallSeconds.toFixed(1)} s.`,
      '',
      '| wave | hosts | slowest host | its migrations s | activation s | installs s |',
      '| ---: | --- | --- | ---: | ---: | ---: |',
      ...perWave.map(
        (w, i) =>
          `| ${i + 1} | ${w.hosts.join(', ')} | ${w.slowest.host} | ${w.slowest.migration.toFixed(1)} | ${w.slowest.activation.toFixed(1)} | ${w.slowest.install.toFixed(1)} |`,
      ),
      '',
      'API calls by kind:',
      '',
      '| call | count |',
      '| --- | ---: |',
      ...Object.entries(stats)
        .filter(([k]) => k !== 'total')
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `| ${k} | ${v} |`),
      '',
    ];
    writeFileSync(join(RESULTS, 'openstack.md'), lines.join('\n'));
    process.stderr.write(`wrote ${join(RESULTS, 'openstack.md')}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`openstack benchmark failed: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
