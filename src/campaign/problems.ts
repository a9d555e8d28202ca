/**
 * What is wrong with a document, said so that a person can fix it: file, line, column, the
 * field's path, what was expected and what was found. Checks produce `PendingProblem`s
 * (a path, no position); `positionProblems` turns them into `DocumentProblem`s through the
 * document's source map, in one pass so that a large JSON file is scanned once.
 */
import { EscalatorError } from '../model/errors.js';
import { formatPath, type Path } from './path.js';
import type { LocateRequest, Position, SourceMap } from './source-map.js';

export interface DocumentProblem {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  /** e.g. `spec.hosts[3].capacity.vcpu`; empty for the document as a whole. */
  readonly path: string;
  readonly expected: string;
  readonly found: string;
  /** The whole sentence, e.g. `expected integer ≥ 0, found "lots"`. */
  readonly message: string;
}

export interface PendingProblem {
  readonly path: Path;
  /** Point at the field's key (unknown field, duplicate key) or at its value (the default). */
  readonly at?: 'key' | 'value';
  readonly expected: string;
  readonly found: string;
  /** Defaults to `expected …, found …`. */
  readonly message?: string;
  /** Another place the message refers to, e.g. the first definition of a duplicate name. */
  readonly firstAt?: Path;
  /** The value is a YAML number where text was expected: show its source and say to quote it. */
  readonly quoteHint?: boolean;
}

export function positionProblems(
  pending: readonly PendingProblem[],
  file: string,
  source: SourceMap,
): DocumentProblem[] {
  if (pending.length === 0) return [];
  const requests: LocateRequest[] = [];
  const slots = pending.map((p) => ({
    here: requests.push({ path: p.path, at: p.at ?? 'value' }) - 1,
    first: p.firstAt === undefined ? undefined : requests.push({ path: p.firstAt, at: 'key' }) - 1,
  }));
  const located = source.locate(requests);
  const problems = pending.map((p, i): DocumentProblem => {
    const slot = slots[i];
    const here = located[slot?.here ?? -1] ?? { line: 1, column: 1 };
    const first = slot?.first === undefined ? undefined : located[slot.first];
    const quoted = p.quoteHint === true ? here.source : undefined;
    return {
      file,
      line: here.line,
      column: here.column,
      path: formatPath(p.path),
      expected: p.expected,
      found: quoted ?? p.found,
      message: messageOf(p, quoted) + firstMention(here, first),
    };
  });
  return sortProblems(problems);
}

function messageOf(p: PendingProblem, quoted: string | undefined): string {
  if (quoted !== undefined)
    return `expected ${p.expected}, found the number ${quoted}: write "${quoted}" in quotes to keep it text`;
  return p.message ?? `expected ${p.expected}, found ${p.found}`;
}

/** ` (first at line 8)`, or the column when both are on one line. */
function firstMention(here: Position, first: Position | undefined): string {
  if (first === undefined) return '';
  return first.line === here.line
    ? ` (first at column ${first.column})`
    : ` (first at line ${first.line})`;
}

export function sortProblems(problems: readonly DocumentProblem[]): DocumentProblem[] {
  return [...problems].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      a.path.localeCompare(b.path),
  );
}

export function formatProblem(p: DocumentProblem): string {
  const where = `${p.file}:${p.line}:${p.column}`;
  return p.path === '' ? `${where} ${p.message}` : `${where} ${p.path}: ${p.message}`;
}

/** Paths listed by name where one problem is found at several (the rest are counted). */
const PATHS_LISTED = 3;

/**
 * One line per problem, except that the same problem at the same place reached by other paths
 * (a node shared through YAML aliases: a typo in the `components` 8,913 hosts share) is one
 * line, followed by one that counts the other paths and names a few.
 */
export function problemLines(problems: readonly DocumentProblem[]): string[] {
  const groups = new Map<string, { first: DocumentProblem; others: string[] }>();
  for (const p of problems) {
    const key = `${p.file}\0${p.line}\0${p.column}\0${p.message}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { first: p, others: [] });
    else group.others.push(p.path);
  }
  const lines: string[] = [];
  for (const { first, others } of groups.values()) {
    lines.push(formatProblem(first));
    if (others.length === 0) continue;
    const named = others.slice(0, PATHS_LISTED).join(', ');
    const rest = others.length > PATHS_LISTED ? ` and ${others.length - PATHS_LISTED} more` : '';
    lines.push(`  the same at ${others.length} more path(s) to that place: ${named}${rest}`);
  }
  return lines;
}

/** problemLines; past `limit` lines, a last line says how many more there are. */
export function formatProblems(
  problems: readonly DocumentProblem[],
  limit: number = Number.POSITIVE_INFINITY,
): string {
  const all = problemLines(problems);
  const lines = all.slice(0, limit);
  if (all.length > limit) lines.push(`… and ${all.length - limit} more lines of problems`);
  return lines.join('\n');
}

const MESSAGE_LIMIT = 50;

/** The error a loader throws: every problem of the documents, none left out. */
export class DocumentError extends EscalatorError {
  readonly problems: readonly DocumentProblem[];
  constructor(problems: readonly DocumentProblem[]) {
    const files = [...new Set(problems.map((p) => p.file))].join(', ');
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(
      'ESC_DOCUMENT_INVALID',
      `${files}: ${count}\n${formatProblems(problems, MESSAGE_LIMIT)}`,
      problemLines(problems),
    );
    this.name = 'DocumentError';
    this.problems = problems;
  }
}

export function isDocumentError(error: unknown): error is DocumentError {
  return error instanceof DocumentError;
}
