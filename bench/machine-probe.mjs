// How fast this machine is right now, so that results measured on different days (or different
// hosts of the same VM type) can be compared: the same code has measured 2.2 s one day and
// 3.3 s another on "the same" 2-core VM. Two probes, each in a fresh child process, median of 3:
//
// - reference work: a fixed, seeded piece of JavaScript shaped like the planner's (objects,
//   Maps keyed by names, typed arrays, sorting, JSON), in milliseconds;
// - fresh memory: milliseconds to allocate and touch 512 MiB, reported per GiB. Memory a
//   process touches for the first time costs a page fault per 4 KiB page; on some VMs that is
//   a large part of a run (planning 10,000 hosts touches ~350 MB).
//
//   node bench/machine-probe.mjs          (prints the probe as JSON)
import { execFileSync } from 'node:child_process';

const REFERENCE_WORK = `
let seed = 42;
const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
const t0 = performance.now();
const hosts = [];
for (let h = 0; h < 20000; h++) hosts.push({ name: 'host-' + h, vcpu: 64, used: Math.floor(next() * 64), labels: { rack: 'r' + (h % 500) } });
const index = new Map();
for (const [k, h] of hosts.entries()) index.set(h.name, k);
const items = [];
for (let i = 0; i < 400000; i++) items.push({ name: 'inst-' + i, host: 'host-' + Math.floor(next() * 20000), vcpu: 1 + Math.floor(next() * 8) });
const load = new Float64Array(hosts.length);
for (const it of items) load[index.get(it.host)] += it.vcpu;
const order = hosts.map((_, k) => k).sort((a, b) => load[a] - load[b] || a - b);
const text = JSON.stringify({ hosts, items: items.slice(0, 100000), order });
const back = JSON.parse(text);
if (back.order.length !== hosts.length) throw new Error('probe');
process.stdout.write(String(performance.now() - t0));
`;

const FRESH_MEMORY = `
const bytes = 512 * 1024 * 1024;
const t0 = performance.now();
const b = Buffer.allocUnsafeSlow(bytes);
for (let at = 0; at < bytes; at += 4096) b[at] = 1;
process.stdout.write(String(((performance.now() - t0) * 1024 * 1024 * 1024) / bytes));
`;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function timeIn(child, runs) {
  const times = [];
  for (let r = 0; r < runs; r++)
    times.push(Number(execFileSync(process.execPath, ['-e', child], { encoding: 'utf8' })));
  return Math.round(median(times));
}

/** { referenceWorkMs, freshMemoryMsPerGiB }: medians of `runs` fresh processes each. */
export function probeMachine(runs = 3) {
  return {
    referenceWorkMs: timeIn(REFERENCE_WORK, runs),
    freshMemoryMsPerGiB: timeIn(FRESH_MEMORY, runs),
  };
}

/** The sentence the benchmarks' reports give the probes taken at their start and end. */
export function probeSentence(start, end) {
  return (
    'Machine speed (bench/machine-probe.mjs, medians of 3 fresh processes; compare these before ' +
    `comparing results of different days): reference work ${start.referenceWorkMs} ms at start, ` +
    `${end.referenceWorkMs} ms at end; touching fresh memory ${start.freshMemoryMsPerGiB} ms/GiB ` +
    `at start, ${end.freshMemoryMsPerGiB} ms/GiB at end.`
  );
}

if (import.meta.url === `file://${process.argv[1]}`)
  process.stdout.write(`${JSON.stringify(probeMachine())}\n`);
