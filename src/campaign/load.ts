/**
 * Text → data, for JSON and YAML, with every syntax problem positioned. JSON goes through
 * `JSON.parse` (a 40 MB inventory must load in a fraction of a second); only when it fails,
 * or when its keys betray a duplicate, does the slower scanner run to say where and why.
 */
import type { Document, YAMLError } from 'yaml';
import { hasDuplicateKeys, scanJson, type JsonSyntaxError } from './json-scan.js';
import { JsonSourceMap } from './json-source.js';
import { formatPath, type Path } from './path.js';
import { sortProblems, type DocumentProblem } from './problems.js';
import {
  LineIndex,
  NO_SOURCE,
  type LocateRequest,
  type Position,
  type SourceMap,
} from './source-map.js';
import { aliasFailure } from './yaml-aliases.js';
import { yamlLib } from './yaml-lib.js';
import { readYamlFast } from './yaml-fast.js';
import { PlainYamlSourceMap } from './yaml-plain-source.js';
import { PlainLayoutLost } from './yaml-plain-tokens.js';
import { YamlSourceMap } from './yaml-source.js';

export type DocumentFormat = 'json' | 'yaml';

export interface ParsedDocument {
  readonly file: string;
  readonly format: DocumentFormat;
  /** False when a syntax error left nothing to validate; `data` is then undefined. */
  readonly readable: boolean;
  readonly data: unknown;
  /** Syntax problems, duplicate keys included; empty for well-formed text. */
  readonly problems: readonly DocumentProblem[];
  /** Maps paths in `data` to positions in the text. */
  readonly source: SourceMap;
}

/** Never throws: whatever the text, the answer is data, problems, or both. */
export function parseDocument(text: string, file: string): ParsedDocument {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const format = formatOf(file, body);
  try {
    if (format === 'yaml') return parseYaml(body, file);
    const json = parseJson(body, file);
    if (json.readable || hasJsonExtension(file)) return json;
    const yaml = parseYaml(body, file);
    return yaml.problems.length === 0 ? yaml : json;
  } catch (error) {
    return unreadable(file, format, [readFailure(file, failureMessage(error))]);
  }
}

const hasJsonExtension = (file: string): boolean => /\.json$/i.test(file);

/** By extension; otherwise text that opens with `{` or `[` is taken for JSON first. */
export function formatOf(file: string, text: string): DocumentFormat {
  if (hasJsonExtension(file)) return 'json';
  if (/\.ya?ml$/i.test(file)) return 'yaml';
  return /^\s*[[{]/.test(text) ? 'json' : 'yaml';
}

function parseJson(text: string, file: string): ParsedDocument {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return jsonSyntaxFailure(text, file, error);
  }
  const source = new JsonSourceMap(text);
  // Every document, whatever its size: a key JSON.parse dropped would be lost without a word
  // (the check takes ~60 ms for a 33 MB inventory).
  const problems = hasDuplicateKeys(text, data) ? jsonDuplicates(text, file) : [];
  return { file, format: 'json', readable: true, data, problems, source };
}

function jsonSyntaxFailure(text: string, file: string, error: unknown): ParsedDocument {
  const found = scanJson(text).error;
  const problem =
    found === undefined
      ? readFailure(file, failureMessage(error))
      : jsonSyntaxProblem(file, new LineIndex(text), found);
  return unreadable(file, 'json', [problem]);
}

function jsonSyntaxProblem(file: string, lines: LineIndex, e: JsonSyntaxError): DocumentProblem {
  const hint = e.hint === undefined ? '' : ` (${e.hint})`;
  return {
    file,
    ...lines.position(e.offset),
    path: formatPath(e.path),
    expected: e.expected,
    found: e.found,
    message: `invalid JSON: expected ${e.expected}, found ${e.found}${hint}`,
  };
}

function jsonDuplicates(text: string, file: string): DocumentProblem[] {
  const lines = new LineIndex(text);
  return scanJson(text).duplicates.map((d) =>
    duplicateKeyProblem(file, lines.position(d.offset), d.path, lines.position(d.firstOffset).line),
  );
}

function duplicateKeyProblem(
  file: string,
  at: { line: number; column: number },
  path: Path,
  firstLine: number,
): DocumentProblem {
  const key = String(path[path.length - 1] ?? '');
  return {
    file,
    ...at,
    path: formatPath(path),
    expected: 'each key once in an object',
    found: `${JSON.stringify(key)} again`,
    message: `duplicate key ${JSON.stringify(key)} (first at line ${firstLine}); only one can count`,
  };
}

function parseYaml(text: string, file: string): ParsedDocument {
  const fast = readYamlFast(text);
  if (fast === undefined) return parseYamlFully(text, file);
  // Positions are only wanted for problems: found then, in one pass over the lines.
  const source = new PlainOrFullSourceMap(text);
  return { file, format: 'yaml', readable: true, data: fast.data, problems: [], source };
}

/** The lossless road: every node with its range, every syntax problem positioned. */
function parseYamlFully(text: string, file: string): ParsedDocument {
  const { doc, source } = yamlDocument(text);
  const problems = sortProblems(doc.errors.map((e) => yamlProblem(e, file, text, source)));
  const fatal = doc.errors.some((e) => e.code !== 'DUPLICATE_KEY');
  if (fatal) return { ...unreadable(file, 'yaml', problems), source };
  const aliases = aliasFailure(doc, yamlLib());
  if (aliases !== undefined) {
    const { offset, ...said } = aliases;
    const problem = {
      file,
      ...source.position(offset),
      path: formatPath(source.pathAt(offset)),
      ...said,
    };
    return { ...unreadable(file, 'yaml', sortProblems([...problems, problem])), source };
  }
  // Aliases are bounded by what they stand for (yaml-aliases.ts), not by the package's count.
  const data: unknown = doc.toJS({ maxAliasCount: -1 });
  return { file, format: 'yaml', readable: true, data, problems, source };
}

function yamlDocument(text: string): { doc: Document.Parsed; source: YamlSourceMap } {
  const yaml = yamlLib();
  const lineCounter = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  return { doc, source: new YamlSourceMap(doc, text, lineCounter) };
}

/**
 * Positions in text the fast road read: one pass over its lines (yaml-plain-source.ts), or,
 * where that pass cannot follow the text, every node built by the yaml package.
 */
class PlainOrFullSourceMap implements SourceMap {
  #full: SourceMap | undefined;
  constructor(private readonly text: string) {}
  locate(requests: readonly LocateRequest[]): Position[] {
    if (this.#full === undefined)
      try {
        return new PlainYamlSourceMap(this.text).locate(requests);
      } catch (error) {
        if (!(error instanceof PlainLayoutLost)) throw error;
        this.#full = yamlDocument(this.text).source;
      }
    return this.#full.locate(requests);
  }
}

function yamlProblem(
  error: YAMLError,
  file: string,
  text: string,
  source: YamlSourceMap,
): DocumentProblem {
  const at = source.position(error.pos[0]);
  if (error.code === 'DUPLICATE_KEY') {
    const path = source.pathAt(error.pos[0]);
    const [first] = source.locate([{ path, at: 'key' }]);
    return duplicateKeyProblem(file, at, path, first?.line ?? at.line);
  }
  const message =
    error.code === 'MULTIPLE_DOCS'
      ? 'the file holds more than one YAML document (a second ---): give one document per file'
      : `invalid YAML: ${firstLine(error.message)}`;
  return {
    file,
    ...at,
    path: '',
    expected: 'valid YAML',
    found: excerpt(text, error.pos[0]),
    message,
  };
}

const firstLine = (message: string): string => (message.split('\n')[0] ?? message).trim();

/** The rest of the line at `offset`, shortened, as found text. */
function excerpt(text: string, offset: number): string {
  if (offset >= text.length) return 'the end of the file';
  const end = text.indexOf('\n', offset);
  const line = text.slice(offset, end === -1 ? undefined : end);
  return JSON.stringify(line.length > 30 ? `${line.slice(0, 30)}…` : line);
}

function unreadable(
  file: string,
  format: DocumentFormat,
  problems: readonly DocumentProblem[],
): ParsedDocument {
  return { file, format, readable: false, data: undefined, problems, source: NO_SOURCE };
}

function readFailure(file: string, message: string): DocumentProblem {
  return {
    file,
    line: 1,
    column: 1,
    path: '',
    expected: 'a readable document',
    found: message,
    message,
  };
}

/** Messages only: a document problem never shows a stack trace. */
function failureMessage(error: unknown): string {
  if (error instanceof RangeError && /call stack/i.test(error.message))
    return 'the document is nested too deeply to read';
  const text = error instanceof Error ? error.message : String(error);
  return `the document cannot be read: ${firstLine(text)}`;
}
