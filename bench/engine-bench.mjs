#!/usr/bin/env node
// The engine benchmark: `escalator apply` carrying a generated campaign out on the digital twin
// (the persistent `sim` target, SQLite store), end to end through the built CLI, at 100, 1,000
// and 10,000 hosts; and how fast a killed `apply` resumes. Writes bench/results/engine.json and
// bench/results/engine.md. See bench/README.md. Every number written comes from this run.
//
//   npm run bench:engine                          (builds, then runs this with the defaults)
//   node bench/engine-bench.mjs --sizes 100,1000 --resume-size 1000 --resumes 3
import { execFileSync, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { probeMachine, probeSentence } from './machine-probe.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const STORE = join(ROOT, 'dist', 'store', 'index.js');
const GNU_TIME = '/usr/bin/time';
const WRAPPER = join(import.meta.dirname, 'maxrss-wrapper.mjs');

const USAGE = `Usage: node bench/engine-bench.mjs [options]   (or: npm run bench:engine -- [options])

Runs the built \`escalator apply\` on generated clouds (digital twin, SQLite) and measures wall
time, peak memory and the engine's cost per step; then kills an apply mid-run and measures how
long the restarted one takes to execute its first step.

Options:
  --sizes <list>        host counts, comma-separated                      (default 100,1000,10000)
  --seed <n>            generator seed                                      (default 1)
  --resume-size <n>     hosts of the cloud for the resume measurement       (default 1000)
  --resumes <n>         kill depths measured (after 2, 8, 14 … waves)        (default 5)
  --restarts <n>        restarts timed from each killed state (median kept)  (default 5)
  --timeout <s>         an apply taking longer is killed: a failure          (default 1800)
  --results <dir>       where engine.json and engine.md go                   (default bench/results)
  -h, --help            this text`;

function options() {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '100,1000,10000' },
      seed: { type: 'string', default: '1' },
      'resume-size': { type: 'string', default: '1000' },
      resumes: { type: 'string', default: '5' },
      restarts: { type: 'string', default: '5' },
      timeout: { type: 'string', default: '1800' },
      results: { type: 'string', default: join(ROOT, 'bench', 'results') },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (v, name) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number`);
    return n;
  };
  return {
    sizes: values.sizes.split(',').map((s) => int(s.trim(), 'sizes')),
    seed: int(values.seed, 'seed'),
    resumeSize: int(values['resume-size'], 'resume-size'),
    resumes: int(values.resumes, 'resumes'),
    restarts: Math.max(1, int(values.restarts, 'restarts')),
    timeoutMs: int(values.timeout, 'timeout') * 1000,
    results: resolve(values.results),
  };
}

function gnuTimeWorks() {
  try {
    execFileSync(GNU_TIME, ['-f', '%M', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs the CLI; resolves with exit code, wall ms (spawn to exit), peak RSS in KiB and output.
 * `killWhen(output)` returning true sends SIGKILL (after `killDelayMs`, default at once).
 */
function runCli(args, { cwd, timeoutMs, killWhen, killDelayMs = 0, rss }) {
  const rssFile = join(cwd, `rss-${process.hrtime.bigint()}.txt`);
  const [command, argv] =
    rss === 'time'
      ? [GNU_TIME, ['-f', '%M', '-o', rssFile, process.execPath, CLI, ...args]]
      : rss === 'wrapper'
        ? [process.execPath, [WRAPPER, rssFile, CLI, ...args]]
        : [process.execPath, [CLI, ...args]];
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const startedAt = Date.now();
    const child = spawn(command, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killed = false;
    const kill = () => {
      if (killed) return;
      killed = true;
      // Under GNU time, the command is time's child: kill it first, while time still is its
      // parent (killed first, time would leave it to init, out of pkill -P's reach).
      try {
        execFileSync('pkill', ['-KILL', '-P', String(child.pid)]);
      } catch {
        // no child: the command runs directly
      }
      child.kill('SIGKILL');
    };
    const timer = setTimeout(kill, timeoutMs);
    child.stdout.on('data', (d) => {
      out += d;
      if (!killed && killWhen?.(out)) {
        if (killDelayMs === 0) kill();
        else setTimeout(kill, killDelayMs);
      }
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      let maxRssKiB = null;
      if (existsSync(rssFile)) {
        const text = readFileSync(rssFile, 'utf8').trim().split('\n').pop();
        // The wrapper writes more fields after it (maxrss-wrapper.mjs): the first is KiB.
        const kib = /^(\d+)(?: |$)/.exec(text ?? '')?.[1];
        if (kib !== undefined) maxRssKiB = Number(kib);
        rmSync(rssFile, { force: true });
      }
      resolvePromise({ code, signal, killed, ms, startedAt, maxRssKiB, out, err });
    });
  });
}

async function openStore(db) {
  const { openStore: open } = await import(pathToFileURL(STORE).href);
  return open(db);
}

/** What the store says about the run: steps, journal, execution window (wall clock). */
async function runFacts(db) {
  const store = await openStore(db);
  try {
    const [run] = await store.listRuns({});
    const steps = await store.listSteps(run.id);
    const journal = await store.readJournal(run.id, {});
    const stepEntries = journal.filter((e) => e.objectType === 'step');
    const begun = stepEntries.filter((e) => e.action === 'begin' || e.action === 'retry').length;
    const start = journal.find((e) => e.objectType === 'run' && e.action === 'start');
    const end = journal.findLast((e) => e.objectType === 'run' && e.action === 'complete');
    const created = journal.find((e) => e.objectType === 'run' && e.action === 'create');
    return {
      waves: created?.detail?.waves ?? null,
      state: run.state,
      steps: steps.length,
      stepExecutions: begun,
      stepTransitions: stepEntries.length,
      journalEntries: journal.length,
      executionMs: start && end ? Date.parse(end.at) - Date.parse(start.at) : null,
      journal,
    };
  } finally {
    await store.close();
  }
}

function generate(hosts, seed, folder) {
  execFileSync(
    process.execPath,
    [
      CLI,
      'sim',
      'generate',
      '--hosts',
      String(hosts),
      '--seed',
      String(seed),
      '--format',
      'json',
      '--out',
      'cloud',
    ],
    { cwd: folder, stdio: 'ignore' },
  );
}

const APPLY = (db) => [
  'apply',
  '-i',
  'cloud/inventory.json',
  '-k',
  'cloud/catalog.json',
  '-c',
  'cloud/campaign.json',
  '--db',
  db,
  '--output',
  'json',
];

async function measureSize(hosts, o, rss) {
  const folder = mkdtempSync(join(os.tmpdir(), `escalator-engine-bench-${hosts}-`));
  try {
    generate(hosts, o.seed, folder);
    const db = join(folder, 'state', 'escalator.db');
    process.stderr.write(`  ${hosts} hosts: applying… `);
    const r = await runCli(APPLY(db), { cwd: folder, timeoutMs: o.timeoutMs, rss });
    if (r.code !== 0) throw new Error(`apply exited ${r.code ?? r.signal}: ${r.err.slice(-2000)}`);
    const report = JSON.parse(r.out).report;
    const facts = await runFacts(db);
    const inventory = JSON.parse(readFileSync(join(folder, 'cloud', 'inventory.json'), 'utf8'));
    process.stderr.write(`${(r.ms / 1000).toFixed(1)} s\n`);
    return {
      hosts,
      instances: inventory.spec.instances?.length ?? 0,
      waves: facts.waves,
      state: facts.state,
      wallSeconds: r.ms / 1000,
      executionSeconds: facts.executionMs === null ? null : facts.executionMs / 1000,
      maxRssMiB: r.maxRssKiB === null ? null : r.maxRssKiB / 1024,
      steps: facts.steps,
      stepExecutions: facts.stepExecutions,
      journalEntries: facts.journalEntries,
      msPerStep: facts.executionMs === null ? null : facts.executionMs / facts.stepExecutions,
      simulatedSeconds: report.actualSeconds ?? null,
      migrations: report.migrations ?? null,
    };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

async function measureResume(hosts, o) {
  const folder = mkdtempSync(join(os.tmpdir(), `escalator-resume-bench-`));
  const samples = [];
  try {
    generate(hosts, o.seed, folder);
    const state = join(folder, 'state');
    const killedCopy = join(folder, 'killed');
    const db = join(state, 'escalator.db');
    const args = APPLY(db).filter((a) => a !== '--output' && a !== 'json');
    let wavesSoFar = 0;
    // Kill after a growing number of waves (2, 8, 14 …), so the restarts land at different
    // depths; each killed state is restarted several times from a copy of it (the machine's
    // timing varies by a few hundred ms from one start to the next): the median is kept.
    for (let k = 0; k < o.resumes; k++) {
      const wavesBeforeKill = k === 0 ? 2 : 6;
      let seen = 0;
      const killedRun = await runCli(args, {
        cwd: folder,
        timeoutMs: o.timeoutMs,
        rss: 'none',
        killWhen: (out) => (seen = (out.match(/▶ wave/g) ?? []).length) >= wavesBeforeKill,
        // Into the wave, not as it starts: its steps are in flight and the twin's log has grown
        // since the checkpoint between waves (a 1,000-host wave takes ~0.3 s).
        killDelayMs: 150,
      });
      if (!killedRun.killed) break; // finished before the kill: enough samples
      wavesSoFar += seen;
      rmSync(killedCopy, { recursive: true, force: true });
      cpSync(state, killedCopy, { recursive: true });
      const facts = await runFacts(db);
      const before = facts.journal.length;
      const times = [];
      for (let r = 0; r < o.restarts; r++) {
        rmSync(state, { recursive: true, force: true });
        cpSync(killedCopy, state, { recursive: true });
        // The restart: from its spawn to its first step transition in the journal.
        const restart = await runCli(args, {
          cwd: folder,
          timeoutMs: o.timeoutMs,
          rss: 'none',
          // Stopped 1.5 s after it started its first wave: its first steps are journaled by then.
          killWhen: (out) => (out.match(/▶ wave/g) ?? []).length >= 1,
          killDelayMs: 1500,
        });
        const first = (await runFacts(db)).journal
          .slice(before)
          .find((e) => e.objectType === 'step');
        times.push(first ? Date.parse(first.at) - restart.startedAt : null);
      }
      // The next kill continues from the killed state, not from a restart's.
      rmSync(state, { recursive: true, force: true });
      cpSync(killedCopy, state, { recursive: true });
      const measured = times.filter((t) => t !== null).sort((a, b) => a - b);
      samples.push({
        killedAfterWaves: wavesSoFar,
        stepsDoneAtKill: facts.stepTransitions,
        resumeMs: measured.length === 0 ? null : measured[Math.floor(measured.length / 2)],
        resumeMsMin: measured[0] ?? null,
        resumeMsMax: measured.at(-1) ?? null,
        restarts: times,
      });
      process.stderr.write(
        `  resume after a kill at wave ${wavesSoFar}: median ${samples.at(-1).resumeMs ?? '?'} ms (${times.join(', ')})\n`,
      );
    }
    return samples;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

function git(...args) {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

function markdown(result) {
  const m = result.machine;
  const lines = [
    '# Engine benchmark',
    '',
    `\`node bench/engine-bench.mjs\` at ${result.commit}${result.dirty ? ' (with uncommitted changes)' : ''} on ${result.date}: ${m.cpu} × ${m.cores}, ${m.memoryGiB} GiB, Node ${m.node}; load average ${m.loadAverageStart.toFixed(2)} at start, ${m.loadAverageEnd.toFixed(2)} at the end.`,
    '',
    ...(m.probeAtStart && m.probeAtEnd ? [probeSentence(m.probeAtStart, m.probeAtEnd), ''] : []),
    "`escalator apply` end to end on a generated cloud (digital twin kept in a file, SQLite store beside it): wall time from spawn to exit (loading and validating the documents, planning, executing every step with its journal writes, the report); _execution_ is the wall time between the run's `start` and `complete` journal entries; _ms per step_ is that divided by the step executions — everything the engine, the store and the twin spend per step, since simulated time costs no wall time.",
    '',
    '| hosts | instances | waves | wall s | execution s | ms per step | steps executed | journal entries | peak RSS MiB | simulated time |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of result.sizes)
    lines.push(
      `| ${r.hosts} | ${r.instances ?? '?'} | ${r.waves ?? '?'} | ${r.wallSeconds.toFixed(1)} | ${r.executionSeconds?.toFixed(1) ?? '?'} | ${r.msPerStep?.toFixed(2) ?? '?'} | ${r.stepExecutions} | ${r.journalEntries} | ${r.maxRssMiB?.toFixed(0) ?? '?'} | ${r.simulatedSeconds === null ? '?' : `${(r.simulatedSeconds / 3600).toFixed(1)} h`} |`,
    );
  lines.push(
    '',
    `Resume after SIGKILL (${result.resumeSize} hosts): an \`apply\` killed 150 ms into its Nth wave, then started again with the same command line; measured from the restart's spawn to its first step transition in the journal (starting Node, loading the documents, opening the store and the twin, reading the run). Each killed state is restarted ${result.restarts} times from a copy of it; the median is kept, the range shown.`,
    '',
    '| killed after waves | steps done | resume ms (median) | min – max |',
    '| ---: | ---: | ---: | ---: |',
    ...result.resume.map(
      (s) =>
        `| ${s.killedAfterWaves} | ${s.stepsDoneAtKill ?? '?'} | ${s.resumeMs ?? '?'} | ${s.resumeMsMin ?? '?'} – ${s.resumeMsMax ?? '?'} |`,
    ),
    '',
  );
  return lines.join('\n');
}

async function main() {
  const o = options();
  if (!existsSync(CLI))
    throw new Error('dist/ is missing: run `npm run build` (npm run bench:engine does)');
  const rss = gnuTimeWorks() ? 'time' : 'wrapper';
  const cpus = os.cpus();
  const machine = {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadAverageStart: os.loadavg()[0],
    loadAverageEnd: 0,
    rss: rss === 'time' ? `${GNU_TIME} -f %M` : 'process.resourceUsage().maxRSS',
  };
  process.stderr.write('engine benchmark\n');
  machine.probeAtStart = probeMachine();
  const sizes = [];
  for (const hosts of o.sizes) sizes.push(await measureSize(hosts, o, rss));
  const resume = o.resumes > 0 ? await measureResume(o.resumeSize, o) : [];
  machine.loadAverageEnd = os.loadavg()[0];
  machine.probeAtEnd = probeMachine();
  const result = {
    date: new Date().toISOString(),
    commit: git('rev-parse', '--short', 'HEAD'),
    dirty: (git('status', '--porcelain', '--untracked-files=no') ?? '') !== '',
    machine,
    sizes,
    resumeSize: o.resumeSize,
    restarts: o.restarts,
    resume,
  };
  mkdirSync(o.results, { recursive: true });
  writeFileSync(join(o.results, 'engine.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(o.results, 'engine.md'), markdown(result));
  process.stderr.write(`wrote ${join(o.results, 'engine.md')}\n`);
}

main().catch((error) => {
  console.error(`engine benchmark failed: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
