/**
 * An upgrade campaign, compiled: what to upgrade, where (selectors, never a fixed host list),
 * and how carefully. Durations are in seconds; `maxParallel` is still absolute or a percentage
 * because it is resolved against each stage.
 */
import type { Activation } from './catalog.js';

export type Mode = 'smooth' | 'non-smooth';
export type InstanceActionPolicy = 'live-migrate' | 'cold-migrate' | 'switch-over' | 'stop-start';
export type FailureAction = 'pause' | 'rollback' | 'continue';
export type BackupItem = 'versions' | 'config' | 'databases';

export interface UpgradeTarget {
  readonly component: string;
  readonly to: string;
  /** Overrides the release's activation. */
  readonly activation?: Activation;
}

export interface TargetSelector {
  readonly roles: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly exclude: readonly string[];
}

export type Parallelism =
  | { readonly kind: 'absolute'; readonly value: number }
  | { readonly kind: 'percent'; readonly value: number };

export interface Rollout {
  readonly maxParallel: Parallelism;
  /** Label key → most hosts sharing one value of that label in a wave. */
  readonly maxPerFailureDomain: Readonly<Record<string, number>>;
  readonly instanceAction: InstanceActionPolicy;
  readonly onFailure: { readonly action: FailureAction; readonly maxFailedHosts: number };
  /** A live migration past `timeouts.migration`: abort it, or force it to complete. */
  readonly onMigrationTimeout: 'abort' | 'force-complete';
}

export interface Guards {
  readonly scaleUp: 'disable' | 'keep';
  /** strict: a host with an alarm blocks the campaign; lenient: a warning. */
  readonly alarms: 'strict' | 'lenient';
  /** Longest interruption any VNF may see, in milliseconds. */
  readonly maxInterruptionMs: number;
}

export interface Coordination {
  readonly notifyVnfm: boolean;
  readonly leadTime: number;
  readonly ackTimeout: number;
  readonly onNoAck: 'pause' | 'proceed' | 'skip-host';
}

export interface Timeouts {
  readonly evacuate: number;
  /** One live migration. */
  readonly migration: number;
  readonly install: number;
  readonly activate: number;
  readonly verify: number;
  readonly campaign: number;
}

export interface VerifyCheck {
  readonly name: string;
  readonly check?: 'service-up' | 'versions' | 'no-alarms';
  readonly exec?: string;
}

export interface Campaign {
  readonly name: string;
  readonly site?: string;
  readonly mode: Mode;
  readonly upgrades: readonly UpgradeTarget[];
  readonly targets: TargetSelector;
  readonly rollout: Rollout;
  readonly guards: Guards;
  readonly coordination: Coordination;
  readonly timeouts: Timeouts;
  readonly backup: readonly BackupItem[];
  readonly verify: readonly VerifyCheck[];
}

/** Resolve maxParallel for a stage of `stageHosts` hosts (never below 1). */
export function resolveParallelism(p: Parallelism, stageHosts: number): number {
  if (p.kind === 'absolute') return Math.max(1, p.value);
  return Math.max(1, Math.floor((stageHosts * p.value) / 100));
}
