import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DOCUMENT_SCHEMAS } from '../campaign/schema.js';
import { ERRORS, type ErrorCode } from '../model/errors.js';
import { renderGeneratedDocs } from './gen-docs.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const committed = (path: string): string => readFileSync(`${root}${path}`, 'utf8');

describe('generated documents', () => {
  it.each([...renderGeneratedDocs()])(
    '%s is current (run `npm run gen` if not)',
    (path, content) => {
      expect(committed(path)).toBe(content);
    },
  );

  it('are the same on every run', () => {
    expect([...renderGeneratedDocs()]).toEqual([...renderGeneratedDocs()]);
  });
});

describe('docs/errors.md', () => {
  it.each(Object.keys(ERRORS) as ErrorCode[])(
    'documents %s with its exit code, HTTP status and meaning',
    (code) => {
      const doc = committed('docs/errors.md');
      const section = doc.split(/^## /m).find((s) => s.startsWith(`\`${code}\``)) ?? '';
      expect(section, `no section for ${code}`).not.toBe('');
      expect(section).toContain(
        `Exit code ${ERRORS[code].exit}, HTTP status ${ERRORS[code].http}.`,
      );
      expect(section).toContain(ERRORS[code].meaning);
    },
  );
});

describe('docs/campaign-reference.md', () => {
  it('has a row for every field of every document', () => {
    const doc = committed('docs/campaign-reference.md');
    const fields = (schema: unknown): string[] => {
      if (typeof schema !== 'object' || schema === null) return [];
      const own =
        'properties' in schema &&
        typeof schema.properties === 'object' &&
        schema.properties !== null
          ? Object.keys(schema.properties)
          : [];
      return [...own, ...Object.values(schema).flatMap(fields)];
    };
    for (const schema of Object.values(DOCUMENT_SCHEMAS))
      for (const field of fields(schema)) expect(doc, field).toContain(`| \`${field}\` |`);
  });
});
