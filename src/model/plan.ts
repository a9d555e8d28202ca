/**
 * What the planner makes of a campaign against the inventory as it is now: stages in
 * dependency order, waves of hosts, for each host its ordered steps and the action for each
 * of its instances, each decision with a readable reason, the predicted duration and the lower
 * bounds the plan is measured against.
 */
import type { Mode } from './campaign.js';
import type { Finding } from './finding.js';

export const STRATEGIES = ['optimised', 'serial', 'fixed-parallel'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export type InstanceActionKind = 'live-migrate' | 'cold-migrate' | 'switch-over' | 'stop-start';

export interface InstanceAction {
  readonly instance: string;
  readonly kind: InstanceActionKind;
  readonly from: string;
  /** Destination host for migrations; absent when the instance stays on its host. */
  readonly to?: string;
  readonly vnf?: string;
  /** Predicted interruption of this instance in milliseconds. */
  readonly interruptionMs: number;
  readonly reason: string;
}

export const STEP_KINDS = [
  'notify-vnfm',
  'disable-scheduling',
  'evacuate',
  'backup',
  'install',
  'activate',
  'verify',
  'restore-instances',
  'enable-scheduling',
  'notify-complete',
] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export interface Step {
  readonly kind: StepKind;
  /** Component for install/activate steps. */
  readonly component?: string;
  readonly from?: string;
  readonly to?: string;
  /** restart | reboot for activate steps. */
  readonly activation?: string;
  /** Expected duration in seconds. */
  readonly expectedSeconds: number;
  /** Past this the step is a hang, in seconds. */
  readonly timeoutSeconds: number;
}

export interface ComponentChange {
  readonly component: string;
  readonly from: string;
  readonly to: string;
}

export interface HostOperation {
  readonly host: string;
  readonly changes: readonly ComponentChange[];
  readonly steps: readonly Step[];
  readonly instanceActions: readonly InstanceAction[];
  readonly predictedSeconds: number;
  readonly reason: string;
}

export interface Wave {
  readonly index: number;
  readonly hosts: readonly HostOperation[];
  readonly predictedSeconds: number;
  /** Why the wave holds these hosts and no more. */
  readonly reason: string;
}

export interface Stage {
  readonly index: number;
  readonly name: string;
  readonly components: readonly string[];
  readonly maxParallel: number;
  readonly waves: readonly Wave[];
  readonly reason: string;
}

export interface Bound {
  readonly name: string;
  /** Minimum number of waves (or seconds, see `unit`) any valid plan needs. */
  readonly value: number;
  readonly unit: 'waves' | 'seconds';
  readonly stage?: number;
  /** Why this is a true lower bound. */
  readonly why: string;
}

export interface PlanSummary {
  readonly hosts: number;
  readonly waves: number;
  readonly instances: number;
  readonly migrations: number;
  /** Instances that move more than once. */
  readonly multiMoved: number;
  readonly predictedSeconds: number;
  /** Lower bound on waves (sum over stages of the largest bound of each stage). */
  readonly wavesLowerBound: number;
  readonly predictedSecondsLowerBound: number;
  /** waves / wavesLowerBound (1.0 is optimal). */
  readonly waveRatio: number;
}

/** A target host the plan leaves out, and why (a blocker finding says how to fix it). */
export interface UnplannedHost {
  readonly host: string;
  readonly stage: number;
  readonly reason: string;
}

export interface Plan {
  readonly campaign: string;
  readonly inventory: string;
  readonly strategy: Strategy;
  readonly mode: Mode;
  readonly stages: readonly Stage[];
  readonly unplanned: readonly UnplannedHost[];
  readonly bounds: readonly Bound[];
  readonly summary: PlanSummary;
  readonly findings: readonly Finding[];
}
