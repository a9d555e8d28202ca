/**
 * The planner's scratch copy of the inventory, indexed by number for speed (10,000 hosts and
 * 200,000 instances): where each instance is, what each host has free, which instances sit on
 * which host. Built once per planning run; the inventory itself is never mutated.
 *
 * Instances are numbered host by host (in inventory order within a host), not in inventory
 * order: the planner walks a host's instances again and again, and this way their entries in
 * the per-instance arrays sit side by side in memory. `origin` maps back to the inventory.
 */
import type { Campaign, Host, Instance, Inventory, Vnf } from '../model/index.js';
import { canReceiveInstances, impactBudget, type ImpactBudget } from '../model/index.js';
import { chooseAction, isOut, moves, type ActionChoice } from './actions.js';

/** Anti-affinity as the hot paths read it (`World.affinity`). */
export const AFFINITY = { none: 0, soft: 1, strict: 2 } as const;

export class World {
  readonly hosts: readonly Host[];
  /** The inventory's instances, numbered host by host (see above). */
  readonly instances: readonly Instance[];
  /** Index in the inventory of each instance. */
  readonly origin: Int32Array;
  /**
   * Hot-path copies of each instance's name, VNF name and tolerated interruption: read from the
   * arrays, in host order, rather than from 200,000 objects scattered in memory.
   */
  readonly name: string[];
  readonly vnfName: (string | undefined)[];
  readonly toleratedMs: Float64Array;
  readonly vnfs: readonly Vnf[];
  readonly hostIndex = new Map<string, number>();
  readonly vnfIndex = new Map<string, number>();
  /** Host of each instance (index). */
  readonly loc: Int32Array;
  readonly vcpu: Float64Array;
  readonly mem: Float64Array;
  /** VNF of each instance, -1 if none. */
  readonly vnfOf: Int32Array;
  readonly capVcpu: Float64Array;
  readonly capMem: Float64Array;
  readonly usedVcpu: Float64Array;
  readonly usedMem: Float64Array;
  /** Instances on each host, in the order they arrived (plain arrays: cheaper than Sets here). */
  readonly onHost: number[][];
  /** Members of each VNF: `vnfMembers[vnfStart[v] … vnfStart[v + 1] - 1]` (instance indexes). */
  readonly vnfStart: Int32Array;
  readonly vnfMembers: Int32Array;
  /** Hosts that can receive instances: hypervisors, up and schedulable. */
  readonly eligible: Uint8Array;
  /** Placement group of each host: instances move only within it (site, az, aggregate). */
  readonly group: Int32Array;
  readonly groupKeys: string[] = [];
  readonly budgets: ImpactBudget[];
  /** Hot-path copies of `budgets`: members that may be out, and out or briefly interrupted. */
  readonly budgetOut: Int32Array;
  readonly budgetTotal: Int32Array;
  readonly memberCount: Int32Array;
  /** Per instance: the members of its VNF when that VNF's anti-affinity is strict, else 0. */
  readonly strictGroup: Int32Array;
  /** Per placement group: the smallest vCPU and memory of an instance in it (instances never leave their group). */
  readonly smallestVcpu: Float64Array;
  readonly smallestMem: Float64Array;
  /** 1 when the VNF has a VNF manager to notify. */
  readonly notified: Uint8Array;
  /** Each VNF's anti-affinity, as a number (`AFFINITY`). */
  readonly affinity: Uint8Array;
  readonly action: ActionChoice[];
  /** 1 when the instance's action moves it to another host (hot-path copy of `action`). */
  readonly moving: Uint8Array;
  /** 1 when the instance's action takes it out of service (hot-path copy of `action`). */
  readonly out: Uint8Array;
  readonly moveCount: Int32Array;
  /** Bumped whenever a host's instances change, so per-host summaries can be cached. */
  readonly version: Int32Array;

  constructor(inventory: Inventory, campaign: Campaign) {
    this.hosts = inventory.hosts;
    this.vnfs = inventory.vnfs;
    const nh = this.hosts.length;
    const ni = inventory.instances.length;
    const nv = this.vnfs.length;
    this.hosts.forEach((h, i) => this.hostIndex.set(h.name, i));
    this.vnfs.forEach((v, i) => this.vnfIndex.set(v.name, i));
    this.capVcpu = new Float64Array(nh);
    this.capMem = new Float64Array(nh);
    this.usedVcpu = new Float64Array(nh);
    this.usedMem = new Float64Array(nh);
    this.onHost = Array.from({ length: nh }, () => []);
    this.eligible = new Uint8Array(nh);
    this.group = new Int32Array(nh);
    this.version = new Int32Array(nh);
    const groupIds = new Map<string, number>();
    this.hosts.forEach((h, i) => {
      this.eligible[i] = canReceiveInstances(h) ? 1 : 0;
      this.capVcpu[i] = h.capacity.vcpu;
      this.capMem[i] = h.capacity.memoryMiB;
      const key = `${h.site}/${h.labels.az ?? '-'}/${h.labels.aggregate ?? '-'}`;
      let g = groupIds.get(key);
      if (g === undefined) {
        g = this.groupKeys.length;
        groupIds.set(key, g);
        this.groupKeys.push(key);
      }
      this.group[i] = g;
    });

    const r = resolveInstances(inventory, this.hostIndex, this.vnfIndex);
    this.memberCount = r.memberCount;
    this.budgets = this.vnfs.map((v, i) =>
      impactBudget(v, (r.memberCount[i] ?? 0) - (r.down[i] ?? 0)),
    );
    // Plain loops: TypedArray.from with a mapping function is several times slower.
    this.affinity = new Uint8Array(nv);
    this.budgetOut = new Int32Array(nv);
    this.budgetTotal = new Int32Array(nv);
    this.notified = new Uint8Array(nv);
    for (let v = 0; v < nv; v++) {
      const vnf = this.vnfs[v];
      this.affinity[v] = AFFINITY[vnf?.antiAffinity ?? 'none'];
      this.budgetOut[v] = this.budgets[v]?.out ?? 0;
      this.budgetTotal[v] = this.budgets[v]?.total ?? 0;
      this.notified[v] = vnf?.vnfm === undefined ? 0 : 1;
    }

    const [origin, position] = numberByHost(r.hostOf, nh);
    this.origin = origin;
    const instances = new Array<Instance>(ni);
    this.name = new Array<string>(ni);
    this.vnfName = new Array<string | undefined>(ni);
    this.toleratedMs = new Float64Array(ni);
    this.action = new Array<ActionChoice>(ni);
    this.loc = new Int32Array(ni);
    this.vcpu = new Float64Array(ni);
    this.mem = new Float64Array(ni);
    this.vnfOf = new Int32Array(ni);
    this.moving = new Uint8Array(ni);
    this.out = new Uint8Array(ni);
    this.moveCount = new Int32Array(ni);
    this.strictGroup = new Int32Array(ni);
    // In inventory order, each to its place: the objects are read in the order they lie in
    // memory, and scattered writes cost less than scattered reads.
    const flavors = new Map(inventory.flavors.map((f) => [f.name, f]));
    inventory.instances.forEach((inst, k) => {
      const i = position[k] ?? 0;
      const v = r.vnfOf[k] ?? -1;
      const vnf = v >= 0 ? this.vnfs[v] : undefined;
      const choice = chooseAction(
        inst,
        vnf,
        vnf ? (this.budgets[v]?.out ?? 0) : undefined,
        campaign,
      );
      const f = flavors.get(inst.flavor);
      instances[i] = inst;
      this.name[i] = inst.name;
      this.vnfName[i] = inst.vnf;
      this.toleratedMs[i] = inst.toleratedInterruptionMs;
      this.action[i] = choice;
      this.moving[i] = moves(choice.kind) ? 1 : 0;
      this.out[i] = isOut(choice.kind) ? 1 : 0;
      this.vcpu[i] = f?.vcpu ?? 0;
      this.mem[i] = f?.memoryMiB ?? 0;
      this.vnfOf[i] = v;
      if (v >= 0 && this.affinity[v] === AFFINITY.strict)
        this.strictGroup[i] = r.memberCount[v] ?? 0;
      this.loc[i] = r.hostOf[k] ?? -1;
    });
    this.instances = instances;
    this.smallestVcpu = new Float64Array(this.groupKeys.length).fill(Infinity);
    this.smallestMem = new Float64Array(this.groupKeys.length).fill(Infinity);
    for (let i = 0; i < ni; i++) {
      const h = this.loc[i] ?? -1;
      if (h < 0) continue;
      this.attach(i, h);
      const g = this.group[h] ?? 0;
      this.smallestVcpu[g] = Math.min(this.smallestVcpu[g] ?? Infinity, this.vcpu[i] ?? 0);
      this.smallestMem[g] = Math.min(this.smallestMem[g] ?? Infinity, this.mem[i] ?? 0);
    }
    [this.vnfStart, this.vnfMembers] = membersByVnf(this.vnfOf, r.memberCount);
  }

  freeVcpu(h: number): number {
    return (this.capVcpu[h] ?? 0) - (this.usedVcpu[h] ?? 0);
  }

  freeMem(h: number): number {
    return (this.capMem[h] ?? 0) - (this.usedMem[h] ?? 0);
  }

  fits(i: number, h: number): boolean {
    return this.freeVcpu(h) >= (this.vcpu[i] ?? 0) && this.freeMem(h) >= (this.mem[i] ?? 0);
  }

  attach(i: number, h: number): void {
    this.version[h] = (this.version[h] ?? 0) + 1;
    this.loc[i] = h;
    this.onHost[h]?.push(i);
    this.usedVcpu[h] = (this.usedVcpu[h] ?? 0) + (this.vcpu[i] ?? 0);
    this.usedMem[h] = (this.usedMem[h] ?? 0) + (this.mem[i] ?? 0);
  }

  detach(i: number, h: number): void {
    this.version[h] = (this.version[h] ?? 0) + 1;
    const list = this.onHost[h];
    const k = list ? list.indexOf(i) : -1;
    if (list && k >= 0) list.splice(k, 1);
    this.usedVcpu[h] = (this.usedVcpu[h] ?? 0) - (this.vcpu[i] ?? 0);
    this.usedMem[h] = (this.usedMem[h] ?? 0) - (this.mem[i] ?? 0);
  }

  move(i: number, to: number): void {
    const from = this.loc[i] ?? -1;
    if (from >= 0) this.detach(i, from);
    this.attach(i, to);
  }
}

/** Each instance's host and VNF as numbers, and the members of each VNF (inventory order). */
function resolveInstances(
  inventory: Inventory,
  hostIndex: ReadonlyMap<string, number>,
  vnfIndex: ReadonlyMap<string, number>,
) {
  const ni = inventory.instances.length;
  const nv = inventory.vnfs.length;
  const r = {
    hostOf: new Int32Array(ni),
    vnfOf: new Int32Array(ni),
    memberCount: new Int32Array(nv),
    /** Members on hosts that are not up: out of service already, they use up the budget. */
    down: new Int32Array(nv),
  };
  inventory.instances.forEach((inst, k) => {
    const h = hostIndex.get(inst.host) ?? -1;
    const v = inst.vnf === undefined ? -1 : (vnfIndex.get(inst.vnf) ?? -1);
    r.hostOf[k] = h;
    r.vnfOf[k] = v;
    if (v >= 0) {
      r.memberCount[v] = (r.memberCount[v] ?? 0) + 1;
      if (h >= 0 && inventory.hosts[h]?.state !== 'up') r.down[v] = (r.down[v] ?? 0) + 1;
    }
  });
  return r;
}

/**
 * Instances numbered host by host: a counting sort on their host (-1, unknown, last), stable
 * within a host. [inventory index of each number, number of each inventory index].
 */
function numberByHost(hostOf: Int32Array, nh: number): [Int32Array, Int32Array] {
  const slotOf = (k: number) => ((hostOf[k] ?? -1) < 0 ? nh : (hostOf[k] ?? 0));
  const start = new Int32Array(nh + 2);
  for (let k = 0; k < hostOf.length; k++) {
    const slot = slotOf(k) + 1;
    start[slot] = (start[slot] ?? 0) + 1;
  }
  for (let slot = 1; slot < start.length; slot++)
    start[slot] = (start[slot] ?? 0) + (start[slot - 1] ?? 0);
  // start[slot] is now where the instances of that host begin.
  const origin = new Int32Array(hostOf.length);
  const position = new Int32Array(hostOf.length);
  for (let k = 0; k < hostOf.length; k++) {
    const slot = slotOf(k);
    const i = start[slot] ?? 0;
    origin[i] = k;
    position[k] = i;
    start[slot] = i + 1;
  }
  return [origin, position];
}

/** Members of each VNF, in instance order: [start of each VNF (and the end), instances]. */
function membersByVnf(vnfOf: Int32Array, memberCount: Int32Array): [Int32Array, Int32Array] {
  const nv = memberCount.length;
  const start = new Int32Array(nv + 1);
  for (let v = 0; v < nv; v++) start[v + 1] = (start[v] ?? 0) + (memberCount[v] ?? 0);
  const members = new Int32Array(start[nv] ?? 0);
  const filled = start.slice(0, nv);
  for (let i = 0; i < vnfOf.length; i++) {
    const v = vnfOf[i] ?? -1;
    if (v >= 0) members[(filled[v] = (filled[v] ?? 0) + 1) - 1] = i;
  }
  return [start, members];
}
