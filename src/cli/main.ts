#!/usr/bin/env node
/** The `escalator` command. Thin: parse arguments, call the parts, print, exit with a documented code. */
import { buildProgram } from './program.js';
import { exitCodeFor, reportError } from './errors.js';

// `escalator plan … | head`: the reader has gone. Say nothing more, but finish the work: a
// rollback must not stop half-way because a pager closed.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    stream.write = () => true;
  });

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  reportError(error);
  process.exitCode = exitCodeFor(error);
}
