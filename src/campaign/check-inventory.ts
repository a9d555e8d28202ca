/** What the Inventory schema cannot say: unique names, references, consistent numbers. */
import { Checker, entries, field, list, text, type NameIndex } from './checker.js';
import type { Path } from './path.js';
import type { PendingProblem } from './problems.js';

export function checkInventory(doc: unknown): PendingProblem[] {
  const c = new Checker();
  const spec = field(doc, 'spec');
  const at = (key: string): readonly unknown[] => list(field(spec, key));
  const sites = c.unique(at('sites'), ['spec', 'sites'], 'site');
  const hosts = c.unique(at('hosts'), ['spec', 'hosts'], 'host');
  const flavors = c.unique(at('flavors'), ['spec', 'flavors'], 'flavor');
  c.repeats(at('instances'), ['spec', 'instances'], 'instance');
  const vnfs = c.unique(at('vnfs'), ['spec', 'vnfs'], 'VNF');
  c.unique(at('clusters'), ['spec', 'clusters'], 'cluster');

  checkHosts(c, at('hosts'), sites);
  const members = checkInstances(c, at('instances'), { hosts, flavors, vnfs });
  checkVnfs(c, at('vnfs'), members);
  checkClusters(c, at('clusters'), at('hosts'), hosts);
  checkSharedServices(c, at('sharedServices'), sites);
  return c.problems;
}

function checkHosts(c: Checker, hosts: readonly unknown[], sites: NameIndex): void {
  hosts.forEach((host, i) => {
    const base: Path = ['spec', 'hosts', i];
    c.reference(base, 'site', field(host, 'site'), sites, 'site', 'spec.sites');
    for (const [name, version] of entries(field(host, 'components')))
      c.version([...base, 'components', name], version);
  });
}

interface InstanceReferences {
  readonly hosts: NameIndex;
  readonly flavors: NameIndex;
  readonly vnfs: NameIndex;
}

/** Checks each instance's references; returns the number of instances of each VNF. */
function checkInstances(
  c: Checker,
  instances: readonly unknown[],
  known: InstanceReferences,
): Map<string, number> {
  const members = new Map<string, number>();
  instances.forEach((instance, i) => {
    const base: Path = ['spec', 'instances', i];
    c.reference(base, 'host', field(instance, 'host'), known.hosts, 'host', 'spec.hosts');
    c.reference(base, 'flavor', field(instance, 'flavor'), known.flavors, 'flavor', 'spec.flavors');
    c.duration(base, 'toleratedInterruption', field(instance, 'toleratedInterruption'));
    const vnf = field(instance, 'vnf');
    c.reference(base, 'vnf', vnf, known.vnfs, 'VNF', 'spec.vnfs');
    if (typeof vnf === 'string') members.set(vnf, (members.get(vnf) ?? 0) + 1);
  });
  return members;
}

function checkVnfs(
  c: Checker,
  vnfs: readonly unknown[],
  members: ReadonlyMap<string, number>,
): void {
  vnfs.forEach((vnf, i) => {
    const name = text(field(vnf, 'name'));
    const minAvailable = field(vnf, 'minAvailable');
    if (name === undefined || typeof minAvailable !== 'number') return;
    const count = members.get(name) ?? 0;
    if (minAvailable <= count) return;
    c.report({
      path: ['spec', 'vnfs', i, 'minAvailable'],
      expected: `at most ${count}, the instances of VNF ${JSON.stringify(name)}`,
      found: String(minAvailable),
      message: `minAvailable ${minAvailable} is more than the ${count} instance${count === 1 ? '' : 's'} of VNF ${JSON.stringify(name)}: it could never be in service`,
    });
  });
}

function checkClusters(
  c: Checker,
  clusters: readonly unknown[],
  hostList: readonly unknown[],
  hosts: NameIndex,
): void {
  clusters.forEach((cluster, i) => {
    const base: Path = ['spec', 'clusters', i];
    const members = list(field(cluster, 'members'));
    const distinct = c.uniqueValues(members, [...base, 'members'], 'member');
    members.forEach((member, j) =>
      c.reference([...base, 'members'], j, member, hosts, 'host', 'spec.hosts'),
    );
    const failureDomain = text(field(cluster, 'failureDomain'));
    if (failureDomain !== undefined)
      checkFailureDomain(c, base, failureDomain, members, hostList, hosts);
    else checkQuorum(c, base, field(cluster, 'quorum'), distinct.size);
  });
}

function checkQuorum(c: Checker, base: Path, quorum: unknown, members: number): void {
  if (typeof quorum !== 'number' || quorum <= members) return;
  c.report({
    path: [...base, 'quorum'],
    expected: `at most ${members}, the number of members`,
    found: String(quorum),
    message: `quorum ${quorum} is more than the cluster's ${members} member${members === 1 ? '' : 's'}`,
  });
}

/** Every member must carry the failure-domain label, or its domain is unknown. */
function checkFailureDomain(
  c: Checker,
  base: Path,
  label: string,
  members: readonly unknown[],
  hostList: readonly unknown[],
  hosts: NameIndex,
): void {
  members.forEach((member, j) => {
    const index = typeof member === 'string' ? hosts.get(member) : undefined;
    if (index === undefined) return;
    if (text(field(field(hostList[index], 'labels'), label)) !== undefined) return;
    c.report({
      path: [...base, 'members', j],
      expected: `a host with label ${JSON.stringify(label)} (the cluster's failureDomain)`,
      found: JSON.stringify(member),
      message: `host ${JSON.stringify(member)} has no label ${JSON.stringify(label)}, so its failure domain is unknown`,
    });
  });
}

function checkSharedServices(c: Checker, services: readonly unknown[], sites: NameIndex): void {
  services.forEach((service, i) => {
    const base: Path = ['spec', 'sharedServices', i];
    c.reference(base, 'providedBy', field(service, 'providedBy'), sites, 'site', 'spec.sites');
    list(field(service, 'usedBy')).forEach((site, j) =>
      c.reference([...base, 'usedBy'], j, site, sites, 'site', 'spec.sites'),
    );
  });
}
