/**
 * From what Nova and Placement say to Escalator's Inventory — a pure mapping, tested on answers
 * recorded from a real Zed cloud.
 *
 * - Hosts: one per `nova-compute` service (its `host`), role compute; state up unless the
 *   service is down or forced down; schedulable unless disabled. Labels: `az` (the service's
 *   zone) and `aggregate` (its aggregates' names, sorted and joined with `+`). Capacity from the
 *   host's Placement resource provider: (total − reserved) × allocation ratio of VCPU and
 *   MEMORY_MB. Components from the host itself (the `versions` host command), when configured.
 * - Instances: every server of every project that has a host, named by its name (with its id's
 *   first 8 characters when names repeat); migratable live when ACTIVE, cold when SHUTOFF, not
 *   at all otherwise — unless its metadata says `escalator:migration` (live, cold, none); its
 *   tolerated interruption from `escalator:tolerated-interruption-ms`, its VNF's settings or the
 *   target's default.
 * - VNFs: one per server group with members, named by the group (with the project's id's first
 *   8 characters when names repeat): anti-affinity is strict anti-affinity, soft-anti-affinity
 *   soft, affinity groups none; redundancy n+m with all members but one needed, unless the
 *   target's `vnfs` section says otherwise, where the VNF manager endpoint is also given.
 * - Flavors: from the servers' embedded flavors (microversion ≥ 2.47).
 */
import type {
  Flavor,
  Host,
  Instance,
  InstalledComponent,
  Inventory,
  Migratability,
  Vnf,
} from '../../model/index.js';
import type { OpenStackTarget } from './target.js';

// ---------------------------------------------------------------- API shapes (what we read)

export interface NovaService {
  readonly id: string;
  readonly host: string;
  readonly binary: string;
  readonly zone?: string;
  readonly status: 'enabled' | 'disabled';
  readonly state: 'up' | 'down';
  readonly disabled_reason?: string | null;
  readonly forced_down?: boolean;
}

export interface NovaHypervisor {
  readonly id: string;
  readonly hypervisor_hostname: string;
  readonly state?: string;
  readonly status?: string;
  readonly service?: { readonly host?: string; readonly id?: string };
}

export interface NovaServer {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly tenant_id?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly flavor?: {
    readonly original_name?: string;
    readonly vcpus?: number;
    readonly ram?: number;
  };
  readonly 'OS-EXT-SRV-ATTR:host'?: string | null;
  readonly 'OS-EXT-STS:task_state'?: string | null;
  readonly 'OS-EXT-STS:vm_state'?: string;
  readonly 'OS-EXT-STS:power_state'?: number;
}

export interface NovaServerGroup {
  readonly id: string;
  readonly name: string;
  readonly policy?: string;
  readonly policies?: readonly string[];
  readonly members: readonly string[];
  readonly project_id?: string;
}

export interface NovaAggregate {
  readonly name: string;
  readonly hosts: readonly string[];
  readonly availability_zone?: string | null;
}

export interface PlacementInventory {
  readonly total: number;
  readonly reserved?: number;
  readonly allocation_ratio?: number;
}

/** Everything discovery read, in one place. */
export interface CloudSnapshot {
  readonly services: readonly NovaService[];
  readonly hypervisors: readonly NovaHypervisor[];
  readonly servers: readonly NovaServer[];
  readonly serverGroups: readonly NovaServerGroup[];
  readonly aggregates: readonly NovaAggregate[];
  /** Resource provider uuid → its inventories by resource class. */
  readonly providers: ReadonlyMap<string, Readonly<Record<string, PlacementInventory>>>;
  /** Host → component versions (from the host itself); absent when unknown. */
  readonly components: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** Host → alarms the host reported. */
  readonly alarms: ReadonlyMap<string, Host['alarms']>;
}

/** Which inventory name stands for which OpenStack object, for the driver's actions. */
export interface Names {
  /** Instance name → server id. */
  readonly servers: ReadonlyMap<string, string>;
  /** Server id → instance name. */
  readonly instances: ReadonlyMap<string, string>;
  /** Host → nova-compute service id. */
  readonly services: ReadonlyMap<string, string>;
  /** VNF name → server group id. */
  readonly groups: ReadonlyMap<string, string>;
}

export interface Discovered {
  readonly inventory: Inventory;
  readonly names: Names;
}

// ---------------------------------------------------------------- mapping

const capacityOf = (inv: PlacementInventory | undefined): number =>
  inv === undefined
    ? 0
    : Math.max(0, Math.floor((inv.total - (inv.reserved ?? 0)) * (inv.allocation_ratio ?? 1)));

/** A name as documents allow it (letters, digits and `._:/@-`, alphanumeric at both ends). */
export function safeName(name: string): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9._:/@-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return cleaned === '' ? 'unnamed' : cleaned.slice(0, 240);
}

/** Names that repeat get a suffix that tells them apart. */
function uniqueNames<T>(
  items: readonly T[],
  name: (t: T) => string,
  suffix: (t: T) => string,
): string[] {
  const counts = new Map<string, number>();
  for (const t of items) counts.set(name(t), (counts.get(name(t)) ?? 0) + 1);
  return items.map((t) =>
    (counts.get(name(t)) ?? 0) > 1 ? `${name(t)}-${suffix(t).slice(0, 8)}` : name(t),
  );
}

const METADATA_MIGRATION = 'escalator:migration';
const METADATA_TOLERATED = 'escalator:tolerated-interruption-ms';

function migratability(server: NovaServer): Migratability {
  const said = server.metadata?.[METADATA_MIGRATION];
  if (said === 'live' || said === 'cold' || said === 'none') return said;
  if (server.status === 'ACTIVE') return 'live';
  if (server.status === 'SHUTOFF') return 'cold';
  return 'none';
}

function groupPolicy(g: NovaServerGroup): string {
  return g.policy ?? g.policies?.[0] ?? 'anti-affinity';
}

export function inventoryFrom(snapshot: CloudSnapshot, target: OpenStackTarget): Discovered {
  const computes = snapshot.services.filter((s) => s.binary === 'nova-compute');
  const hypervisorOf = new Map<string, NovaHypervisor>();
  for (const h of snapshot.hypervisors)
    hypervisorOf.set(h.service?.host ?? h.hypervisor_hostname, h);
  const aggregatesOf = new Map<string, string[]>();
  const zoneOf = new Map<string, string>();
  for (const a of snapshot.aggregates)
    for (const host of a.hosts) {
      aggregatesOf.set(host, [...(aggregatesOf.get(host) ?? []), a.name]);
      if (a.availability_zone) zoneOf.set(host, a.availability_zone);
    }

  const hosts: Host[] = [...computes]
    .sort((a, b) => a.host.localeCompare(b.host))
    .map((s) => {
      const hv = hypervisorOf.get(s.host);
      const inv = hv === undefined ? undefined : snapshot.providers.get(hv.id);
      const versions = snapshot.components.get(s.host) ?? {};
      const components: InstalledComponent[] = Object.entries(versions)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, version]) => ({ name, version }));
      const labels: Record<string, string> = {};
      const zone = s.zone ?? zoneOf.get(s.host);
      if (zone) labels['az'] = zone;
      const aggregates = aggregatesOf.get(s.host);
      if (aggregates) labels['aggregate'] = [...aggregates].sort().join('+');
      return {
        name: s.host,
        site: target.site,
        roles: ['compute'],
        labels,
        capacity: { vcpu: capacityOf(inv?.['VCPU']), memoryMiB: capacityOf(inv?.['MEMORY_MB']) },
        state: s.state === 'up' && s.forced_down !== true ? 'up' : 'down',
        schedulable: s.status === 'enabled',
        alarms: snapshot.alarms.get(s.host) ?? [],
        components,
      };
    });
  const hostNames = new Set(hosts.map((h) => h.name));

  const placed = snapshot.servers.filter((s) => {
    const host = s['OS-EXT-SRV-ATTR:host'];
    return typeof host === 'string' && hostNames.has(host);
  });
  const instanceNames = uniqueNames(
    placed,
    (s) => safeName(s.name),
    (s) => s.id,
  );
  const placedIds = new Set(placed.map((s) => s.id));
  const groups = snapshot.serverGroups.filter((g) => g.members.length > 0);
  const vnfNames = uniqueNames(
    groups,
    (g) => safeName(g.name),
    (g) => g.project_id ?? g.id,
  );
  const vnfOfServer = new Map<string, string>();
  const groupIds = new Map<string, string>();
  const vnfs: Vnf[] = groups.map((g, i) => {
    const name = vnfNames[i] as string;
    groupIds.set(name, g.id);
    const present = g.members.filter((id) => placedIds.has(id));
    for (const id of g.members) vnfOfServer.set(id, name);
    const policy = groupPolicy(g);
    const settings = target.vnfs[name] ?? target.vnfs[g.name] ?? {};
    const antiAffinity =
      policy === 'anti-affinity' ? 'strict' : policy === 'soft-anti-affinity' ? 'soft' : 'none';
    const members = Math.max(present.length, 1);
    const redundancy = settings.redundancy ?? (members > 1 ? 'n+m' : 'none');
    const minAvailable = Math.min(
      members,
      settings.minAvailable ?? (redundancy === 'none' ? members : members - 1),
    );
    return {
      name,
      redundancy,
      minAvailable,
      antiAffinity,
      ...(settings.vnfm === undefined ? {} : { vnfm: settings.vnfm }),
    };
  });

  const flavors = new Map<string, Flavor>();
  const servers = new Map<string, string>();
  const instancesById = new Map<string, string>();
  const instances: Instance[] = placed.map((s, i) => {
    const name = instanceNames[i] as string;
    servers.set(name, s.id);
    instancesById.set(s.id, name);
    const vcpu = s.flavor?.vcpus ?? 0;
    const memoryMiB = s.flavor?.ram ?? 0;
    let flavor = safeName(s.flavor?.original_name ?? `${vcpu}c-${memoryMiB}m`);
    const known = flavors.get(flavor);
    if (known !== undefined && (known.vcpu !== vcpu || known.memoryMiB !== memoryMiB))
      flavor = `${flavor}-${vcpu}c-${memoryMiB}m`;
    flavors.set(flavor, { name: flavor, vcpu, memoryMiB });
    const vnf = vnfOfServer.get(s.id);
    const tolerated = Number(s.metadata?.[METADATA_TOLERATED]);
    const vnfTolerated = vnf === undefined ? undefined : target.vnfs[vnf]?.toleratedInterruptionMs;
    return {
      name,
      host: s['OS-EXT-SRV-ATTR:host'] as string,
      flavor,
      migration: migratability(s),
      toleratedInterruptionMs: Number.isFinite(tolerated)
        ? tolerated
        : (vnfTolerated ?? target.toleratedInterruptionMs),
      ...(vnf === undefined ? {} : { vnf }),
    };
  });

  return {
    inventory: {
      name: target.name,
      sites: [{ name: target.site }],
      hosts,
      flavors: [...flavors.values()].sort((a, b) => a.name.localeCompare(b.name)),
      instances,
      vnfs,
      clusters: [],
      sharedServices: [],
    },
    names: {
      servers,
      instances: instancesById,
      services: new Map(computes.map((s) => [s.host, s.id])),
      groups: groupIds,
    },
  };
}
