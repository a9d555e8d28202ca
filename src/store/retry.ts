/**
 * What the store retries and what it reports. Transient failures — SQLite busy or locked,
 * PostgreSQL serialization failures, deadlocks, lock time-outs, a connection reset or a server
 * restarting — are retried a bounded number of times with full jitter (a random sleep below a
 * growing cap), so that contending writers spread out. Anything else surfaces at once, mapped
 * onto the error registry.
 */
import type { RandomSource } from '../model/index.js';
import { EscalatorError } from '../model/index.js';

export interface RetryPolicy {
  /** Tries in all, the first included. */
  readonly attempts: number;
  /** The first sleep is below this many milliseconds; each next cap doubles… */
  readonly baseMs: number;
  /** …up to this. */
  readonly capMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 10, baseMs: 10, capMs: 500 };

/** PostgreSQL SQLSTATEs worth another try. */
const PG_TRANSIENT = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '53300', // too_many_connections
  '08000', // connection_exception
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08003', // connection_does_not_exist
  '08004', // sqlserver_rejected_establishment_of_sqlconnection
  '08006', // connection_failure
]);

/** Socket errors of a connection that went away; worth a new connection. */
const NET_TRANSIENT = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

/** Messages `pg` gives, without a code, when it loses or cannot get a connection. */
const PG_TRANSIENT_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
];

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function isTransient(error: unknown): boolean {
  if (error instanceof EscalatorError) return false;
  const code = codeOf(error);
  if (code !== undefined) {
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return true;
    if (PG_TRANSIENT.has(code) || NET_TRANSIENT.has(code)) return true;
  }
  const message = messageOf(error);
  return PG_TRANSIENT_MESSAGES.some((m) => message.includes(m));
}

/** Errors that mean the database itself cannot be used, whatever is retried. */
function isUnavailable(error: unknown): boolean {
  const code = codeOf(error) ?? '';
  return (
    /^SQLITE_(CANTOPEN|NOTADB|CORRUPT|FULL|IOERR|READONLY|PERM|AUTH)/.test(code) ||
    NET_TRANSIENT.has(code) ||
    code === 'ENOTFOUND' ||
    code.startsWith('08') ||
    code.startsWith('57P') ||
    code.startsWith('28') || // invalid authorization
    code === '3D000' || // invalid_catalog_name: the database does not exist
    code === '53300' ||
    isTransient(error)
  );
}

function isUniqueViolation(error: unknown): boolean {
  const code = codeOf(error);
  return (
    code === '23505' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}

function isForeignKeyViolation(error: unknown): boolean {
  const code = codeOf(error);
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** An error of the store as the registry names it. `what` says what was being done. */
export function toStoreError(error: unknown, what: string, attempts = 1): Error {
  if (error instanceof EscalatorError) return error;
  const message = messageOf(error);
  const tries = attempts > 1 ? ` (after ${attempts} tries)` : '';
  let wrapped: EscalatorError;
  if (isUniqueViolation(error))
    wrapped = new EscalatorError('ESC_STORE_CONFLICT', `${what}: already exists (${message})`);
  else if (isForeignKeyViolation(error))
    wrapped = new EscalatorError('ESC_NOT_FOUND', `${what}: no such run (${message})`);
  else if (isUnavailable(error))
    wrapped = new EscalatorError('ESC_STORE_UNAVAILABLE', `${what}: ${message}${tries}`);
  else return error instanceof Error ? error : new Error(message);
  (wrapped as { cause?: unknown }).cause = error;
  return wrapped;
}

export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `action` until it succeeds, fails with an error that is not transient, or has been tried
 * `policy.attempts` times. The sleep before try n+1 is uniform in [0, min(cap, base·2ⁿ)).
 */
export async function withRetry<T>(
  action: () => Promise<T>,
  what: string,
  policy: RetryPolicy,
  random: RandomSource,
  sleep: Sleep = realSleep,
  onRetry: (error: unknown) => void = () => {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await action();
    } catch (error) {
      if (!isTransient(error) || attempt >= policy.attempts)
        throw toStoreError(error, what, attempt);
      onRetry(error);
      const cap = Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1));
      await sleep(Math.floor((random.uint32() / 2 ** 32) * cap));
    }
  }
}
