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
    // Details are the whole list the message begins: the headline, then each item once.
    const message = error.details.length > 0 ? (error.message.split('\n')[0] ?? '') : error.message;
    const lines = [`error ${error.code}: ${message}`, ...error.details.map((d) => `  ${d}`)];
    process.stderr.write(`${lines.join('\n')}\n`);
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(
    `error ESC_INTERNAL: ${message}\nThis is a bug in Escalator; please report it with the command you ran.\n`,
  );
  if (process.env.ESCALATOR_DEBUG && error instanceof Error && error.stack)
    process.stderr.write(`${error.stack}\n`);
}

/** What each exit code means in a word, for `--help`; the codes come from the registry. */
const EXIT_SUMMARY: Readonly<Record<number, string>> = {
  0: 'success',
  2: 'bad input: a document, file, option or name is wrong',
  3: 'the check found blockers / no plan keeps every constraint',
  4: 'plan verify found a violated constraint',
  5: 'the run changed under you: read it again and retry',
  6: 'the database cannot be opened or reached, or is from a newer Escalator',
  7: 'the run stopped on a failure and waits for the operator (status names the host and step)',
  8: 'the run failed and was rolled back, as the campaign says',
  9: 'another executor holds the run',
  70: 'internal error (a bug: please report it)',
};

/** The exit codes and the error codes behind each, generated from the registry (no drift). */
export function exitCodesHelp(): string {
  const byExit = new Map<number, string[]>([[0, []]]);
  for (const [code, e] of Object.entries(ERRORS))
    byExit.set(e.exit, [...(byExit.get(e.exit) ?? []), code]);
  const lines = [...byExit]
    .sort(([a], [b]) => a - b)
    .map(([exit, codes]) => {
      const summary = EXIT_SUMMARY[exit] ?? ERRORS[codes[0] as keyof typeof ERRORS].meaning;
      return `  ${String(exit).padEnd(3)} ${summary}${codes.length > 0 ? ` (${codes.join(', ')})` : ''}`;
    });
  return `\nExit codes:\n${lines.join('\n')}`;
}
