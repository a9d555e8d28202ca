/**
 * The state machines of execution (DESIGN.md §6, in the spirit of the SAF Software Management
 * Framework): a closed set of states per object and one named operation per transition, each
 * with the states it may start from. `transition()` is the only way to move: it either returns
 * the journal entry to write (object, operation, from, to) or refuses with an error that names
 * the current state and the states that would allow the operation. Pure: the engine writes the
 * entry through the store, which checks `from` again atomically.
 */
import {
  EscalatorError,
  RUN_STATES,
  STEP_STATES,
  type JournalObject,
  type RunState,
  type StepState,
} from '../model/index.js';

export interface Operation<S extends string> {
  readonly from: readonly S[];
  readonly to: S;
  /** What the operation means, for the refusal message and the docs. */
  readonly meaning: string;
}

export type Machine<S extends string, O extends string> = {
  readonly object: JournalObject;
  readonly states: readonly S[];
  /** States no operation leaves. */
  readonly final: readonly S[];
  readonly operations: { readonly [K in O]: Operation<S> };
};

/** planned → checked → executing ⇄ suspended → completed → committed, and the ways out. */
export const RUN_MACHINE = {
  object: 'run',
  states: RUN_STATES,
  final: ['committed'],
  operations: {
    check: {
      from: ['planned', 'checked'],
      to: 'checked',
      meaning: 'check the smooth-upgrade conditions',
    },
    start: { from: ['checked'], to: 'executing', meaning: 'start executing the plan' },
    suspend: { from: ['executing'], to: 'suspended', meaning: 'pause after the current steps' },
    abort: {
      from: ['executing', 'suspended'],
      to: 'suspended',
      meaning: 'finish the current step and compensate the current host',
    },
    resume: {
      from: ['suspended', 'suspended-by-error'],
      to: 'executing',
      meaning: 'continue where the run stopped',
    },
    complete: { from: ['executing'], to: 'completed', meaning: 'every wave done and verified' },
    fail: {
      from: ['executing', 'rolling-back', 'restoring'],
      to: 'failed',
      meaning: 'a step failed beyond the campaign policy',
    },
    halt: {
      from: ['failed'],
      to: 'suspended-by-error',
      meaning: 'wait for the operator after a failure',
    },
    rollback: {
      from: ['suspended', 'suspended-by-error', 'failed', 'completed'],
      to: 'rolling-back',
      meaning: 'undo the executed steps in reverse order, under the same safety rules',
    },
    'finish-rollback': {
      from: ['rolling-back'],
      to: 'rolled-back',
      meaning: 'every executed step undone',
    },
    restore: {
      // Not from rolled-back: its hosts are on their previous versions already.
      from: ['suspended', 'suspended-by-error', 'failed', 'completed'],
      to: 'restoring',
      meaning: 'bring hosts back from the backups taken before the change',
    },
    'finish-restore': { from: ['restoring'], to: 'restored', meaning: 'every host restored' },
    commit: {
      from: ['completed', 'rolled-back', 'restored'],
      to: 'committed',
      meaning: 'end the rollback window and delete backups per policy',
    },
  },
} as const satisfies Machine<RunState, string>;

export type RunOperation = keyof typeof RUN_MACHINE.operations;

/** pending → running → succeeded | failed | timed-out → undoing → undone; or skipped. */
export const STEP_MACHINE = {
  object: 'step',
  states: STEP_STATES,
  final: ['undone', 'skipped'],
  operations: {
    begin: {
      from: ['pending'],
      to: 'running',
      meaning: 'start the step (journaled before its side effect)',
    },
    succeed: {
      from: ['running'],
      to: 'succeeded',
      meaning: 'the side effect happened and was verified',
    },
    fail: {
      from: ['running', 'undoing'],
      to: 'failed',
      meaning: 'the side effect (or its compensation) failed',
    },
    'time-out': {
      from: ['running'],
      to: 'timed-out',
      meaning: 'the step ran past its timeout: a hang',
    },
    retry: {
      from: ['failed', 'timed-out'],
      to: 'running',
      meaning: 'run the step again (same idempotency key)',
    },
    undo: {
      from: ['succeeded', 'failed', 'timed-out'],
      to: 'undoing',
      meaning: 'compensate the step',
    },
    'finish-undo': { from: ['undoing'], to: 'undone', meaning: 'the compensation happened' },
    skip: {
      from: ['pending'],
      to: 'skipped',
      meaning: 'not needed any more (re-planned or aborted)',
    },
  },
} as const satisfies Machine<StepState, string>;

export type StepOperation = keyof typeof STEP_MACHINE.operations;

export const HOST_STATES = [
  'pending',
  'draining',
  'upgrading',
  'verifying',
  'done',
  'failed',
  'rolling-back',
  'rolled-back',
  'skipped',
] as const;
export type HostState = (typeof HOST_STATES)[number];

/** A host's way through its operation: drained, upgraded, verified, done — or back. */
export const HOST_MACHINE = {
  object: 'host',
  states: HOST_STATES,
  final: ['rolled-back'],
  operations: {
    drain: {
      from: ['pending'],
      to: 'draining',
      meaning: 'notify VNFMs, disable scheduling, evacuate',
    },
    upgrade: { from: ['draining'], to: 'upgrading', meaning: 'back up, install and activate' },
    verify: {
      from: ['upgrading'],
      to: 'verifying',
      meaning: 'check versions, health and the campaign checks',
    },
    finish: {
      from: ['verifying'],
      to: 'done',
      meaning: 're-enable scheduling and notify completion',
    },
    fail: {
      from: ['draining', 'upgrading', 'verifying', 'rolling-back'],
      to: 'failed',
      meaning: 'a step of the host (or its compensation) failed',
    },
    'retry-drain': { from: ['failed'], to: 'draining', meaning: 'run the failed drain step again' },
    'retry-upgrade': {
      from: ['failed'],
      to: 'upgrading',
      meaning: 'run the failed upgrade step again',
    },
    'retry-verify': {
      from: ['failed'],
      to: 'verifying',
      meaning: 'run the failed verification or re-enable step again',
    },
    skip: {
      from: ['pending', 'draining'],
      to: 'skipped',
      meaning: 'leave the host as it is (a VNF manager stayed silent and the campaign says skip)',
    },
    'roll-back': {
      from: ['draining', 'upgrading', 'verifying', 'done', 'failed', 'skipped'],
      to: 'rolling-back',
      meaning: "undo the host's steps in reverse",
    },
    'finish-rollback': {
      from: ['rolling-back'],
      to: 'rolled-back',
      meaning: 'the host is as before the campaign',
    },
  },
} as const satisfies Machine<HostState, string>;

export type HostOperation = keyof typeof HOST_MACHINE.operations;

export interface Transition<S extends string> {
  readonly object: JournalObject;
  readonly objectId: string;
  readonly action: string;
  readonly from: S;
  readonly to: S;
}

/** The one guarded move of every machine: the journal entry to write, or a clear refusal. */
export function transition<S extends string, O extends string>(
  machine: Machine<S, O>,
  objectId: string,
  current: S,
  operation: O,
): Transition<S> {
  const op = machine.operations[operation];
  if (!op.from.includes(current)) {
    const final = machine.final.includes(current) ? ` (${current} is final)` : '';
    throw new EscalatorError(
      'ESC_ILLEGAL_OPERATION',
      `cannot ${operation} ${machine.object} ${objectId}: it is ${current}${final}; ${operation} (${op.meaning}) needs ${op.from.join(' or ')}`,
    );
  }
  return { object: machine.object, objectId, action: operation, from: current, to: op.to };
}

/** The operations allowed in a state: what an interface may offer the operator. */
export function allowed<S extends string, O extends string>(
  machine: Machine<S, O>,
  current: S,
): O[] {
  return (Object.keys(machine.operations) as O[]).filter((o) =>
    machine.operations[o].from.includes(current),
  );
}
