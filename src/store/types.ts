/** What the store's API takes and gives: camelCase records, JSON parsed, states typed. */
import type { ErrorCode, Json, JournalObject, RunState, StepState } from '../model/index.js';

/** A run: one execution of a plan. */
export interface RunRecord {
  /** A ULID: sorts by creation time. */
  readonly id: string;
  readonly campaignName: string;
  /** sha256 of the compiled campaign: a host is done at this hash. */
  readonly campaignDigest: string;
  /** The driver's target: sim, openstack… */
  readonly target: string;
  readonly state: RunState;
  /** Starts at 0, one more at every change: for optimistic concurrency. */
  readonly revision: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** What a journal entry written with a transition says beyond the transition itself. */
export interface EntryNote {
  readonly action: string;
  readonly errorCode?: ErrorCode;
  /** Any JSON-serialisable value. */
  readonly detail?: unknown;
}

export interface NewRun {
  readonly campaignName: string;
  readonly campaignDigest: string;
  /** Any JSON-serialisable value (a Plan). */
  readonly plan: unknown;
  readonly target: string;
  /** Default `planned`. */
  readonly state?: RunState;
  /** Default `{ action: 'create' }`. */
  readonly entry?: EntryNote;
}

export interface RunFilter {
  readonly campaignDigest?: string;
  readonly campaignName?: string;
  readonly states?: readonly RunState[];
  /** Newest first when set; oldest first otherwise. */
  readonly newestFirst?: boolean;
  readonly limit?: number;
}

export interface RunTransition {
  /** The state (or one of the states) the run must be in. */
  readonly from: RunState | readonly RunState[];
  readonly to: RunState;
  /** When set, the revision the caller read: any change since refuses the transition. */
  readonly expectedRevision?: number;
  readonly entry: EntryNote;
}

export interface PlanReplacement {
  readonly expectedRevision: number;
  readonly plan: unknown;
  readonly entry: EntryNote;
}

export interface NewStep {
  /** Unique in the run: stage/wave/host/step index, for example `s0/w3/cmp-0042/4`. */
  readonly key: string;
  readonly host?: string | null;
  readonly kind: string;
  /** Unique in the whole database: what the driver counts side effects by. */
  readonly idempotencyKey: string;
  /** Position in the plan; default: after the run's last step, in the order given. */
  readonly ordinal?: number;
  /** Default `pending`. */
  readonly state?: StepState;
  readonly detail?: unknown;
}

export interface StepRecord {
  readonly runId: string;
  readonly key: string;
  readonly ordinal: number;
  readonly host: string | null;
  readonly kind: string;
  readonly state: StepState;
  readonly attempt: number;
  readonly idempotencyKey: string;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly errorCode: string | null;
  /** Absent when none was written. */
  readonly detail?: Json;
}

export interface StepFilter {
  readonly states?: readonly StepState[];
  readonly host?: string;
}

export interface StepTransition {
  /** The states the step may be in. */
  readonly from: readonly StepState[];
  readonly to: StepState;
  /** Sets the attempt counter; unchanged when absent. */
  readonly attempt?: number;
  /** The error of this transition; cleared when absent. */
  readonly errorCode?: ErrorCode;
  /** Replaces the step's detail; unchanged when absent. */
  readonly detail?: unknown;
  readonly entry: EntryNote;
}

/** Step transitions and journal entries written together, in one transaction. */
export interface WriteBatch {
  readonly steps?: readonly { readonly key: string; readonly transition: StepTransition }[];
  readonly entries?: readonly NewJournalEntry[];
}

export interface NewJournalEntry extends EntryNote {
  readonly objectType: JournalObject;
  readonly objectId: string;
  readonly from?: string | null;
  readonly to?: string | null;
}

export interface JournalEntry {
  /** Increasing in the order entries were committed, within a run. */
  readonly seq: number;
  readonly runId: string;
  readonly at: string;
  readonly objectType: JournalObject;
  readonly objectId: string;
  readonly action: string;
  readonly from: string | null;
  readonly to: string | null;
  readonly errorCode: string | null;
  readonly detail?: Json;
}

export interface JournalQuery {
  /** Entries after this sequence number (exclusive). */
  readonly afterSeq?: number;
  /** Only entries about this kind of object. */
  readonly objectType?: JournalObject;
  /** Newest first (then `afterSeq` is ignored). */
  readonly newestFirst?: boolean;
  readonly limit?: number;
}

/** A setting changed for the run's duration, and the exact previous value to put back. */
export interface GuardRecord {
  readonly runId: string;
  readonly name: string;
  readonly original: Json;
  readonly appliedAt: string;
  readonly restoredAt: string | null;
}

export interface NewBackup {
  readonly host: string;
  /** The driver's reference to the backup (a snapshot id, a path). */
  readonly ref: string;
  /** What it holds: versions, configuration files, databases. Any JSON-serialisable value. */
  readonly items: unknown;
}

export interface BackupRecord {
  readonly runId: string;
  readonly host: string;
  readonly ref: string;
  readonly items: Json;
  readonly createdAt: string;
  readonly deletedAt: string | null;
}

export interface Lease {
  readonly runId: string;
  readonly owner: string;
  readonly expiresAt: string;
}

export type LeaseResult =
  | { readonly acquired: true; readonly lease: Lease }
  | { readonly acquired: false; readonly holder: Lease };
