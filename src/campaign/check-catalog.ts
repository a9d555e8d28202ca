/**
 * What the Catalog schema cannot say: unique components and releases, versions and ranges
 * that parse, requirements that name known components and do not go round in a circle.
 */
import { compareVersions, type Version } from '../model/version.js';
import { Checker, field, list, text, type NameIndex } from './checker.js';
import type { Path } from './path.js';
import type { PendingProblem } from './problems.js';

const DURATION_KEYS = ['install', 'activate', 'verify'] as const;

/** component → required component → where the first such requirement is written. */
type RequirementGraph = Map<string, Map<string, Path>>;

export function checkCatalog(doc: unknown): PendingProblem[] {
  const c = new Checker();
  const components = list(field(field(doc, 'spec'), 'components'));
  const names = c.unique(components, ['spec', 'components'], 'component');
  const graph: RequirementGraph = new Map();
  components.forEach((component, i) => {
    const base: Path = ['spec', 'components', i];
    c.durations([...base, 'durations'], field(component, 'durations'), DURATION_KEYS);
    const name = text(field(component, 'name'));
    const edges = new Map<string, Path>();
    if (name !== undefined && names.get(name) === i) graph.set(name, edges);
    checkReleases(c, base, list(field(component, 'releases')), names, edges);
  });
  for (const cycle of findCycles(graph)) reportCycle(c, cycle, graph);
  return c.problems;
}

function checkReleases(
  c: Checker,
  base: Path,
  releases: readonly unknown[],
  components: NameIndex,
  edges: Map<string, Path>,
): void {
  const seen: { version: Version; index: number }[] = [];
  releases.forEach((release, j) => {
    const at: Path = [...base, 'releases', j];
    const version = c.version([...at, 'version'], field(release, 'version'));
    if (version !== undefined) {
      const twin = seen.find((s) => compareVersions(s.version, version) === 0);
      if (twin === undefined) seen.push({ version, index: j });
      else reportDuplicateRelease(c, at, base, twin.index, version);
    }
    c.range([...at, 'upgradeFrom'], field(release, 'upgradeFrom'));
    c.range([...at, 'coexistsWith'], field(release, 'coexistsWith'));
    c.durations([...at, 'durations'], field(release, 'durations'), DURATION_KEYS);
    checkRequirements(c, at, list(field(release, 'requires')), components, edges);
  });
}

function reportDuplicateRelease(
  c: Checker,
  at: Path,
  base: Path,
  first: number,
  version: Version,
): void {
  c.report({
    path: [...at, 'version'],
    expected: 'a version not listed before for this component',
    found: JSON.stringify(version.source),
    message: `duplicate release ${JSON.stringify(version.source)}`,
    firstAt: [...base, 'releases', first, 'version'],
  });
}

function checkRequirements(
  c: Checker,
  at: Path,
  requires: readonly unknown[],
  components: NameIndex,
  edges: Map<string, Path>,
): void {
  c.unique(requires, [...at, 'requires'], 'requirement of component', 'component');
  requires.forEach((requirement, k) => {
    const path: Path = [...at, 'requires', k, 'component'];
    const required = field(requirement, 'component');
    c.reference(
      [...at, 'requires', k],
      'component',
      required,
      components,
      'component',
      'spec.components',
    );
    c.range([...at, 'requires', k, 'versions'], field(requirement, 'versions'));
    if (typeof required === 'string' && components.has(required) && !edges.has(required))
      edges.set(required, path);
  });
}

/**
 * One cycle per strongly connected component that has one (Tarjan), each starting from its
 * alphabetically first component so that the report is the same on every run.
 */
export function findCycles(graph: ReadonlyMap<string, ReadonlyMap<string, unknown>>): string[][] {
  return stronglyConnected(graph)
    .filter((scc) => scc.length > 1 || graph.get(scc[0] ?? '')?.has(scc[0] ?? '') === true)
    .map((scc) => cycleThrough(graph, new Set(scc)))
    .sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}

function stronglyConnected(graph: ReadonlyMap<string, ReadonlyMap<string, unknown>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const result: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node) ?? 0);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next))
        low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
    }
    if (low.get(node) !== index.get(node)) return;
    const scc: string[] = [];
    for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
      onStack.delete(top);
      scc.push(top);
      if (top === node) break;
    }
    result.push(scc);
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return result;
}

/** The shortest cycle from the first member back to itself, staying inside the component. */
function cycleThrough(
  graph: ReadonlyMap<string, ReadonlyMap<string, unknown>>,
  members: ReadonlySet<string>,
): string[] {
  const start = [...members].sort()[0] ?? '';
  const previous = new Map<string, string>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head] ?? '';
    for (const next of [...(graph.get(node)?.keys() ?? [])].sort()) {
      if (!members.has(next)) continue;
      if (next === start) return [...pathTo(previous, start, node), start];
      if (previous.has(next)) continue;
      previous.set(next, node);
      queue.push(next);
    }
  }
  return [start, start];
}

function pathTo(previous: ReadonlyMap<string, string>, start: string, end: string): string[] {
  const path = [end];
  for (let node = end; node !== start;) {
    node = previous.get(node) ?? start;
    path.unshift(node);
  }
  return path;
}

function reportCycle(c: Checker, cycle: readonly string[], graph: RequirementGraph): void {
  const shown = cycle.join(' → ');
  const [from = '', to = ''] = cycle;
  c.report({
    path: graph.get(from)?.get(to) ?? ['spec', 'components'],
    expected: 'requirements without a cycle',
    found: shown,
    message: `cyclic requirements: ${shown}`,
  });
}
