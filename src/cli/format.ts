/** Human output: plans, findings and comparisons as readable tables. Formatting only. */
import Table from 'cli-table3';
import type { Finding, Plan } from '../model/index.js';
import type { Violation } from '../planner/index.js';

export function formatSeconds(total: number): string {
  const s = Math.round(total);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

function names(list: readonly string[], max = 4): string {
  return list.length <= max
    ? list.join(', ')
    : `${list.slice(0, max).join(', ')} … (+${list.length - max})`;
}

const table = (head: string[], colWidths?: number[]) =>
  new Table({
    head,
    style: { head: [], border: [] },
    wordWrap: true,
    ...(colWidths ? { colWidths } : {}),
  });

export function formatPlan(
  plan: Plan,
  options: { hosts?: boolean; findings?: boolean } = {},
): string {
  const out: string[] = [];
  out.push(
    `Plan for campaign ${plan.campaign} on inventory ${plan.inventory} — strategy ${plan.strategy}, ${plan.mode}`,
  );
  for (const stage of plan.stages) {
    out.push('', `${stage.name}`, `  ${stage.reason}`);
    const t = table(
      ['Wave', 'Hosts', 'Which', 'Moves', 'Stay', 'Predicted', 'Why this size'],
      [6, 7, 34, 7, 6, 11, 48],
    );
    for (const w of stage.waves) {
      const moves = w.hosts.reduce(
        (n, h) => n + h.instanceActions.filter((a) => a.to !== undefined).length,
        0,
      );
      const stay = w.hosts.reduce(
        (n, h) => n + h.instanceActions.filter((a) => a.to === undefined).length,
        0,
      );
      t.push([
        w.index,
        w.hosts.length,
        names(w.hosts.map((h) => h.host)),
        moves,
        stay,
        formatSeconds(w.predictedSeconds),
        w.reason,
      ]);
    }
    out.push(t.toString());
    if (options.hosts)
      for (const w of stage.waves)
        for (const h of w.hosts) {
          out.push(
            `  wave ${w.index} · ${h.host} (${formatSeconds(h.predictedSeconds)}): ${h.reason}`,
          );
          out.push(
            `    steps: ${h.steps.map((st) => `${st.kind}${st.component ? `(${st.component})` : st.activation ? `(${st.activation})` : ''} ${formatSeconds(st.expectedSeconds)}`).join(' → ')}`,
          );
          for (const a of h.instanceActions)
            out.push(
              `    ${a.instance}${a.vnf ? ` [${a.vnf}]` : ''}: ${a.kind}${a.to ? ` → ${a.to}` : ''}, interruption ${a.interruptionMs} ms — ${a.reason}`,
            );
        }
  }
  if (plan.unplanned.length > 0) {
    out.push('', `Not planned (${plan.unplanned.length} host(s)):`);
    for (const u of plan.unplanned.slice(0, 20)) out.push(`  ${u.host}: ${u.reason}`);
    if (plan.unplanned.length > 20) out.push(`  … and ${plan.unplanned.length - 20} more`);
  }
  out.push('', formatSummary(plan));
  out.push('', 'Lower bounds (no valid plan needs fewer waves):');
  const bt = table(['Stage', 'Bound', 'Waves', 'Why it is a bound'], [7, 36, 7, 70]);
  for (const b of plan.bounds)
    bt.push([b.stage === undefined ? '' : b.stage + 1, b.name, b.value, b.why]);
  out.push(bt.toString());
  if (options.findings !== false && plan.findings.length > 0)
    out.push('', formatFindings(plan.findings));
  return out.join('\n');
}

export function formatSummary(plan: Plan): string {
  const s = plan.summary;
  const perInstance = s.instances > 0 ? (s.migrations / s.instances).toFixed(2) : '0';
  return [
    `Summary: ${s.hosts} host(s) in ${s.waves} wave(s); lower bound ${s.wavesLowerBound} (ratio ${s.waveRatio.toFixed(2)}).`,
    `         ${s.migrations} migration(s) for ${s.instances} instance(s) (${perInstance} per instance, ${s.multiMoved} moved more than once).`,
    `         Predicted ${formatSeconds(s.predictedSeconds)} (lower bound ${formatSeconds(s.predictedSecondsLowerBound)}).`,
  ].join('\n');
}

export function formatFindings(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'Check: every smooth-upgrade condition holds.';
  const blockers = findings.filter((f) => f.severity === 'blocker').length;
  const t = table(['Severity', 'Code', 'Subject', 'Finding', 'What to do'], [10, 26, 20, 50, 50]);
  for (const f of findings)
    t.push([f.severity, f.code, f.subject, f.message, f.remedies.map((r) => `• ${r}`).join('\n')]);
  return `Check: ${blockers} blocker(s), ${findings.length - blockers} other finding(s).\n${t.toString()}`;
}

export function formatComparison(plans: readonly Plan[]): string {
  const base = plans.find((p) => p.strategy === 'optimised') ?? plans[0];
  const t = table([
    'Strategy',
    'Waves',
    'Lower bound',
    'Migrations',
    'Moved twice',
    'Predicted',
    'vs optimised',
  ]);
  for (const p of plans)
    t.push([
      p.strategy,
      p.summary.waves,
      p.summary.wavesLowerBound,
      p.summary.migrations,
      p.summary.multiMoved,
      formatSeconds(p.summary.predictedSeconds),
      base && base.summary.predictedSeconds > 0
        ? `${(p.summary.predictedSeconds / base.summary.predictedSeconds).toFixed(2)}×`
        : '—',
    ]);
  return t.toString();
}

export function formatViolation(v: Violation | undefined): string {
  if (!v) return 'Plan verified: every wave keeps every hard constraint.';
  return `Plan violates ${v.constraint} in stage ${v.stage + 1}, wave ${v.wave} (${v.subject}): ${v.message}`;
}
