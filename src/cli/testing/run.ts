/**
 * Runs the built `escalator` command (`node dist/cli/main.js`, built once by ./build.ts) as an
 * operator would, for the end-to-end tests: exit code, standard output and error, never a
 * rejection whatever the exit code.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const MAIN = join(ROOT, 'dist', 'cli', 'main.js');

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment without the debug switch and with colours off. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const { ESCALATOR_DEBUG: _debug, ...env } = process.env;
  return { ...env, NO_COLOR: '1' };
}

/** Runs `escalator …args` in `cwd`. */
export function runEscalator(cwd: string, args: readonly string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MAIN, ...args],
      { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: cleanEnv() },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A stack trace shows as lines `    at …`; the operator must never see one. */
export function stackTraceIn(run: CliRun): boolean {
  return /^ {4}at /m.test(run.stderr) || /^ {4}at /m.test(run.stdout);
}
