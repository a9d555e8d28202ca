/**
 * vitest globalSetup: build the project once (as `npm run build`) so that the CLI
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
    // As `npm run build`: the precompiled document validators (src/tools/gen-validators.ts).
    await promisify(execFile)(process.execPath, ['dist/tools/gen-validators.js'], { cwd: ROOT });
    // As `npm run build`: the command bundled into one file (src/tools/bundle-cli.ts).
    await promisify(execFile)(process.execPath, ['dist/tools/bundle-cli.js'], { cwd: ROOT });
  } catch (error) {
    const out = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `the build before the CLI tests failed (npm run build):\n${out.stdout ?? ''}${out.stderr ?? out.message}`,
    );
  }
}
