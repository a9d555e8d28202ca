/**
 * Versions as they appear in the wild: `26.2.2`, `6.1.0-18-amd64`, `2:26.2.2-1~deb12u5`.
 * Parsing and ordering follow dpkg's algorithm (deb-version(7)), which orders plain dotted
 * versions the way semantic versioning does and also handles epochs, revisions and `~`.
 *
 * Ranges: `*`, an exact version, comparators `>=26.0.0 <28` (space or comma = and), prefix
 * wildcards `26.*` (upstream starts with the components `26`, any epoch; `2:26.*` pins the
 * epoch), alternatives with `||`.
 */

export interface Version {
  readonly epoch: number;
  readonly upstream: string;
  readonly revision: string;
  readonly source: string;
}

export type VersionParse = { ok: true; version: Version } | { ok: false; reason: string };

const UPSTREAM_CHARS = /^[A-Za-z0-9.+~:-]+$/;
const REVISION_CHARS = /^[A-Za-z0-9.+~]+$/;

export function parseVersion(text: string): VersionParse {
  const source = text.trim();
  if (source === '') return { ok: false, reason: 'a version cannot be empty' };
  if (source !== text) return { ok: false, reason: 'a version cannot have surrounding spaces' };
  let rest = source;
  let epoch = 0;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const e = rest.slice(0, colon);
    if (!/^\d+$/.test(e)) return { ok: false, reason: `epoch "${e}" is not a number` };
    epoch = Number(e);
    rest = rest.slice(colon + 1);
  }
  let revision = '';
  const dash = rest.lastIndexOf('-');
  if (dash >= 0) {
    revision = rest.slice(dash + 1);
    rest = rest.slice(0, dash);
    if (revision === '') return { ok: false, reason: 'revision after "-" is empty' };
    if (!REVISION_CHARS.test(revision))
      return { ok: false, reason: `revision "${revision}" has characters outside [A-Za-z0-9.+~]` };
  }
  const upstream = rest;
  if (upstream === '') return { ok: false, reason: 'upstream version is empty' };
  if (!/^\d/.test(upstream))
    return { ok: false, reason: `"${upstream}" does not start with a digit` };
  if (!UPSTREAM_CHARS.test(upstream))
    return { ok: false, reason: `"${upstream}" has characters outside [A-Za-z0-9.+~:-]` };
  if (upstream.includes(':')) return { ok: false, reason: 'only one ":" (the epoch) is allowed' };
  return { ok: true, version: { epoch, upstream, revision, source } };
}

/**
 * Parsed versions by text. A cloud has few distinct versions and many comparisons of them
 * (10,000 hosts × components), so each text is parsed once; the cache is bounded so that
 * arbitrary input cannot grow it without limit. Parsing is pure, so caching changes nothing.
 */
const PARSED = new Map<string, Version>();
const PARSED_LIMIT = 10_000;

export function mustParseVersion(text: string): Version {
  const hit = PARSED.get(text);
  if (hit) return hit;
  const p = parseVersion(text);
  if (!p.ok) throw new RangeError(`invalid version "${text}": ${p.reason}`);
  if (PARSED.size >= PARSED_LIMIT) PARSED.clear();
  PARSED.set(text, p.version);
  return p.version;
}

function order(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === '~') return -1;
  const code = c.charCodeAt(0);
  if ((code >= 65 && code <= 90) || (code >= 97 && code <= 122)) return code;
  if (code >= 48 && code <= 57) return 0;
  return code + 256;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** dpkg's verrevcmp: alternate non-digit and digit runs. */
function compareFragment(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const ac = order(a[i]);
      const bc = order(b[j]);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

/** Negative, zero or positive as a sorts before, equal to or after b. */
export function compareVersions(a: Version, b: Version): number {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  const u = compareFragment(a.upstream, b.upstream);
  if (u !== 0) return Math.sign(u);
  return Math.sign(compareFragment(a.revision, b.revision));
}

/**
 * Comparisons by text, as `PARSED`: 10,000 hosts compare the same few versions again and again
 * (each comparison walks both strings); bounded the same way.
 */
const COMPARED = new Map<string, Map<string, number>>();

/** Compare two version strings; both must be valid (documents are validated first). */
export function compareVersionStrings(a: string, b: string): number {
  let row = COMPARED.get(a);
  if (row === undefined) {
    if (COMPARED.size >= PARSED_LIMIT) COMPARED.clear();
    row = new Map<string, number>();
    COMPARED.set(a, row);
  }
  let d = row.get(b);
  if (d === undefined) {
    d = compareVersions(mustParseVersion(a), mustParseVersion(b));
    if (row.size < PARSED_LIMIT) row.set(b, d);
  }
  return d;
}

type Op = '>=' | '>' | '<=' | '<' | '=';
type Comparator =
  | { readonly kind: 'op'; readonly op: Op; readonly version: Version }
  | { readonly kind: 'prefix'; readonly parts: readonly string[]; readonly epoch?: number }
  | { readonly kind: 'any' };

export interface VersionRange {
  readonly source: string;
  /** Alternatives (or) of conjunctions (and). */
  readonly alternatives: readonly (readonly Comparator[])[];
}

export type RangeParse = { ok: true; range: VersionRange } | { ok: false; reason: string };

export const ANY_VERSION: VersionRange = { source: '*', alternatives: [[{ kind: 'any' }]] };
export const NO_VERSION: VersionRange = { source: '', alternatives: [] };

export function parseRange(text: string): RangeParse {
  const source = text.trim();
  if (source === '') return { ok: false, reason: 'a version range cannot be empty' };
  const alternatives: Comparator[][] = [];
  for (const alt of source.split('||')) {
    const terms = alt.split(/[\s,]+/).filter((t) => t !== '');
    if (terms.length === 0) return { ok: false, reason: 'an alternative after "||" is empty' };
    const conj: Comparator[] = [];
    for (const term of terms) {
      if (term === '*') {
        conj.push({ kind: 'any' });
        continue;
      }
      if (term.endsWith('.*')) {
        const epochMatch = /^(\d+):/.exec(term);
        const body = term.slice(epochMatch ? epochMatch[0].length : 0, -2);
        const parts = body.split('.');
        if (parts.some((p) => !/^[A-Za-z0-9+~]+$/.test(p)))
          return { ok: false, reason: `wildcard "${term}" must look like 26.*, 26.2.* or 2:26.*` };
        conj.push({
          kind: 'prefix',
          parts,
          ...(epochMatch ? { epoch: Number(epochMatch[1]) } : {}),
        });
        continue;
      }
      const m = /^(>=|<=|>|<|=)?(.+)$/.exec(term);
      const op = (m?.[1] ?? '=') as Op;
      const v = parseVersion(m?.[2] ?? '');
      if (!v.ok) return { ok: false, reason: `"${term}": ${v.reason}` };
      conj.push({ kind: 'op', op, version: v.version });
    }
    alternatives.push(conj);
  }
  return { ok: true, range: { source, alternatives } };
}

export function mustParseRange(text: string): VersionRange {
  const p = parseRange(text);
  if (!p.ok) throw new RangeError(`invalid version range "${text}": ${p.reason}`);
  return p.range;
}

function satisfiesComparator(v: Version, c: Comparator): boolean {
  switch (c.kind) {
    case 'any':
      return true;
    case 'prefix': {
      if (c.epoch !== undefined && v.epoch !== c.epoch) return false;
      const parts = v.upstream.split('.');
      return c.parts.every((p, i) => parts[i] !== undefined && compareFragment(parts[i], p) === 0);
    }
    case 'op': {
      const d = compareVersions(v, c.version);
      switch (c.op) {
        case '>=':
          return d >= 0;
        case '>':
          return d > 0;
        case '<=':
          return d <= 0;
        case '<':
          return d < 0;
        case '=':
          return d === 0;
      }
    }
  }
}

/** Answers by range and version text, as `COMPARED` (ranges are compiled once per document). */
const SATISFIED = new WeakMap<VersionRange, Map<string, boolean>>();

export function satisfies(version: Version | string, range: VersionRange): boolean {
  if (typeof version !== 'string') return satisfiesRange(version, range);
  let answers = SATISFIED.get(range);
  if (answers === undefined) {
    answers = new Map<string, boolean>();
    SATISFIED.set(range, answers);
  }
  let yes = answers.get(version);
  if (yes === undefined) {
    yes = satisfiesRange(mustParseVersion(version), range);
    if (answers.size < PARSED_LIMIT) answers.set(version, yes);
  }
  return yes;
}

function satisfiesRange(v: Version, range: VersionRange): boolean {
  return range.alternatives.some((conj) => conj.every((c) => satisfiesComparator(v, c)));
}
