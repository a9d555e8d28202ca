/**
 * A host operation's ordered steps with their expected durations and timeouts, from the
 * catalogue's durations, the campaign's timeouts and the shared cost model.
 */
import {
  coldMigrationSeconds,
  liveMigrationBlackoutMs,
  liveMigrationSeconds,
  type Activation,
  type Campaign,
  type ComponentChange,
  type CostModel,
  type InstanceAction,
  type Step,
} from '../model/index.js';
import type { ReleaseIndex } from './releases.js';

export interface MigrationCost {
  readonly kind: InstanceAction['kind'];
  readonly memoryMiB: number;
}

const ACTIVATION_RANK: Record<Activation, number> = { none: 0, restart: 1, reboot: 2 };

export function activationOf(
  change: ComponentChange,
  campaign: Campaign,
  releases: ReleaseIndex,
): Activation {
  const override = campaign.upgrades.find((u) => u.component === change.component)?.activation;
  return override ?? releases.get(change.component, change.to)?.activation ?? 'restart';
}

/**
 * Evacuation time: migrations run `concurrentMigrationsPerHost` at a time (longest first).
 * Plain loops and an insertion sort (a host has tens of migrations): the planner calls this
 * once per host, 10,000 times, mostly before the optimising compiler has got to it, and a sort
 * with a callback costs most there (10,000 hosts of 18 migrations, timed alone in a fresh
 * process: 121-164 ms with map and sort, 84-107 ms so).
 */
export function evacuationSeconds(migrations: readonly MigrationCost[], cost: CostModel): number {
  const lanes = new Array<number>(Math.max(1, cost.concurrentMigrationsPerHost)).fill(0);
  const times: number[] = [];
  for (const m of migrations) {
    const t =
      m.kind === 'live-migrate'
        ? liveMigrationSeconds(m.memoryMiB, cost)
        : coldMigrationSeconds(m.memoryMiB, cost);
    let j = times.length - 1;
    for (; j >= 0 && (times[j] ?? 0) < t; j--) times[j + 1] = times[j] ?? 0;
    times[j + 1] = t;
  }
  for (const t of times) {
    let best = 0;
    for (let k = 1; k < lanes.length; k++) if ((lanes[k] ?? 0) < (lanes[best] ?? 0)) best = k;
    lanes[best] = (lanes[best] ?? 0) + t;
  }
  let longest = 0;
  for (const lane of lanes) if (lane > longest) longest = lane;
  return longest;
}

export interface HostStepsInput {
  readonly changes: readonly ComponentChange[];
  readonly migrations: readonly MigrationCost[];
  readonly stayingInstances: number;
  /** Staying instances that are stopped before the host's work (stop-start), in the evacuate step. */
  readonly stops?: number;
  readonly notify: boolean;
}

export function hostSteps(
  input: HostStepsInput,
  campaign: Campaign,
  releases: ReleaseIndex,
  cost: CostModel,
): Step[] {
  return new StepMaker(campaign, releases, cost).hostSteps(input);
}

/**
 * Host steps for one plan. The steps that depend only on the campaign, or only on a host's
 * changes (installs, activation, verify), are made once and shared by every host they apply to
 * (hosts of one kind share their list of changes, stages.ts): 10,000 hosts, a handful of kinds.
 */
export class StepMaker {
  private readonly byChanges = new Map<readonly ComponentChange[], readonly Step[]>();
  private readonly notifyVnfm: Step;
  private readonly disable: Step;
  private readonly backup: Step | undefined;
  private readonly enable: Step;
  private readonly notifyComplete: Step;

  constructor(
    private readonly campaign: Campaign,
    private readonly releases: ReleaseIndex,
    private readonly cost: CostModel,
  ) {
    const t = campaign.timeouts;
    const api = cost.apiStepSeconds;
    this.notifyVnfm = {
      kind: 'notify-vnfm',
      expectedSeconds: campaign.coordination.leadTime,
      timeoutSeconds: campaign.coordination.leadTime + campaign.coordination.ackTimeout,
    };
    this.disable = {
      kind: 'disable-scheduling',
      expectedSeconds: api,
      timeoutSeconds: Math.max(60, api * 10),
    };
    this.backup =
      campaign.backup.length > 0
        ? {
            kind: 'backup',
            expectedSeconds: cost.backupSeconds,
            timeoutSeconds: Math.max(t.install, cost.backupSeconds * 4),
          }
        : undefined;
    this.enable = {
      kind: 'enable-scheduling',
      expectedSeconds: api,
      timeoutSeconds: Math.max(60, api * 10),
    };
    this.notifyComplete = {
      kind: 'notify-complete',
      expectedSeconds: api,
      timeoutSeconds: Math.max(60, api * 10),
    };
  }

  hostSteps(input: HostStepsInput): Step[] {
    const t = this.campaign.timeouts;
    const api = this.cost.apiStepSeconds;
    const steps: Step[] = [];
    const affected = input.migrations.length + input.stayingInstances > 0;
    if (input.notify && affected) steps.push(this.notifyVnfm);
    steps.push(this.disable);
    const stops = input.stops ?? 0;
    if (input.migrations.length > 0 || stops > 0)
      steps.push({
        kind: 'evacuate',
        expectedSeconds: round(
          evacuationSeconds(input.migrations, this.cost) + (stops > 0 ? api : 0),
        ),
        timeoutSeconds: t.evacuate,
      });
    if (this.backup) steps.push(this.backup);
    for (const step of this.changeSteps(input.changes)) steps.push(step);
    if (input.stayingInstances > 0)
      steps.push({
        kind: 'restore-instances',
        expectedSeconds: api * input.stayingInstances,
        timeoutSeconds: Math.max(300, api * input.stayingInstances * 10),
      });
    steps.push(this.enable);
    if (input.notify && affected) steps.push(this.notifyComplete);
    return steps;
  }

  /** Install and activate each change (one reboot for all when any needs one), then verify. */
  private changeSteps(changes: readonly ComponentChange[]): readonly Step[] {
    const known = this.byChanges.get(changes);
    if (known) return known;
    const { campaign, releases } = this;
    const t = campaign.timeouts;
    const steps: Step[] = [];
    let strongest: Activation = 'none';
    let activateSeconds = 0;
    let verifySeconds = 0;
    for (const c of changes) {
      const rel = releases.get(c.component, c.to);
      const d = rel?.durations ?? { install: 300, activate: 120, verify: 60 };
      steps.push({
        kind: 'install',
        component: c.component,
        from: c.from,
        to: c.to,
        expectedSeconds: d.install,
        timeoutSeconds: t.install,
      });
      const a = activationOf(c, campaign, releases);
      if (a === 'restart')
        steps.push({
          kind: 'activate',
          component: c.component,
          activation: 'restart',
          expectedSeconds: d.activate,
          timeoutSeconds: t.activate,
        });
      if (ACTIVATION_RANK[a] > ACTIVATION_RANK[strongest]) strongest = a;
      if (a === 'reboot') activateSeconds = Math.max(activateSeconds, d.activate);
      verifySeconds = Math.max(verifySeconds, d.verify);
    }
    if (strongest === 'reboot') {
      // One reboot activates everything installed on the host; per-component restarts are moot.
      for (let k = steps.length - 1; k >= 0; k--)
        if (steps[k]?.kind === 'activate') steps.splice(k, 1);
      steps.push({
        kind: 'activate',
        activation: 'reboot',
        expectedSeconds: activateSeconds,
        timeoutSeconds: t.activate,
      });
    }
    steps.push({
      kind: 'verify',
      expectedSeconds: Math.max(verifySeconds, 30),
      timeoutSeconds: t.verify,
    });
    this.byChanges.set(changes, steps);
    return steps;
  }
}

export const totalSeconds = (steps: readonly Step[]): number =>
  round(steps.reduce((s, x) => s + x.expectedSeconds, 0));

export const round = (x: number): number => Math.round(x * 10) / 10;

/** Predicted interruption of one instance, in milliseconds. */
export function interruptionMs(
  kind: InstanceAction['kind'],
  memoryMiB: number,
  hostSeconds: number,
  cost: CostModel,
): number {
  switch (kind) {
    case 'live-migrate':
      return liveMigrationBlackoutMs(memoryMiB, cost);
    case 'cold-migrate':
      return Math.round(coldMigrationSeconds(memoryMiB, cost) * 1000);
    case 'switch-over':
    case 'stop-start':
      return Math.round(hostSeconds * 1000);
  }
}
