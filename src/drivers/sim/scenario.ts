/**
 * Fault injection for the digital twin: a Scenario document (kind `Scenario`), validated like
 * every other document (TypeBox schema, closed objects, Ajv, problems with file:line:column).
 *
 *   apiVersion: escalator.dev/v1alpha1
 *   kind: Scenario
 *   metadata: { name: bad-night }
 *   spec:
 *     seed: 7                      # for faults with a probability
 *     faults:
 *       - install-fails: { host: compute-3, component: nova-compute }
 *       - hang: { host: compute-4, step: install, for: 1h }
 *       - migration-fails: { instance: vfw-1-a }
 *       - host-never-returns: { host: compute-9 }
 *       - vnfm: { vnf: vfw-1, answer: nack, reason: busy }
 *       - driver-errors: { operation: migrate, kind: timeout, count: 2 }
 *
 * Each fault is an object with exactly one key, its kind: that keeps `kind` free for
 * driver-errors and lets every problem point at the very field that is wrong.
 */
import { Type, type Static, type TProperties, type ObjectOptions } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import { parseDocument, type ParsedDocument } from '../../campaign/load.js';
import type { PendingProblem } from '../../campaign/problems.js';
import { API_VERSION, DURATION_PATTERN, NAME_PATTERN } from '../../campaign/schema.js';
import { checkedDocument } from '../../campaign/schema-check.js';
import { parseDuration } from '../../model/duration.js';
import { STEP_KINDS, type StepKind } from '../../model/plan.js';

// ---------------------------------------------------------------- model

/** The driver operations a `driver-errors` fault can target. */
export const DRIVER_OPERATIONS = [
  'discover',
  'getScheduling',
  'setScheduling',
  'migrate',
  'migrationStatus',
  'abortMigration',
  'forceCompleteMigration',
  'stopInstance',
  'startInstance',
  'hostAction',
  'health',
  'getScaleUp',
  'setScaleUp',
  'backup',
  'restore',
  'notifyVnfm',
  'probe',
] as const;
export type DriverOperation = (typeof DRIVER_OPERATIONS)[number];

export type VnfmBehaviourKind = 'ack' | 'nack' | 'silent' | 'switch-over';

export type Fault =
  | {
      readonly kind: 'install-fails';
      readonly host: string;
      readonly component?: string;
      /** Installs that fail (all when absent). */
      readonly count?: number;
      readonly probability?: number;
    }
  | {
      readonly kind: 'hang';
      readonly host?: string;
      readonly step: StepKind;
      /** How much longer than usual the operation takes, in seconds. */
      readonly seconds: number;
      /** Operations that hang (1 when absent). */
      readonly count: number;
    }
  | {
      readonly kind: 'migration-fails';
      readonly instance?: string;
      readonly host?: string;
      readonly count?: number;
      readonly probability?: number;
    }
  | { readonly kind: 'host-never-returns'; readonly host: string }
  | {
      readonly kind: 'vnfm';
      readonly vnf: string;
      readonly answer: VnfmBehaviourKind;
      readonly delaySeconds?: number;
      readonly reason?: string;
    }
  | {
      readonly kind: 'driver-errors';
      readonly operation?: DriverOperation;
      readonly error: 'transient' | 'timeout';
      /** The next `count` matching calls fail… */
      readonly count?: number;
      /** …or every matching call in [afterSeconds, afterSeconds + seconds). */
      readonly seconds?: number;
      readonly afterSeconds: number;
      readonly probability?: number;
    };

export interface Scenario {
  readonly name: string;
  readonly seed: number;
  readonly faults: readonly Fault[];
}

// ---------------------------------------------------------------- schema

const closed = <T extends TProperties>(properties: T, options: ObjectOptions = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options });
const Name = Type.String({ minLength: 1, maxLength: 253, pattern: NAME_PATTERN, title: 'name' });
const Duration = Type.Union(
  [Type.String({ pattern: DURATION_PATTERN }), Type.Number({ minimum: 0 })],
  {
    title: 'duration',
    examples: ['500ms', '90s', '15m', '1h30m'],
    description: 'A duration: 500ms, 90s, 15m, 1h30m, 1d, or a number of seconds.',
  },
);
const Count = Type.Integer({ minimum: 1, description: 'How many times the fault strikes.' });
const Probability = Type.Number({
  minimum: 0,
  maximum: 1,
  description: 'Chance that a matching call is struck, drawn from the seeded generator.',
});
const literals = <T extends string>(values: readonly T[]) =>
  Type.Union(values.map((v) => Type.Literal(v)));

const FaultSchema = closed(
  {
    'install-fails': Type.Optional(
      closed(
        {
          host: Name,
          component: Type.Optional(Name),
          count: Type.Optional(Count),
          probability: Type.Optional(Probability),
        },
        { description: 'Installs on the host (of the component, if given) fail.' },
      ),
    ),
    hang: Type.Optional(
      closed(
        {
          host: Type.Optional(Name),
          step: literals(STEP_KINDS),
          for: Duration,
          count: Type.Optional(Count),
        },
        { description: 'The driver operation behind a step takes `for` longer than usual.' },
      ),
    ),
    'migration-fails': Type.Optional(
      closed(
        {
          instance: Type.Optional(Name),
          host: Type.Optional(Name),
          count: Type.Optional(Count),
          probability: Type.Optional(Probability),
        },
        { description: 'Migrations of the instance, or from the host, fail halfway.' },
      ),
    ),
    'host-never-returns': Type.Optional(
      closed({ host: Name }, { description: 'The host does not come back after a reboot.' }),
    ),
    vnfm: Type.Optional(
      closed(
        {
          vnf: Name,
          answer: literals(['ack', 'nack', 'silent', 'switch-over'] as const),
          delay: Type.Optional(Duration),
          reason: Type.Optional(Type.String()),
        },
        { description: 'How the VNF manager of the VNF answers maintenance notices.' },
      ),
    ),
    'driver-errors': Type.Optional(
      closed(
        {
          operation: Type.Optional(literals(DRIVER_OPERATIONS)),
          kind: literals(['transient', 'timeout'] as const),
          count: Type.Optional(Count),
          for: Type.Optional(Duration),
          after: Type.Optional(Duration),
          probability: Type.Optional(Probability),
        },
        { description: 'The driver answers errors or times out, `count` times or `for` a while.' },
      ),
    ),
  },
  {
    minProperties: 1,
    maxProperties: 1,
    description: 'One fault: an object with one key, its kind.',
  },
);

export const ScenarioDocumentSchema = closed({
  apiVersion: Type.Literal(API_VERSION),
  kind: Type.Literal('Scenario'),
  metadata: closed({ name: Name, description: Type.Optional(Type.String()) }),
  spec: closed({
    seed: Type.Optional(Type.Integer({ description: 'Seed for faults with a probability.' })),
    faults: Type.Array(FaultSchema),
  }),
});
export type ScenarioDocument = Static<typeof ScenarioDocumentSchema>;
type FaultDoc = Static<typeof FaultSchema>;

/** Compiled at the first scenario read: most runs have none, and compiling costs ~70 ms. */
let validator: ValidateFunction<ScenarioDocument> | undefined;
const validate = (): ValidateFunction<ScenarioDocument> =>
  (validator ??= new Ajv({ allErrors: true, strict: true }).compile<ScenarioDocument>(
    ScenarioDocumentSchema,
  ));

// ---------------------------------------------------------------- loading

/** @throws DocumentError with every problem of the scenario, positioned in its text. */
export function scenarioFromDocument(parsed: ParsedDocument): Scenario {
  return checkedDocument(
    parsed,
    ScenarioDocumentSchema,
    validate(),
    semanticProblems,
    compileScenario,
  );
}

/** A scenario from its text (YAML or JSON); `file` names it in problems. */
export function scenarioFromText(text: string, file: string): Scenario {
  return scenarioFromDocument(parseDocument(text, file));
}

/** A scenario from data already in memory (tests, the engine's own fixtures). */
export function scenarioFromData(data: unknown, file = '<scenario>'): Scenario {
  return scenarioFromText(JSON.stringify(data, null, 2), file);
}

function semanticProblems(doc: ScenarioDocument): PendingProblem[] {
  const problems: PendingProblem[] = [];
  doc.spec.faults.forEach((fault, i) => {
    const at = ['spec', 'faults', i];
    const m = fault['migration-fails'];
    if (m !== undefined && m.instance === undefined && m.host === undefined)
      problems.push({
        path: [...at, 'migration-fails'],
        expected: 'an instance or a host',
        found: 'neither',
        message: 'migration-fails needs an instance or a host',
      });
    const d = fault['driver-errors'];
    if (d !== undefined && (d.count === undefined) === (d.for === undefined))
      problems.push({
        path: [...at, 'driver-errors'],
        expected: 'either count or for',
        found: d.count === undefined ? 'neither' : 'both',
        message: 'driver-errors needs either a count or a duration (for), not both',
      });
  });
  return problems;
}

const seconds = (d: string | number): number => {
  const parsed = parseDuration(d);
  if (!parsed.ok)
    throw new RangeError(`invalid duration in a validated scenario: ${parsed.reason}`);
  return parsed.seconds;
};

function compileFault(f: FaultDoc): Fault {
  if (f['install-fails'] !== undefined) return { kind: 'install-fails', ...f['install-fails'] };
  if (f.hang !== undefined) {
    const { for: span, count, ...rest } = f.hang;
    return { kind: 'hang', ...rest, seconds: seconds(span), count: count ?? 1 };
  }
  if (f['migration-fails'] !== undefined)
    return { kind: 'migration-fails', ...f['migration-fails'] };
  if (f['host-never-returns'] !== undefined)
    return { kind: 'host-never-returns', ...f['host-never-returns'] };
  if (f.vnfm !== undefined) {
    const { delay, ...rest } = f.vnfm;
    return {
      kind: 'vnfm',
      ...rest,
      ...(delay === undefined ? {} : { delaySeconds: seconds(delay) }),
    };
  }
  const d = f['driver-errors'];
  if (d === undefined) throw new RangeError('a validated fault has one kind');
  const { kind, for: span, after, ...rest } = d;
  return {
    kind: 'driver-errors',
    ...rest,
    error: kind,
    ...(span === undefined ? {} : { seconds: seconds(span) }),
    afterSeconds: after === undefined ? 0 : seconds(after),
  };
}

export function compileScenario(doc: ScenarioDocument): Scenario {
  return {
    name: doc.metadata.name,
    seed: doc.spec.seed ?? 0,
    faults: doc.spec.faults.map(compileFault),
  };
}
