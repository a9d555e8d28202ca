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
  ESC_INTERNAL: {
    exit: 70,
    http: 500,
    meaning: 'A bug in Escalator: please report it with the command that caused it.',
  },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class EscalatorError extends Error {
  readonly code: ErrorCode;
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
