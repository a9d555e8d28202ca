/**
 * The run report, from the store alone (any process can print it): state, hosts by outcome,
 * migrations, measured interruption per VNF against the budget, per-step-kind durations and
 * predicted against actual time (driver time: virtual seconds on `sim`).
 */
import type { Json, RunState } from '../model/index.js';
import type { RunRecord, StepRecord, Store } from '../store/index.js';
import { readRunDocument } from './run-document.js';

export interface StepKindStats {
  readonly kind: string;
  readonly count: number;
  readonly meanSeconds: number;
  readonly maxSeconds: number;
}

export interface VnfInterruption {
  readonly vnf: string;
  /** How many interruptions the probes saw, the longest and their sum, in ms. */
  readonly count: number;
  readonly longestMs: number;
  readonly totalMs: number;
  readonly overBudget: boolean;
}

export interface RunReport {
  readonly run: string;
  readonly campaign: string;
  readonly target: string;
  readonly state: RunState;
  readonly mode: string;
  readonly strategy: string;
  readonly generation: number;
  readonly hosts: {
    readonly planned: number;
    readonly done: number;
    readonly failed: number;
    readonly skipped: number;
    readonly rolledBack: number;
    readonly pending: number;
  };
  readonly failedHosts: readonly {
    readonly host: string;
    readonly step: string;
    readonly code: string | null;
  }[];
  readonly steps: { readonly total: number; readonly byState: Readonly<Record<string, number>> };
  readonly stepKinds: readonly StepKindStats[];
  readonly migrations: number;
  readonly budgetMs: number;
  readonly interruptions: readonly VnfInterruption[];
  readonly predictedSeconds: number;
  /** Driver seconds from start to the end of the forward run (or to now when not ended). */
  readonly actualSeconds: number | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

const num = (v: Json | undefined): number | undefined => (typeof v === 'number' ? v : undefined);
const obj = (v: Json | undefined): { readonly [k: string]: Json } | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as { readonly [k: string]: Json })
    : undefined;

export async function buildReport(store: Store, run: RunRecord): Promise<RunReport> {
  const doc = readRunDocument(run.id, await store.getPlan(run.id));
  const steps = await store.listSteps(run.id);
  const runEntries = await store.readJournal(run.id, { objectType: 'run' });
  const vnfEntries = await store.readJournal(run.id, { objectType: 'vnf' });

  const byHost = new Map<string, StepRecord[]>();
  const byState: Record<string, number> = {};
  const kinds = new Map<string, number[]>();
  let migrations = 0;
  for (const s of steps) {
    byState[s.state] = (byState[s.state] ?? 0) + 1;
    if (s.host !== null) {
      const list = byHost.get(s.host);
      if (list) list.push(s);
      else byHost.set(s.host, [s]);
    }
    const d = obj(s.detail);
    const t0 = num(d?.t0);
    const t1 = num(d?.t1);
    if (s.state === 'succeeded' && t0 !== undefined && t1 !== undefined) {
      const list = kinds.get(s.kind) ?? [];
      list.push(t1 - t0);
      kinds.set(s.kind, list);
    }
    if (s.kind === 'evacuate' && s.state !== 'pending') migrations += num(d?.migrated) ?? 0;
  }

  let done = 0;
  let failed = 0;
  let skipped = 0;
  let rolledBack = 0;
  let pending = 0;
  const failedHosts: { host: string; step: string; code: string | null }[] = [];
  const planned = new Set(
    doc.plan.stages.flatMap((st) => st.waves.flatMap((w) => w.hosts.map((x) => x.host))),
  );
  for (const [host, list] of byHost) {
    const bad = list.find((s) => s.state === 'failed' || s.state === 'timed-out');
    const succeeded = list.filter((s) => s.state === 'succeeded').length;
    if (bad) {
      failed++;
      failedHosts.push({ host, step: bad.key, code: bad.errorCode });
    } else if (list.some((s) => s.state === 'undone' || s.state === 'undoing')) rolledBack++;
    else if (list.every((s) => s.state === 'succeeded' || s.state === 'skipped')) {
      // All skipped: re-planned away. Only the notice succeeded: skipped on a silent VNFM.
      if (succeeded === 0) continue;
      if (succeeded === 1 && list.some((s) => s.state === 'skipped')) skipped++;
      else done++;
    } else pending++;
  }

  const interruptions = new Map<string, { count: number; longest: number; total: number }>();
  for (const e of vnfEntries) {
    const ms = num(obj(e.detail)?.ms) ?? 0;
    const v = interruptions.get(e.objectId) ?? { count: 0, longest: 0, total: 0 };
    v.count++;
    v.longest = Math.max(v.longest, ms);
    v.total += ms;
    interruptions.set(e.objectId, v);
  }
  const budget = doc.campaign.guards.maxInterruptionMs;

  const driverTime = (action: string): number | undefined => {
    for (let i = runEntries.length - 1; i >= 0; i--) {
      const e = runEntries[i];
      if (e?.action === action) return num(obj(e.detail)?.driverTime);
    }
    return undefined;
  };
  const start = driverTime('start');
  const end = driverTime('complete');

  return {
    run: run.id,
    campaign: run.campaignName,
    target: run.target,
    state: run.state,
    mode: doc.campaign.mode,
    strategy: doc.strategy,
    generation: doc.generation,
    hosts: { planned: planned.size, done, failed, skipped, rolledBack, pending },
    failedHosts,
    steps: { total: steps.length, byState },
    stepKinds: [...kinds]
      .map(([kind, d]) => ({
        kind,
        count: d.length,
        meanSeconds: round(d.reduce((a, b) => a + b, 0) / d.length),
        maxSeconds: round(Math.max(...d)),
      }))
      .sort((a, b) => a.kind.localeCompare(b.kind)),
    migrations,
    budgetMs: budget,
    interruptions: [...interruptions]
      .map(([vnf, v]) => ({
        vnf,
        count: v.count,
        longestMs: round(v.longest),
        totalMs: round(v.total),
        overBudget: v.longest > budget,
      }))
      .sort((a, b) => b.longestMs - a.longestMs || a.vnf.localeCompare(b.vnf)),
    predictedSeconds: doc.plan.summary.predictedSeconds,
    actualSeconds: start !== undefined && end !== undefined ? round(end - start) : null,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
  };
}

const round = (x: number): number => Math.round(x * 1000) / 1000;
