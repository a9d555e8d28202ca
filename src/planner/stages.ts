/**
 * Stages: which components change on which hosts, and in what order, derived from the
 * catalogue's requirements (never a hard-coded controllers-first rule).
 *
 * An edge a → b means "every copy of a in the site must be upgraded before any b is": either
 * b's target release requires a newer a (site scope), or a's current release cannot run beside
 * b's target version. Components are layered by the longest path; a host is visited once per
 * layer in which it has a component that others wait for, and otherwise once, at the layer of
 * its latest component (so a compute host gets kernel, OVS and nova-compute in one visit).
 */
import {
  compareVersionStrings,
  componentVersion,
  satisfies,
  type Campaign,
  type ComponentChange,
  type Finding,
  type Host,
  type Inventory,
} from '../model/index.js';
import type { ReleaseIndex } from './releases.js';

export interface HostVisit {
  readonly host: Host;
  /** Changes in installation order. */
  readonly changes: readonly ComponentChange[];
  readonly layer: number;
}

export interface StageSpec {
  readonly index: number;
  readonly layer: number;
  readonly components: readonly string[];
  readonly visits: readonly HostVisit[];
  readonly reason: string;
}

export interface StageAnalysis {
  readonly stages: readonly StageSpec[];
  readonly findings: readonly Finding[];
  /** Target hosts with at least one change, in inventory order. */
  readonly changing: readonly Host[];
  /** Layer of each campaign component. */
  readonly layers: ReadonlyMap<string, number>;
  readonly edges: ReadonlyMap<string, ReadonlySet<string>>;
}

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly why: string;
}

/** Changes a host needs: campaign components it has at an older version than the target. */
export function hostChanges(host: Host, campaign: Campaign): ComponentChange[] {
  const changes: ComponentChange[] = [];
  for (const u of campaign.upgrades) {
    const from = componentVersion(host, u.component);
    if (from !== undefined && compareVersionStrings(from, u.to) < 0)
      changes.push({ component: u.component, from, to: u.to });
  }
  return changes;
}

export function analyseStages(
  inventory: Inventory,
  campaign: Campaign,
  releases: ReleaseIndex,
  targets: readonly Host[],
): StageAnalysis {
  const findings: Finding[] = [];
  const upgraded = new Map(campaign.upgrades.map((u) => [u.component, u.to]));
  const changesByHost = new Map<string, ComponentChange[]>();
  for (const h of targets) {
    const c = hostChanges(h, campaign);
    if (c.length > 0) changesByHost.set(h.name, c);
  }
  const sites = new Set(targets.filter((h) => changesByHost.has(h.name)).map((h) => h.site));
  const siteHosts = inventory.hosts.filter((h) => sites.has(h.site));
  const edges: Edge[] = [];

  // Current versions of every component in the affected sites, with one example host each.
  const present = new Map<string, Map<string, string>>();
  for (const h of siteHosts)
    for (const c of h.components) {
      let versions = present.get(c.name);
      if (!versions) present.set(c.name, (versions = new Map<string, string>()));
      if (!versions.has(c.version)) versions.set(c.version, h.name);
    }

  for (const u of campaign.upgrades) {
    const target = releases.get(u.component, u.to);
    if (!target) {
      findings.push({
        code: 'VERSION_UNKNOWN',
        severity: 'blocker',
        subject: u.component,
        message: `${u.component} ${u.to} is not in the catalogue`,
        remedies: [
          `add release ${u.to} of ${u.component} to the catalogue, or pick one of its releases`,
        ],
      });
      continue;
    }
    // What the target release requires of others, site-wide.
    for (const req of target.requires) {
      if (req.scope !== 'site') continue;
      const current = present.get(req.component);
      if (!current) continue;
      const bad = [...current.entries()].filter(([v]) => !satisfies(v, req.range));
      if (bad.length === 0) continue;
      const plannedTo = upgraded.get(req.component);
      if (plannedTo !== undefined && satisfies(plannedTo, req.range)) {
        edges.push({
          from: req.component,
          to: u.component,
          why: `${u.component} ${u.to} requires ${req.component} ${req.range.source} everywhere in the site`,
        });
      } else {
        findings.push({
          code: 'DEPENDENCY_UNMET',
          severity: 'blocker',
          subject: u.component,
          message: `${u.component} ${u.to} requires ${req.component} ${req.range.source} in the site, but ${bad.map(([v, h]) => `${h} has ${v}`).join(', ')}`,
          remedies: [
            `add ${req.component} at a version in ${req.range.source} to the campaign (it is upgraded first)`,
          ],
        });
      }
    }
    // Whether current releases of others can run beside the target version.
    for (const [component, versions] of present) {
      if (component === u.component) continue;
      for (const [version, exampleHost] of versions) {
        const rel = releases.get(component, version);
        for (const req of rel?.requires ?? []) {
          if (req.component !== u.component || req.scope !== 'site' || satisfies(u.to, req.range))
            continue;
          const theirTarget = upgraded.get(component);
          const theirRelease =
            theirTarget === undefined ? undefined : releases.get(component, theirTarget);
          const oldOk = (present.get(u.component) ?? new Map<string, string>()).keys();
          const acceptsOld = theirRelease
            ? [...oldOk].every((v) =>
                theirRelease.requires.every(
                  (r) => r.component !== u.component || satisfies(v, r.range),
                ),
              )
            : false;
          if (theirRelease && acceptsOld) {
            edges.push({
              from: component,
              to: u.component,
              why: `${component} ${version} cannot run beside ${u.component} ${u.to} (needs ${req.range.source})`,
            });
          } else {
            findings.push({
              code: 'DEPENDENCY_BROKEN',
              severity: 'blocker',
              subject: component,
              message: `${component} ${version} (e.g. on ${exampleHost}) requires ${u.component} ${req.range.source}: upgrading ${u.component} to ${u.to} would break it${theirRelease ? `, and ${component} ${theirTarget} does not accept the old ${u.component}` : ''}`,
              remedies: theirRelease
                ? [
                    `use a release of ${component} that accepts both the old and the new ${u.component}`,
                  ]
                : [
                    `add ${component} to the campaign at a release that accepts ${u.component} ${u.to}`,
                  ],
            });
          }
        }
      }
    }
  }

  const layers = layerComponents(
    campaign.upgrades.map((u) => u.component),
    edges,
    findings,
  );
  const successors = new Map<string, Set<string>>();
  for (const e of edges) {
    let s = successors.get(e.from);
    if (!s) successors.set(e.from, (s = new Set()));
    s.add(e.to);
  }

  const visits: HostVisit[] = [];
  const changing: Host[] = [];
  // Hosts with the same changes get the same visits: split once per kind of host, not per host.
  const split = new Map<string, { layer: number; changes: ComponentChange[] }[]>();
  for (const h of targets) {
    const changes = changesByHost.get(h.name);
    if (!changes) continue;
    changing.push(h);
    const key = changes.map((c) => `${c.component}\u0000${c.from}\u0000${c.to}`).join('\u0001');
    let groups = split.get(key);
    if (!groups) split.set(key, (groups = splitVisits(changes, layers, successors, releases)));
    for (const g of groups) visits.push({ host: h, layer: g.layer, changes: g.changes });
  }
  const byLayer = new Map<number, HostVisit[]>();
  for (const v of visits) {
    let list = byLayer.get(v.layer);
    if (!list) byLayer.set(v.layer, (list = []));
    list.push(v);
  }
  const stages: StageSpec[] = [...byLayer.keys()]
    .sort((a, b) => a - b)
    .map((layer, index) => {
      const stageVisits = byLayer.get(layer) ?? [];
      const components = [
        ...new Set(stageVisits.flatMap((v) => v.changes.map((c) => c.component))),
      ].sort();
      const waitedFor = edges.filter(
        (e) => components.includes(e.to) && (layers.get(e.from) ?? 0) < layer,
      );
      const reason =
        waitedFor.length === 0
          ? 'nothing in the catalogue makes these components wait for others'
          : `after the previous stage because ${[...new Set(waitedFor.map((e) => e.why))].join('; ')}`;
      return { index, layer, components, visits: stageVisits, reason };
    });
  const edgeMap = new Map<string, ReadonlySet<string>>([...successors].map(([k, v]) => [k, v]));
  return { stages, findings, changing, layers, edges: edgeMap };
}

/** Longest-path layering (Kahn); a cycle is a blocker and its members share one layer. */
function layerComponents(
  components: readonly string[],
  edges: readonly Edge[],
  findings: Finding[],
): Map<string, number> {
  const indegree = new Map(components.map((c) => [c, 0]));
  const out = new Map<string, string[]>();
  const seen = new Set<string>();
  for (const e of edges) {
    const key = `${e.from}\u0000${e.to}`;
    if (seen.has(key) || !indegree.has(e.from) || !indegree.has(e.to)) continue;
    seen.add(key);
    indegree.set(e.to, (indegree.get(e.to) ?? 0) + 1);
    const list = out.get(e.from) ?? [];
    list.push(e.to);
    out.set(e.from, list);
  }
  const layer = new Map<string, number>();
  const queue = components.filter((c) => indegree.get(c) === 0);
  for (const c of queue) layer.set(c, 0);
  while (queue.length > 0) {
    const c = queue.shift() as string;
    for (const n of out.get(c) ?? []) {
      layer.set(n, Math.max(layer.get(n) ?? 0, (layer.get(c) ?? 0) + 1));
      const d = (indegree.get(n) ?? 0) - 1;
      indegree.set(n, d);
      if (d === 0) queue.push(n);
    }
  }
  const stuck = components.filter((c) => !layer.has(c));
  if (stuck.length > 0) {
    const top = Math.max(0, ...layer.values()) + 1;
    for (const c of stuck) layer.set(c, top);
    findings.push({
      code: 'DEPENDENCY_BROKEN',
      severity: 'blocker',
      subject: stuck.join(', '),
      message: `no order exists: ${stuck.join(', ')} each wait for another to be upgraded first`,
      remedies: [
        "pick releases whose requirements accept the other side's current version (a compatible intermediate release)",
      ],
    });
  }
  return layer;
}

/** One visit per layer holding a component others wait for; the rest join the latest visit. */
function splitVisits(
  changes: readonly ComponentChange[],
  layers: ReadonlyMap<string, number>,
  successors: ReadonlyMap<string, ReadonlySet<string>>,
  releases: ReleaseIndex,
): { layer: number; changes: ComponentChange[] }[] {
  const layerOf = (c: ComponentChange) => layers.get(c.component) ?? 0;
  const pinned = new Set(
    changes.filter((c) => (successors.get(c.component)?.size ?? 0) > 0).map(layerOf),
  );
  const groups = new Map<number, ComponentChange[]>();
  const maxFree = Math.max(
    -1,
    ...changes.filter((c) => (successors.get(c.component)?.size ?? 0) === 0).map(layerOf),
  );
  for (const c of changes) {
    const l = layerOf(c);
    const isPinned = (successors.get(c.component)?.size ?? 0) > 0;
    // A free component joins the first pinned visit at or after its layer, else the last visit.
    const at = isPinned
      ? l
      : ([...pinned].filter((p) => p >= l).sort((a, b) => a - b)[0] ?? Math.max(l, maxFree));
    let g = groups.get(at);
    if (!g) groups.set(at, (g = []));
    g.push(c);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([layer, group]) => ({ layer, changes: orderOnHost(group, layers, releases) }));
}

/** Install order on one host: by layer, then host-scope requirements first, then name. */
function orderOnHost(
  changes: readonly ComponentChange[],
  layers: ReadonlyMap<string, number>,
  releases: ReleaseIndex,
): ComponentChange[] {
  const names = new Set(changes.map((c) => c.component));
  const needs = new Map<string, string[]>();
  for (const c of changes) {
    const rel = releases.get(c.component, c.to);
    needs.set(
      c.component,
      (rel?.requires ?? []).filter((r) => names.has(r.component)).map((r) => r.component),
    );
  }
  const sorted = [...changes].sort(
    (a, b) =>
      (layers.get(a.component) ?? 0) - (layers.get(b.component) ?? 0) ||
      a.component.localeCompare(b.component),
  );
  const done = new Set<string>();
  const result: ComponentChange[] = [];
  const visit = (c: ComponentChange, path: Set<string>) => {
    if (done.has(c.component) || path.has(c.component)) return;
    path.add(c.component);
    for (const dep of needs.get(c.component) ?? []) {
      const d = sorted.find((x) => x.component === dep);
      if (d) visit(d, path);
    }
    done.add(c.component);
    result.push(c);
  };
  for (const c of sorted) visit(c, new Set());
  return result;
}
