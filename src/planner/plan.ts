/**
 * plan(): the campaign against the inventory as it is now → stages, waves, host operations,
 * bounds and findings. Pure and deterministic: the same input always gives the same plan.
 */
import {
  DEFAULT_COST_MODEL,
  resolveParallelism,
  type Bound,
  type ComponentChange,
  type CostModel,
  type Finding,
  type HostOperation,
  type InstanceAction,
  type Plan,
  type Stage,
  type UnplannedHost,
  type Wave,
} from '../model/index.js';
import type { PlanOptions, PlanningInput } from './index.js';
import { capacityLimited, stageBounds } from './bounds.js';
import {
  conditionFindings,
  unplannedFindings,
  outageFindings,
  type UnplannedDetail,
} from './check.js';
import { interruptionMs, round, StepMaker, totalSeconds, type MigrationCost } from './durations.js';
import { ReleaseIndex } from './releases.js';
import { analyseStages } from './stages.js';
import { selectTargets } from './targets.js';
import { WaveBuilder, type BuiltWave } from './waves.js';
import { World } from './world.js';

export function plan(
  input: PlanningInput,
  options: PlanOptions,
  cost: CostModel = DEFAULT_COST_MODEL,
): Plan {
  const { inventory, catalog, campaign } = input;
  const releases = new ReleaseIndex(catalog);
  const targets = selectTargets(inventory, campaign);
  const analysis = analyseStages(inventory, campaign, releases, targets);
  const world = new World(inventory, campaign);
  const stepMaker = new StepMaker(campaign, releases, cost);
  const pending = new Int32Array(inventory.hosts.length);
  for (const st of analysis.stages)
    for (const v of st.visits) {
      const h = world.hostIndex.get(v.host.name);
      if (h !== undefined) pending[h] = (pending[h] ?? 0) + 1;
    }

  const stages: Stage[] = [];
  const bounds: Bound[] = [];
  const unplanned: UnplannedHost[] = [];
  const unplannedDetail: UnplannedDetail[] = [];
  let wavesLowerBound = 0;
  let secondsLowerBound = 0;
  let waveNumber = 0;

  for (const spec of analysis.stages) {
    const campaignCap = resolveParallelism(campaign.rollout.maxParallel, spec.visits.length);
    const cap =
      options.strategy === 'serial'
        ? 1
        : options.strategy === 'fixed-parallel'
          ? Math.min(campaignCap, options.fixedParallel ?? 2)
          : campaignCap;
    const builder = new WaveBuilder({
      world,
      campaign,
      strategy: options.strategy,
      cap,
      pending,
      clusters: inventory.clusters,
    });
    const stageB = stageBounds(spec, world, campaign, campaignCap, builder);
    bounds.push(...stageB);
    const stageLB = Math.max(0, ...stageB.map((b) => b.value));
    wavesLowerBound += stageLB;
    // Wave classes model the limits, not spare capacity: where room is what binds, the waves
    // follow the hosts that free the most of it instead (waves.ts).
    const built = builder.build(spec, stageLB, !capacityLimited(stageB));
    for (const u of built.unplanned) {
      pending[world.hostIndex.get(u.visit.host.name) ?? -1] = 0;
      unplanned.push({ host: u.visit.host.name, stage: spec.index, reason: u.reason });
      unplannedDetail.push({
        host: u.visit.host,
        reason: u.reason,
        kind: u.kind,
        stage: spec.index,
      });
    }
    const waves = built.waves.map((bw) => toWave(bw, ++waveNumber));
    let minHost = Number.POSITIVE_INFINITY;
    // Hosts with the same changes share one `changes` list (stages.ts): time each list once.
    const bareSeconds = new Map<readonly ComponentChange[], number>();
    for (const v of spec.visits) {
      let bare = bareSeconds.get(v.changes);
      if (bare === undefined) {
        bare = totalSeconds(
          stepMaker.hostSteps({
            changes: v.changes,
            migrations: [],
            stayingInstances: 0,
            notify: false,
          }),
        );
        bareSeconds.set(v.changes, bare);
      }
      minHost = Math.min(minHost, bare);
    }
    if (Number.isFinite(minHost)) secondsLowerBound += stageLB * minHost;
    stages.push({
      index: spec.index,
      name: `stage ${spec.index + 1}: ${spec.components.join(', ')} on ${describeRoles(spec.visits.map((v) => v.host.roles))}`,
      components: spec.components,
      maxParallel: cap,
      waves,
      reason: spec.reason,
    });
  }

  function toWave(bw: BuiltWave, index: number): Wave {
    const notifyVnfm = campaign.coordination.notifyVnfm;
    const hosts: HostOperation[] = bw.hosts.map((wh) => {
      const migrations: MigrationCost[] = [];
      let notify = false;
      let stops = 0;
      for (let k = 0; k < wh.instances.length; k++) {
        const i = wh.instances[k] ?? 0;
        if ((wh.destinations[k] ?? -1) >= 0)
          migrations.push({
            kind: world.action[i]?.kind ?? 'live-migrate',
            memoryMiB: world.mem[i] ?? 0,
          });
        else if (world.action[i]?.kind === 'stop-start') stops++;
        const v = world.vnfOf[i] ?? -1;
        if (notifyVnfm && v >= 0 && world.notified[v] === 1) notify = true;
      }
      const staying = wh.instances.length - migrations.length;
      const steps = stepMaker.hostSteps({
        changes: wh.visit.changes,
        migrations,
        stayingInstances: staying,
        stops,
        notify,
      });
      const seconds = totalSeconds(steps);
      const from = world.hosts[wh.host]?.name ?? '';
      const instanceActions: InstanceAction[] = wh.instances.map((i, k) =>
        instanceAction(i, from, wh.destinations[k] ?? -1, seconds),
      );
      return {
        host: wh.visit.host.name,
        changes: wh.visit.changes,
        steps,
        instanceActions,
        predictedSeconds: seconds,
        reason: wh.why,
      };
    });
    return {
      index,
      hosts,
      predictedSeconds: round(Math.max(0, ...hosts.map((h) => h.predictedSeconds))),
      reason: bw.reason,
    };
  }

  /** One literal per shape (with or without `to` and `vnf`), fields in the plan's order. */
  function instanceAction(
    i: number,
    from: string,
    to: number,
    hostSeconds: number,
  ): InstanceAction {
    const instance = world.name[i] ?? '';
    const choice = world.action[i];
    const kind = choice?.kind ?? 'live-migrate';
    const interruption = interruptionMs(kind, world.mem[i] ?? 0, hostSeconds, cost);
    const reason = choice?.reason ?? '';
    const vnf = world.vnfName[i];
    if (to < 0)
      return vnf === undefined
        ? { instance, kind, from, interruptionMs: interruption, reason }
        : { instance, kind, from, interruptionMs: interruption, reason, vnf };
    const toName = world.hosts[to]?.name ?? '';
    return vnf === undefined
      ? { instance, kind, from, interruptionMs: interruption, reason, to: toName }
      : { instance, kind, from, interruptionMs: interruption, reason, to: toName, vnf };
  }

  let migrations = 0;
  let multiMoved = 0;
  for (let i = 0; i < world.moveCount.length; i++) {
    const m = world.moveCount[i] ?? 0;
    migrations += m;
    if (m > 1) multiMoved++;
  }
  const waveCount = stages.reduce((s, st) => s + st.waves.length, 0);
  const predictedSeconds = round(
    stages.reduce((s, st) => s + st.waves.reduce((x, w) => x + w.predictedSeconds, 0), 0),
  );
  const findings: Finding[] = [
    ...analysis.findings,
    ...conditionFindings(input, analysis.changing, releases, world, cost),
    ...unplannedFindings(unplannedDetail, world),
    ...outageFindings(stages, world, campaign),
  ];
  if (analysis.stages.length === 0)
    findings.push({
      code: 'NO_TARGETS',
      severity: 'blocker',
      subject: campaign.name,
      message: `no host selected by the campaign has an older version of ${campaign.upgrades.map((u) => u.component).join(', ')}`,
      remedies: ['check targets (site, roles, labels, exclude) and the upgrade versions'],
    });
  return {
    campaign: campaign.name,
    inventory: inventory.name,
    strategy: options.strategy,
    mode: campaign.mode,
    stages,
    unplanned,
    bounds,
    summary: {
      hosts: stages.reduce((s, st) => s + st.waves.reduce((x, w) => x + w.hosts.length, 0), 0),
      waves: waveCount,
      instances: inventory.instances.length,
      migrations,
      multiMoved,
      predictedSeconds,
      wavesLowerBound,
      predictedSecondsLowerBound: round(secondsLowerBound),
      waveRatio: wavesLowerBound > 0 ? Math.round((waveCount / wavesLowerBound) * 1000) / 1000 : 1,
    },
    findings: sortFindings(findings),
  };
}

const SEVERITY_ORDER = { blocker: 0, warning: 1, info: 2 } as const;

function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      a.code.localeCompare(b.code) ||
      a.subject.localeCompare(b.subject),
  );
}

function describeRoles(roleLists: readonly (readonly string[])[]): string {
  const count = new Map<string, number>();
  for (const roles of roleLists) {
    const key = roles.length === 1 ? (roles[0] ?? '') : [...roles].sort().join('+');
    count.set(key, (count.get(key) ?? 0) + 1);
  }
  return [...count].map(([r, n]) => `${n} ${r}`).join(', ');
}
