/** A valid Inventory document → the model's Inventory, with every default applied. */
import type { Cluster, Host, Instance, Inventory, Vnf } from '../model/inventory.js';
import type { CampaignInventory } from './check-campaign.js';
import { INVENTORY_DEFAULTS as D } from './defaults.js';
import { durationMs } from './durations.js';
import type { InventoryDocument } from './schema.js';

type Spec = InventoryDocument['spec'];
type HostDoc = Spec['hosts'][number];
type InstanceDoc = NonNullable<Spec['instances']>[number];
type VnfDoc = NonNullable<Spec['vnfs']>[number];
type ClusterDoc = NonNullable<Spec['clusters']>[number];

/** Optional fields are added only when present, without copying the object. */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/** Assumes `doc` passed validation (`documentProblems`); compiles in one linear pass. */
export function compileInventory(doc: InventoryDocument): Inventory {
  const spec = doc.spec;
  return {
    ...compileInventoryHosts(doc),
    flavors: (spec.flavors ?? []).map((f) => ({
      name: f.name,
      vcpu: f.vcpu,
      memoryMiB: f.memoryMiB,
    })),
    instances: (spec.instances ?? []).map(compileInstance),
    vnfs: (spec.vnfs ?? []).map(compileVnf),
    clusters: (spec.clusters ?? []).map(compileCluster),
    sharedServices: (spec.sharedServices ?? []).map((s) => ({
      component: s.component,
      providedBy: s.providedBy,
      usedBy: s.usedBy,
    })),
  };
}

/** Only what a campaign is checked against (its name, sites and hosts): no instances to compile. */
export function compileInventoryHosts(doc: InventoryDocument): CampaignInventory {
  return {
    name: doc.metadata.name,
    sites: doc.spec.sites.map((s) => ({ name: s.name })),
    hosts: doc.spec.hosts.map(compileHost),
  };
}

function compileHost(h: HostDoc): Host {
  return {
    name: h.name,
    site: h.site,
    roles: h.roles,
    labels: h.labels ?? NO_LABELS,
    capacity: { vcpu: h.capacity.vcpu, memoryMiB: h.capacity.memoryMiB },
    state: h.state ?? D.state,
    schedulable: (h.scheduling ?? D.scheduling) === 'enabled',
    alarms: (h.alarms ?? []).map((a) => ({
      code: a.code,
      severity: a.severity,
      message: a.message ?? D.alarmMessage,
    })),
    components: Object.entries(h.components).map(([name, version]) => ({ name, version })),
  };
}

function compileInstance(i: InstanceDoc): Instance {
  const instance: Mutable<Instance> = {
    name: i.name,
    host: i.host,
    flavor: i.flavor,
    migration: i.migration ?? D.migration,
    toleratedInterruptionMs: durationMs(i.toleratedInterruption ?? D.toleratedInterruption),
  };
  if (i.vnf !== undefined) instance.vnf = i.vnf;
  return instance;
}

function compileVnf(v: VnfDoc): Vnf {
  const vnf: Mutable<Vnf> = {
    name: v.name,
    redundancy: v.redundancy,
    minAvailable: v.minAvailable,
    antiAffinity: v.antiAffinity ?? D.antiAffinity,
  };
  if (v.vnfm !== undefined) vnf.vnfm = v.vnfm;
  return vnf;
}

/** With a failureDomain it is a failure-domain cluster; otherwise a quorum (a majority by default). */
function compileCluster(c: ClusterDoc): Cluster {
  const members = [...new Set(c.members)];
  if (c.failureDomain !== undefined)
    return {
      name: c.name,
      members,
      kind: 'failure-domains',
      failureDomain: c.failureDomain,
      maxDomainsDown: c.maxDomainsDown ?? D.maxDomainsDown,
    };
  const majority = Math.floor(members.length / 2) + 1;
  return { name: c.name, members, kind: 'quorum', quorum: c.quorum ?? majority };
}
