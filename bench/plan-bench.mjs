#!/usr/bin/env node
// The planning benchmark: plans generated clouds end to end with the built CLI
// (`node dist/cli/main.js plan … --output json`, one child process per run), for each size and
// each strategy, and writes bench/results/plan.json and bench/results/plan.md.
// See bench/README.md. Every number written comes from this run; nothing is assumed.
//
//   npm run bench                               (builds, then runs this with the defaults)
//   node bench/plan-bench.mjs --sizes 100,1000 --runs 3 --seed 7
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import { join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { probeMachine, probeSentence } from './machine-probe.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
/** The CLI the runs use: a copy of dist/ taken at the start (see snapshotDist). */
let cli = CLI;
const WRAPPER = join(import.meta.dirname, 'maxrss-wrapper.mjs');
const GNU_TIME = '/usr/bin/time';
const STRATEGIES = ['optimised', 'serial', 'fixed-parallel'];
/** Exit codes of `escalator plan` that still mean "a plan was made": 0, and 3 (blocker findings). */
const PLAN_EXITS = new Set([0, 3]);

/** The targets of the issue. */
const TARGETS = {
  wallSeconds: 2,
  peakRssKiB: 1024 * 1024, // 1 GiB
  waveRatio: 1.1,
  waveRatioUtilisation: 0.7,
  migrationsPerInstance: 1.0,
  headlineHosts: 10_000,
};

const USAGE = `Usage: node bench/plan-bench.mjs [options]   (or: npm run bench -- [options])

Plans generated clouds with the built CLI (dist/cli/main.js) for each size and strategy and
writes bench/results/plan.json and plan.md. Build first (npm run bench does).

Options:
  --sizes <list>          host counts, comma-separated       (default 100,1000,10000)
  --runs <n>              timed runs per size and strategy   (default 5)
  --seed <n>              generator seed                     (default 1)
  --utilisation <f>       compute utilisation of the cloud   (default 0.7)
  --fixed-parallel <n>    hosts per wave for fixed-parallel  (default 2)
  --rss <how>             auto | time | wrapper: peak RSS by ${GNU_TIME} -f %M, or by
                          process.resourceUsage().maxRSS in a wrapper  (default auto)
  --timeout <seconds>     kill a run that takes longer (counts as a crash)  (default 900)
  --results <dir>         where to write plan.json and plan.md  (default bench/results)
  --keep                  keep the temporary folder with the generated clouds
  -h, --help              this text`;

// ---------------------------------------------------------------------------------------------
// Options

function parseOptions(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        sizes: { type: 'string', default: '100,1000,10000' },
        runs: { type: 'string', default: '5' },
        seed: { type: 'string', default: '1' },
        utilisation: { type: 'string', default: '0.7' },
        'fixed-parallel': { type: 'string', default: '2' },
        rss: { type: 'string', default: 'auto' },
        timeout: { type: 'string', default: '900' },
        results: { type: 'string', default: join(ROOT, 'bench', 'results') },
        keep: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    usageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const wholeNumber = (name, text) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1)
      usageError(`--${name} must be a whole number ≥ 1, got "${text}"`);
    return n;
  };
  const sizes = values.sizes
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => wholeNumber('sizes', s));
  if (sizes.length === 0) usageError('--sizes needs at least one host count');
  const utilisation = Number(values.utilisation);
  if (!Number.isFinite(utilisation) || utilisation <= 0 || utilisation > 1)
    usageError(`--utilisation must be a fraction in (0, 1], got "${values.utilisation}"`);
  if (!['auto', 'time', 'wrapper'].includes(values.rss))
    usageError(`--rss must be auto, time or wrapper, got "${values.rss}"`);
  return {
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    runs: wholeNumber('runs', values.runs),
    seed: wholeNumber('seed', values.seed),
    utilisation,
    fixedParallel: wholeNumber('fixed-parallel', values['fixed-parallel']),
    rss: values.rss,
    timeoutMs: wholeNumber('timeout', values.timeout) * 1000,
    results: resolve(values.results),
    keep: values.keep,
  };
}

function usageError(message) {
  console.error(`plan-bench: ${message}\n\n${USAGE}`);
  process.exit(2);
}

class BenchFailure extends Error {}
class Interrupted extends Error {}

// ---------------------------------------------------------------------------------------------
// Machine facts

function git(args) {
  try {
    return execFileSync('git', args, {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

function machineFacts() {
  const cpus = os.cpus();
  const status = git(['status', '--porcelain']);
  let cliVersion = null;
  try {
    cliVersion = execFileSync(process.execPath, [cli, '--version'], { encoding: 'utf8' }).trim();
  } catch {
    cliVersion = null;
  }
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus.length,
    availableParallelism: os.availableParallelism(),
    totalMemoryBytes: os.totalmem(),
    loadAverageAtStart: os.loadavg(),
    gitCommit: git(['rev-parse', '--short', 'HEAD']),
    gitDirty: status === null ? null : status !== '',
    cliVersion,
  };
}

/**
 * Copies dist/ (with package.json, and node_modules linked) into the work folder and returns the
 * copy's CLI: every run then measures the code built when the benchmark started, even when
 * someone rebuilds dist/ meanwhile.
 */
function snapshotDist(work) {
  const app = join(work, 'app');
  cpSync(join(ROOT, 'dist'), join(app, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(app, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(app, 'node_modules'), 'dir');
  return join(app, 'dist', 'cli', 'main.js');
}

// ---------------------------------------------------------------------------------------------
// Peak RSS, page faults and CPU time: GNU time if it works here, else the in-process wrapper

/** What GNU time (or the wrapper) writes: peak RSS in KiB, minor page faults, user and system seconds. */
const USAGE_FORMAT = '%M %R %U %S';

/**
 * GNU time writes "Command exited with non-zero status N" or "Command terminated by signal N"
 * before the format's output; the last line is USAGE_FORMAT's.
 */
function readUsageFile(file) {
  const none = { kib: null, minorFaults: null, cpuMs: null, signal: null };
  if (!existsSync(file)) return none;
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const signalLine = lines.find((l) => /^Command terminated by signal \d+/.test(l));
  const fields = /^(\d+) (\d+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/.exec(lines.at(-1) ?? '');
  return {
    kib: fields ? Number(fields[1]) : null,
    minorFaults: fields ? Number(fields[2]) : null,
    cpuMs: fields ? Math.round((Number(fields[3]) + Number(fields[4])) * 1000) : null,
    signal: signalLine ? Number(/(\d+)/.exec(signalLine)?.[1]) : null,
  };
}

function gnuTimeWorks(dir) {
  try {
    accessSync(GNU_TIME, constants.X_OK);
  } catch {
    return false;
  }
  const probe = join(dir, 'probe.rss');
  try {
    execFileSync(GNU_TIME, ['-f', USAGE_FORMAT, '-o', probe, process.execPath, '-e', ''], {
      stdio: 'ignore',
    });
    const { kib } = readUsageFile(probe);
    return kib !== null && kib > 0;
  } catch {
    return false;
  } finally {
    rmSync(probe, { force: true });
  }
}

function chooseRssMethod(wanted, dir) {
  if (wanted === 'wrapper') return 'wrapper';
  const works = gnuTimeWorks(dir);
  if (wanted === 'time' && !works)
    throw new BenchFailure(
      `--rss time: ${GNU_TIME} is missing or does not support -f '${USAGE_FORMAT}' -o <file>`,
    );
  return works ? 'time' : 'wrapper';
}

// ---------------------------------------------------------------------------------------------
// One child process

/**
 * Runs `node dist/cli/main.js …args` once, stdout and stderr to files, and measures its wall
 * time (spawn to exit) and peak RSS.
 */
function runCli(args, { stdoutFile, stderrFile, rssFile, rssMethod, timeoutMs }) {
  rmSync(rssFile, { force: true });
  const [command, commandArgs] =
    rssMethod === 'time'
      ? [GNU_TIME, ['-f', USAGE_FORMAT, '-o', rssFile, process.execPath, cli, ...args]]
      : [process.execPath, [WRAPPER, rssFile, cli, ...args]];
  const out = openSync(stdoutFile, 'w');
  const err = openSync(stderrFile, 'w');
  return new Promise((resolvePromise, reject) => {
    let timedOut = false;
    const start = performance.now();
    // Its own process group, so that a timeout or Ctrl-C ends the CLI under /usr/bin/time too.
    const child = spawn(command, commandArgs, {
      cwd: ROOT,
      stdio: ['ignore', out, err],
      detached: true,
    });
    const killGroup = () => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    let interrupted = false;
    const onSignal = () => {
      interrupted = true;
      killGroup();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    let finished = false;
    const done = () => {
      if (finished) return false;
      finished = true;
      clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      closeSync(out);
      closeSync(err);
      return true;
    };
    child.on('error', (error) => {
      if (done()) reject(error);
    });
    child.on('exit', (code, signal) => {
      const ms = performance.now() - start;
      if (!done()) return;
      if (interrupted) {
        reject(new Interrupted());
        return;
      }
      const rss = readUsageFile(rssFile);
      resolvePromise({
        ms,
        code,
        signal: signal ?? (rss.signal !== null ? `signal ${rss.signal}` : null),
        timedOut,
        maxRssKiB: rss.kib,
        minorFaults: rss.minorFaults,
        cpuMs: rss.cpuMs,
        stdoutBytes: statSync(stdoutFile).size,
        stdoutSha256: createHash('sha256').update(readFileSync(stdoutFile)).digest('hex'),
      });
    });
  });
}

function tail(file, chars = 3000) {
  try {
    const text = readFileSync(file, 'utf8');
    return text.length > chars ? `…${text.slice(-chars)}` : text;
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------------------------------------
// Statistics

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const ratio = (a, b) => (typeof a === 'number' && typeof b === 'number' && b > 0 ? a / b : null);

/** The numbers read from one plan document (the CLI's JSON output). */
function planFacts(file) {
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  if (doc?.kind !== 'Plan' || typeof doc.summary !== 'object')
    throw new BenchFailure(`${file} is not a plan document (kind ${String(doc?.kind)})`);
  const s = doc.summary;
  return {
    strategy: doc.strategy,
    hosts: s.hosts,
    instances: s.instances,
    waves: s.waves,
    wavesLowerBound: s.wavesLowerBound,
    waveRatio: s.waveRatio,
    waveRatioExact: s.wavesLowerBound > 0 ? s.waves / s.wavesLowerBound : s.waves === 0 ? 1 : null,
    migrations: s.migrations,
    migrationsPerInstance: ratio(s.migrations, s.instances) ?? (s.migrations === 0 ? 0 : null),
    multiMoved: s.multiMoved,
    predictedSeconds: s.predictedSeconds,
    predictedSecondsLowerBound: s.predictedSecondsLowerBound,
    unplannedHosts: Array.isArray(doc.unplanned) ? doc.unplanned.length : null,
    blockerFindings: Array.isArray(doc.findings)
      ? doc.findings.filter((f) => f.severity === 'blocker').length
      : null,
  };
}

// ---------------------------------------------------------------------------------------------
// The benchmark

const log = (text) => process.stderr.write(`${text}\n`);

/** `escalator sim generate` into `dir` (not timed). */
function generate(hosts, options, format, dir) {
  execFileSync(
    process.execPath,
    [
      cli,
      'sim',
      'generate',
      '--hosts',
      String(hosts),
      '--seed',
      String(options.seed),
      '--utilisation',
      String(options.utilisation),
      '--format',
      format,
      '--out',
      dir,
    ],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

async function benchSize(hosts, options, work) {
  const dir = join(work, `hosts-${hosts}`);
  mkdirSync(dir, { recursive: true });
  log(`\n== ${hosts} hosts: generating (seed ${options.seed}, utilisation ${options.utilisation})`);
  generate(hosts, options, 'json', dir);
  const files = {
    inventory: join(dir, 'inventory.json'),
    catalog: join(dir, 'catalog.json'),
    campaign: join(dir, 'campaign.json'),
  };
  const inventory = JSON.parse(readFileSync(files.inventory, 'utf8'));
  const cloud = {
    hosts: inventory.spec?.hosts?.length ?? 0,
    instances: inventory.spec?.instances?.length ?? 0,
    vnfs: inventory.spec?.vnfs?.length ?? 0,
    inventoryBytes: statSync(files.inventory).size,
  };

  // The same cloud as `sim generate` writes it by default, in YAML, planned optimised again.
  // Its runs alternate with the JSON ones, so that a machine that drifts weighs on both alike.
  const yamlDir = join(dir, 'yaml');
  generate(hosts, options, 'yaml', yamlDir);
  const yamlFiles = {
    inventory: join(yamlDir, 'inventory.yaml'),
    catalog: join(yamlDir, 'catalog.yaml'),
    campaign: join(yamlDir, 'campaign.yaml'),
  };
  const strategies = {};
  let yaml;
  [strategies.optimised, yaml] = await measureAlternating(
    [
      { name: 'optimised', strategy: 'optimised', files },
      { name: 'optimised-yaml', strategy: 'optimised', files: yamlFiles },
    ],
    dir,
    hosts,
    options,
  );
  for (const strategy of STRATEGIES)
    if (strategy !== 'optimised')
      strategies[strategy] = await measure(strategy, strategy, files, dir, hosts, options);
  yaml.samePlanAsJson = yaml.runs[0]?.stdoutSha256 === strategies.optimised.runs[0]?.stdoutSha256;
  const predicted = (s) => strategies[s]?.plan?.predictedSeconds;
  return {
    hosts,
    cloud,
    strategies,
    yaml,
    predictedRatioVsOptimised: {
      serial: round(ratio(predicted('serial'), predicted('optimised')), 3),
      'fixed-parallel': round(ratio(predicted('fixed-parallel'), predicted('optimised')), 3),
    },
  };
}

/** Times `options.runs` runs of one plan command; `name` labels the runs and their files. */
async function measure(name, strategy, files, dir, hosts, options) {
  const [result] = await measureAlternating([{ name, strategy, files }], dir, hosts, options);
  return result;
}

/**
 * Times `options.runs` runs of each plan command, one of each in turn (a, b, a, b, …), and
 * sums each command's runs up.
 */
async function measureAlternating(commands, dir, hosts, options) {
  const states = commands.map(() => ({ runs: [], plan: null, note: null }));
  for (let i = 0; i < options.runs; i++)
    for (let k = 0; k < commands.length; k++)
      await timeRun(commands[k], states[k], i, dir, hosts, options);
  return states.map(({ runs, plan, note }) => {
    const wall = runs.map((r) => r.wallMs);
    return {
      medianWallMs: round(median(wall), 1),
      maxWallMs: round(Math.max(...wall), 1),
      minWallMs: round(Math.min(...wall), 1),
      maxRssKiB: Math.max(...runs.map((r) => r.maxRssKiB)),
      medianCpuMs: medianOf(runs.map((r) => r.cpuMs)),
      medianMinorFaults: medianOf(runs.map((r) => r.minorFaults)),
      exitCodes: [...new Set(runs.map((r) => r.exitCode))],
      identicalOutput: new Set(runs.map((r) => r.stdoutSha256)).size === 1,
      plan,
      note,
      runs,
    };
  });
}

/** Run `i` of one plan command, added to `state` (its runs, and its plan from the first). */
async function timeRun({ name, strategy, files }, state, i, dir, hosts, options) {
  const args = [
    'plan',
    '-i',
    files.inventory,
    '-k',
    files.catalog,
    '-c',
    files.campaign,
    '--strategy',
    strategy,
    ...(strategy === 'fixed-parallel' ? ['--fixed-parallel', String(options.fixedParallel)] : []),
    '--output',
    'json',
  ];
  const stdoutFile = join(dir, `plan-${name}.json`);
  const stderrFile = join(dir, `plan-${name}.stderr`);
  const run = await runCli(args, {
    stdoutFile,
    stderrFile,
    rssFile: join(dir, `plan-${name}.rss`),
    rssMethod: options.rssMethod,
    timeoutMs: options.timeoutMs,
  });
  const crashed = run.timedOut || run.signal !== null || !PLAN_EXITS.has(run.code);
  if (crashed) {
    const why = run.timedOut
      ? `timed out after ${options.timeoutMs / 1000} s`
      : run.signal !== null
        ? `was killed (${run.signal})`
        : `exited with ${run.code}`;
    throw new BenchFailure(
      `plan --strategy ${strategy} (${name}) on ${hosts} hosts ${why} (run ${i + 1}).\n` +
        `command: node dist/cli/main.js ${args.join(' ')}\nstderr:\n${tail(stderrFile)}`,
    );
  }
  if (run.maxRssKiB === null)
    throw new BenchFailure(`no peak RSS recorded for ${name} on ${hosts} hosts (run ${i + 1})`);
  state.runs.push({
    wallMs: round(run.ms, 1),
    maxRssKiB: run.maxRssKiB,
    minorFaults: run.minorFaults,
    cpuMs: run.cpuMs,
    exitCode: run.code,
    stdoutBytes: run.stdoutBytes,
    stdoutSha256: run.stdoutSha256,
  });
  if (i === 0) {
    if (run.stdoutBytes > 0) {
      state.plan = planFacts(stdoutFile);
      if (state.plan.strategy !== strategy)
        throw new BenchFailure(`asked for ${strategy}, the CLI planned ${state.plan.strategy}`);
    } else state.note = `no plan on stdout (exit ${run.code}): ${tail(stderrFile, 300).trim()}`;
  }
  log(
    `   ${name.padEnd(14)} run ${i + 1}/${options.runs}: ${(run.ms / 1000).toFixed(3)} s, ` +
      `${(run.maxRssKiB / 1024).toFixed(0)} MiB, exit ${run.code}`,
  );
}

/** The median, rounded, or null when a run has no such number. */
const medianOf = (values) =>
  values.every((v) => typeof v === 'number') ? Math.round(median(values)) : null;

function round(value, digits) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

// ---------------------------------------------------------------------------------------------
// Targets

function evaluateTargets(sizes, options) {
  const targets = [];
  const add = (target, measured, limit, pass) =>
    targets.push({
      target,
      measured,
      limit,
      result: pass === null ? 'not measured' : pass ? 'pass' : 'fail',
    });
  const planned = (p) =>
    p && p.unplannedHosts === 0 ? '' : ` (${p?.unplannedHosts ?? '?'} host(s) unplanned)`;

  if (!sizes.some((s) => s.hosts === TARGETS.headlineHosts))
    add(
      `plan ${TARGETS.headlineHosts.toLocaleString('en-US')} hosts: time and memory`,
      'size not in --sizes',
      `≤ ${TARGETS.wallSeconds} s, ≤ 1 GiB`,
      null,
    );
  for (const size of sizes) {
    const o = size.strategies.optimised;
    const label = `${size.hosts.toLocaleString('en-US')} hosts / ${size.cloud.instances.toLocaleString('en-US')} instances`;
    add(
      `plan time, ${label} (optimised, median of ${options.runs}, end to end)`,
      `${(o.medianWallMs / 1000).toFixed(3)} s (max ${(o.maxWallMs / 1000).toFixed(3)} s)`,
      `≤ ${TARGETS.wallSeconds} s`,
      o.medianWallMs <= TARGETS.wallSeconds * 1000,
    );
    add(
      `peak memory, ${label} (optimised, max of ${options.runs})`,
      `${mib(o.maxRssKiB)} MiB`,
      '≤ 1024 MiB',
      o.maxRssKiB <= TARGETS.peakRssKiB,
    );
    const y = size.yaml;
    add(
      `plan time and peak memory, ${label}, documents in YAML as \`sim generate\` writes them (optimised)`,
      `${(y.medianWallMs / 1000).toFixed(3)} s (max ${(y.maxWallMs / 1000).toFixed(3)} s), ` +
        `${mib(y.maxRssKiB)} MiB; ${y.samePlanAsJson ? 'the same plan as from JSON' : 'a plan that differs from the one from JSON'}`,
      `≤ ${TARGETS.wallSeconds} s, ≤ 1024 MiB, the same plan`,
      y.medianWallMs <= TARGETS.wallSeconds * 1000 &&
        y.maxRssKiB <= TARGETS.peakRssKiB &&
        y.samePlanAsJson,
    );
    const p = o.plan;
    if (options.utilisation !== TARGETS.waveRatioUtilisation)
      add(
        `waves / lower bound, ${label} at ${pct(TARGETS.waveRatioUtilisation)} utilisation`,
        `run at ${pct(options.utilisation)}`,
        `≤ ${TARGETS.waveRatio}`,
        null,
      );
    else
      add(
        `waves / lower bound, ${label} at ${pct(options.utilisation)} utilisation (optimised)`,
        p
          ? `${p.waves} / ${p.wavesLowerBound} = ${fixed(p.waveRatioExact, 3)}${planned(p)}`
          : 'no plan',
        `≤ ${TARGETS.waveRatio}, every host planned`,
        p
          ? p.waveRatioExact !== null &&
              p.waveRatioExact <= TARGETS.waveRatio &&
              p.unplannedHosts === 0
          : false,
      );
    add(
      `migrations per instance, ${label} (optimised)`,
      p
        ? `${p.migrations.toLocaleString('en-US')} / ${p.instances.toLocaleString('en-US')} = ${fixed(p.migrationsPerInstance, 3)}${planned(p)}`
        : 'no plan',
      `≤ ${TARGETS.migrationsPerInstance.toFixed(1)}, every host planned`,
      p
        ? p.migrationsPerInstance !== null &&
            p.migrationsPerInstance <= TARGETS.migrationsPerInstance &&
            p.unplannedHosts === 0
        : false,
    );
  }
  const compared = sizes.every((s) => STRATEGIES.every((st) => s.strategies[st]?.plan));
  add(
    'serial and fixed-parallel planned side by side in the same run (predicted duration ÷ optimised)',
    sizes
      .map(
        (s) =>
          `${s.hosts.toLocaleString('en-US')}: serial ${fixed(s.predictedRatioVsOptimised.serial, 2)}×, ` +
          `fixed-parallel ${fixed(s.predictedRatioVsOptimised['fixed-parallel'], 2)}×`,
      )
      .join('; '),
    'all three strategies planned at every size',
    compared,
  );
  return targets;
}

// ---------------------------------------------------------------------------------------------
// Markdown

const mib = (kib) => (kib / 1024).toFixed(1);
const pct = (f) => `${Math.round(f * 100)} %`;
const fixed = (v, d) => (typeof v === 'number' ? v.toFixed(d) : '—');
const hours = (s) => (typeof s === 'number' ? `${(s / 3600).toFixed(1)} h` : '—');
const int = (n) => (typeof n === 'number' ? n.toLocaleString('en-US') : '—');

/**
 * How much of the optimised run's time is memory touched for the first time, estimated from its
 * minor page faults (4 KiB pages, like the probe's) at the probe's cost per GiB.
 */
function firstTouchSentence(run, probe) {
  if (run.medianMinorFaults === null || !probe) return null;
  const gib = (run.medianMinorFaults * 4096) / 1024 ** 3;
  const seconds = (gib * probe.freshMemoryMsPerGiB) / 1000;
  return (
    `Memory touched for the first time: the optimised runs' median is ${int(run.medianMinorFaults)} ` +
    `page faults, ${(gib * 1024).toFixed(0)} MiB in 4 KiB pages; at the probe's ` +
    `${probe.freshMemoryMsPerGiB} ms/GiB that is ≈ ${seconds.toFixed(2)} s of its ` +
    `${(run.medianWallMs / 1000).toFixed(3)} s.`
  );
}

function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function markdown(result) {
  const m = result.machine;
  const o = result.options;
  const out = [];
  out.push('# Planning benchmark', '');
  out.push(
    `${m.date} · commit ${m.gitCommit ?? 'unknown'}${m.gitDirty ? ' (uncommitted changes)' : ''} · Node ${m.node} · ` +
      `${m.cpuCount} × ${m.cpuModel} · ${(m.totalMemoryBytes / 1024 ** 3).toFixed(1)} GiB RAM · ${m.platform}`,
    '',
  );
  out.push(
    `Each run is one child process, \`node dist/cli/main.js plan -i … -k … -c … --strategy <s> --output json\`, ` +
      `timed from spawn to exit (reading the documents, planning, writing the JSON plan to a file), ` +
      'run from a copy of dist/ taken at the start so that every run measures the same build. ' +
      `${o.runs} runs per size and strategy, on documents in JSON, and for optimised also in YAML ` +
      '(the format `sim generate` writes by default; its runs alternate with the optimised JSON ones); ' +
      'median and max wall time, max peak RSS, ' +
      'median CPU time (user + system) and minor page faults ' +
      `(${o.rssMethod === 'time' ? `${GNU_TIME} -f '${USAGE_FORMAT}'` : 'process.resourceUsage() in bench/maxrss-wrapper.mjs'}). ` +
      `Clouds: \`escalator sim generate --hosts <n> --seed ${o.seed} --utilisation ${o.utilisation}\` (not timed); ` +
      `fixed-parallel with ${o.fixedParallel} hosts per wave. ` +
      `Load average at start ${m.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}, ` +
      `at end ${m.loadAverageAtEnd.map((l) => l.toFixed(2)).join(' ')}.`,
    '',
  );
  if (m.probeAtStart && m.probeAtEnd) out.push(probeSentence(m.probeAtStart, m.probeAtEnd), '');
  for (const w of result.warnings) out.push(`> **Warning:** ${w}`, '');

  for (const size of result.sizes) {
    const c = size.cloud;
    out.push(
      `## ${int(size.hosts)} hosts (${int(c.instances)} instances, ${int(c.vnfs)} VNFs)`,
      '',
    );
    const runs = [
      ...STRATEGIES.map((name) => [name, size.strategies[name]]),
      ['optimised-yaml', size.yaml],
    ];
    const rows = runs.map(([label, s]) => {
      const name = label === 'optimised-yaml' ? 'optimised' : label;
      const p = s.plan;
      return [
        label === 'optimised-yaml' ? 'optimised, YAML documents' : name,
        s.exitCodes.join(', '),
        p ? int(p.unplannedHosts) : '—',
        (s.medianWallMs / 1000).toFixed(3),
        (s.maxWallMs / 1000).toFixed(3),
        mib(s.maxRssKiB),
        s.medianCpuMs === null ? '—' : (s.medianCpuMs / 1000).toFixed(2),
        s.medianMinorFaults === null ? '—' : int(s.medianMinorFaults),
        p ? int(p.waves) : '—',
        p ? int(p.wavesLowerBound) : '—',
        p ? fixed(p.waveRatioExact, 3) : '—',
        p ? fixed(p.migrationsPerInstance, 3) : '—',
        p ? int(p.multiMoved) : '—',
        p ? hours(p.predictedSeconds) : '—',
        name === 'optimised' ? '1.00×' : `${fixed(size.predictedRatioVsOptimised[name], 2)}×`,
      ];
    });
    out.push(
      table(
        [
          'strategy',
          'exit',
          'unplanned hosts',
          'median s',
          'max s',
          'peak RSS MiB',
          'CPU s',
          'page faults',
          'waves',
          'lower bound',
          'waves / bound',
          'migrations / instance',
          'moved > once',
          'predicted',
          'predicted ÷ optimised',
        ],
        rows,
      ),
      '',
    );
    const notes = [];
    for (const name of STRATEGIES) {
      const s = size.strategies[name];
      if (s.note) notes.push(`- ${name}: ${s.note}`);
      if (s.plan && s.plan.unplannedHosts > 0)
        notes.push(
          `- ${name} left ${int(s.plan.unplannedHosts)} host(s) unplanned (exit ${s.exitCodes.join(', ')}, ` +
            `${int(s.plan.blockerFindings)} blocker finding(s)): its waves, migrations and predicted ` +
            'duration cover only the planned hosts, so its ratios compare partial plans.',
        );
    }
    if (notes.length > 0) out.push(...notes, '');
    const touched = firstTouchSentence(size.strategies.optimised, m.probeAtStart);
    if (touched) out.push(touched, '');
  }

  out.push('## Targets', '');
  out.push(
    table(
      ['target', 'measured', 'limit', 'result'],
      result.targets.map((t) => [t.target, t.measured, t.limit, t.result]),
    ),
    '',
  );
  const met = result.targets.filter((t) => t.result === 'pass').length;
  out.push(`${met} of ${result.targets.length} targets met.`, '');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main

async function main() {
  const options = parseOptions(process.argv.slice(2));
  if (!existsSync(CLI))
    throw new BenchFailure(
      `${relative(ROOT, CLI)} is missing: build first (npm run build, or npm run bench)`,
    );
  const work = mkdtempSync(join(os.tmpdir(), 'escalator-bench-'));
  let keepWork = true;
  try {
    cli = snapshotDist(work);
    const machine = machineFacts();
    log('plan-bench: probing the machine (bench/machine-probe.mjs)');
    machine.probeAtStart = probeMachine();
    const rssMethod = chooseRssMethod(options.rss, work);
    const run = { ...options, rssMethod };
    log(
      `plan-bench: sizes ${options.sizes.join(', ')}; ${options.runs} run(s) each; peak RSS by ${rssMethod === 'time' ? GNU_TIME : 'wrapper'}`,
    );
    const sizes = [];
    for (const hosts of options.sizes) sizes.push(await benchSize(hosts, run, work));
    machine.loadAverageAtEnd = os.loadavg();
    machine.probeAtEnd = probeMachine();

    const warnings = [];
    for (const size of sizes)
      for (const [name, runs] of [
        ...STRATEGIES.map((st) => [st, size.strategies[st]]),
        ['optimised from YAML', size.yaml],
      ])
        if (!runs.identicalOutput)
          warnings.push(
            `${name} on ${size.hosts} hosts printed different plans across runs of the same build: ` +
              'the planner is not deterministic (the summary is from the first run).',
          );
    // The bench's own runs load the machine; only the load before it started says that other
    // work (a build, tests) may compete with it.
    if (machine.loadAverageAtStart[0] >= 1)
      warnings.push(
        `1-minute load average was ${machine.loadAverageAtStart[0].toFixed(2)} on ${machine.cpuCount} CPUs when the ` +
          'benchmark started: other work may have competed for the machine.',
      );

    const result = {
      benchmark: 'plan',
      machine,
      options: {
        sizes: options.sizes,
        runs: options.runs,
        seed: options.seed,
        utilisation: options.utilisation,
        fixedParallel: options.fixedParallel,
        rssMethod,
        timeoutSeconds: options.timeoutMs / 1000,
      },
      targetsDefinition: TARGETS,
      sizes,
      targets: evaluateTargets(sizes, run),
      warnings,
    };
    const md = markdown(result);
    mkdirSync(options.results, { recursive: true });
    writeFileSync(join(options.results, 'plan.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(options.results, 'plan.md'), md);
    log(`\nwrote ${relative(process.cwd(), join(options.results, 'plan.json'))} and plan.md\n`);
    process.stdout.write(md);
    keepWork = options.keep;
  } catch (error) {
    if (error instanceof Interrupted) keepWork = options.keep;
    throw error;
  } finally {
    if (keepWork) log(`plan-bench: generated clouds and plans kept in ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (error) {
  if (error instanceof Interrupted) {
    console.error('plan-bench: interrupted');
    process.exitCode = 130;
  } else {
    console.error(
      `plan-bench: FAILED: ${error instanceof BenchFailure ? error.message : (error?.stack ?? String(error))}`,
    );
    process.exitCode = 1;
  }
}
