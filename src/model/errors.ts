/**
 * The one registry of Escalator's error codes. Every error a user can see carries one of these
 * codes; each has an exit code for the CLI, an HTTP status for the API and a documented meaning
 * (docs/errors.md is generated from this table).
 */
export const ERRORS = {
  ESC_DOCUMENT_INVALID: {
    exit: 2,
    http: 400,
    meaning:
      'A document (inventory, catalog, campaign, plan) is malformed or inconsistent; every problem is listed with file, line, column and field.',
  },
  ESC_FILE_UNREADABLE: {
    exit: 2,
    http: 400,
    meaning: 'A file named on the command line cannot be read.',
  },
  ESC_USAGE: {
    exit: 2,
    http: 400,
    meaning: 'The command line is wrong: unknown option, missing argument or bad value.',
  },
  ESC_CHECK_FAILED: {
    exit: 3,
    http: 409,
    meaning: 'Smooth-upgrade conditions are not met: the check found blockers.',
  },
  ESC_PLAN_INFEASIBLE: {
    exit: 3,
    http: 409,
    meaning: 'No plan satisfies every hard constraint; the findings say why and how to fix it.',
  },
  ESC_PLAN_VIOLATION: {
    exit: 4,
    http: 422,
    meaning: 'The plan checker found a plan that breaks a hard constraint.',
  },
  ESC_ILLEGAL_OPERATION: {
    exit: 2,
    http: 409,
    meaning:
      'The operation is not allowed in the current state (e.g. resume a committed run, roll back after commit); the message names the state and what would allow it.',
  },
  ESC_NOT_FOUND: {
    exit: 2,
    http: 404,
    meaning:
      'The run, step, guard or backup named does not exist in the database: check the run id.',
  },
  ESC_STORE_CONFLICT: {
    exit: 5,
    http: 409,
    meaning:
      'The run changed under you: another command or executor moved it first (its state or revision is not the one expected), or a unique key (a step key or idempotency key) is taken; read the run again and retry.',
  },
  ESC_STORE_UNAVAILABLE: {
    exit: 6,
    http: 503,
    meaning:
      'The database cannot be reached or opened: the file or its folder is not writable or not a database, the PostgreSQL server is down or refuses the URL, or it stayed busy past the retries.',
  },
  ESC_STORE_INCOMPATIBLE: {
    exit: 6,
    http: 503,
    meaning:
      'The database was migrated by a newer Escalator (it holds migrations this version does not know): upgrade Escalator before using it.',
  },
  ESC_STEP_FAILED: {
    exit: 7,
    http: 409,
    meaning:
      "A step of the run failed (an install, a restart, a reboot, a command); the run followed the campaign's failure policy. `escalator status` names the host and step; resume retries it, rollback undoes the run.",
  },
  ESC_STEP_TIMEOUT: {
    exit: 7,
    http: 409,
    meaning:
      "A step ran past its timeout (derived from the campaign's expected durations): a hang, not a slow step. Resume observes it again under the same idempotency key before acting anew.",
  },
  ESC_MIGRATION_FAILED: {
    exit: 7,
    http: 409,
    meaning:
      'An instance could not be migrated off a host (no valid destination, migration error) after the retries; the host is not upgraded.',
  },
  ESC_VNFM_REFUSED: {
    exit: 7,
    http: 409,
    meaning:
      'A VNF manager answered the maintenance notice with a NACK (its reason is quoted); the host is not touched.',
  },
  ESC_VNFM_SILENT: {
    exit: 7,
    http: 409,
    meaning:
      'A VNF manager did not answer the maintenance notice by its deadline and the campaign says to pause on silence (coordination.onNoAck: pause).',
  },
  ESC_VERIFY_FAILED: {
    exit: 7,
    http: 409,
    meaning:
      'A host failed its verification after the upgrade: wrong component versions, services down, alarms, or a campaign verify check.',
  },
  ESC_INTERRUPTION_OVER_BUDGET: {
    exit: 7,
    http: 409,
    meaning:
      'The probes measured a VNF service interruption longer than the campaign allows (guards.maxInterruptionMs): the run paused.',
  },
  ESC_HOST_LOST: {
    exit: 7,
    http: 409,
    meaning:
      'A host went down or is unreachable and the step on it cannot complete or be undone; repair the host, then resume, roll back or restore.',
  },
  ESC_ROLLED_BACK: {
    exit: 8,
    http: 409,
    meaning:
      "The run failed and, as the campaign's failure policy says (rollout.onFailure: rollback), was rolled back: every host is back on its previous versions.",
  },
  ESC_RUN_BUSY: {
    exit: 9,
    http: 409,
    meaning:
      "Another executor (process) holds the run's lease and is executing it; the message names it. Wait for it, or stop it first.",
  },
  ESC_RUN_SUSPENDED: {
    exit: 7,
    http: 409,
    meaning:
      "The campaign's run is suspended (by an operator, or after a failure): resume it, roll it back or abort it. `apply` does not start a second run of the same campaign beside it.",
  },
  ESC_NO_BACKUP: {
    exit: 2,
    http: 409,
    meaning:
      "Restore needs backups taken before the change, and the run has none for the hosts to restore (the campaign's backup list was empty).",
  },
  ESC_SIM_STATE: {
    exit: 2,
    http: 400,
    meaning:
      "The digital twin's state file cannot be used: it is missing (and no inventory was given to create it), unreadable, corrupt, not a sim state, written by a newer Escalator, or made for another inventory or options; the message names the file and line.",
  },
  ESC_INTERNAL: {
    exit: 70,
    http: 500,
    meaning: 'A bug in Escalator: please report it with the command that caused it.',
  },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class EscalatorError extends Error {
  readonly code: ErrorCode;
  /**
   * The full list the message's first line sums up (e.g. every problem of a document), one
   * item a line; where there are details, the CLI prints that first line and then them.
   */
  readonly details: readonly string[];
  constructor(code: ErrorCode, message: string, details: readonly string[] = []) {
    super(message);
    this.name = 'EscalatorError';
    this.code = code;
    this.details = details;
  }
  get exitCode(): number {
    return ERRORS[this.code].exit;
  }
}
