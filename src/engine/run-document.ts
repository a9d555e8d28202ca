/**
 * What a run keeps in the store beside its state: the compiled campaign and catalogue it was
 * started with and the plan it executes (replaced, with a new generation, when the engine
 * re-plans). Everything the engine needs to resume after a crash, in a new process, is here and
 * in the steps table: nothing lives only in memory.
 */
import { createHash } from 'node:crypto';
import type {
  Campaign,
  Catalog,
  HostOperation,
  Json,
  Plan,
  Step,
  Strategy,
} from '../model/index.js';
import { EscalatorError } from '../model/index.js';
import type { NewStep } from '../store/index.js';

export const RUN_DOCUMENT_FORMAT = 1;

export interface EarlierHost {
  readonly generation: number;
  readonly stage: number;
  readonly wave: number;
  readonly order: number;
  readonly op: HostOperation;
}

export interface RunDocument {
  readonly format: typeof RUN_DOCUMENT_FORMAT;
  /** 0 for the first plan, one more at every re-plan: step keys carry it. */
  readonly generation: number;
  readonly strategy: Strategy;
  readonly campaign: Campaign;
  readonly catalog: Catalog;
  readonly plan: Plan;
  /** Hosts left out of re-plans (failed and compensated under `continue`). */
  readonly excluded: readonly string[];
  /** Hosts of earlier generations that executed steps before a re-plan (rollback needs them). */
  readonly earlier: readonly EarlierHost[];
  /** Driver time when the run started executing, for predicted vs actual. */
  readonly startedAt?: number;
}

/**
 * sha256 of the compiled campaign and catalogue: `apply` with the same documents finds its run.
 * Remembered for the pair of objects (compiled documents are not changed): a restarted `apply`
 * looks its run up twice, and the canonical form of a catalogue takes ~10 ms.
 */
export function campaignDigest(campaign: Campaign, catalog: Catalog): string {
  let byCatalog = digests.get(campaign);
  if (byCatalog === undefined) digests.set(campaign, (byCatalog = new WeakMap()));
  let digest = byCatalog.get(catalog);
  if (digest === undefined) {
    digest = createHash('sha256')
      .update(canonicalJson({ campaign, catalog } as unknown as Json))
      .digest('hex');
    byCatalog.set(catalog, digest);
  }
  return digest;
}

const digests = new WeakMap<Campaign, WeakMap<Catalog, string>>();

/** JSON with object keys sorted: the same value always gives the same text. */
export function canonicalJson(value: Json): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v: Json) => canonicalJson(v)).join(',')}]`;
  const obj = value as { readonly [k: string]: Json };
  return `{${Object.keys(obj)
    .sort()
    .filter((k) => obj[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k] as Json)}`)
    .join(',')}}`;
}

export function readRunDocument(runId: string, stored: Json): RunDocument {
  const doc = stored as unknown as Partial<RunDocument> | null;
  if (
    doc === null ||
    typeof doc !== 'object' ||
    doc.format !== RUN_DOCUMENT_FORMAT ||
    doc.plan === undefined ||
    doc.campaign === undefined ||
    doc.catalog === undefined
  )
    throw new EscalatorError(
      'ESC_STORE_INCOMPATIBLE',
      `run ${runId} was not written by this version of the engine (its run document has format ${String((doc as { format?: unknown } | null)?.format)}, this engine reads ${RUN_DOCUMENT_FORMAT})`,
    );
  return doc as RunDocument;
}

/** A host of the plan where the engine executes it: stage, wave, operation. */
export interface PlannedHost {
  readonly stage: number;
  /** The wave's index within its stage. */
  readonly wave: number;
  /** Position of the wave in the whole plan, for ordering (rollback walks it backwards). */
  readonly order: number;
  readonly op: HostOperation;
  /** The step keys of `op.steps`, in order. */
  readonly keys: readonly string[];
}

export interface PlannedWave {
  readonly stage: number;
  readonly wave: number;
  readonly order: number;
  readonly hosts: readonly PlannedHost[];
}

/** `g0/s1/w3/cmp-0042/4`: generation, stage, wave, host, position of the step. */
export function stepKey(
  generation: number,
  stage: number,
  wave: number,
  host: string,
  index: number,
): string {
  return `g${generation}/s${stage}/w${wave}/${host}/${index}`;
}

/** The plan's waves in execution order, with the step keys of every host. */
export function plannedWaves(doc: RunDocument): PlannedWave[] {
  const waves: PlannedWave[] = [];
  let order = 0;
  for (const stage of doc.plan.stages)
    for (const wave of stage.waves) {
      const o = order++;
      waves.push({
        stage: stage.index,
        wave: wave.index,
        order: o,
        hosts: wave.hosts.map((op) => ({
          stage: stage.index,
          wave: wave.index,
          order: o,
          op,
          keys: op.steps.map((_, i) =>
            stepKey(doc.generation, stage.index, wave.index, op.host, i),
          ),
        })),
      });
    }
  return waves;
}

/** The store rows for every step of the plan, in plan order. */
export function newSteps(runId: string, doc: RunDocument): NewStep[] {
  const steps: NewStep[] = [];
  for (const wave of plannedWaves(doc))
    for (const host of wave.hosts)
      host.op.steps.forEach((step: Step, i) => {
        const key = host.keys[i] as string;
        steps.push({
          key,
          host: host.op.host,
          kind: step.kind,
          idempotencyKey: `${runId}/${key}`,
        });
      });
  return steps;
}
