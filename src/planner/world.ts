/**
 * The planner's scratch copy of the inventory, indexed by number for speed (10,000 hosts and
 * 200,000 instances): where each instance is, what each host has free, which VNF members sit
 * on which host. Built once per planning run; the inventory itself is never mutated.
 */
import type { Campaign, Host, Instance, Inventory, Vnf } from '../model/index.js';
import { canReceiveInstances, impactBudget, type ImpactBudget } from '../model/index.js';
import { chooseAction, isOut, moves, type ActionChoice } from './actions.js';

export class World {
  readonly hosts: readonly Host[];
  readonly instances: readonly Instance[];
  readonly vnfs: readonly Vnf[];
  readonly hostIndex = new Map<string, number>();
  readonly vnfIndex = new Map<string, number>();
  /** Host of each instance (index). */
  readonly loc: Int32Array;
  readonly vcpu: Float64Array;
  readonly mem: Float64Array;
  /** VNF of each instance, -1 if none. */
  readonly vnfOf: Int32Array;
  readonly usedVcpu: Float64Array;
  readonly usedMem: Float64Array;
  readonly onHost: Set<number>[];
  /** Per host: VNF index → members there. */
  readonly membersOn: Map<number, number>[];
  /** Hosts that can receive instances: hypervisors, up and schedulable. */
  readonly eligible: Uint8Array;
  /** Placement group of each host: instances move only within it (site, az, aggregate). */
  readonly group: Int32Array;
  readonly groupKeys: string[] = [];
  readonly budgets: ImpactBudget[];
  readonly memberCount: Int32Array;
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
    this.instances = inventory.instances;
    this.vnfs = inventory.vnfs;
    const nh = this.hosts.length;
    const ni = this.instances.length;
    this.hosts.forEach((h, i) => this.hostIndex.set(h.name, i));
    this.vnfs.forEach((v, i) => this.vnfIndex.set(v.name, i));
    const flavors = new Map(inventory.flavors.map((f) => [f.name, f]));
    this.loc = new Int32Array(ni);
    this.vcpu = new Float64Array(ni);
    this.mem = new Float64Array(ni);
    this.vnfOf = new Int32Array(ni).fill(-1);
    this.usedVcpu = new Float64Array(nh);
    this.usedMem = new Float64Array(nh);
    this.onHost = Array.from({ length: nh }, () => new Set<number>());
    this.membersOn = Array.from({ length: nh }, () => new Map<number, number>());
    this.eligible = new Uint8Array(nh);
    this.group = new Int32Array(nh);
    this.memberCount = new Int32Array(this.vnfs.length);
    this.moveCount = new Int32Array(ni);
    this.version = new Int32Array(nh);

    const groupIds = new Map<string, number>();
    this.hosts.forEach((h, i) => {
      this.eligible[i] = canReceiveInstances(h) ? 1 : 0;
      const key = `${h.site}/${h.labels.az ?? '-'}/${h.labels.aggregate ?? '-'}`;
      let g = groupIds.get(key);
      if (g === undefined) {
        g = this.groupKeys.length;
        groupIds.set(key, g);
        this.groupKeys.push(key);
      }
      this.group[i] = g;
    });
    this.instances.forEach((inst, i) => {
      const h = this.hostIndex.get(inst.host) ?? -1;
      const f = flavors.get(inst.flavor);
      this.loc[i] = h;
      this.vcpu[i] = f?.vcpu ?? 0;
      this.mem[i] = f?.memoryMiB ?? 0;
      const v = inst.vnf === undefined ? -1 : (this.vnfIndex.get(inst.vnf) ?? -1);
      this.vnfOf[i] = v;
      if (v >= 0) this.memberCount[v] = (this.memberCount[v] ?? 0) + 1;
      if (h >= 0) this.attach(i, h);
    });
    // Members on hosts that are not up are out of service already: they use up the budget.
    const down = new Int32Array(this.vnfs.length);
    this.instances.forEach((_, i) => {
      const v = this.vnfOf[i] ?? -1;
      const h = this.loc[i] ?? -1;
      if (v >= 0 && h >= 0 && this.hosts[h]?.state !== 'up') down[v] = (down[v] ?? 0) + 1;
    });
    this.budgets = this.vnfs.map((v, i) =>
      impactBudget(v, (this.memberCount[i] ?? 0) - (down[i] ?? 0)),
    );
    this.action = this.instances.map((inst, i) => {
      const v = this.vnfOf[i] ?? -1;
      const vnf = v >= 0 ? this.vnfs[v] : undefined;
      const spare = vnf ? (this.budgets[v]?.out ?? 0) : undefined;
      return chooseAction(inst, vnf, spare, campaign);
    });
    this.moving = Uint8Array.from(this.action, (a) => (moves(a.kind) ? 1 : 0));
    this.out = Uint8Array.from(this.action, (a) => (isOut(a.kind) ? 1 : 0));
  }

  /** Whether the VNF's members must sit on different hosts. */
  antiAffine(v: number): 'strict' | 'soft' | 'none' {
    return v < 0 ? 'none' : (this.vnfs[v]?.antiAffinity ?? 'none');
  }

  freeVcpu(h: number): number {
    return (this.hosts[h]?.capacity.vcpu ?? 0) - (this.usedVcpu[h] ?? 0);
  }

  freeMem(h: number): number {
    return (this.hosts[h]?.capacity.memoryMiB ?? 0) - (this.usedMem[h] ?? 0);
  }

  fits(i: number, h: number): boolean {
    return this.freeVcpu(h) >= (this.vcpu[i] ?? 0) && this.freeMem(h) >= (this.mem[i] ?? 0);
  }

  /** Members of VNF v on host h. */
  members(h: number, v: number): number {
    return this.membersOn[h]?.get(v) ?? 0;
  }

  attach(i: number, h: number): void {
    this.version[h] = (this.version[h] ?? 0) + 1;
    this.loc[i] = h;
    this.onHost[h]?.add(i);
    this.usedVcpu[h] = (this.usedVcpu[h] ?? 0) + (this.vcpu[i] ?? 0);
    this.usedMem[h] = (this.usedMem[h] ?? 0) + (this.mem[i] ?? 0);
    const v = this.vnfOf[i] ?? -1;
    if (v >= 0) {
      const m = this.membersOn[h];
      m?.set(v, (m.get(v) ?? 0) + 1);
    }
  }

  detach(i: number, h: number): void {
    this.version[h] = (this.version[h] ?? 0) + 1;
    this.onHost[h]?.delete(i);
    this.usedVcpu[h] = (this.usedVcpu[h] ?? 0) - (this.vcpu[i] ?? 0);
    this.usedMem[h] = (this.usedMem[h] ?? 0) - (this.mem[i] ?? 0);
    const v = this.vnfOf[i] ?? -1;
    if (v >= 0) {
      const m = this.membersOn[h];
      const n = (m?.get(v) ?? 0) - 1;
      if (n <= 0) m?.delete(v);
      else m?.set(v, n);
    }
  }

  move(i: number, to: number): void {
    const from = this.loc[i] ?? -1;
    if (from >= 0) this.detach(i, from);
    this.attach(i, to);
  }
}
