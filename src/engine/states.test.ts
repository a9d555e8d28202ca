import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EscalatorError } from '../model/index.js';
import {
  allowed,
  HOST_MACHINE,
  RUN_MACHINE,
  STEP_MACHINE,
  transition,
  type Machine,
} from './states.js';

const MACHINES = [
  ['run', RUN_MACHINE, 'planned'],
  ['step', STEP_MACHINE, 'pending'],
  ['host', HOST_MACHINE, 'pending'],
] as const;

describe.each(MACHINES)('the %s machine', (_name, machine, initial) => {
  const m = machine as Machine<string, string>;
  const ops = Object.keys(m.operations);

  it('only names its own states', () => {
    for (const op of Object.values(m.operations)) {
      expect(m.states).toContain(op.to);
      for (const f of op.from) expect(m.states).toContain(f);
    }
  });

  it('reaches every state from the initial one', () => {
    const seen = new Set<string>([initial]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const op of Object.values(m.operations))
        if (op.from.some((f) => seen.has(f)) && !seen.has(op.to)) {
          seen.add(op.to);
          grew = true;
        }
    }
    expect([...seen].sort()).toEqual([...m.states].sort());
  });

  it('lets nothing leave a final state', () => {
    for (const f of m.final) expect(allowed(m, f)).toEqual([]);
  });

  it('allows an operation exactly from the states its table lists, and refuses the rest clearly', () => {
    for (const state of m.states)
      for (const op of ops) {
        const def = m.operations[op];
        if (!def) continue;
        if (def.from.includes(state)) expect(transition(m, 'x', state, op).to).toBe(def.to);
        else {
          expect(() => transition(m, 'x', state, op)).toThrow(EscalatorError);
          expect(() => transition(m, 'x', state, op)).toThrow(new RegExp(`it is ${state}.*needs`));
        }
      }
  });

  it('never leaves its states on any sequence of operations (refusals change nothing)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...ops), { maxLength: 40 }), (sequence) => {
        let state: string = initial;
        for (const op of sequence) {
          try {
            const t = transition(m, 'x', state, op);
            expect(t.from).toBe(state);
            expect(t.action).toBe(op);
            state = t.to;
          } catch (e) {
            expect(e).toBeInstanceOf(EscalatorError);
          }
          expect(m.states).toContain(state);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('operator mistakes on a run', () => {
  it('refuses to resume a committed run, saying it is final', () => {
    expect(() => transition(RUN_MACHINE, 'r1', 'committed', 'resume')).toThrow(
      /cannot resume run r1: it is committed \(committed is final\); resume .* needs suspended or suspended-by-error/,
    );
  });

  it('refuses a rollback after commit, and allows it after a successful run', () => {
    expect(() => transition(RUN_MACHINE, 'r1', 'committed', 'rollback')).toThrow(
      /committed is final/,
    );
    expect(transition(RUN_MACHINE, 'r1', 'completed', 'rollback').to).toBe('rolling-back');
  });

  it('offers restore when a rollback fails, as the use cases require', () => {
    const failed = transition(RUN_MACHINE, 'r1', 'rolling-back', 'fail');
    expect(allowed(RUN_MACHINE, failed.to)).toContain('restore');
  });

  it('names the error code for the interfaces', () => {
    try {
      transition(RUN_MACHINE, 'r1', 'planned', 'commit');
    } catch (e) {
      expect((e as EscalatorError).code).toBe('ESC_ILLEGAL_OPERATION');
      expect((e as EscalatorError).exitCode).toBe(2);
    }
  });
});
