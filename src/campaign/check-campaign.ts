/**
 * What the Campaign schema cannot say, alone (`checkCampaign`) and against the inventory and
 * catalog it will run with (`checkCampaignAgainst`); positions are in the campaign's file.
 */
import type { Catalog, ComponentEntry } from '../model/catalog.js';
import type { Host, Inventory } from '../model/inventory.js';
import { compareVersions, parseVersion } from '../model/version.js';
import { Checker, entries, field, list, text } from './checker.js';
import type { Path } from './path.js';
import type { PendingProblem } from './problems.js';

const TIMEOUT_KEYS = ['evacuate', 'install', 'activate', 'verify', 'campaign'] as const;

export function checkCampaign(doc: unknown): PendingProblem[] {
  const c = new Checker();
  const spec = field(doc, 'spec');
  const upgrades = list(field(spec, 'upgrades'));
  c.unique(upgrades, ['spec', 'upgrades'], 'upgrade of component', 'component');
  upgrades.forEach((upgrade, i) => c.version(['spec', 'upgrades', i, 'to'], field(upgrade, 'to')));
  checkMaxParallel(c, field(field(spec, 'rollout'), 'maxParallel'));
  c.durations(['spec', 'guards'], field(spec, 'guards'), ['maxInterruption']);
  c.durations(['spec', 'coordination'], field(spec, 'coordination'), ['leadTime', 'ackTimeout']);
  c.durations(['spec', 'timeouts'], field(spec, 'timeouts'), TIMEOUT_KEYS);
  checkVerify(c, list(field(spec, 'verify')));
  return c.problems;
}

function checkMaxParallel(c: Checker, value: unknown): void {
  if (typeof value !== 'string' || parseFloat(value) > 0) return;
  c.report({
    path: ['spec', 'rollout', 'maxParallel'],
    expected: 'more than 0%',
    found: JSON.stringify(value),
    message: `maxParallel ${value} would upgrade no host: give more than 0%`,
  });
}

function checkVerify(c: Checker, checks: readonly unknown[]): void {
  c.unique(checks, ['spec', 'verify'], 'check name');
  checks.forEach((check, i) => {
    const given = ['check', 'exec'].filter((key) => field(check, key) !== undefined);
    if (given.length === 1) return;
    c.report({
      path: ['spec', 'verify', i],
      expected: 'either check or exec',
      found: given.length === 0 ? 'neither' : 'both',
      message:
        given.length === 0
          ? 'a verify entry needs check (a built-in check) or exec (a command)'
          : 'a verify entry gives check or exec, not both',
    });
  });
}

/** What a campaign is checked against in an inventory: its name, sites and hosts. */
export type CampaignInventory = Pick<Inventory, 'name' | 'sites' | 'hosts'>;

export function checkCampaignAgainst(
  doc: unknown,
  inventory: CampaignInventory,
  catalog: Catalog,
): PendingProblem[] {
  const c = new Checker();
  const spec = field(doc, 'spec');
  const site = text(field(spec, 'site'));
  const siteKnown = site === undefined || inventory.sites.some((s) => s.name === site);
  if (!siteKnown) {
    const sites = new Set(inventory.sites.map((s) => s.name));
    const where = `inventory ${JSON.stringify(inventory.name)}`;
    c.externalReference(['spec', 'site'], site, sites, 'site', where);
  }
  checkUpgrades(c, list(field(spec, 'upgrades')), catalog);
  const targets = field(spec, 'targets');
  checkExcludes(c, list(field(targets, 'exclude')), inventory, site);
  if (!siteKnown) return c.problems;
  const scope = new HostScope(inventory, site);
  checkRoles(c, list(field(targets, 'roles')), scope);
  checkLabels(c, field(targets, 'labels'), scope);
  checkFailureDomains(c, field(field(spec, 'rollout'), 'maxPerFailureDomain'), scope);
  return c.problems;
}

function checkUpgrades(c: Checker, upgrades: readonly unknown[], catalog: Catalog): void {
  const components = new Map(catalog.components.map((entry) => [entry.name, entry]));
  const where = `catalog ${JSON.stringify(catalog.name)}`;
  upgrades.forEach((upgrade, i) => {
    const base: Path = ['spec', 'upgrades', i];
    const name = field(upgrade, 'component');
    c.externalReference([...base, 'component'], name, components, 'component', where);
    const entry = typeof name === 'string' ? components.get(name) : undefined;
    if (entry !== undefined) checkTargetVersion(c, [...base, 'to'], field(upgrade, 'to'), entry);
  });
}

function checkTargetVersion(c: Checker, path: Path, to: unknown, entry: ComponentEntry): void {
  if (typeof to !== 'string') return;
  const wanted = parseVersion(to);
  if (!wanted.ok) return;
  const known = entry.releases.some((r) => {
    const release = parseVersion(r.version);
    return release.ok && compareVersions(release.version, wanted.version) === 0;
  });
  if (known) return;
  const releases = entry.releases.map((r) => r.version);
  c.report({
    path,
    expected: `a release of ${entry.name}: ${releases.join(', ')}`,
    found: JSON.stringify(to),
    message: `${entry.name} has no release ${JSON.stringify(to)} in the catalog${c.hint(to, releases)}`,
  });
}

function checkExcludes(
  c: Checker,
  excludes: readonly unknown[],
  inventory: CampaignInventory,
  site: string | undefined,
): void {
  const hosts = new Map(inventory.hosts.map((h) => [h.name, h]));
  excludes.forEach((name, i) => {
    const path: Path = ['spec', 'targets', 'exclude', i];
    const where = `inventory ${JSON.stringify(inventory.name)}`;
    c.externalReference(['spec', 'targets', 'exclude', i], name, hosts, 'host', where);
    const host = typeof name === 'string' ? hosts.get(name) : undefined;
    if (host === undefined || site === undefined || host.site === site) return;
    c.report({
      path,
      expected: `a host in site ${JSON.stringify(site)}`,
      found: JSON.stringify(name),
      message: `host ${JSON.stringify(name)} is in site ${JSON.stringify(host.site)}, not in the campaign's site ${JSON.stringify(site)}`,
    });
  });
}

/** The hosts a campaign can select: those of its site, or all of them. */
class HostScope {
  readonly hosts: readonly Host[];
  readonly where: string;
  constructor(inventory: CampaignInventory, site: string | undefined) {
    this.hosts =
      site === undefined ? inventory.hosts : inventory.hosts.filter((h) => h.site === site);
    this.where = site === undefined ? 'in the inventory' : `in site ${JSON.stringify(site)}`;
  }
  values(f: (host: Host) => Iterable<string>): string[] {
    const all = new Set<string>();
    for (const host of this.hosts) for (const value of f(host)) all.add(value);
    return [...all].sort();
  }
}

function checkRoles(c: Checker, roles: readonly unknown[], scope: HostScope): void {
  const known = scope.values((h) => h.roles);
  roles.forEach((role, i) => {
    if (typeof role !== 'string' || known.includes(role)) return;
    c.report({
      path: ['spec', 'targets', 'roles', i],
      expected: `a role of some host ${scope.where}`,
      found: JSON.stringify(role),
      message: `no host ${scope.where} has role ${JSON.stringify(role)}${c.hint(role, known)}`,
    });
  });
}

function checkLabels(c: Checker, labels: unknown, scope: HostScope): void {
  for (const [key, value] of entries(labels)) {
    if (typeof value !== 'string') continue;
    if (scope.hosts.some((h) => h.labels[key] === value)) continue;
    const values = scope.values((h) => (h.labels[key] === undefined ? [] : [h.labels[key]]));
    c.report({
      path: ['spec', 'targets', 'labels', key],
      expected: `a value of label ${JSON.stringify(key)} ${scope.where}`,
      found: JSON.stringify(value),
      message: `no host ${scope.where} has label ${key}=${value}${values.length === 0 ? ` (no host has label ${JSON.stringify(key)})` : c.hint(value, values)}`,
    });
  }
}

function checkFailureDomains(c: Checker, domains: unknown, scope: HostScope): void {
  const keys = scope.values((h) => Object.keys(h.labels));
  for (const [key] of entries(domains)) {
    if (keys.includes(key)) continue;
    c.report({
      path: ['spec', 'rollout', 'maxPerFailureDomain', key],
      at: 'key',
      expected: `a label key used by hosts ${scope.where}`,
      found: JSON.stringify(key),
      message: `no host ${scope.where} has label ${JSON.stringify(key)}, so it defines no failure domain${c.hint(key, keys)}`,
    });
  }
}
