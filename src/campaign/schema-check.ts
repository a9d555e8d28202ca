/**
 * Schema validation with Ajv, and Ajv's errors in a person's words: one problem per location
 * (a failed union says what the union accepts, not what each branch wanted), unknown fields
 * at their key with a suggestion, missing fields gathered per object.
 */
import type { TSchema } from '@sinclair/typebox';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { ParsedDocument } from './load.js';
import { allowedConstants, describeSchema, describeValue } from './describe.js';
import { pointerToPath, isRecord, valueAt, type Path } from './path.js';
import { DocumentError, positionProblems, sortProblems, type PendingProblem } from './problems.js';
import { DOCUMENT_SCHEMAS, NAME_PATTERN, type DocumentKind } from './schema.js';
import { closestName } from './suggest.js';
import { validatorFor } from './validators.js';

export function schemaProblems(kind: DocumentKind, data: unknown): PendingProblem[] {
  const validate = validatorFor(kind);
  if (validate(data)) return [];
  return explainErrors(validate.errors ?? [], DOCUMENT_SCHEMAS[kind], data);
}

export function explainErrors(
  errors: readonly ErrorObject[],
  root: unknown,
  data: unknown,
): PendingProblem[] {
  const problems: PendingProblem[] = [];
  const missing = new Map<string, string[]>();
  const byLocation = new Map<string, ErrorObject>();
  for (const error of withoutUnionBranches(errors)) {
    if (error.keyword === 'additionalProperties') problems.push(unknownField(error, root, data));
    else if (error.keyword === 'required') {
      const fields = missing.get(error.instancePath) ?? [];
      fields.push(String(error.params.missingProperty));
      missing.set(error.instancePath, fields);
    } else if (!byLocation.has(error.instancePath)) byLocation.set(error.instancePath, error);
  }
  for (const [pointer, fields] of missing) problems.push(missingFields(pointer, fields, data));
  for (const error of byLocation.values()) problems.push(wrongValue(error, root, data));
  return problems;
}

/**
 * When a union (anyOf) fails, Ajv also reports why each of its branches failed; those
 * reports say less than the union's own and are dropped.
 */
function withoutUnionBranches(errors: readonly ErrorObject[]): ErrorObject[] {
  const unions = new Map<string, Set<string>>();
  for (const e of errors) {
    if (e.keyword !== 'anyOf') continue;
    const at = unions.get(e.schemaPath) ?? new Set<string>();
    at.add(e.instancePath);
    unions.set(e.schemaPath, at);
  }
  if (unions.size === 0) return [...errors];
  return errors.filter((e) => !isUnionBranch(e, unions));
}

function isUnionBranch(error: ErrorObject, unions: ReadonlyMap<string, Set<string>>): boolean {
  for (
    let i = error.schemaPath.indexOf('/anyOf/');
    i >= 0;
    i = error.schemaPath.indexOf('/anyOf/', i + 1)
  ) {
    const at = unions.get(error.schemaPath.slice(0, i + '/anyOf'.length));
    if (at !== undefined && ancestors(error.instancePath).some((p) => at.has(p))) return true;
  }
  return false;
}

function ancestors(pointer: string): string[] {
  const out = [pointer];
  for (let i = pointer.lastIndexOf('/'); i >= 0; i = pointer.lastIndexOf('/', i - 1)) {
    out.push(pointer.slice(0, i));
    if (i === 0) break;
  }
  return out;
}

/** The schema that holds the failed keyword: Ajv's schemaPath without its last segment. */
function schemaOf(error: ErrorObject, root: unknown): unknown {
  const segments = error.schemaPath
    .replace(/^#\/?/, '')
    .split('/')
    .filter((s) => s !== '');
  segments.pop();
  let schema = root;
  for (const raw of segments) {
    const key = decodeURIComponent(raw.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (Array.isArray(schema)) schema = schema[Number(key)];
    else schema = isRecord(schema) ? schema[key] : undefined;
  }
  return schema;
}

function unknownField(error: ErrorObject, root: unknown, data: unknown): PendingProblem {
  const key = String(error.params.additionalProperty);
  const path: Path = [...pointerToPath(error.instancePath, data), key];
  const schema = schemaOf(error, root);
  const properties =
    isRecord(schema) && isRecord(schema.properties) ? Object.keys(schema.properties) : [];
  if (properties.length === 0) return invalidKey(path, key, schema);
  const suggestion = closestName(key, properties);
  return {
    path,
    at: 'key',
    expected: `one of the fields ${properties.join(', ')}`,
    found: JSON.stringify(key),
    message: `unknown field ${JSON.stringify(key)}${suggestion === undefined ? '' : ` (did you mean ${JSON.stringify(suggestion)}?)`}`,
  };
}

/** A key of a closed map (such as a host's components) that is not a valid name. */
function invalidKey(path: Path, key: string, schema: unknown): PendingProblem {
  const patterns =
    isRecord(schema) && isRecord(schema.patternProperties)
      ? Object.keys(schema.patternProperties)
      : [];
  const expected =
    patterns.length === 1 && patterns[0] === NAME_PATTERN
      ? 'a name: letters, digits and . _ : / @ - inside'
      : `a key matching ${patterns.map((p) => `/${p}/`).join(' or ')}`;
  return {
    path,
    at: 'key',
    expected,
    found: JSON.stringify(key),
    message: `invalid key ${JSON.stringify(key)}: expected ${expected}`,
  };
}

function missingFields(pointer: string, fields: readonly string[], data: unknown): PendingProblem {
  const names = fields.map((f) => JSON.stringify(f)).join(', ');
  const plural = fields.length > 1 ? 's' : '';
  return {
    path: pointerToPath(pointer, data),
    expected: `the field${plural} ${names}`,
    found: 'nothing',
    message: `missing required field${plural} ${names}`,
  };
}

function wrongValue(error: ErrorObject, root: unknown, data: unknown): PendingProblem {
  const path = pointerToPath(error.instancePath, data);
  const schema = schemaOf(error, root);
  const value = valueAt(data, path);
  const expected = describeSchema(schema);
  const found = describeValue(value);
  const suggestion = enumSuggestion(schema, value);
  return {
    path,
    expected,
    found,
    message: `expected ${expected}, found ${found}${suggestion}`,
    quoteHint: typeof value === 'number' && isRecord(schema) && schema.type === 'string',
  };
}

function enumSuggestion(schema: unknown, value: unknown): string {
  const allowed = allowedConstants(schema);
  if (allowed === undefined || typeof value !== 'string') return '';
  const suggestion = closestName(value, allowed.map(String));
  return suggestion === undefined ? '' : ` (did you mean ${JSON.stringify(suggestion)}?)`;
}

/**
 * A document of a driver's own kind (a Scenario, an OpenStackTarget) checked like every
 * document: the parse's problems, then the schema's (explained), then the kind's own semantic
 * ones — each positioned in the file — and only a valid document is compiled.
 * @throws DocumentError with every problem.
 */
export function checkedDocument<D, T>(
  parsed: ParsedDocument,
  schema: TSchema,
  validate: ValidateFunction<D>,
  semantic: (doc: D) => PendingProblem[],
  compile: (doc: D) => T,
): T {
  if (!parsed.readable || parsed.problems.length > 0)
    throw new DocumentError(sortProblems(parsed.problems));
  const problems: PendingProblem[] = validate(parsed.data)
    ? semantic(parsed.data)
    : explainErrors(validate.errors ?? [], schema, parsed.data);
  if (problems.length > 0)
    throw new DocumentError(positionProblems(problems, parsed.file, parsed.source));
  return compile(parsed.data as D);
}
