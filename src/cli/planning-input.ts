/**
 * The planning commands' documents, read and worked on while a worker thread validates them.
 *
 * Validating a 10,000-host inventory (schema, names, references) takes about as long as a
 * fifth of planning it, and the planner does not need the answer to start: so the main thread
 * reads and compiles the documents unvalidated and plans, and a worker validates them exactly
 * as `loadPlanningInput` does. Validation wins: when it finds a problem, that problem is the
 * answer and whatever the main thread made of the documents (a plan, or a crash on data no
 * validator would have let through) is thrown away. Nothing is printed before the verdict.
 * Where no worker can run, or the inventory is small, or the machine has no core to spare for
 * one, the documents are validated on the main thread first.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { compileCampaign } from '../campaign/compile-campaign.js';
import { compileCatalog } from '../campaign/compile-catalog.js';
import { compileInventory } from '../campaign/compile-inventory.js';
import type { ParsedDocument } from '../campaign/load.js';
import { DocumentError } from '../campaign/problems.js';
import { loadDocumentFile } from '../campaign/read.js';
import type { CampaignDocument, CatalogDocument, InventoryDocument } from '../campaign/schema.js';
import { EscalatorError, type Campaign, type Catalog } from '../model/index.js';
import type { PlanningInput } from '../planner/index.js';
import type { PlanningFiles } from './inputs.js';
import type { Verdict } from './validate-worker.js';

type Outcome<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/**
 * `work` on the documents of `files`, once they are known to be valid.
 * @throws what `loadPlanningInput` throws for invalid documents or unreadable files, else what `work` throws.
 */
export async function withPlanningInput<T>(
  files: PlanningFiles,
  work: (input: PlanningInput) => T,
): Promise<T> {
  if (
    availableParallelism() < WORKER_MIN_CORES ||
    (await sizeOf(files.inventory)) < WORKER_MIN_BYTES
  ) {
    const { loadPlanningInput } = await import('./inputs.js');
    return work(await loadPlanningInput(files));
  }
  const verdict = validateInWorker(files);
  let outcome: Outcome<T> | undefined;
  try {
    const input = await readUnvalidated(files);
    if (input !== undefined) outcome = { ok: true, value: work(input) };
  } catch (error) {
    outcome = { ok: false, error };
  }
  const found = await verdict;
  if (found !== undefined && !found.valid) throw errorOf(found);
  if (found !== undefined && outcome !== undefined) {
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }
  // No worker (or documents only the validator can read): validate here, then work.
  const { loadPlanningInput } = await import('./inputs.js');
  const input = await loadPlanningInput(files);
  return outcome?.ok ? outcome.value : work(input);
}

/**
 * Below this inventory size the documents are validated first, on the main thread: starting a
 * worker (~0.15 s) costs more than validating them (a 100-host inventory is ~0.3 MB; plans of
 * 1,000 hosts, ~3 MB, take as long either way).
 */
const WORKER_MIN_BYTES = 1 << 20;

/**
 * The worker reads and parses the inventory a second time (~1.5 s of CPU at 10,000 hosts, its
 * garbage collection included, beside ~1 s of validating), which pays only on a core of its
 * own: the main thread and its garbage collector's threads keep two busy, and a worker that
 * falls behind holds up the verdict. On 2 cores the 10,000-host optimised plan took 3.5-7.0 s
 * with the worker and 3.5-5.3 s validating first (7 alternating pairs under outside load; the
 * worker faster in one of them, by 0.03 s; ~1.3 s more CPU with it).
 */
const WORKER_MIN_CORES = 3;

/** The file's size in bytes (0 when it cannot be read: loading it will say why). */
async function sizeOf(path: string): Promise<number> {
  return stat(path).then(
    (st) => st.size,
    () => 0,
  );
}

/**
 * The catalog and the campaign compiled as they are, and a digest of the inventory's document
 * (not read further); undefined when one of them already has problems or cannot be read.
 */
export async function readRunDocuments(
  files: PlanningFiles,
): Promise<{ catalog: Catalog; campaign: Campaign; inventorySource: string } | undefined> {
  const [inventorySource, catalog, campaign] = await Promise.all([
    documentDigest(files.inventory),
    loadDocumentFile(files.catalog),
    loadDocumentFile(files.campaign),
  ]);
  if (!clean(catalog) || !clean(campaign)) return undefined;
  return {
    catalog: compileCatalog(catalog.data as CatalogDocument),
    campaign: compileCampaign(campaign.data as CampaignDocument),
    inventorySource,
  };
}

/** Read without syntax problems (validation aside). */
const clean = (d: ParsedDocument): boolean => d.readable && d.problems.length === 0;

/** A digest of a document's bytes, to recognise it again without reading it. */
export async function documentDigest(path: string): Promise<string> {
  const bytes = await readFile(path);
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The documents compiled as they are, or undefined when one of them already has problems. */
async function readUnvalidated(files: PlanningFiles): Promise<PlanningInput | undefined> {
  const [inventory, catalog, campaign] = await Promise.all([
    loadDocumentFile(files.inventory),
    loadDocumentFile(files.catalog),
    loadDocumentFile(files.campaign),
  ]);
  if (!clean(inventory) || !clean(catalog) || !clean(campaign)) return undefined;
  return {
    inventory: compileInventory(inventory.data as InventoryDocument),
    catalog: compileCatalog(catalog.data as CatalogDocument),
    campaign: compileCampaign(campaign.data as CampaignDocument),
  };
}

/** The worker's verdict, or undefined when it could not give one. */
function validateInWorker(files: PlanningFiles): Promise<Verdict | undefined> {
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(new URL('./validate-worker.js', import.meta.url), {
        workerData: {
          inventory: files.inventory,
          catalog: files.catalog,
          campaign: files.campaign,
        },
      });
    } catch {
      resolve(undefined);
      return;
    }
    // The first event settles it: a verdict, or an error or exit before one.
    worker.once('message', (verdict: Verdict) => resolve(verdict));
    worker.once('error', () => resolve(undefined));
    worker.once('exit', () => resolve(undefined));
  });
}

function errorOf(verdict: Exclude<Verdict, { valid: true }>): Error {
  switch (verdict.kind) {
    case 'document':
      return new DocumentError(verdict.problems);
    case 'escalator':
      return new EscalatorError(verdict.code, verdict.message, verdict.details);
    case 'other': {
      const error = new Error(verdict.message);
      if (verdict.stack !== undefined) error.stack = verdict.stack;
      return error;
    }
  }
}
