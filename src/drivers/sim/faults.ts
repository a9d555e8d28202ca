/**
 * A scenario's faults at run time: which call each one strikes, and how many strikes are left.
 * Faults with a probability draw from one seeded generator, in call order: the same scenario
 * and the same calls give the same faults.
 */
import type { StepKind } from '../../model/plan.js';
import { Rng } from './rng.js';
import type { DriverOperation, Fault, Scenario, VnfmBehaviourKind } from './scenario.js';

type Armed = Fault & { remaining: number };

export interface VnfmBehaviour {
  readonly answer: VnfmBehaviourKind;
  /** Seconds before the answer (or before switching over). */
  readonly delaySeconds?: number;
  readonly reason?: string;
}

/** What a `Faults` has consumed: strikes left per fault (null: unlimited) and the generator. */
export interface FaultsState {
  readonly remaining: readonly (number | null)[];
  readonly rng: readonly [number, number, number, number];
}

export class Faults {
  private readonly armed: Armed[];
  private readonly rng: Rng;
  /** Bumped whenever a strike or a draw changes the state: a read that moved it is logged. */
  private changes = 0;

  constructor(scenario: Scenario | undefined) {
    this.rng = new Rng(scenario?.seed ?? 0);
    this.armed = (scenario?.faults ?? []).map((f) => ({
      ...f,
      remaining: 'count' in f && f.count !== undefined ? f.count : Number.POSITIVE_INFINITY,
    }));
  }

  /** Changes so far: compare before and after a call to see whether it consumed anything. */
  get mark(): number {
    return this.changes;
  }

  state(): FaultsState {
    return {
      remaining: this.armed.map((f) => (Number.isFinite(f.remaining) ? f.remaining : null)),
      rng: this.rng.state(),
    };
  }

  restore(state: FaultsState): void {
    if (state.remaining.length !== this.armed.length)
      throw new RangeError(
        `the saved faults hold ${state.remaining.length} entries, the scenario ${this.armed.length}`,
      );
    state.remaining.forEach((n, i) => {
      (this.armed[i] as Armed).remaining = n ?? Number.POSITIVE_INFINITY;
    });
    this.rng.setState(state.rng);
  }

  /** Consumes one strike of the first armed fault that matches. */
  private strike<K extends Fault['kind']>(
    kind: K,
    matches: (f: Extract<Armed, { kind: K }>) => boolean,
  ): Extract<Armed, { kind: K }> | undefined {
    for (const f of this.armed) {
      if (f.kind !== kind || f.remaining <= 0) continue;
      const fault = f as Extract<Armed, { kind: K }>;
      if (!matches(fault)) continue;
      const p = 'probability' in fault ? fault.probability : undefined;
      if (p !== undefined) {
        this.changes++;
        if (!this.rng.chance(p)) continue;
      }
      this.changes++;
      fault.remaining--;
      return fault;
    }
    return undefined;
  }

  installFails(host: string, component: string): boolean {
    return (
      this.strike(
        'install-fails',
        (f) => f.host === host && (f.component === undefined || f.component === component),
      ) !== undefined
    );
  }

  /** Extra seconds the operation behind one of `steps` takes on `host`. */
  hangSeconds(steps: readonly StepKind[], host: string | undefined): number {
    const f = this.strike(
      'hang',
      (h) => steps.includes(h.step) && (h.host === undefined || h.host === host),
    );
    return f?.seconds ?? 0;
  }

  migrationFails(instance: string, source: string): boolean {
    return (
      this.strike(
        'migration-fails',
        (f) =>
          (f.instance === undefined || f.instance === instance) &&
          (f.host === undefined || f.host === source),
      ) !== undefined
    );
  }

  neverReturns(host: string): boolean {
    return this.armed.some((f) => f.kind === 'host-never-returns' && f.host === host);
  }

  vnfm(vnf: string): VnfmBehaviour | undefined {
    for (const f of this.armed)
      if (f.kind === 'vnfm' && f.vnf === vnf)
        return {
          answer: f.answer,
          ...(f.delaySeconds === undefined ? {} : { delaySeconds: f.delaySeconds }),
          ...(f.reason === undefined ? {} : { reason: f.reason }),
        };
    return undefined;
  }

  /** The error a call of `operation` at virtual time `now` answers, if any. */
  driverError(operation: DriverOperation, now: number): 'transient' | 'timeout' | undefined {
    const f = this.strike('driver-errors', (d) => {
      if (d.operation !== undefined && d.operation !== operation) return false;
      if (now < d.afterSeconds) return false;
      return d.seconds === undefined || now < d.afterSeconds + d.seconds;
    });
    return f?.error;
  }
}
