/** Runs and run reports as tables for a person. */
import Table from 'cli-table3';
import type { RunReport } from '../engine/report.js';
import type { RunRecord } from '../store/index.js';

const table = (head: string[]) =>
  new Table({
    head,
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });

const hms = (s: number): string => {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0
    ? `${h}h${String(m).padStart(2, '0')}m`
    : `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
};

export function formatRuns(runs: readonly RunRecord[]): string {
  if (runs.length === 0) return 'No runs yet: start one with `escalator apply`.';
  const t = table(['run', 'campaign', 'state', 'target', 'started', 'last change']);
  for (const r of runs) t.push([r.id, r.campaignName, r.state, r.target, r.createdAt, r.updatedAt]);
  return t.toString();
}

export function formatReport(r: RunReport): string {
  const lines: string[] = [];
  lines.push(`Run ${r.run} — campaign ${r.campaign} on ${r.target}: ${r.state}`);
  lines.push(
    `${r.mode} upgrade, ${r.strategy} plan${r.generation > 0 ? ` (re-planned ${r.generation}×)` : ''}; hosts: ${r.hosts.done} done, ${r.hosts.failed} failed, ${r.hosts.skipped} skipped, ${r.hosts.rolledBack} rolled back, ${r.hosts.pending} to go (of ${r.hosts.planned} planned)`,
  );
  lines.push(
    `Migrations: ${r.migrations}. Time: predicted ${hms(r.predictedSeconds)}${r.actualSeconds === null ? '' : `, actual ${hms(r.actualSeconds)} (${(r.actualSeconds / Math.max(1, r.predictedSeconds)).toFixed(2)}× the prediction)`}.`,
  );
  for (const f of r.failedHosts) lines.push(`  ✗ ${f.host}: ${f.step} [${f.code ?? 'failed'}]`);
  const over = r.interruptions.filter((i) => i.overBudget);
  lines.push(
    `\nService interruption per VNF (budget ${r.budgetMs} ms): ${r.interruptions.length} VNF(s) saw any, ${over.length} over budget.`,
  );
  if (r.interruptions.length > 0) {
    const t = table(['VNF', 'interruptions', 'longest ms', 'total ms', 'budget']);
    for (const i of r.interruptions.slice(0, 15))
      t.push([i.vnf, i.count, i.longestMs, i.totalMs, i.overBudget ? 'OVER' : 'within']);
    lines.push(t.toString());
    if (r.interruptions.length > 15) lines.push(`… and ${r.interruptions.length - 15} more VNFs`);
  }
  if (r.stepKinds.length > 0) {
    const t = table(['step', 'count', 'mean', 'max']);
    for (const k of r.stepKinds) t.push([k.kind, k.count, hms(k.meanSeconds), hms(k.maxSeconds)]);
    lines.push(`\nStep durations (driver time):\n${t.toString()}`);
  }
  return lines.join('\n');
}
