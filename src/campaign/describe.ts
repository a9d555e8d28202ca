/**
 * Words for what a schema accepts and for what a document holds, used in problem messages
 * (`expected integer ≥ 0, found "lots"`) and in the generated reference.
 */
import { isRecord } from './path.js';

type Schema = Readonly<Record<string, unknown>>;

const asSchema = (value: unknown): Schema | undefined => (isRecord(value) ? value : undefined);
const schemaList = (value: unknown): Schema[] =>
  Array.isArray(value) ? value.map(asSchema).filter((s): s is Schema => s !== undefined) : [];

/** `integer ≥ 0`, `one of: up, down, maintenance`, `a version such as 26.2.2`. */
export function describeSchema(schema: unknown): string {
  const s = asSchema(schema);
  if (s === undefined) return 'anything';
  if ('const' in s) return JSON.stringify(s.const);
  if (typeof s.title === 'string') return titled(s.title, s.examples);
  const branches = schemaList(s.anyOf);
  if (branches.length > 0) return describeUnion(branches);
  switch (s.type) {
    case 'integer':
    case 'number':
      return describeNumber(s.type, s);
    case 'string':
      return describeString(s);
    case 'boolean':
      return 'true or false';
    case 'array':
      return describeArray(s);
    case 'object':
      return 'patternProperties' in s && !('properties' in s) ? 'a map' : 'an object';
    default:
      return 'anything';
  }
}

export function allowedConstants(schema: unknown): unknown[] | undefined {
  const branches = schemaList(asSchema(schema)?.anyOf);
  if (branches.length === 0 || !branches.every((b) => 'const' in b)) return undefined;
  return branches.map((b) => b.const);
}

function titled(title: string, examples: unknown): string {
  const article = /^[aeiou]/i.test(title) ? 'an' : 'a';
  if (!Array.isArray(examples) || examples.length === 0) return `${article} ${title}`;
  return `${article} ${title} such as ${alternatives(examples.map(String))}`;
}

/** `a`, `a or b`, `a, b or c`. */
export function alternatives(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1] ?? ''}`;
}

function describeUnion(branches: readonly Schema[]): string {
  const constants = allowedConstants({ anyOf: branches });
  if (constants !== undefined) return `one of: ${constants.map(String).join(', ')}`;
  return branches.map(describeSchema).join(' or ');
}

function describeNumber(type: string, s: Schema): string {
  const min = typeof s.minimum === 'number' ? s.minimum : undefined;
  const max = typeof s.maximum === 'number' ? s.maximum : undefined;
  if (min !== undefined && max !== undefined) return `${type} from ${min} to ${max}`;
  if (min !== undefined) return `${type} ≥ ${min}`;
  if (max !== undefined) return `${type} ≤ ${max}`;
  return type === 'integer' ? 'an integer' : 'a number';
}

function describeString(s: Schema): string {
  if (typeof s.pattern === 'string') return `text matching /${s.pattern}/`;
  if (typeof s.minLength === 'number' && s.minLength > 0) return 'non-empty text';
  return 'text';
}

function describeArray(s: Schema): string {
  const min = typeof s.minItems === 'number' ? s.minItems : 0;
  const item = describeSchema(s.items);
  const of = item === 'anything' ? '' : ` of ${item}`;
  if (min === 1) return `a non-empty list${of}`;
  if (min > 1) return `a list of at least ${min} items${of}`;
  return `a list${of}`;
}

const MAX_SHOWN = 60;

/** `"lots"`, `6.1`, `null`, `a list of 3 items`, `an object`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    const quoted = JSON.stringify(value);
    return quoted.length > MAX_SHOWN ? `${quoted.slice(0, MAX_SHOWN - 2)}…"` : quoted;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return 'an empty list';
    return value.length === 1 ? 'a list of 1 item' : `a list of ${value.length} items`;
  }
  if (value instanceof Uint8Array) return 'binary data';
  if (isRecord(value)) return Object.keys(value).length === 0 ? 'an empty object' : 'an object';
  return typeof value;
}
