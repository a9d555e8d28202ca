/**
 * The JSON form of a plan (`escalator plan --output json`, read back by `escalator plan verify`).
 * The model's Plan type is written by hand for readability; a compile-time check below keeps
 * the two identical.
 */
import { Type, type Static, type TProperties, type ObjectOptions } from '@sinclair/typebox';
import {
  FINDING_CODES,
  STEP_KINDS,
  type FindingCode,
  type Plan,
  type StepKind as StepKindT,
} from '../model/index.js';
import { API_VERSION } from './schema.js';

const closed = <T extends TProperties>(properties: T, options: ObjectOptions = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options });
const Str = Type.String();
const Num = Type.Number();
const Finding = closed({
  code: Type.Unsafe<FindingCode>({ type: 'string', enum: Object.keys(FINDING_CODES) }),
  severity: Type.Union([Type.Literal('blocker'), Type.Literal('warning'), Type.Literal('info')]),
  subject: Str,
  message: Str,
  remedies: Type.Array(Str),
});
const ActionKind = Type.Union([
  Type.Literal('live-migrate'),
  Type.Literal('cold-migrate'),
  Type.Literal('switch-over'),
  Type.Literal('stop-start'),
]);
const StepKind = Type.Unsafe<StepKindT>({ type: 'string', enum: [...STEP_KINDS] });
const Step = closed({
  kind: StepKind,
  component: Type.Optional(Str),
  from: Type.Optional(Str),
  to: Type.Optional(Str),
  activation: Type.Optional(Str),
  expectedSeconds: Num,
  timeoutSeconds: Num,
});
const InstanceAction = closed({
  instance: Str,
  kind: ActionKind,
  from: Str,
  to: Type.Optional(Str),
  vnf: Type.Optional(Str),
  interruptionMs: Num,
  reason: Str,
});
const HostOperation = closed({
  host: Str,
  changes: Type.Array(closed({ component: Str, from: Str, to: Str })),
  steps: Type.Array(Step),
  instanceActions: Type.Array(InstanceAction),
  predictedSeconds: Num,
  reason: Str,
});
const Wave = closed({
  index: Type.Integer(),
  hosts: Type.Array(HostOperation),
  predictedSeconds: Num,
  reason: Str,
});
const Stage = closed({
  index: Type.Integer(),
  name: Str,
  components: Type.Array(Str),
  maxParallel: Type.Integer(),
  waves: Type.Array(Wave),
  reason: Str,
});
const Bound = closed({
  name: Str,
  value: Num,
  unit: Type.Union([Type.Literal('waves'), Type.Literal('seconds')]),
  stage: Type.Optional(Type.Integer()),
  why: Str,
});

export const PlanBodySchema = {
  campaign: Str,
  inventory: Str,
  strategy: Type.Union([
    Type.Literal('optimised'),
    Type.Literal('serial'),
    Type.Literal('fixed-parallel'),
  ]),
  mode: Type.Union([Type.Literal('smooth'), Type.Literal('non-smooth')]),
  stages: Type.Array(Stage),
  unplanned: Type.Array(closed({ host: Str, stage: Type.Integer(), reason: Str })),
  bounds: Type.Array(Bound),
  summary: closed({
    hosts: Type.Integer(),
    waves: Type.Integer(),
    instances: Type.Integer(),
    migrations: Type.Integer(),
    multiMoved: Type.Integer(),
    predictedSeconds: Num,
    wavesLowerBound: Type.Integer(),
    predictedSecondsLowerBound: Num,
    waveRatio: Num,
  }),
  findings: Type.Array(Finding),
};

export const PlanDocumentSchema = closed(
  { apiVersion: Type.Literal(API_VERSION), kind: Type.Literal('Plan'), ...PlanBodySchema },
  { $id: 'https://escalator.dev/schema/v1alpha1/plan.json', title: 'Plan' },
);
export type PlanDocument = Static<typeof PlanDocumentSchema>;

type Body = Omit<PlanDocument, 'apiVersion' | 'kind'>;
export type DeepMutable<T> = T extends readonly (infer U)[]
  ? DeepMutable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: DeepMutable<T[K]> }
    : T;
// Compile-time: the schema and the model's Plan describe the same shape.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const planMatchesSchema: Same<DeepMutable<Plan>, Body> = true;
void planMatchesSchema;
