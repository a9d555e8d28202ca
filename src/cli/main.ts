#!/usr/bin/env node
/** The `escalator` command. Thin: parse arguments, call the parts, print, exit with a documented code. */
import { buildProgram } from './program.js';
import { exitCodeFor, reportError } from './errors.js';

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  reportError(error);
  process.exitCode = exitCodeFor(error);
}
