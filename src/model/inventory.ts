/**
 * The Infrastructure Resource Model as the planner sees it: sites, hosts (physical
 * resources) with their installed components (virtualisation facility), instances and VNFs
 * (virtual resources), and who hosts whom. Produced by `campaign/` from an Inventory
 * document or by a driver's discovery; never mutated by the planner.
 */

/** Well-known roles; an inventory may use others, the planner treats roles as labels. */
export const KNOWN_ROLES = ['controller', 'network', 'storage', 'compute'] as const;

export type HostState = 'up' | 'down' | 'maintenance';
export type AlarmSeverity = 'critical' | 'major' | 'minor' | 'warning';
export type Migratability = 'live' | 'cold' | 'none';
export type RedundancyModel = 'active-standby' | 'n+m' | 'load-balanced' | 'none';
export type AntiAffinity = 'strict' | 'soft' | 'none';

export interface Resources {
  /** Schedulable vCPUs (after the allocation ratio). */
  readonly vcpu: number;
  /** Schedulable memory in MiB. */
  readonly memoryMiB: number;
}

export interface Alarm {
  readonly code: string;
  readonly severity: AlarmSeverity;
  readonly message: string;
}

export interface InstalledComponent {
  readonly name: string;
  readonly version: string;
}

export interface Host {
  readonly name: string;
  readonly site: string;
  readonly roles: readonly string[];
  /** Free-form labels such as az, rack, aggregate. */
  readonly labels: Readonly<Record<string, string>>;
  readonly capacity: Resources;
  readonly state: HostState;
  /** False when scheduling is disabled (nova-compute service disabled). */
  readonly schedulable: boolean;
  readonly alarms: readonly Alarm[];
  readonly components: readonly InstalledComponent[];
}

export interface Flavor {
  readonly name: string;
  readonly vcpu: number;
  readonly memoryMiB: number;
}

export interface Instance {
  readonly name: string;
  readonly host: string;
  readonly flavor: string;
  readonly migration: Migratability;
  /** Longest interruption this instance tolerates, in milliseconds. */
  readonly toleratedInterruptionMs: number;
  /** The VNF this instance is a member of, if any. */
  readonly vnf?: string;
}

export interface Vnf {
  readonly name: string;
  readonly redundancy: RedundancyModel;
  /** Members that must serve at every moment for the VNF to be in service. */
  readonly minAvailable: number;
  readonly antiAffinity: AntiAffinity;
  /** VNF manager endpoint for maintenance notifications, if any. */
  readonly vnfm?: string;
}

/**
 * A group of hosts that must stay available together: either a quorum (three controllers
 * running Galera: at most members - quorum out at once) or a set of failure domains (a Ceph
 * cluster replicating across racks: members of at most `maxDomainsDown` racks out at once).
 */
export type Cluster =
  | {
      readonly name: string;
      readonly members: readonly string[];
      readonly kind: 'quorum';
      readonly quorum: number;
    }
  | {
      readonly name: string;
      readonly members: readonly string[];
      readonly kind: 'failure-domains';
      /** Label key of the failure domain, e.g. rack. */
      readonly failureDomain: string;
      readonly maxDomainsDown: number;
    };

/** A service of one site that another site relies on (e.g. a shared Keystone). */
export interface SharedService {
  readonly component: string;
  /** The site that provides the service. */
  readonly providedBy: string;
  /** The sites whose components use it. */
  readonly usedBy: readonly string[];
}

export interface Site {
  readonly name: string;
}

export interface Inventory {
  readonly name: string;
  readonly sites: readonly Site[];
  readonly hosts: readonly Host[];
  readonly flavors: readonly Flavor[];
  readonly instances: readonly Instance[];
  readonly vnfs: readonly Vnf[];
  readonly clusters: readonly Cluster[];
  readonly sharedServices: readonly SharedService[];
}

/** Version of a component installed on a host, if installed. */
export function componentVersion(host: Host, component: string): string | undefined {
  for (const c of host.components) if (c.name === component) return c.version;
  return undefined;
}

/** Hosts that run instances (hypervisors): the `compute` role. Others never receive instances. */
export function isHypervisor(host: Host): boolean {
  return host.roles.includes('compute');
}

/** Whether a host can receive instances now: a hypervisor that is up with scheduling enabled. */
export function canReceiveInstances(host: Host): boolean {
  return isHypervisor(host) && host.state === 'up' && host.schedulable;
}
