/**
 * The words of execution (../../shared/DESIGN.md §6): the states a run and a step go through, and
 * what a journal entry can be about. The engine owns the transitions between them; the store
 * keeps them as text, so adding a state needs no migration.
 */

/** planned → checked → executing ⇄ suspended → completed → committed, and the ways out. */
export const RUN_STATES = [
  'planned',
  'checked',
  'executing',
  'suspended',
  'completed',
  'committed',
  'failed',
  'suspended-by-error',
  'rolling-back',
  'rolled-back',
  'restoring',
  'restored',
] as const;
export type RunState = (typeof RUN_STATES)[number];

/** pending → running → succeeded | failed | timed-out → undoing → undone; or skipped. */
export const STEP_STATES = [
  'pending',
  'running',
  'succeeded',
  'failed',
  'timed-out',
  'undoing',
  'undone',
  'skipped',
] as const;
export type StepState = (typeof STEP_STATES)[number];

/** What a journal entry is about. */
export const JOURNAL_OBJECTS = ['run', 'host', 'step', 'guard', 'backup', 'vnf'] as const;
export type JournalObject = (typeof JOURNAL_OBJECTS)[number];

/** A value as JSON has it: what a JSON column gives back. */
export type Json =
  null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };
