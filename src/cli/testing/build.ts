/**
 * vitest globalSetup: build the project once (`tsc -p tsconfig.build.json`) so that the CLI
 * tests run the real `node dist/cli/main.js`, as an operator would.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export default async function setup(): Promise<void> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const out = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `the build before the CLI tests failed (tsc -p tsconfig.build.json):\n${out.stdout ?? ''}${out.stderr ?? out.message}`,
    );
  }
}
