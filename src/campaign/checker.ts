/**
 * The common vocabulary of the semantic checks: unique names, references, versions, ranges
 * and durations. The checks run on data the schema may have rejected (so that every problem
 * is reported at once), hence they read it through `field`/`list` and skip what is not there.
 */
import { hashName } from '../model/hash.js';
import { parseDurationCached } from './durations.js';
import { parseRange, parseVersion, type Version, type VersionParse } from '../model/version.js';
import { describeValue } from './describe.js';
import { isRecord, type Path, type PathSegment } from './path.js';
import type { PendingProblem } from './problems.js';
import { closestName } from './suggest.js';

export const field = (value: unknown, key: string): unknown =>
  isRecord(value) ? value[key] : undefined;

export const list = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);

export const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;

export const entries = (value: unknown): [string, unknown][] =>
  isRecord(value) ? Object.entries(value) : [];

/** Names known in some list, with where each is first defined. */
export type NameIndex = ReadonlyMap<string, number>;

/** "Did you mean" costs an edit distance per candidate: a large broken file gets a few. */
const SUGGESTION_BUDGET = 100;
const LISTED_AT_MOST = 8;

export class Checker {
  readonly problems: PendingProblem[] = [];
  private suggestionsLeft = SUGGESTION_BUDGET;
  private readonly versions = new Map<string, VersionParse>();

  report(problem: PendingProblem): void {
    this.problems.push(problem);
  }

  /** Indexes `items[].<key>` and reports each repeated value. */
  unique(items: readonly unknown[], base: Path, what: string, key = 'name'): Map<string, number> {
    const index = new Map<string, number>();
    for (let i = 0; i < items.length; i++) {
      const name = text(field(items[i], key));
      if (name === undefined) continue;
      const first = index.get(name);
      if (first === undefined) index.set(name, i);
      else this.duplicate(what, name, [...base, i, key], [...base, first, key]);
    }
    return index;
  }

  /**
   * Reports each repeated value of `items[].<key>`, as `unique` does, where no index is wanted.
   * Open addressing over a typed array of item positions, at most half full, with FNV-1a string
   * hashes (hashName): nothing is allocated per item. A 179,116-instance inventory's names take
   * 32-48 ms here against ~80 ms in a Map (cold, in a fresh process).
   */
  repeats(items: readonly unknown[], base: Path, what: string, key = 'name'): void {
    let size = 16;
    while (size < items.length * 2) size *= 2;
    const mask = size - 1;
    const slots = new Int32Array(size).fill(-1);
    const names = new Array<string | undefined>(items.length);
    for (let i = 0; i < items.length; i++) {
      const name = text(field(items[i], key));
      if (name === undefined) continue;
      names[i] = name;
      let s = hashName(name) & mask;
      for (let k = slots[s] ?? -1; k !== -1; k = slots[s] ?? -1) {
        if (names[k] === name) break;
        s = (s + 1) & mask;
      }
      const first = slots[s] ?? -1;
      if (first === -1) slots[s] = i;
      else this.duplicate(what, name, [...base, i, key], [...base, first, key]);
    }
  }

  /** Indexes a list of names and reports each repeated one. */
  uniqueValues(values: readonly unknown[], base: Path, what: string): Map<string, number> {
    const index = new Map<string, number>();
    values.forEach((value, i) => {
      const name = text(value);
      if (name === undefined) return;
      const first = index.get(name);
      if (first === undefined) index.set(name, i);
      else this.duplicate(what, name, [...base, i], [...base, first]);
    });
    return index;
  }

  private duplicate(what: string, name: string, path: Path, firstAt: Path): void {
    this.report({
      path,
      expected: `a unique ${what}`,
      found: JSON.stringify(name),
      message: `duplicate ${what} ${JSON.stringify(name)}`,
      firstAt,
    });
  }

  /**
   * Reports `value` (at `base`.`key`) unless it names one of `known`: `what` is the kind of
   * thing ("flavor"), `where` the list of this document that defines them ("spec.flavors").
   * Paths are built only for problems: a large inventory makes a million of these checks.
   */
  reference(
    base: Path,
    key: PathSegment,
    value: unknown,
    known: ReadonlyMap<string, unknown> | ReadonlySet<string>,
    what: string,
    where: string,
  ): void {
    if (typeof value !== 'string' || known.has(value)) return;
    this.unknown([...base, key], value, [...known.keys()], what, where, '');
  }

  /** As `reference`, for names another document defines (`where`: `catalog "antelope"`). */
  externalReference(
    path: Path,
    value: unknown,
    known: ReadonlyMap<string, unknown> | ReadonlySet<string>,
    what: string,
    where: string,
  ): void {
    if (typeof value !== 'string' || known.has(value)) return;
    this.unknown(path, value, [...known.keys()], what, where, ` in ${where}`);
  }

  private unknown(
    path: Path,
    name: string,
    known: readonly string[],
    what: string,
    where: string,
    inWhere: string,
  ): void {
    const hint = known.length === 0 ? ` (${where} defines none)` : this.hint(name, known);
    this.report({
      path,
      expected: `a ${what} from ${where}`,
      found: JSON.stringify(name),
      message: `unknown ${what} ${JSON.stringify(name)}${inWhere}${hint}`,
    });
  }

  /** ` (did you mean "x"?)`, ` (known: a, b)` or nothing. */
  hint(name: string, known: readonly string[]): string {
    if (this.suggestionsLeft > 0) {
      this.suggestionsLeft--;
      const suggestion = closestName(name, known);
      if (suggestion !== undefined) return ` (did you mean ${JSON.stringify(suggestion)}?)`;
    }
    if (known.length > 0 && known.length <= LISTED_AT_MOST) return ` (known: ${known.join(', ')})`;
    return '';
  }

  version(path: Path, value: unknown): Version | undefined {
    const source = text(value);
    if (source === undefined) return undefined;
    let parsed = this.versions.get(source);
    if (parsed === undefined) {
      parsed = parseVersion(source);
      this.versions.set(source, parsed);
    }
    if (parsed.ok) return parsed.version;
    this.report({
      path,
      expected: 'a version such as 26.2.2 or 2:26.2.2-1~deb12u5',
      found: JSON.stringify(source),
      message: `invalid version ${JSON.stringify(source)}: ${parsed.reason}`,
    });
    return undefined;
  }

  range(path: Path, value: unknown): void {
    const source = text(value);
    if (source === undefined) return;
    const parsed = parseRange(source);
    if (parsed.ok) return;
    this.report({
      path,
      expected: 'a version range such as *, >=26.0.0 <28 or 26.*',
      found: JSON.stringify(source),
      message: `invalid version range ${JSON.stringify(source)}: ${parsed.reason}`,
    });
  }

  duration(base: Path, key: PathSegment, value: unknown): void {
    if (typeof value !== 'string' && typeof value !== 'number') return;
    const parsed = parseDurationCached(value);
    if (parsed.ok) return;
    this.report({
      path: [...base, key],
      expected: 'a duration such as 500ms, 90s, 15m or 1h30m',
      found: describeValue(value),
      message: `invalid duration ${describeValue(value)}: ${parsed.reason}`,
    });
  }

  /** Every duration field of an object, e.g. a campaign's timeouts. */
  durations(base: Path, value: unknown, keys: readonly string[]): void {
    for (const key of keys) this.duration(base, key, field(value, key));
  }
}
