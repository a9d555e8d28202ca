/**
 * The documents' validators: Ajv code compiled from the TypeBox schemas (schema.ts). `npm run
 * build` precompiles them into dist/campaign/validators.cjs (src/tools/gen-validators.ts), so
 * that a command validates without loading Ajv's compiler or compiling (~0.1 s at start). The
 * precompiled module is used only while it matches the schemas (a fingerprint of them); without
 * it (tests from source, a bare `tsc`) the validators are compiled here, as they always were.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as AjvModule from 'ajv';
import type { Ajv, Options, ValidateFunction } from 'ajv';
import { DOCUMENT_SCHEMAS, type DocumentKind } from './schema.js';

/** The options of every document validator, precompiled or not. */
export const VALIDATOR_OPTIONS: Options = { allErrors: true, strict: true, useDefaults: false };

export const PRECOMPILED_FILE = 'validators.cjs';

export const DOCUMENT_KINDS: readonly DocumentKind[] = ['Inventory', 'Catalog', 'Campaign'];

/** Changes whenever a schema does. */
export function schemasFingerprint(): string {
  return createHash('sha256').update(JSON.stringify(DOCUMENT_SCHEMAS)).digest('hex');
}

interface Precompiled {
  readonly fingerprint: string;
  readonly validators: Readonly<Record<DocumentKind, ValidateFunction>>;
}

const require = createRequire(import.meta.url);
const validators = new Map<DocumentKind, ValidateFunction>();
let precompiled: Precompiled | null | undefined;
let compiler: Ajv | undefined;

export function validatorFor(kind: DocumentKind): ValidateFunction {
  let validate = validators.get(kind);
  if (validate === undefined) {
    validate = loadPrecompiled()?.validators[kind] ?? compile(kind);
    validators.set(kind, validate);
  }
  return validate;
}

function loadPrecompiled(): Precompiled | undefined {
  if (precompiled === undefined) {
    precompiled = null;
    try {
      const module = require(`./${PRECOMPILED_FILE}`) as Precompiled;
      if (module.fingerprint === schemasFingerprint()) precompiled = module;
    } catch {
      // Not built (tests run from source): compile instead.
    }
  }
  return precompiled ?? undefined;
}

function compile(kind: DocumentKind): ValidateFunction {
  if (compiler === undefined) {
    const { Ajv: AjvClass } = require('ajv') as typeof AjvModule;
    compiler = new AjvClass(VALIDATOR_OPTIONS);
  }
  return compiler.compile(DOCUMENT_SCHEMAS[kind]);
}
