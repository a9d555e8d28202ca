/**
 * Run-state changes that need no cloud: any process may ask them of the store (the executor
 * holding the run sees them between steps). Each is one guarded transition of RUN_MACHINE,
 * journaled in the same transaction.
 */
import { EscalatorError, type ErrorCode, type Json } from '../model/index.js';
import type { RunRecord, Store } from '../store/index.js';
import { RUN_MACHINE, transition, type RunOperation } from './states.js';

export async function getRun(store: Store, runId: string): Promise<RunRecord> {
  const run = await store.getRun(runId);
  if (!run) throw new EscalatorError('ESC_NOT_FOUND', `there is no run ${runId}`);
  return run;
}

/** One guarded run transition, journaled; refused with ESC_ILLEGAL_OPERATION when not allowed. */
export async function moveRun(
  store: Store,
  runId: string,
  op: RunOperation,
  detail?: Json,
  errorCode?: ErrorCode,
): Promise<RunRecord> {
  const run = await getRun(store, runId);
  const t = transition(RUN_MACHINE, runId, run.state, op);
  return store.transitionRun(runId, {
    from: t.from,
    to: t.to,
    entry: {
      action: op,
      ...(errorCode ? { errorCode } : {}),
      ...(detail === undefined ? {} : { detail }),
    },
  });
}

/** Pause the run after its current steps. */
export function suspendRun(store: Store, runId: string, by: string): Promise<RunRecord> {
  return moveRun(store, runId, 'suspend', { by });
}

/** End the rollback window; the run's backups are marked deleted. */
export async function commitRun(store: Store, runId: string, by: string): Promise<RunRecord> {
  const run = await moveRun(store, runId, 'commit', { by });
  for (const b of await store.listBackups(runId))
    await store.markBackupDeleted(runId, b.host, b.ref);
  return run;
}
