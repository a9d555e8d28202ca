#!/usr/bin/env node
// The journal benchmark: how many journaled writes per second the store sustains, on SQLite
// (one file, WAL, synchronous=NORMAL, the default) and on PostgreSQL (a cluster started here with fsync on, or
// DATABASE_URL), through the built store (dist/store/index.js). Writes bench/results/journal.json
// and bench/results/journal.md. See bench/README.md. Every number written comes from this run.
//
//   npm run bench:journal                         (builds, then runs this with the defaults)
//   node bench/journal-bench.mjs --steps 500 --appends 1000 --concurrency 1,8 --runs 3
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { chown } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');
const STORE = join(ROOT, 'dist', 'store', 'index.js');

const USAGE = `Usage: node bench/journal-bench.mjs [options]   (or: npm run bench:journal -- [options])

Measures journaled writes per second through the built store (dist/store/index.js; build first,
npm run bench:journal does) on SQLite and PostgreSQL, and writes journal.json and journal.md.

Options:
  --backends <list>     sqlite,postgres                                  (default both)
  --steps <n>           steps per run of the transitions workload: each makes two
                        transitions, pending→running→succeeded           (default 1000)
  --appends <n>         plain journal appends per run                     (default 2000)
  --concurrency <list>  writers at once, comma-separated                  (default 1,8)
  --runs <n>            timed runs of each workload and concurrency       (default 3)
  --results <dir>       where to write journal.json and journal.md        (default bench/results)
  -h, --help            this text

PostgreSQL: DATABASE_URL when set (a database is created in it), else a cluster made with the
machine's initdb/pg_ctl/postgres in a temp folder, started with fsync=on, stopped at the end.`;

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      backends: { type: 'string', default: 'sqlite,postgres' },
      steps: { type: 'string', default: '1000' },
      appends: { type: 'string', default: '2000' },
      concurrency: { type: 'string', default: '1,8' },
      runs: { type: 'string', default: '3' },
      results: { type: 'string', default: join(ROOT, 'bench', 'results') },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (name) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  const backends = values.backends.split(',').map((b) => b.trim());
  for (const b of backends)
    if (b !== 'sqlite' && b !== 'postgres') throw new Error(`unknown backend ${b}`);
  return {
    backends,
    steps: int('steps'),
    appends: int('appends'),
    concurrency: values.concurrency.split(',').map(Number),
    runs: int('runs'),
    results: resolve(values.results),
  };
}

// ---------------------------------------------------------------------------------------------
// A throwaway PostgreSQL (a minimal copy of src/store/testing/postgres.ts, which is not built)

function findPostgres() {
  const folders = (process.env.PATH ?? '').split(':').filter(Boolean);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian))
    folders.push(
      ...readdirSync(debian)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => join(debian, v, 'bin')),
    );
  for (const folder of folders) {
    const bin = (name) => join(folder, name);
    if (['initdb', 'pg_ctl', 'postgres'].every((n) => existsSync(bin(n))))
      return { initdb: bin('initdb'), pgCtl: bin('pg_ctl') };
  }
  return undefined;
}

function account() {
  if (process.getuid?.() !== 0) return undefined;
  const lookUp = (name) => {
    try {
      const fields = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).split(':');
      return { name, uid: Number(fields[2]), gid: Number(fields[3]) };
    } catch {
      return undefined;
    }
  };
  let found = lookUp('postgres') ?? lookUp('escalator-test');
  if (!found) {
    execFileSync('useradd', [
      '--system',
      '--no-create-home',
      '--home-dir',
      '/nonexistent',
      '--shell',
      '/usr/sbin/nologin',
      'escalator-test',
    ]);
    found = lookUp('escalator-test');
  }
  return found;
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

async function startPostgres() {
  const binaries = findPostgres();
  if (!binaries) throw new Error('no initdb/pg_ctl/postgres found and DATABASE_URL is unset');
  const user = account();
  const as = (file, args) => {
    const [command, argv] = user
      ? ['runuser', ['-u', user.name, '--', file, ...args]]
      : [file, args];
    return execFileSync(command, argv, { encoding: 'utf8', stdio: 'pipe' });
  };
  const folder = mkdtempSync(join(user ? '/tmp' : os.tmpdir(), 'escalator-bench-pg-'));
  if (user) await chown(folder, user.uid, user.gid);
  const data = join(folder, 'data');
  as(binaries.initdb, ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-locale']);
  const port = await freePort();
  const settings = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${folder} -c fsync=on -c synchronous_commit=on`;
  as(binaries.pgCtl, ['start', '-D', data, '-l', join(folder, 'server.log'), '-w', '-o', settings]);
  const version = as(binaries.pgCtl, ['--version']).trim();
  const stop = () => {
    try {
      as(binaries.pgCtl, ['stop', '-D', data, '-m', 'fast', '-w']);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  };
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, version, stop };
}

async function createDatabase(adminUrl, name) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`drop database if exists "${name}" with (force)`);
    await client.query(`create database "${name}"`);
    const { rows } = await client.query('show server_version');
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return { url: url.toString(), version: `PostgreSQL ${rows[0].server_version}` };
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Workloads

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Runs `count` operations with `concurrency` writers. An operation times each of its
 * transactions with `timed`; returns transactions per second and their latencies.
 */
async function drive(count, concurrency, op) {
  const latencies = [];
  const timed = async (fn) => {
    const t0 = performance.now();
    await fn();
    latencies.push(performance.now() - t0);
  };
  let next = 0;
  const start = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      await op(i, timed);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const mean = latencies.reduce((s, x) => s + x, 0) / latencies.length;
  return {
    ops: latencies.length,
    seconds,
    opsPerSecond: latencies.length / seconds,
    latencyMs: { mean, p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
  };
}

let runCounter = 0;

async function newRun(store, steps) {
  const run = await store.createRun({
    campaignName: 'journal-bench',
    campaignDigest: `sha256:bench-${process.pid}-${runCounter++}`,
    plan: { bench: true },
    target: 'sim',
  });
  const list = Array.from({ length: steps }, (_, i) => ({
    key: `s0/w${Math.floor(i / 50)}/h-${i}/0`,
    host: `h-${i}`,
    kind: 'install',
    idempotencyKey: `${run.id}:${i}`,
  }));
  await store.ensureSteps(run.id, list);
  return { run, keys: list.map((s) => s.key) };
}

/** Each step pending → running → succeeded: two CAS + journal transactions per step. */
async function transitions(store, steps, concurrency) {
  const { run, keys } = await newRun(store, steps);
  const result = await drive(steps, concurrency, async (i, timed) => {
    await timed(() =>
      store.transitionStep(run.id, keys[i], {
        from: ['pending'],
        to: 'running',
        attempt: 1,
        entry: { action: 'start' },
      }),
    );
    await timed(() =>
      store.transitionStep(run.id, keys[i], {
        from: ['running'],
        to: 'succeeded',
        entry: { action: 'finish', detail: { seconds: 12.5 } },
      }),
    );
  });
  const journal = await store.readJournal(run.id);
  if (journal.length !== 2 + 2 * steps)
    throw new Error(`expected ${2 + 2 * steps} journal entries, found ${journal.length}`);
  return result;
}

async function appends(store, count, concurrency) {
  const { run } = await newRun(store, 1);
  const result = await drive(count, concurrency, (i, timed) =>
    timed(() =>
      store.appendJournal(run.id, {
        objectType: 'vnf',
        objectId: `vnf-${i % 40}`,
        action: 'probe',
        detail: { interruptionMs: i % 7 },
      }),
    ),
  );
  const journal = await store.readJournal(run.id);
  if (journal.length !== 2 + count)
    throw new Error(`expected ${2 + count} entries, found ${journal.length}`);
  return result;
}

// ---------------------------------------------------------------------------------------------

function gitState() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    return { head, dirty };
  } catch {
    return { head: 'unknown', dirty: false };
  }
}

function filesystemOf(path) {
  try {
    return execFileSync('df', ['--output=fstype', path], { encoding: 'utf8' })
      .split('\n')[1]
      .trim();
  } catch {
    return 'unknown';
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const options = parseOptions(process.argv.slice(2));
  if (!existsSync(STORE)) throw new Error(`${STORE} is missing: run npm run build first`);
  const { openStore } = await import(pathToFileURL(STORE).href);
  const cpus = os.cpus();
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: `${cpus[0]?.model ?? 'unknown'} × ${cpus.length}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`,
    loadAverageStart: os.loadavg()[0],
    ...gitState(),
    options: { ...options, results: undefined },
    backends: {},
  };
  const rows = [];
  for (const backend of options.backends) {
    let target;
    let cleanup = () => {};
    if (backend === 'sqlite') {
      const folder = mkdtempSync(join(os.tmpdir(), 'escalator-bench-sqlite-'));
      target = join(folder, 'journal.db');
      cleanup = () => rmSync(folder, { recursive: true, force: true });
      const { default: Sqlite } = await import('better-sqlite3');
      const probe = new Sqlite(':memory:');
      meta.backends.sqlite = {
        version: `SQLite ${probe.prepare('select sqlite_version() as v').get().v}`,
        settings:
          'journal_mode=WAL, synchronous=NORMAL (the default of openStore), BEGIN IMMEDIATE',
        filesystem: filesystemOf(folder),
      };
      probe.close();
    } else {
      let admin = process.env.DATABASE_URL;
      let server;
      if (!admin) {
        server = await startPostgres();
        admin = server.url;
      }
      const db = await createDatabase(admin, `escalator_journal_bench_${process.pid}`);
      target = db.url;
      meta.backends.postgres = {
        version: db.version,
        source: server
          ? 'cluster started by the bench (fsync=on, synchronous_commit=on)'
          : 'DATABASE_URL',
        filesystem: server ? filesystemOf('/tmp') : 'unknown',
      };
      cleanup = () => server?.stop();
    }
    const store = await openStore(target, { poolSize: Math.max(...options.concurrency) + 2 });
    try {
      // Warm-up: caches, prepared plans, the pool's connections.
      await transitions(store, 50, Math.max(...options.concurrency));
      await appends(store, 100, Math.max(...options.concurrency));
      for (const [workload, count, fn] of [
        ['transition (CAS + journal)', options.steps, transitions],
        ['append', options.appends, appends],
      ]) {
        for (const concurrency of options.concurrency) {
          const runs = [];
          for (let r = 0; r < options.runs; r++) {
            const result = await fn(store, count, concurrency);
            runs.push(result);
            process.stderr.write(
              `${backend} ${workload} ×${concurrency} run ${r + 1}: ${result.opsPerSecond.toFixed(0)}/s\n`,
            );
          }
          rows.push({
            backend,
            workload,
            concurrency,
            runs,
            medianOpsPerSecond: median(runs.map((x) => x.opsPerSecond)),
            medianP50Ms: median(runs.map((x) => x.latencyMs.p50)),
            medianP99Ms: median(runs.map((x) => x.latencyMs.p99)),
          });
        }
      }
    } finally {
      await store.close();
      cleanup();
    }
  }
  meta.loadAverageEnd = os.loadavg()[0];

  const md = [
    '# Journal write throughput',
    '',
    `Measured ${meta.date} on ${meta.cpu}, ${meta.memoryGiB} GiB, ${meta.platform}, Node ${meta.node}, ` +
      `commit ${meta.head}${meta.dirty ? ' (with uncommitted changes)' : ''}; load average ${meta.loadAverageStart.toFixed(2)} at the start, ${meta.loadAverageEnd.toFixed(2)} at the end.`,
    '',
    ...Object.entries(meta.backends).map(
      ([name, b]) =>
        `- ${name}: ${b.version}; ${b.settings ?? b.source}; file system ${b.filesystem}.`,
    ),
    '',
    `Each figure is the median of ${options.runs} runs. A transition is one transaction: read the step (locked), ` +
      `compare-and-set its state, append its journal entry, commit (durably). An append is one transaction ` +
      `with one journal entry. ${options.steps} steps (${2 * options.steps} transitions) and ${options.appends} appends per run. ` +
      `Latency is per transaction as the caller sees it.`,
    '',
    '| backend | workload | writers | transactions/s | p50 ms | p99 ms |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.backend} | ${r.workload} | ${r.concurrency} | ${r.medianOpsPerSecond.toFixed(0)} | ${r.medianP50Ms.toFixed(2)} | ${r.medianP99Ms.toFixed(2)} |`,
    ),
    '',
  ].join('\n');
  mkdirSync(options.results, { recursive: true });
  writeFileSync(
    join(options.results, 'journal.json'),
    `${JSON.stringify({ meta, results: rows }, null, 2)}\n`,
  );
  writeFileSync(join(options.results, 'journal.md'), md);
  console.log(md);
}

main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
