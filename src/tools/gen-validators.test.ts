import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CAMPAIGN_YAML, CATALOG_YAML, INVENTORY_YAML } from '../campaign/testing/documents.js';
import { DOCUMENT_SCHEMAS, type DocumentKind } from '../campaign/schema.js';
import { VALIDATOR_OPTIONS, schemasFingerprint } from '../campaign/validators.js';
import { renderValidators } from './gen-validators.js';

// The module the build wrote (vitest's global setup builds as `npm run build` does).
const BUILT = fileURLToPath(new URL('../../dist/campaign/validators.cjs', import.meta.url));

interface Generated {
  readonly fingerprint: string;
  readonly validators: Record<DocumentKind, ValidateFunction>;
}

describe('precompiled validators', () => {
  const generated = createRequire(import.meta.url)(BUILT) as Generated;

  it('are what the generator writes, with the fingerprint of the schemas', () => {
    expect(readFileSync(BUILT, 'utf8')).toBe(renderValidators());
    expect(generated.fingerprint).toBe(schemasFingerprint());
  });

  it('accept and reject as the compiled ones do, with the same errors', () => {
    const documents: Record<DocumentKind, unknown> = {
      Inventory: parse(INVENTORY_YAML),
      Catalog: parse(CATALOG_YAML),
      Campaign: parse(CAMPAIGN_YAML),
    };
    const broken = (doc: unknown): unknown[] => {
      const d = structuredClone(doc) as { spec: Record<string, unknown>; extra?: number };
      return [d, { ...d, extra: 1 }, { ...d, spec: { ...d.spec, sites: 'many' } }, null, [], {}];
    };
    for (const kind of ['Inventory', 'Catalog', 'Campaign'] as const) {
      const compiled = new Ajv(VALIDATOR_OPTIONS).compile(DOCUMENT_SCHEMAS[kind]);
      const precompiled = generated.validators[kind];
      for (const data of broken(documents[kind])) {
        expect(precompiled(data)).toBe(compiled(data));
        expect(precompiled.errors ?? null).toEqual(compiled.errors ?? null);
      }
    }
  });
});
