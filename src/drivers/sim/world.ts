/**
 * The digital twin's state: hosts (up/down, scheduling and its reason, component versions,
 * services, alarms, capacity in use, configuration revision), instances (host, flavor, power
 * state, in a blackout or a cold move), VNFs and their service as the probes see it, the
 * scale-up setting and host backups. The world changes only through the driver's operations;
 * it knows nothing of time except the `now` it is told, so every change is a plain function call.
 *
 * Service of a VNF: a member serves when it is running on a host that is up and it is neither
 * in a live-migration blackout nor in a cold move. The VNF is interrupted while fewer than
 * `minAvailable` members serve (so a blackout interrupts it only when it has no spare member),
 * and during a switch-over gap. Each VNF keeps its interruptions as intervals of virtual time.
 */
import type {
  Alarm,
  Cluster,
  Flavor,
  HostState,
  Inventory,
  Migratability,
  SharedService,
  Site,
  Vnf,
} from '../../model/index.js';
import type { ScaleUpSetting, SchedulingState } from '../driver.js';

export interface SimHost {
  readonly name: string;
  readonly site: string;
  readonly roles: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly capacity: { readonly vcpu: number; readonly memoryMiB: number };
  readonly hypervisor: boolean;
  /** Placement group: instances move only within their site, AZ and aggregate (as Nova keeps them). */
  readonly group: string;
  state: HostState;
  scheduling: SchedulingState;
  readonly components: Map<string, string>;
  /** Components whose service is down (being restarted). */
  readonly servicesDown: Set<string>;
  alarms: Alarm[];
  usedVcpu: number;
  usedMemoryMiB: number;
  /** Instances placed here (a migrating instance stays on its source until it lands). */
  readonly instances: Set<string>;
  /** Configuration revision: installs and commands bump it, a restore brings it back. */
  config: number;
  /** Migrations running from this host now, and those waiting for a slot. */
  migrationsRunning: number;
  readonly migrationQueue: (() => void)[];
}

export interface SimInstance {
  readonly name: string;
  readonly flavor: Flavor;
  readonly migration: Migratability;
  readonly toleratedInterruptionMs: number;
  readonly vnf: string | undefined;
  host: string;
  power: 'running' | 'stopped';
  /** Destination while a migration holds a claim there. */
  target: string | undefined;
  /** The migration in progress, if any. */
  migrationId: string | undefined;
  blackout: boolean;
  /** In a cold migration: powered off and moving. */
  moving: boolean;
  /** Whether it served at the last refresh. */
  serving: boolean;
}

interface Interval {
  start: number;
  end: number | undefined;
}

export interface SimVnf {
  readonly spec: Vnf;
  readonly members: string[];
  serving: number;
  /** Interruptions caused by too few serving members; the last one may be open. */
  readonly outages: Interval[];
  /** Switch-over gaps. */
  readonly gaps: Interval[];
}

export interface HostBackup {
  readonly host: string;
  readonly components: ReadonlyMap<string, string>;
  readonly config: number;
}

export interface Interruption {
  /** Virtual time in seconds. */
  readonly at: number;
  readonly ms: number;
}

/** The world's changing part, as plain data (persist.ts saves it in a checkpoint). */
export interface WorldState {
  readonly hosts: readonly {
    readonly name: string;
    readonly state: HostState;
    readonly scheduling: SchedulingState;
    readonly components: readonly (readonly [string, string])[];
    readonly servicesDown: readonly string[];
    readonly alarms: readonly Alarm[];
    readonly usedVcpu: number;
    readonly usedMemoryMiB: number;
    readonly instances: readonly string[];
    readonly config: number;
  }[];
  readonly instances: readonly {
    readonly name: string;
    readonly host: string;
    readonly power: 'running' | 'stopped';
    readonly blackout: boolean;
    readonly moving: boolean;
    readonly serving: boolean;
  }[];
  readonly vnfs: readonly {
    readonly name: string;
    readonly serving: number;
    readonly outages: readonly SavedInterval[];
    readonly gaps: readonly SavedInterval[];
  }[];
  readonly backups: readonly {
    readonly ref: string;
    readonly host: string;
    readonly components: readonly (readonly [string, string])[];
    readonly config: number;
  }[];
  readonly scaleUp: ScaleUpSetting;
}

// One entry of each list of `WorldState`, as `World.state` and `World.writeState` save it.

function savedHost(h: SimHost): WorldState['hosts'][number] {
  if (h.migrationsRunning > 0 || h.migrationQueue.length > 0)
    throw new RangeError(`${h.name} has migrations in progress`);
  return {
    name: h.name,
    state: h.state,
    scheduling: { ...h.scheduling },
    components: [...h.components],
    servicesDown: [...h.servicesDown],
    alarms: h.alarms.map((a) => ({ ...a })),
    usedVcpu: h.usedVcpu,
    usedMemoryMiB: h.usedMemoryMiB,
    instances: [...h.instances],
    config: h.config,
  };
}

function savedInstance(i: SimInstance): WorldState['instances'][number] {
  if (i.migrationId !== undefined || i.target !== undefined)
    throw new RangeError(`${i.name} is being migrated`);
  return {
    name: i.name,
    host: i.host,
    power: i.power,
    blackout: i.blackout,
    moving: i.moving,
    serving: i.serving,
  };
}

const savedInterval = (i: Interval): SavedInterval => [i.start, i.end ?? null];

function savedVnf(v: SimVnf): WorldState['vnfs'][number] {
  return {
    name: v.spec.name,
    serving: v.serving,
    outages: v.outages.map(savedInterval),
    gaps: v.gaps.map(savedInterval),
  };
}

function savedBackup([ref, b]: [string, HostBackup]): WorldState['backups'][number] {
  return { ref, host: b.host, components: [...b.components], config: b.config };
}

const savedScaleUp = (s: ScaleUpSetting): ScaleUpSetting => ({
  enabled: s.enabled,
  detail: { ...s.detail },
});

/** An interval as JSON keeps it: an open one ends at null. */
export type SavedInterval = readonly [number, number | null];

const groupOf = (site: string, labels: Readonly<Record<string, string>>): string =>
  `${site}/${labels['az'] ?? ''}/${labels['aggregate'] ?? ''}`;

/** Microsecond precision, free of binary-fraction noise. */
const roundMs = (ms: number): number => Math.round(ms * 1000) / 1000;

const toInterval = ([start, end]: SavedInterval): Interval => ({ start, end: end ?? undefined });

/**
 * A saved list by name, checked to hold `count` entries, each named once (the inventory's own
 * names are checked one by one as the world is built).
 */
function byName<T extends { readonly name: string }>(
  saved: readonly T[],
  what: string,
  count: number,
): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of saved) map.set(item.name, item);
  if (map.size !== saved.length || saved.length !== count)
    throw new RangeError(
      `the saved world has ${saved.length} ${what}s (${map.size} names), the inventory ${count}`,
    );
  return map;
}

export class World {
  readonly name: string;
  readonly hosts = new Map<string, SimHost>();
  readonly instances = new Map<string, SimInstance>();
  readonly vnfs = new Map<string, SimVnf>();
  readonly flavors = new Map<string, Flavor>();
  /** Hypervisors by placement group, in inventory order. */
  readonly groups = new Map<string, SimHost[]>();
  readonly backups = new Map<string, HostBackup>();
  scaleUp: ScaleUpSetting;
  private readonly sites: readonly Site[];
  private readonly clusters: readonly Cluster[];
  private readonly sharedServices: readonly SharedService[];
  private readonly hostOrder: string[];
  private readonly instanceOrder: string[];

  /**
   * The world of an inventory; with `saved` (a state of a world built from the same inventory),
   * that state at once: hosts, instances and VNFs made with their saved values, not made afresh
   * and then overwritten by `restore` (a restarted 1,000-host twin saves ~20% of its opening).
   * @throws RangeError when `saved` does not fit the inventory (restore's checks, and every host,
   *   instance and VNF of the inventory present).
   */
  constructor(inventory: Inventory, scaleUp: ScaleUpSetting, saved?: WorldState) {
    this.name = inventory.name;
    this.sites = inventory.sites;
    this.clusters = inventory.clusters;
    this.sharedServices = inventory.sharedServices;
    this.scaleUp = scaleUp;
    for (const f of inventory.flavors) this.flavors.set(f.name, f);
    this.hostOrder = inventory.hosts.map((h) => h.name);
    this.instanceOrder = inventory.instances.map((i) => i.name);
    const savedHosts = saved && byName(saved.hosts, 'host', inventory.hosts.length);
    for (const h of inventory.hosts) {
      const was = savedHosts?.get(h.name);
      if (savedHosts !== undefined && was === undefined)
        throw new RangeError(`the saved world has no host ${h.name}`);
      const host: SimHost = {
        name: h.name,
        site: h.site,
        roles: h.roles,
        labels: h.labels,
        capacity: h.capacity,
        hypervisor: h.roles.includes('compute'),
        group: groupOf(h.site, h.labels),
        state: was?.state ?? h.state,
        scheduling: was
          ? { ...was.scheduling }
          : h.schedulable
            ? { enabled: true }
            : { enabled: false, reason: 'inventory' },
        components: new Map(was?.components ?? h.components.map((c) => [c.name, c.version])),
        servicesDown: new Set(was?.servicesDown),
        alarms: was ? was.alarms.map((a) => ({ ...a })) : [...h.alarms],
        usedVcpu: was?.usedVcpu ?? 0,
        usedMemoryMiB: was?.usedMemoryMiB ?? 0,
        instances: new Set(was?.instances),
        config: was?.config ?? 0,
        migrationsRunning: 0,
        migrationQueue: [],
      };
      this.hosts.set(h.name, host);
      if (host.hypervisor) {
        const group = this.groups.get(host.group);
        if (group === undefined) this.groups.set(host.group, [host]);
        else group.push(host);
      }
    }
    const savedVnfs = saved && byName(saved.vnfs, 'VNF', inventory.vnfs.length);
    for (const v of inventory.vnfs) {
      const was = savedVnfs?.get(v.name);
      if (savedVnfs !== undefined && was === undefined)
        throw new RangeError(`the saved world has no VNF ${v.name}`);
      this.vnfs.set(v.name, {
        spec: v,
        members: [],
        serving: was?.serving ?? 0,
        outages: was ? was.outages.map(toInterval) : [],
        gaps: was ? was.gaps.map(toInterval) : [],
      });
    }
    const savedInstances = saved && byName(saved.instances, 'instance', inventory.instances.length);
    for (const i of inventory.instances) {
      const flavor = this.flavors.get(i.flavor);
      const host = this.hosts.get(i.host);
      if (flavor === undefined || host === undefined)
        throw new RangeError(`instance ${i.name}: unknown flavor or host in the inventory`);
      const was = savedInstances?.get(i.name);
      if (savedInstances !== undefined && was === undefined)
        throw new RangeError(`the saved world has no instance ${i.name}`);
      if (was !== undefined && !this.hosts.has(was.host))
        throw new RangeError(`no host ${was.host} in the inventory`);
      const instance: SimInstance = {
        name: i.name,
        flavor,
        migration: i.migration,
        toleratedInterruptionMs: i.toleratedInterruptionMs,
        vnf: i.vnf,
        host: was?.host ?? i.host,
        power: was?.power ?? 'running',
        target: undefined,
        migrationId: undefined,
        blackout: was?.blackout ?? false,
        moving: was?.moving ?? false,
        serving: was?.serving ?? false,
      };
      this.instances.set(i.name, instance);
      if (was === undefined) {
        host.instances.add(i.name);
        this.claim(host, flavor);
      }
      if (i.vnf !== undefined) this.vnfs.get(i.vnf)?.members.push(i.name);
    }
    if (saved !== undefined) {
      this.restoreBackupsAndScaleUp(saved);
      return;
    }
    for (const instance of this.instances.values()) {
      instance.serving = this.hosts.get(instance.host)?.state === 'up';
      const vnf = instance.vnf === undefined ? undefined : this.vnfs.get(instance.vnf);
      if (vnf !== undefined && instance.serving) vnf.serving++;
    }
    for (const vnf of this.vnfs.values()) this.checkVnf(vnf, 0);
  }

  host(name: string): SimHost | undefined {
    return this.hosts.get(name);
  }

  instance(name: string): SimInstance | undefined {
    return this.instances.get(name);
  }

  // ---------------------------------------------------------------- capacity and placement

  claim(host: SimHost, flavor: Flavor): void {
    host.usedVcpu += flavor.vcpu;
    host.usedMemoryMiB += flavor.memoryMiB;
  }

  release(host: SimHost, flavor: Flavor): void {
    host.usedVcpu -= flavor.vcpu;
    host.usedMemoryMiB -= flavor.memoryMiB;
  }

  /** Why `host` cannot receive `instance` now, or undefined when it can. */
  refusal(instance: SimInstance, host: SimHost): string | undefined {
    if (host.name === instance.host) return `${host.name} is the instance's own host`;
    if (!host.hypervisor) return `${host.name} is not a compute host`;
    if (host.state !== 'up') return `${host.name} is ${host.state}`;
    if (!host.scheduling.enabled) return `${host.name} has scheduling disabled`;
    const f = instance.flavor;
    if (host.usedVcpu + f.vcpu > host.capacity.vcpu)
      return `${host.name} lacks vCPU (${host.capacity.vcpu - host.usedVcpu} free, ${f.vcpu} needed)`;
    if (host.usedMemoryMiB + f.memoryMiB > host.capacity.memoryMiB)
      return `${host.name} lacks memory (${host.capacity.memoryMiB - host.usedMemoryMiB} MiB free, ${f.memoryMiB} MiB needed)`;
    const vnf = instance.vnf === undefined ? undefined : this.vnfs.get(instance.vnf);
    if (vnf?.spec.antiAffinity === 'strict' && this.hasMemberOn(vnf, host.name, instance.name))
      return `${host.name} already holds a member of ${vnf.spec.name} (strict anti-affinity)`;
    return undefined;
  }

  private hasMemberOn(vnf: SimVnf, host: string, except: string): boolean {
    for (const m of vnf.members) {
      if (m === except) continue;
      const other = this.instances.get(m);
      if (other !== undefined && (other.host === host || other.target === host)) return true;
    }
    return false;
  }

  /**
   * The scheduler: among the hypervisors of the instance's placement group that may receive it,
   * the one with most free memory, preferring hosts without another member of its VNF (soft
   * anti-affinity); ties go to inventory order. Deterministic.
   */
  pickDestination(instance: SimInstance): SimHost | undefined {
    const source = this.hosts.get(instance.host);
    if (source === undefined) return undefined;
    const vnf = instance.vnf === undefined ? undefined : this.vnfs.get(instance.vnf);
    const soft = vnf?.spec.antiAffinity === 'soft';
    let best: SimHost | undefined;
    let bestScore = -Infinity;
    for (const host of this.groups.get(source.group) ?? []) {
      if (this.refusal(instance, host) !== undefined) continue;
      const free = host.capacity.memoryMiB - host.usedMemoryMiB;
      const spread = soft && vnf !== undefined && this.hasMemberOn(vnf, host.name, instance.name);
      const score = (spread ? 0 : 1e12) + free;
      if (score > bestScore) {
        best = host;
        bestScore = score;
      }
    }
    return best;
  }

  // ---------------------------------------------------------------- service

  /** Recompute whether an instance serves, and its VNF's service, at virtual time `now`. */
  refresh(instance: SimInstance, now: number): void {
    const host = this.hosts.get(instance.host);
    const serving =
      instance.power === 'running' &&
      host?.state === 'up' &&
      !instance.blackout &&
      !instance.moving;
    if (serving === instance.serving) return;
    instance.serving = serving;
    const vnf = instance.vnf === undefined ? undefined : this.vnfs.get(instance.vnf);
    if (vnf === undefined) return;
    vnf.serving += serving ? 1 : -1;
    this.checkVnf(vnf, now);
  }

  refreshHost(host: SimHost, now: number): void {
    for (const name of host.instances) {
      const instance = this.instances.get(name);
      if (instance !== undefined) this.refresh(instance, now);
    }
  }

  private checkVnf(vnf: SimVnf, now: number): void {
    const down = vnf.serving < vnf.spec.minAvailable;
    const last = vnf.outages[vnf.outages.length - 1];
    const open = last !== undefined && last.end === undefined;
    if (down && !open) vnf.outages.push({ start: now, end: undefined });
    else if (!down && open) last.end = now;
  }

  /** A switch-over gap seen by the VNF's service. */
  addGap(vnf: SimVnf, start: number, ms: number): void {
    vnf.gaps.push({ start, end: start + ms / 1000 });
  }

  /**
   * Interruptions of each VNF that end after `since` (open ones count up to `now`), overlaps
   * merged; an interruption is reported whole, so its `at` identifies it across probes.
   */
  interruptions(since: number, now: number): Map<string, Interruption[]> {
    const out = new Map<string, Interruption[]>();
    for (const [name, vnf] of this.vnfs) {
      if (vnf.outages.length === 0 && vnf.gaps.length === 0) continue;
      const intervals: { start: number; end: number }[] = [];
      for (const i of [...vnf.outages, ...vnf.gaps]) {
        const end = i.end ?? now;
        if (i.end !== undefined && i.end === i.start) continue;
        if (end > since || (i.end === undefined && end >= since))
          intervals.push({ start: i.start, end });
      }
      if (intervals.length === 0) continue;
      intervals.sort((a, b) => a.start - b.start || a.end - b.end);
      const merged: { start: number; end: number }[] = [];
      for (const i of intervals) {
        const last = merged[merged.length - 1];
        if (last !== undefined && i.start <= last.end) last.end = Math.max(last.end, i.end);
        else merged.push({ ...i });
      }
      out.set(
        name,
        merged.map((i) => ({ at: i.start, ms: roundMs((i.end - i.start) * 1000) })),
      );
    }
    return out;
  }

  // ---------------------------------------------------------------- moves

  /** The instance lands on `destination` (whose claim was taken when the move was scheduled). */
  land(instance: SimInstance, destination: SimHost, now: number): void {
    const source = this.hosts.get(instance.host);
    if (source !== undefined) {
      source.instances.delete(instance.name);
      this.release(source, instance.flavor);
    }
    destination.instances.add(instance.name);
    instance.host = destination.name;
    instance.target = undefined;
    this.refresh(instance, now);
  }

  // ---------------------------------------------------------------- checkpoints

  /** The changing state, for a world at rest (no migration holds a claim or a queue slot). */
  state(): WorldState {
    return {
      hosts: [...this.hosts.values()].map(savedHost),
      instances: [...this.instances.values()].map(savedInstance),
      vnfs: [...this.vnfs.values()].map(savedVnf),
      backups: [...this.backups].map(savedBackup),
      scaleUp: savedScaleUp(this.scaleUp),
    };
  }

  /**
   * `JSON.stringify(this.state())` in pieces, one host, instance, VNF or backup at a time: a
   * checkpoint of a 10,000-host world writes ~30 MB without building it as objects or as one
   * string, each of which outlived the young generation (and a string that size is new memory).
   * @throws RangeError as `state` does.
   */
  writeState(push: (text: string) => void): void {
    // `"name":[…]`, the fields in the order `state()` gives them.
    const list = <T, S>(name: string, items: Iterable<T>, save: (item: T) => S): void => {
      push(`"${name}":[`);
      let separator = '';
      for (const item of items) {
        push(separator + JSON.stringify(save(item)));
        separator = ',';
      }
      push(']');
    };
    push('{');
    list('hosts', this.hosts.values(), savedHost);
    push(',');
    list('instances', this.instances.values(), savedInstance);
    push(',');
    list('vnfs', this.vnfs.values(), savedVnf);
    push(',');
    list('backups', this.backups, savedBackup);
    push(`,"scaleUp":${JSON.stringify(savedScaleUp(this.scaleUp))}}`);
  }

  /** Puts a saved state on a world built from the same initial inventory. */
  restore(state: WorldState): void {
    for (const saved of state.hosts) {
      const h = this.hosts.get(saved.name);
      if (h === undefined) throw new RangeError(`no host ${saved.name} in the inventory`);
      h.state = saved.state;
      h.scheduling = { ...saved.scheduling };
      h.components.clear();
      for (const [name, version] of saved.components) h.components.set(name, version);
      h.servicesDown.clear();
      for (const name of saved.servicesDown) h.servicesDown.add(name);
      h.alarms = saved.alarms.map((a) => ({ ...a }));
      h.usedVcpu = saved.usedVcpu;
      h.usedMemoryMiB = saved.usedMemoryMiB;
      h.instances.clear();
      for (const name of saved.instances) h.instances.add(name);
      h.config = saved.config;
    }
    for (const saved of state.instances) {
      const i = this.instances.get(saved.name);
      if (i === undefined) throw new RangeError(`no instance ${saved.name} in the inventory`);
      if (!this.hosts.has(saved.host))
        throw new RangeError(`no host ${saved.host} in the inventory`);
      i.host = saved.host;
      i.power = saved.power;
      i.blackout = saved.blackout;
      i.moving = saved.moving;
      i.serving = saved.serving;
    }
    for (const saved of state.vnfs) {
      const v = this.vnfs.get(saved.name);
      if (v === undefined) throw new RangeError(`no VNF ${saved.name} in the inventory`);
      v.serving = saved.serving;
      v.outages.length = 0;
      for (const i of saved.outages) v.outages.push(toInterval(i));
      v.gaps.length = 0;
      for (const i of saved.gaps) v.gaps.push(toInterval(i));
    }
    this.restoreBackupsAndScaleUp(state);
  }

  private restoreBackupsAndScaleUp(state: WorldState): void {
    this.backups.clear();
    for (const b of state.backups)
      this.backups.set(b.ref, {
        host: b.host,
        components: new Map(b.components),
        config: b.config,
      });
    this.scaleUp = { enabled: state.scaleUp.enabled, detail: { ...state.scaleUp.detail } };
  }

  // ---------------------------------------------------------------- inventory

  /** The inventory as it is now: live states, scheduling, versions, alarms and placement. */
  /**
   * The world as an inventory; with `scope`, only those hosts and the instances on them (the
   * engine's look at a wave before it starts), far cheaper at 200,000 instances.
   */
  toInventory(scope?: ReadonlySet<string>): Inventory {
    const hostNames =
      scope === undefined ? this.hostOrder : this.hostOrder.filter((n) => scope.has(n));
    const instanceNames =
      scope === undefined
        ? this.instanceOrder
        : hostNames.flatMap((n) => [...(this.hosts.get(n) as SimHost).instances]);
    return {
      name: this.name,
      sites: this.sites,
      hosts: hostNames.map((name) => {
        const h = this.hosts.get(name) as SimHost;
        return {
          name: h.name,
          site: h.site,
          roles: h.roles,
          labels: h.labels,
          capacity: h.capacity,
          state: h.state,
          schedulable: h.scheduling.enabled,
          alarms: [...h.alarms],
          components: [...h.components].map(([n, version]) => ({ name: n, version })),
        };
      }),
      flavors: [...this.flavors.values()],
      instances: instanceNames.map((name) => {
        const i = this.instances.get(name) as SimInstance;
        return {
          name: i.name,
          host: i.host,
          flavor: i.flavor.name,
          migration: i.migration,
          toleratedInterruptionMs: i.toleratedInterruptionMs,
          ...(i.vnf === undefined ? {} : { vnf: i.vnf }),
        };
      }),
      vnfs: [...this.vnfs.values()].map((v) => v.spec),
      clusters: this.clusters,
      sharedServices: this.sharedServices,
    };
  }
}
