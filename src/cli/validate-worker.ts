/**
 * Worker thread of the planning commands: validates their three documents exactly as
 * `loadPlanningInput` does (`validatePlanningFiles`) and posts the verdict, while the main thread
 * plans (planning-input.ts).
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { isDocumentError, type DocumentProblem } from '../campaign/index.js';
import { EscalatorError, type ErrorCode } from '../model/index.js';
import { validatePlanningFiles, type PlanningFiles } from './inputs.js';

/** What the worker found: nothing, or the error `loadPlanningInput` threw, as plain data. */
export type Verdict =
  | { readonly valid: true }
  | {
      readonly valid: false;
      readonly kind: 'document';
      readonly problems: readonly DocumentProblem[];
    }
  | {
      readonly valid: false;
      readonly kind: 'escalator';
      readonly code: ErrorCode;
      readonly message: string;
      readonly details: readonly string[];
    }
  | {
      readonly valid: false;
      readonly kind: 'other';
      readonly message: string;
      readonly stack?: string;
    };

function verdictOf(error: unknown): Verdict {
  if (isDocumentError(error)) return { valid: false, kind: 'document', problems: error.problems };
  if (error instanceof EscalatorError)
    return {
      valid: false,
      kind: 'escalator',
      code: error.code,
      message: error.message,
      details: error.details,
    };
  const message = error instanceof Error ? error.message : String(error);
  const stack = error instanceof Error ? error.stack : undefined;
  return stack === undefined
    ? { valid: false, kind: 'other', message }
    : { valid: false, kind: 'other', message, stack };
}

// Validation yields to planning: on Linux the nice value is per thread, and the main thread's
// garbage collector and compiler threads want the second core too (~0.1 s at 10,000 hosts).
if (process.platform === 'linux')
  try {
    setPriority(10);
  } catch {
    // Not allowed here: validate at the usual priority.
  }

let verdict: Verdict;
try {
  await validatePlanningFiles(workerData as PlanningFiles);
  verdict = { valid: true };
} catch (error) {
  verdict = verdictOf(error);
}
parentPort?.postMessage(verdict);
