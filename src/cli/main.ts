#!/usr/bin/env node
/** The `escalator` command. Thin: parse arguments, call the parts, print, exit with a documented code. */
import { buildProgram } from './program.js';
import { exitCodeFor, reportError } from './errors.js';

// `escalator plan … | head`: the reader has gone, so stop quietly instead of crashing on EPIPE.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit();
  });

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  reportError(error);
  process.exitCode = exitCodeFor(error);
}
