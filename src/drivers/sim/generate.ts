/**
 * Seeded generator of realistic carrier NFV clouds: an Inventory (sites, controllers, network,
 * Ceph and compute hosts, VNFs and their instances placed the way Nova's scheduler spreads
 * them), the matching Catalog and an example Zed → Antelope Campaign. Pure and deterministic:
 * the same options give deep-equal documents. Used by property-based tests, benchmarks and
 * the demo.
 */
import type {
  CampaignDocument,
  CatalogDocument,
  InventoryDocument,
} from '../../campaign/schema.js';
import { INSTALLED, buildCampaign, buildCatalog } from './generate-catalog.js';
import { Rng } from './rng.js';

export { AVAILABLE, INSTALLED } from './generate-catalog.js';

export const INVENTORY_SHAPES = [
  'balanced',
  'dense',
  'sparse',
  'unbalanced',
  'tight',
  'big-vnf',
] as const;

/**
 * - `balanced`: Nova-like spread at the asked utilisation (default 70 %).
 * - `dense` / `sparse`: the same at 90 % / 30 % unless `utilisation` says otherwise.
 * - `unbalanced`: some racks run hot and others nearly empty.
 * - `tight`: every compute host full but one empty spare per placement group (site, AZ,
 *   aggregate: instances never move out of theirs); `utilisation` is ignored.
 * - `big-vnf`: balanced, plus a few VNFs of 20–60 members per site.
 */
export type InventoryShape = (typeof INVENTORY_SHAPES)[number];

export interface GenerateOptions {
  /** Hosts in total, at least 4 per site (3 controllers and a compute host). */
  hosts: number;
  /** Any safe integer. */
  seed: number;
  /** Fraction (0..1) of compute vCPU used by instances; default by shape, 0.7 for balanced. */
  utilisation?: number;
  /** Default 1. */
  sites?: number;
  /** Default `balanced`. */
  shape?: InventoryShape;
}

export interface GeneratedCloud {
  inventory: InventoryDocument;
  catalog: CatalogDocument;
  campaign: CampaignDocument;
}

type Spec = InventoryDocument['spec'];
type HostDoc = Spec['hosts'][number];
type FlavorDoc = NonNullable<Spec['flavors']>[number];
type InstanceDoc = NonNullable<Spec['instances']>[number];
type VnfDoc = NonNullable<Spec['vnfs']>[number];
type ClusterDoc = NonNullable<Spec['clusters']>[number];
type Redundancy = VnfDoc['redundancy'];
type AntiAffinity = NonNullable<VnfDoc['antiAffinity']>;
type Migration = NonNullable<InstanceDoc['migration']>;

export const MIN_HOSTS_PER_SITE = 4;

// ---------------------------------------------------------------- hardware and flavors

const GiB = 1024;
/** Memory the host OS, OVS-DPDK hugepages and Ceph clients keep for themselves. */
const RESERVED_MiB = 16 * GiB;

interface Generation {
  readonly label: string;
  readonly vcpu: number;
  readonly memoryMiB: number;
}

/** Compute hardware bought over the years; NFV pins CPUs, so the allocation ratio is 1. */
const COMPUTE_GENERATIONS: readonly Generation[] = [
  { label: 'gen1', vcpu: 64, memoryMiB: 256 * GiB - RESERVED_MiB },
  { label: 'gen2', vcpu: 96, memoryMiB: 384 * GiB - RESERVED_MiB },
  { label: 'gen3', vcpu: 128, memoryMiB: 512 * GiB - RESERVED_MiB },
];
const CONTROLLER_CAPACITY = { vcpu: 48, memoryMiB: 256 * GiB - RESERVED_MiB };
const NETWORK_CAPACITY = { vcpu: 32, memoryMiB: 128 * GiB - RESERVED_MiB };
const STORAGE_CAPACITY = { vcpu: 32, memoryMiB: 192 * GiB - RESERVED_MiB };

const FLAVORS = [
  { name: 'vnf.small', vcpu: 2, memoryMiB: 4 * GiB },
  { name: 'vnf.medium', vcpu: 4, memoryMiB: 8 * GiB },
  { name: 'vnf.medium.mem', vcpu: 4, memoryMiB: 16 * GiB },
  { name: 'vnf.large', vcpu: 8, memoryMiB: 16 * GiB },
  { name: 'vnf.large.mem', vcpu: 8, memoryMiB: 32 * GiB },
  { name: 'vnf.xlarge', vcpu: 16, memoryMiB: 32 * GiB },
  { name: 'vnf.xlarge.mem', vcpu: 16, memoryMiB: 64 * GiB },
  { name: 'dpdk.large', vcpu: 16, memoryMiB: 32 * GiB },
  { name: 'dpdk.xlarge', vcpu: 24, memoryMiB: 48 * GiB },
  { name: 'dpdk.2xlarge', vcpu: 32, memoryMiB: 64 * GiB },
] as const satisfies readonly FlavorDoc[];

type FlavorName = (typeof FLAVORS)[number]['name'];
type Flavor = (typeof FLAVORS)[number];
type FlavorWeights = Readonly<Partial<Record<FlavorName, number>>>;

const FLAVOR_BY_NAME = new Map<string, Flavor>(FLAVORS.map((f) => [f.name, f]));
const flavor = (name: FlavorName): Flavor => FLAVOR_BY_NAME.get(name) as Flavor;
const SMALLEST_VCPU = Math.min(...FLAVORS.map((f) => f.vcpu));

// ---------------------------------------------------------------- VNF catalogue

interface VnfKind {
  readonly prefix: string;
  /** How common this kind is among VNFs. */
  readonly weight: number;
  readonly flavors: FlavorWeights;
  /** SR-IOV / DPDK data planes: often not live-migratable, they rely on redundancy instead. */
  readonly dataPlane: boolean;
  /** Kinds that scale out to tens of members (used by the big-vnf shape). */
  readonly scalesOut: boolean;
}

const kind = (
  prefix: string,
  weight: number,
  flavors: VnfKind['flavors'],
  traits: { dataPlane?: boolean; scalesOut?: boolean } = {},
): VnfKind => ({
  prefix,
  weight,
  flavors,
  dataPlane: traits.dataPlane ?? false,
  scalesOut: traits.scalesOut ?? false,
});

/** Weights tuned so an instance averages ~3.8 vCPU: ~20 instances per compute host at 70 %. */
const VNF_KINDS: readonly VnfKind[] = [
  kind('vfw', 8, { 'vnf.medium': 3, 'vnf.large': 1 }),
  kind('vrouter', 1, { 'dpdk.large': 3, 'dpdk.xlarge': 1 }, { dataPlane: true }),
  kind('upf', 1, { 'dpdk.xlarge': 2, 'dpdk.2xlarge': 1 }, { dataPlane: true }),
  kind('sbc', 1, { 'vnf.large': 2, 'dpdk.large': 1 }, { dataPlane: true }),
  kind('amf', 4, { 'vnf.medium': 2, 'vnf.large': 1 }, { scalesOut: true }),
  kind('smf', 4, { 'vnf.medium': 2, 'vnf.large': 1 }, { scalesOut: true }),
  kind('pcscf', 6, { 'vnf.small': 2, 'vnf.medium': 1 }, { scalesOut: true }),
  kind('scscf', 5, { 'vnf.small': 2, 'vnf.medium': 1 }, { scalesOut: true }),
  kind('hss', 2, { 'vnf.large.mem': 2, 'vnf.xlarge.mem': 1 }),
  kind('udm', 3, { 'vnf.medium.mem': 1 }),
  kind('dra', 4, { 'vnf.small': 1, 'vnf.medium': 1 }),
  kind('dns', 6, { 'vnf.small': 1 }, { scalesOut: true }),
  kind('lb', 8, { 'vnf.small': 3, 'vnf.medium': 1 }, { scalesOut: true }),
  kind('oam', 4, { 'vnf.small': 1 }),
  kind('ntp', 3, { 'vnf.small': 1 }),
];
const kindChoices = (kinds: readonly VnfKind[]) => kinds.map((k) => [k, k.weight] as const);
const KIND_CHOICES = kindChoices(VNF_KINDS);
const DATA_PLANE_KIND_CHOICES = kindChoices(VNF_KINDS.filter((k) => k.dataPlane));
const CONTROL_PLANE_KIND_CHOICES = kindChoices(VNF_KINDS.filter((k) => !k.dataPlane));
const SCALE_OUT_KINDS = VNF_KINDS.filter((k) => k.scalesOut);
const BIG_VNF_MEMBERS = { min: 20, max: 60 } as const;

const REDUNDANCY: Readonly<Record<Redundancy, number>> = {
  'active-standby': 30,
  'n+m': 20,
  'load-balanced': 35,
  none: 15,
};
const ANTI_AFFINITY: Readonly<Record<AntiAffinity, number>> = { strict: 70, soft: 20, none: 10 };
const BIG_REDUNDANCY: Readonly<Partial<Record<Redundancy, number>>> = {
  'load-balanced': 60,
  'n+m': 40,
};
const MIGRATION: Readonly<Record<Migration, number>> = { live: 18, cold: 1, none: 1 };
const DATA_PLANE_MIGRATION: Readonly<Record<Migration, number>> = { live: 6, none: 3, cold: 1 };
const TOLERANCE = { '500ms': 70, '200ms': 15, '2s': 15 } as const;
const STANDALONE_FLAVORS: FlavorWeights = { 'vnf.small': 6, 'vnf.medium': 3, 'vnf.large': 1 };
/** Share of placement units that are instances outside any VNF (jump hosts, test VMs, …). */
const STANDALONE_SHARE = 0.12;

// ---------------------------------------------------------------- options

interface Profile {
  readonly shape: InventoryShape;
  readonly utilisation: number;
  readonly hostBias: (rng: Rng, rackBias: number) => number;
  readonly rackBias: (rng: Rng) => number;
  /** Keep the largest host of every placement group empty. */
  readonly spareHostPerGroup: boolean;
  readonly bigVnfs: boolean;
}

const evenly = (): number => 1;

function profileFor(shape: InventoryShape, utilisation: number | undefined): Profile {
  const balanced: Profile = {
    shape,
    utilisation: utilisation ?? 0.7,
    rackBias: evenly,
    hostBias: (rng) => rng.float(0.9, 1.1),
    spareHostPerGroup: false,
    bigVnfs: false,
  };
  switch (shape) {
    case 'balanced':
      return balanced;
    case 'dense':
      return { ...balanced, utilisation: utilisation ?? 0.9 };
    case 'sparse':
      return { ...balanced, utilisation: utilisation ?? 0.3 };
    case 'unbalanced':
      // Whole racks run hot or cold, as when racks were added years apart and never rebalanced.
      return {
        ...balanced,
        rackBias: (rng) =>
          rng.weighted([
            [0.3, 2],
            [0.7, 3],
            [1, 3],
            [1.5, 2],
            [2, 1],
          ]),
        hostBias: (rng, rackBias) => rackBias * rng.float(0.7, 1.3),
      };
    case 'tight':
      return { ...balanced, utilisation: 1, spareHostPerGroup: true };
    case 'big-vnf':
      return { ...balanced, bigVnfs: true };
  }
}

function checkOptions(o: GenerateOptions): { sites: number; profile: Profile } {
  const sites = o.sites ?? 1;
  if (!Number.isInteger(sites) || sites < 1)
    throw new RangeError(`sites must be an integer >= 1, got ${sites}`);
  if (!Number.isInteger(o.hosts) || o.hosts < MIN_HOSTS_PER_SITE * sites)
    throw new RangeError(
      `hosts must be an integer >= ${MIN_HOSTS_PER_SITE * sites} (${MIN_HOSTS_PER_SITE} per site), got ${o.hosts}`,
    );
  if (!Number.isSafeInteger(o.seed))
    throw new RangeError(`seed must be a safe integer, got ${o.seed}`);
  const u = o.utilisation;
  if (u !== undefined && !(u >= 0 && u <= 1))
    throw new RangeError(`utilisation must be within 0..1, got ${u}`);
  const shape = o.shape ?? 'balanced';
  if (!(INVENTORY_SHAPES as readonly string[]).includes(shape))
    throw new RangeError(`unknown shape "${shape}"`);
  return { sites, profile: profileFor(shape, u) };
}

// ---------------------------------------------------------------- topology

/**
 * Compute hosts an instance can live on and move between: one site, one AZ, one aggregate
 * (Nova never moves an instance out of its AZ, and aggregate-pinned flavors stay in theirs).
 */
interface PlacementGroup {
  readonly aggregate: 'general' | 'dpdk';
  /** Indices into the cloud-wide ComputeState. */
  readonly hosts: number[];
  /** VNF kinds deployed here: data-plane VNFs go to the DPDK aggregate where the AZ has one. */
  readonly kinds: readonly (readonly [VnfKind, number])[];
}

interface SiteLayout {
  readonly name: string;
  readonly hosts: HostDoc[];
  readonly groups: PlacementGroup[];
  readonly clusters: ClusterDoc[];
  readonly roles: string[];
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
const width = (count: number): number => Math.max(2, String(count).length);

interface RoleCounts {
  readonly controllers: number;
  readonly network: number;
  readonly storage: number;
  readonly compute: number;
}

function roleCounts(hosts: number): RoleCounts {
  // Small sites converge the network role onto the controllers and keep disks local.
  if (hosts < 20) return { controllers: 3, network: 0, storage: 0, compute: hosts - 3 };
  const network = 2 + Math.floor(hosts / 500);
  // VNFs mostly boot from local disks; Ceph serves images and a few volumes.
  const storage = Math.max(3, Math.round(hosts * 0.03));
  return { controllers: 3, network, storage, compute: hosts - 3 - network - storage };
}

interface SoftwareLayout {
  readonly converged: boolean;
  readonly ceph: boolean;
  readonly keystone: boolean;
  readonly kernel: string;
}

function componentsFor(role: string, o: SoftwareLayout): Record<string, string> {
  const c: Record<string, string> = { kernel: o.kernel };
  const networkAgents = (): void => {
    c['openvswitch'] = INSTALLED.openvswitch;
    c['neutron-openvswitch-agent'] = INSTALLED.neutron;
    c['neutron-l3-agent'] = INSTALLED.neutron;
    c['neutron-dhcp-agent'] = INSTALLED.neutron;
  };
  switch (role) {
    case 'controller':
      if (o.keystone) c['keystone'] = INSTALLED.keystone;
      c['glance-api'] = INSTALLED.glance;
      c['placement-api'] = INSTALLED.placement;
      c['nova-api'] = INSTALLED.nova;
      c['nova-conductor'] = INSTALLED.nova;
      c['nova-scheduler'] = INSTALLED.nova;
      c['neutron-server'] = INSTALLED.neutron;
      c['mariadb'] = INSTALLED.mariadb;
      c['rabbitmq'] = INSTALLED.rabbitmq;
      if (o.ceph) c['ceph-mon'] = INSTALLED.ceph;
      if (o.converged) networkAgents();
      break;
    case 'network':
      networkAgents();
      break;
    case 'storage':
      c['ceph-osd'] = INSTALLED.ceph;
      break;
    case 'compute':
      c['qemu'] = INSTALLED.qemu;
      c['libvirt'] = INSTALLED.libvirt;
      c['openvswitch'] = INSTALLED.openvswitch;
      c['neutron-openvswitch-agent'] = INSTALLED.neutron;
      c['nova-compute'] = INSTALLED.nova;
      break;
  }
  return c;
}

const ROLE_ABBREVIATION: Readonly<Record<string, string>> = {
  controller: 'ctl',
  network: 'net',
  storage: 'ceph',
  compute: 'cmp',
};

/** Cloud-wide per-compute-host state, in typed arrays once sealed: 10,000 hosts stay cheap. */
class ComputeState {
  readonly docs: HostDoc[] = [];
  private readonly biases: number[] = [];
  private capV = new Int32Array(0);
  private capM = new Int32Array(0);
  private usedV = new Int32Array(0);
  private usedM = new Int32Array(0);
  /** 1 / (capacity × bias): turns used vCPU into the spread weigher's load. */
  private loadScale = new Float64Array(0);

  add(doc: HostDoc, bias: number): number {
    this.docs.push(doc);
    this.biases.push(bias);
    return this.docs.length - 1;
  }

  /** Call once every host is added, before placing instances. */
  seal(): void {
    const n = this.docs.length;
    this.capV = Int32Array.from(this.docs, (d) => d.capacity.vcpu);
    this.capM = Int32Array.from(this.docs, (d) => d.capacity.memoryMiB);
    this.usedV = new Int32Array(n);
    this.usedM = new Int32Array(n);
    this.loadScale = Float64Array.from(
      this.docs,
      (d, h) => 1 / (d.capacity.vcpu * (this.biases[h] as number)),
    );
  }

  vcpu(h: number): number {
    return this.capV[h] as number;
  }

  /**
   * Nova's spread weigher on vCPU: the host of `pool` that fits `f` outside `avoid` and is the
   * emptiest relative to what it should carry, scanning from `start` (wrapping); -1 if none.
   */
  leastLoaded(
    pool: readonly number[],
    start: number,
    f: Flavor,
    avoid: ReadonlySet<number> | undefined,
  ): number {
    const { capV, capM, usedV, usedM, loadScale } = this;
    let best = -1;
    let bestLoad = Infinity;
    for (let i = 0, at = start; i < pool.length; i++, at = at + 1 === pool.length ? 0 : at + 1) {
      const h = pool[at] as number;
      const v = (usedV[h] as number) + f.vcpu;
      if (v > (capV[h] as number) || (usedM[h] as number) + f.memoryMiB > (capM[h] as number))
        continue;
      const load = v * (loadScale[h] as number);
      if (load < bestLoad && avoid?.has(h) !== true) [best, bestLoad] = [h, load];
    }
    return best;
  }

  take(h: number, f: Flavor): void {
    this.usedV[h] = (this.usedV[h] as number) + f.vcpu;
    this.usedM[h] = (this.usedM[h] as number) + f.memoryMiB;
  }

  release(h: number, f: Flavor): void {
    this.usedV[h] = (this.usedV[h] as number) - f.vcpu;
    this.usedM[h] = (this.usedM[h] as number) - f.memoryMiB;
  }
}

const HOSTS_PER_RACK = 20;
/** An AZ gets a DPDK aggregate only when it is large enough to evacuate a DPDK host. */
const DPDK_MIN_AZ_COMPUTES = 30;
const DPDK_MIN_HOSTS = 6;
const DPDK_SHARE = 0.15;

function layoutSite(
  index: number,
  hostCount: number,
  profile: Profile,
  computes: ComputeState,
  rng: Rng,
): SiteLayout {
  const site = `site-${index + 1}`;
  const counts = roleCounts(hostCount);
  const converged = counts.network === 0;
  const ceph = counts.storage > 0;
  // Disk servers fill racks of their own, one Ceph failure domain each, and at least three
  // so that three replicas never share a rack.
  const storageRacks = ceph ? Math.max(3, Math.ceil(counts.storage / HOSTS_PER_RACK)) : 0;
  const serverRacks = Math.max(1, Math.ceil((hostCount - counts.storage) / HOSTS_PER_RACK));
  const rackName = (r: number): string => `r${pad(r + 1, width(serverRacks + storageRacks))}`;
  const zones = Math.min(
    serverRacks,
    Math.max(counts.compute >= 40 ? 2 : 1, Math.round(counts.compute / 75)),
  );
  const generations = siteGenerations(rng);
  const rackGeneration: Generation[] = [];
  const rackBias: number[] = [];
  for (let r = 0; r < serverRacks; r++) {
    rackGeneration.push(rng.weighted(generations));
    rackBias.push(profile.rackBias(rng));
  }

  const hosts: HostDoc[] = [];
  const zoneHosts: number[][] = Array.from({ length: zones }, () => []);
  const controllers: string[] = [];
  const storage: string[] = [];
  const order: [string, number][] = [
    ['controller', counts.controllers],
    ['network', counts.network],
    ['storage', counts.storage],
    ['compute', counts.compute],
  ];
  let position = 0;
  for (const [role, count] of order) {
    for (let i = 1; i <= count; i++) {
      // Round-robin over the server racks puts the controllers in different racks.
      const rack =
        role === 'storage' ? serverRacks + ((i - 1) % storageRacks) : position++ % serverRacks;
      const name = `${site}-${ROLE_ABBREVIATION[role] ?? role}-${pad(i, width(count))}`;
      const labels: Record<string, string> = { rack: rackName(rack) };
      let capacity: { vcpu: number; memoryMiB: number };
      const zone = Math.floor((rack * zones) / serverRacks); // AZs are groups of whole racks
      if (role === 'compute') {
        const generation = rackGeneration[rack] as Generation;
        labels['az'] = `az${zone + 1}`;
        labels['aggregate'] = 'general';
        labels['hw'] = generation.label;
        capacity = { vcpu: generation.vcpu, memoryMiB: generation.memoryMiB };
      } else if (role === 'controller') {
        capacity = { ...CONTROLLER_CAPACITY };
        controllers.push(name);
      } else if (role === 'storage') {
        capacity = { ...STORAGE_CAPACITY };
        storage.push(name);
      } else {
        capacity = { ...NETWORK_CAPACITY };
      }
      const kernel = rng.chance(0.08) ? INSTALLED.kernelLagging : INSTALLED.kernel;
      const doc: HostDoc = {
        name,
        site,
        roles: role === 'controller' && converged ? ['controller', 'network'] : [role],
        labels,
        capacity,
        components: componentsFor(role, { converged, ceph, keystone: index === 0, kernel }),
      };
      hosts.push(doc);
      if (role === 'compute')
        zoneHosts[zone]?.push(computes.add(doc, profile.hostBias(rng, rackBias[rack] as number)));
    }
  }

  const groups = zoneHosts.flatMap((zone) => placementGroups(zone, computes, rng));
  const roles = ['controller', 'network', 'storage', 'compute'].filter((r) =>
    hosts.some((h) => h.roles.includes(r)),
  );
  const clusters: ClusterDoc[] = [
    // Galera and RabbitMQ keep working with two of their three nodes.
    { name: `control-plane-${site}`, members: controllers, quorum: 2 },
  ];
  if (ceph)
    clusters.push({
      name: `ceph-${site}`,
      members: storage,
      failureDomain: 'rack',
      maxDomainsDown: 1,
    });
  return { name: site, hosts, groups, clusters, roles };
}

/** Splits an AZ into its general aggregate and, when the AZ is large enough, a DPDK one. */
function placementGroups(zone: number[], computes: ComputeState, rng: Rng): PlacementGroup[] {
  if (zone.length < DPDK_MIN_AZ_COMPUTES)
    return [{ aggregate: 'general', hosts: zone, kinds: KIND_CHOICES }];
  const dpdkCount = Math.max(DPDK_MIN_HOSTS, Math.round(zone.length * DPDK_SHARE));
  // SR-IOV/DPDK NICs came with the newest, largest servers.
  const byCapacity = rng.shuffle([...zone]).sort((a, b) => computes.vcpu(b) - computes.vcpu(a));
  const chosen = new Set(byCapacity.slice(0, dpdkCount));
  for (const h of chosen) {
    const labels = computes.docs[h]?.labels;
    if (labels !== undefined) labels['aggregate'] = 'dpdk';
  }
  return [
    {
      aggregate: 'general',
      hosts: zone.filter((h) => !chosen.has(h)),
      kinds: CONTROL_PLANE_KIND_CHOICES,
    },
    { aggregate: 'dpdk', hosts: zone.filter((h) => chosen.has(h)), kinds: DATA_PLANE_KIND_CHOICES },
  ];
}

/** The last two or three hardware generations, the newest the most common: sites grow. */
function siteGenerations(rng: Rng): (readonly [Generation, number])[] {
  const count = rng.int(2, 3);
  return COMPUTE_GENERATIONS.slice(-count).map((g, i) => [g, i + 1] as const);
}

// ---------------------------------------------------------------- workload

interface Unit {
  readonly kind?: VnfKind;
  readonly flavor: Flavor;
  readonly members: number;
  readonly redundancy: Redundancy;
  readonly minAvailable: number;
  readonly antiAffinity: AntiAffinity;
  readonly migration: Migration;
  readonly tolerance: string;
  readonly vnfm: boolean;
}

/** What still fits a filling pool, lowered each time a unit finds no room. */
interface Limits {
  /** Largest flavor worth trying: lowered when a lone instance of that size found no host. */
  vcpu: number;
  /** Largest VNF that still finds hosts enough for its members. */
  members: number;
  /** Largest strict anti-affinity group that still finds enough distinct hosts. */
  strictMembers: number;
}

function flavorWithin(weights: FlavorWeights, maxVcpu: number, rng: Rng): Flavor | undefined {
  const fitting = (Object.entries(weights) as [FlavorName, number][]).filter(
    ([name]) => flavor(name).vcpu <= maxVcpu,
  );
  return fitting.length > 0 ? flavor(rng.weighted(fitting)) : undefined;
}

function standalone(rng: Rng, maxVcpu: number): Unit | undefined {
  const f = flavorWithin(STANDALONE_FLAVORS, maxVcpu, rng);
  if (f === undefined) return undefined;
  return {
    flavor: f,
    members: 1,
    redundancy: 'none',
    minAvailable: 1,
    antiAffinity: 'none',
    migration: 'live',
    tolerance: rng.chance(0.7) ? '2s' : '500ms',
    vnfm: false,
  };
}

/** Members and minAvailable; `bigUpTo` > 0 asks for a scaled-out VNF of 20 to that many. */
function membersFor(
  redundancy: Redundancy,
  rng: Rng,
  bigUpTo: number,
): { members: number; minAvailable: number } {
  const big = bigUpTo > 0;
  switch (redundancy) {
    case 'active-standby':
      return { members: 2, minAvailable: 1 };
    case 'n+m': {
      if (big) {
        const members = rng.int(BIG_VNF_MEMBERS.min, Math.min(BIG_VNF_MEMBERS.max, bigUpTo));
        return { members, minAvailable: members - rng.int(2, 4) };
      }
      const n = rng.int(2, 6);
      return { members: n + rng.int(1, 2), minAvailable: n };
    }
    case 'load-balanced': {
      if (big) {
        const members = rng.int(BIG_VNF_MEMBERS.min, Math.min(BIG_VNF_MEMBERS.max, bigUpTo));
        return { members, minAvailable: members - Math.max(2, Math.round(members * 0.1)) };
      }
      const members = rng.int(3, 8);
      return { members, minAvailable: members - (members >= 5 && rng.chance(0.5) ? 2 : 1) };
    }
    case 'none':
      return { members: 1, minAvailable: 1 };
  }
}

function membersPerHost(unit: Pick<Unit, 'antiAffinity' | 'members' | 'minAvailable'>): number {
  return unit.antiAffinity === 'strict' ? 1 : Math.max(1, unit.members - unit.minAvailable);
}

function vnfUnit(
  rng: Rng,
  kinds: PlacementGroup['kinds'],
  limits: Limits,
  poolSize: number,
  big: boolean,
): Unit | undefined {
  const kind = big ? rng.pick(SCALE_OUT_KINDS) : rng.weighted(kinds);
  const f =
    flavorWithin(kind.flavors, limits.vcpu, rng) ??
    (flavor('vnf.small').vcpu <= limits.vcpu ? flavor('vnf.small') : undefined);
  if (f === undefined) return undefined;
  let redundancy = rng.weightedKey(big ? BIG_REDUNDANCY : REDUNDANCY);
  let { members, minAvailable } = membersFor(redundancy, rng, big ? poolSize - 1 : 0);
  let antiAffinity: AntiAffinity = members === 1 ? 'none' : rng.weightedKey(ANTI_AFFINITY);
  // A strict group needs a host without a member to evacuate onto, or it could never move.
  if (antiAffinity === 'strict' && members > Math.min(limits.strictMembers, poolSize - 1))
    antiAffinity = 'soft';
  // Shrink a VNF to what its pool can spread out, keeping its spare members: an ordinary VNF
  // covers at most half its pool, so a rolling upgrade always finds hosts to move members to.
  const spreadable = (): boolean =>
    members <= limits.members &&
    members <= (big ? poolSize - 1 : Math.max(2, Math.floor(poolSize / 2))) &&
    members <= poolSize * membersPerHost({ antiAffinity, members, minAvailable });
  while (!spreadable() && minAvailable > 1) {
    members--;
    minAvailable--;
  }
  // A pool of one host cannot hold even an active-standby pair apart.
  if (!spreadable()) [redundancy, members, minAvailable, antiAffinity] = ['none', 1, 1, 'none'];
  const redundant = members > minAvailable;
  // Only redundant VNFs get members that cannot live-migrate: a lone instance that cannot move
  // would make every smooth campaign touching its host infeasible.
  const migration: Migration = !redundant
    ? 'live'
    : rng.weightedKey(kind.dataPlane ? DATA_PLANE_MIGRATION : MIGRATION);
  // 200 ms only for small live-migrating members: a blackout grows with guest memory.
  const tolerance = rng.weightedKey(
    redundant && migration === 'live' && f.memoryMiB <= 16 * GiB
      ? TOLERANCE
      : { '500ms': 80, '2s': 20 },
  );
  return {
    kind,
    flavor: f,
    members,
    redundancy,
    minAvailable,
    antiAffinity,
    migration,
    tolerance,
    vnfm: rng.chance(0.85),
  };
}

/** Draws in a row that do not fit a group's remaining budget before its fill stops. */
const MAX_TAIL_DRAWS = 50;

/**
 * Nova's filter scheduler in miniature: among the hosts that fit (capacity, anti-affinity), the
 * one its spread weigher likes best. Per-host bias stands in for everything else that makes
 * real clouds uneven (deletions, resizes, migrations since).
 */
class Scheduler {
  constructor(
    private readonly state: ComputeState,
    private readonly rng: Rng,
  ) {}

  /**
   * A host of `pool` that fits `f` and is not in `avoid`, or -1. Weighing every host is linear
   * in instances because pools are AZs of at most ~100 hosts; ties go to a random start.
   */
  choose(pool: readonly number[], f: Flavor, avoid: ReadonlySet<number> | undefined): number {
    return this.state.leastLoaded(pool, this.rng.int(0, pool.length - 1), f, avoid);
  }

  /**
   * Hosts for every member, or undefined (and nothing taken) when the group does not fit.
   * Strict groups get one member per host, the others at most as many as the VNF can lose at
   * once, as a sensibly deployed VNF has them; soft anti-affinity also spreads while it can.
   */
  placeGroup(pool: readonly number[], unit: Unit): number[] | undefined {
    const perHost = membersPerHost(unit);
    const placed: number[] = [];
    const used = new Set<number>();
    const full = new Set<number>();
    const counts = new Map<number, number>();
    for (let m = 0; m < unit.members; m++) {
      let h =
        unit.antiAffinity === 'soft' && used.size > 0 ? this.choose(pool, unit.flavor, used) : -1;
      if (h < 0) h = this.choose(pool, unit.flavor, full.size > 0 ? full : undefined);
      if (h < 0) {
        for (const p of placed) this.state.release(p, unit.flavor);
        return undefined;
      }
      this.state.take(h, unit.flavor);
      placed.push(h);
      used.add(h);
      const n = (counts.get(h) ?? 0) + 1;
      counts.set(h, n);
      if (n >= perHost) full.add(h);
    }
    return placed;
  }
}

class Workload {
  readonly instances: InstanceDoc[] = [];
  readonly vnfs: VnfDoc[] = [];
  private readonly kindCounters = new Map<string, number>();
  private standaloneCounter = 0;

  constructor(private readonly state: ComputeState) {}

  record(unit: Unit, hosts: readonly number[]): void {
    const hostName = (h: number): string => (this.state.docs[h] as HostDoc).name;
    if (unit.kind === undefined) {
      this.instances.push({
        name: `vm-${++this.standaloneCounter}`,
        host: hostName(hosts[0] as number),
        flavor: unit.flavor.name,
        migration: unit.migration,
        toleratedInterruption: unit.tolerance,
      });
      return;
    }
    const n = (this.kindCounters.get(unit.kind.prefix) ?? 0) + 1;
    this.kindCounters.set(unit.kind.prefix, n);
    const vnf = `${unit.kind.prefix}-${n}`;
    const doc: VnfDoc = {
      name: vnf,
      redundancy: unit.redundancy,
      minAvailable: unit.minAvailable,
      antiAffinity: unit.antiAffinity,
    };
    if (unit.vnfm) doc.vnfm = `http://vnfm-${vnf}.example.invalid/`;
    this.vnfs.push(doc);
    hosts.forEach((h, i) => {
      this.instances.push({
        name: `${vnf}-${i + 1}`,
        host: hostName(h),
        flavor: unit.flavor.name,
        migration: unit.migration,
        toleratedInterruption: unit.tolerance,
        vnf,
      });
    });
  }
}

function populateSite(
  site: SiteLayout,
  profile: Profile,
  state: ComputeState,
  scheduler: Scheduler,
  workload: Workload,
  rng: Rng,
): void {
  const bigVnfs = new Map<PlacementGroup, number>();
  if (profile.bigVnfs) {
    // Only where a strict group of 20 still leaves a host to evacuate onto.
    const general = site.groups
      .filter((g) => g.aggregate === 'general' && g.hosts.length > BIG_VNF_MEMBERS.min)
      .map((g) => [g, g.hosts.length] as const);
    for (let n = general.length > 0 ? rng.int(3, 5) : 0; n > 0; n--) {
      const g = rng.weighted(general);
      bigVnfs.set(g, (bigVnfs.get(g) ?? 0) + 1);
    }
  }
  for (const group of site.groups)
    populateGroup(group, bigVnfs.get(group) ?? 0, profile, state, scheduler, workload, rng);
}

function populateGroup(
  group: PlacementGroup,
  bigVnfs: number,
  profile: Profile,
  state: ComputeState,
  scheduler: Scheduler,
  workload: Workload,
  rng: Rng,
): void {
  let pool = group.hosts;
  if (pool.length === 0) return;
  if (profile.spareHostPerGroup && pool.length > 1) {
    let spare = pool[0] as number;
    for (const h of pool) if (state.vcpu(h) > state.vcpu(spare)) spare = h;
    pool = pool.filter((h) => h !== spare);
  }
  let capacity = 0;
  for (const h of pool) capacity += state.vcpu(h);
  let remaining = Math.round(capacity * profile.utilisation);
  const limits: Limits = { vcpu: Infinity, members: Infinity, strictMembers: pool.length - 1 };
  const dpdk = group.aggregate === 'dpdk';
  let misses = 0;

  while (remaining >= SMALLEST_VCPU && limits.vcpu >= SMALLEST_VCPU) {
    const big = bigVnfs > 0;
    bigVnfs = Math.max(0, bigVnfs - 1);
    let unit =
      !big && !dpdk && rng.chance(STANDALONE_SHARE)
        ? standalone(rng, limits.vcpu)
        : vnfUnit(rng, group.kinds, limits, pool.length, big);
    // The tail of the fill: a lone instance that fits the budget, or another draw on DPDK
    // hosts, which carry DPDK VNFs only.
    if (unit !== undefined && unit.members * unit.flavor.vcpu > remaining)
      unit = dpdk ? undefined : standalone(rng, Math.min(limits.vcpu, remaining));
    if (unit === undefined) {
      if (++misses > MAX_TAIL_DRAWS) break;
      continue;
    }
    const hosts = scheduler.placeGroup(pool, unit);
    if (hosts === undefined) {
      if (unit.antiAffinity === 'strict' && unit.members > 1)
        limits.strictMembers = unit.members - 1;
      else if (unit.members > 1) limits.members = unit.members - 1;
      else limits.vcpu = unit.flavor.vcpu - 1;
      continue;
    }
    workload.record(unit, hosts);
    remaining -= unit.members * unit.flavor.vcpu;
    misses = 0;
  }
}

// ---------------------------------------------------------------- entry point

export function generateCloud(o: GenerateOptions): GeneratedCloud {
  const { sites: siteCount, profile } = checkOptions(o);
  const rng = new Rng(o.seed);
  const computes = new ComputeState();
  const layouts: SiteLayout[] = [];
  for (let s = 0; s < siteCount; s++) {
    const hostCount = Math.floor(o.hosts / siteCount) + (s < o.hosts % siteCount ? 1 : 0);
    layouts.push(layoutSite(s, hostCount, profile, computes, rng));
  }
  computes.seal();
  const scheduler = new Scheduler(computes, rng);
  const workload = new Workload(computes);
  for (const site of layouts) populateSite(site, profile, computes, scheduler, workload, rng);

  const first = layouts[0] as SiteLayout;
  const spec: Spec = {
    sites: layouts.map((l) => ({ name: l.name })),
    flavors: FLAVORS.map((f) => ({ ...f })),
    hosts: layouts.flatMap((l) => l.hosts),
    instances: workload.instances,
    vnfs: workload.vnfs,
    clusters: layouts.flatMap((l) => l.clusters),
  };
  if (siteCount > 1)
    spec.sharedServices = [
      {
        component: 'keystone',
        providedBy: first.name,
        usedBy: layouts.slice(1).map((l) => l.name),
      },
    ];
  const sitesText = siteCount === 1 ? '1 site' : `${siteCount} sites`;
  return {
    inventory: {
      apiVersion: 'escalator.dev/v1alpha1',
      kind: 'Inventory',
      metadata: {
        name: `sim-${profile.shape}-${o.hosts}-${o.seed}`,
        description: `Generated: ${o.hosts} hosts in ${sitesText}, shape ${profile.shape}, seed ${o.seed}.`,
      },
      spec,
    },
    catalog: buildCatalog(),
    campaign: buildCampaign({
      site: first.name,
      roles: first.roles,
      hosts: first.hosts.length,
    }),
  };
}
