/**
 * The one interface to infrastructure. The engine executes a plan only through it; `sim` (the
 * digital twin) and `openstack` implement it. Every operation is idempotent or observe-then-act:
 * each side effect carries an idempotency key, and asking again with the same key after a crash
 * returns the first outcome instead of acting twice. Failures are typed: `retryable` says
 * whether asking again can help.
 */
import type { Inventory } from '../model/index.js';

// ------------------------------------------------------------------ failures

export const DRIVER_FAILURES = {
  /** The infrastructure answered with a transient error (5xx, 409 task state, busy): retry. */
  transient: true,
  /** No answer in time: retry (the operation may have happened; keys make that safe). */
  timeout: true,
  /** The request is wrong for the current state (no such host, not migratable, no valid host). */
  rejected: false,
  /** The operation ran and failed (install error, migration error, host never came back). */
  failed: false,
  /** Credentials or permissions. */
  unauthorised: false,
} as const;

export type DriverFailureKind = keyof typeof DRIVER_FAILURES;

export class DriverError extends Error {
  readonly kind: DriverFailureKind;
  /** What the failure is about: a host, instance, VNF or the driver itself. */
  readonly subject: string;
  constructor(kind: DriverFailureKind, subject: string, message: string) {
    super(message);
    this.name = 'DriverError';
    this.kind = kind;
    this.subject = subject;
  }
  get retryable(): boolean {
    return DRIVER_FAILURES[this.kind];
  }
}

// ------------------------------------------------------------------ operations

/** The reason Escalator records with a host it disables: it never re-enables another's. */
export const schedulingReason = (campaign: string): string => `escalator: campaign ${campaign}`;

/** Who asks, and the key that makes a side effect happen at most once. */
export interface OperationContext {
  /** Stable across retries and restarts of the same step, e.g. `<run>/<step key>/<attempt>`. */
  readonly idempotencyKey: string;
  readonly campaign: string;
  readonly run: string;
}

export interface SchedulingState {
  readonly enabled: boolean;
  /** The reason recorded with a disabled service, e.g. `escalator: campaign zed-to-antelope`. */
  readonly reason?: string;
}

export type MigrationMode = 'live' | 'cold';

export interface MigrationRequest {
  readonly instance: string;
  readonly mode: MigrationMode;
  /** Planned destination; absent to let the scheduler choose. */
  readonly destination?: string;
  /**
   * The host the instance is to leave. A driver that cannot remember idempotency keys across a
   * crash (a real cloud) observes instead: an instance found elsewhere, with no migration in
   * progress, has already moved.
   */
  readonly from?: string;
}

export type MigrationState = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface MigrationStatus {
  readonly id: string;
  readonly instance: string;
  readonly state: MigrationState;
  readonly source: string;
  readonly destination?: string;
  /** 0..1 when known. */
  readonly progress?: number;
  readonly error?: string;
}

export type HostAction =
  | { readonly kind: 'install'; readonly component: string; readonly version: string }
  | { readonly kind: 'restart'; readonly component: string }
  | { readonly kind: 'reboot' }
  | { readonly kind: 'command'; readonly command: string };

export interface HostActionResult {
  readonly ok: boolean;
  readonly output: string;
}

export interface HostHealth {
  readonly host: string;
  readonly state: 'up' | 'down' | 'maintenance';
  /** Whether the host's services (e.g. nova-compute) report up. */
  readonly servicesUp: boolean;
  readonly alarms: readonly {
    readonly code: string;
    readonly severity: string;
    readonly message: string;
  }[];
  readonly components: Readonly<Record<string, string>>;
}

/** The tenant scale-up setting that the scale-up guard disables and restores exactly. */
export interface ScaleUpSetting {
  readonly enabled: boolean;
  /** Driver-specific detail kept verbatim (e.g. the original quota values). */
  readonly detail: Readonly<Record<string, number | string | boolean | null>>;
}

export type BackupItem = 'versions' | 'config' | 'databases';

export interface BackupRef {
  readonly host: string;
  readonly ref: string;
  readonly items: readonly BackupItem[];
}

export interface MaintenanceNotice {
  readonly vnf: string;
  readonly host: string;
  readonly instances: readonly string[];
  /** Seconds the VNFM has before the instances are affected. */
  readonly leadTime: number;
  /** Seconds to wait for an answer. */
  readonly deadline: number;
  /**
   * `maintenance` (default): the instances will be affected after the lead time; the VNFM may
   * ACK, NACK or switch over. `complete`: the host is back in service; the answer is ignored.
   */
  readonly phase?: 'maintenance' | 'complete';
}

export type VnfmAnswer =
  | { readonly kind: 'ack' }
  | { readonly kind: 'nack'; readonly reason: string }
  | { readonly kind: 'switched-over' }
  | { readonly kind: 'silent' };

/** What a probe of a VNF's service saw: interruptions with their start and length. */
export interface ServiceSample {
  readonly vnf: string;
  readonly interruptions: readonly { readonly at: number; readonly ms: number }[];
}

/** What part of the inventory a caller needs. */
export interface DiscoveryScope {
  readonly hosts: readonly string[];
}

export interface Driver {
  readonly name: string;

  /**
   * The inventory as it is now. With `scope`, the caller needs only those hosts and the
   * instances on them (a driver may return more): the engine's look at a wave before it starts.
   */
  discover(scope?: DiscoveryScope): Promise<Inventory>;

  getScheduling(host: string): Promise<SchedulingState>;
  /** Enable or disable scheduling; never re-enables a host disabled for another reason. */
  setScheduling(
    host: string,
    state: SchedulingState,
    ctx: OperationContext,
  ): Promise<SchedulingState>;

  /** Start a migration (or return the one already started under this key). */
  migrate(request: MigrationRequest, ctx: OperationContext): Promise<MigrationStatus>;
  migrationStatus(id: string): Promise<MigrationStatus>;
  abortMigration(id: string, ctx: OperationContext): Promise<MigrationStatus>;
  /**
   * Finishes a running live migration now: the guest pauses while the rest of its memory is
   * copied (a longer interruption). Optional: a driver that cannot leaves it out.
   */
  forceCompleteMigration?(id: string, ctx: OperationContext): Promise<MigrationStatus>;

  stopInstance(instance: string, ctx: OperationContext): Promise<void>;
  startInstance(instance: string, ctx: OperationContext): Promise<void>;

  /** Run an action on a host and wait for it (and for the host to come back after a reboot). */
  hostAction(host: string, action: HostAction, ctx: OperationContext): Promise<HostActionResult>;
  health(host: string): Promise<HostHealth>;

  getScaleUp(): Promise<ScaleUpSetting>;
  setScaleUp(setting: ScaleUpSetting, ctx: OperationContext): Promise<ScaleUpSetting>;

  backup(host: string, items: readonly BackupItem[], ctx: OperationContext): Promise<BackupRef>;
  restore(backup: BackupRef, ctx: OperationContext): Promise<void>;

  notifyVnfm(notice: MaintenanceNotice, ctx: OperationContext): Promise<VnfmAnswer>;

  /** Service as the probes saw it since `since` (driver time, seconds). */
  probe(since: number): Promise<readonly ServiceSample[]>;

  /** Driver time in seconds: the virtual clock on `sim`, wall time elsewhere. */
  now(): number;
  /**
   * Wait `seconds` of driver time (on `sim` the virtual clock moves, no wall time passes). An
   * aborted `signal` ends the wait at once (it resolves): a timeout that lost its race must not
   * linger, on `sim` it would move the virtual clock for nobody.
   */
  sleep(seconds: number, signal?: AbortSignal): Promise<void>;
  /**
   * Run the caller's own work (journal writes, planning) while driver time stands still: on
   * `sim` the virtual clock does not advance while any caller is busy, so a slow database does
   * not stretch simulated time. Elsewhere it simply runs `work`.
   */
  busy<T>(work: () => Promise<T>): Promise<T>;
  /**
   * The caller has nothing in flight on this driver (the engine calls it between waves): a
   * driver that keeps state of its own may save it now. Optional.
   */
  settled?(): void;
  /** Counters of what this driver did in this process (API calls by kind …), for reports. */
  stats?(): Readonly<Record<string, number>>;
}
