/** How errors reach the operator: a clear message, the code, an exit code, never a stack trace. */
import { CommanderError } from 'commander';
import { ERRORS, EscalatorError } from '../model/index.js';

export function exitCodeFor(error: unknown): number {
  if (error instanceof EscalatorError) return error.exitCode;
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : ERRORS.ESC_USAGE.exit;
  return ERRORS.ESC_INTERNAL.exit;
}

export function reportError(error: unknown): void {
  if (error instanceof CommanderError) return; // commander has printed its message already
  if (error instanceof EscalatorError) {
    process.stderr.write(`error ${error.code}: ${error.message}\n`);
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(
    `error ESC_INTERNAL: ${message}\nThis is a bug in Escalator; please report it with the command you ran.\n`,
  );
  if (process.env.ESCALATOR_DEBUG && error instanceof Error && error.stack)
    process.stderr.write(`${error.stack}\n`);
}
