/** Small valid documents for tests, in YAML, a generator of large inventories, and checks. */
import type { DocumentProblem } from '../problems.js';

export const INVENTORY_YAML = `apiVersion: escalator.dev/v1alpha1
kind: Inventory
metadata: {name: lab}
spec:
  sites: [{name: dc1}, {name: dc2}]
  flavors:
    - {name: m1.small, vcpu: 2, memoryMiB: 4096}
  hosts:
    - name: ctl-1
      site: dc1
      roles: [controller]
      labels: {rack: r1}
      capacity: {vcpu: 32, memoryMiB: 131072}
      components: {keystone: "2:26.2.2-1~deb12u5", kernel: 6.1.0-18-amd64}
    - name: compute-1
      site: dc1
      roles: [compute]
      labels: {az: az1, rack: r1}
      capacity: {vcpu: 64, memoryMiB: 262144}
      scheduling: disabled
      alarms: [{code: disk, severity: minor}]
      components: {nova-compute: "26.2.2", kernel: 6.1.0-18-amd64}
    - name: compute-2
      site: dc1
      roles: [compute]
      labels: {az: az1, rack: r2}
      capacity: {vcpu: 64, memoryMiB: 262144}
      state: maintenance
      components: {nova-compute: "26.2.2", kernel: 6.1.0-18-amd64}
    - name: edge-1
      site: dc2
      roles: [compute]
      capacity: {vcpu: 16, memoryMiB: 65536}
      components: {nova-compute: "26.2.2"}
  instances:
    - {name: vfw-a, host: compute-1, flavor: m1.small, vnf: vfw}
    - {name: vfw-b, host: compute-2, flavor: m1.small, vnf: vfw, toleratedInterruption: 2s}
    - {name: db, host: compute-1, flavor: m1.small, migration: cold}
  vnfs:
    - {name: vfw, redundancy: active-standby, minAvailable: 1, vnfm: "https://vnfm.example/v1"}
  clusters:
    - {name: galera, members: [ctl-1, compute-1, compute-2]}
    - {name: ceph, members: [compute-1, compute-2], failureDomain: rack}
  sharedServices:
    - {component: keystone, providedBy: dc1, usedBy: [dc2]}
`;

export const CATALOG_YAML = `apiVersion: escalator.dev/v1alpha1
kind: Catalog
metadata: {name: antelope}
spec:
  components:
    - name: kernel
      activation: reboot
      durations: {install: 3m, activate: 5m}
      releases:
        - {version: 6.1.0-18-amd64}
        - {version: 6.1.0-20-amd64, durations: {verify: 90s}}
    - name: keystone
      releases:
        - {version: "2:26.2.2-1~deb12u5"}
        - {version: "2:27.0.0-1", upgradeFrom: ">=2:26.0.0", coexistsWith: ">=2:26.0 <2:28"}
    - name: nova-compute
      releases:
        - {version: "26.2.2"}
        - version: "27.1.0"
          activation: none
          requires:
            - {component: keystone, versions: ">=2:27.0.0"}
            - {component: kernel, versions: ">=6.1.0-20", scope: host}
`;

export const CAMPAIGN_YAML = `apiVersion: escalator.dev/v1alpha1
kind: Campaign
metadata: {name: to-antelope}
spec:
  site: dc1
  upgrades:
    - {component: nova-compute, to: 27.1.0}
    - {component: kernel, to: 6.1.0-20-amd64, activation: reboot}
  targets: {roles: [compute], labels: {az: az1}, exclude: [compute-2]}
  rollout:
    maxParallel: 2
    maxPerFailureDomain: {rack: 1}
`;

export interface LargeInventoryShape {
  readonly hosts: number;
  readonly instancesPerHost: number;
  readonly instancesPerVnf: number;
}

/** A valid Inventory document (as data) of realistic shape, for scale tests and benchmarks. */
export function largeInventory(shape: LargeInventoryShape): unknown {
  const hosts = Array.from({ length: shape.hosts }, (_, i) => ({
    name: `compute-${i}`,
    site: 'dc1',
    roles: ['compute'],
    labels: { az: `az${i % 3}`, rack: `r${i % 100}` },
    capacity: { vcpu: 96, memoryMiB: 393216 },
    components: {
      kernel: '6.1.0-18-amd64',
      qemu: '1:7.2+dfsg-7',
      openvswitch: '3.1.0-2',
      'nova-compute': '2:26.2.2-1~deb12u5',
    },
  }));
  const count = shape.hosts * shape.instancesPerHost;
  const vnfs = Array.from({ length: Math.ceil(count / shape.instancesPerVnf) }, (_, v) => ({
    name: `vnf-${v}`,
    redundancy: 'n+m',
    minAvailable: shape.instancesPerVnf - 2,
    antiAffinity: 'strict',
  }));
  const instances = Array.from({ length: count }, (_, i) => ({
    name: `vm-${i}`,
    host: `compute-${i % shape.hosts}`,
    flavor: 'm1.large',
    toleratedInterruption: '500ms',
    vnf: `vnf-${Math.floor(i / shape.instancesPerVnf)}`,
  }));
  return {
    apiVersion: 'escalator.dev/v1alpha1',
    kind: 'Inventory',
    metadata: { name: 'large' },
    spec: {
      sites: [{ name: 'dc1' }],
      flavors: [{ name: 'm1.large', vcpu: 4, memoryMiB: 8192 }],
      hosts,
      instances,
      vnfs,
    },
  };
}

/**
 * Problems whose position does not show the text they report as found (quoted names and
 * values, unknown fields); a check that every column points where it should.
 */
export function misplaced(text: string, problems: readonly DocumentProblem[]): string[] {
  const lines = text.split('\n');
  return problems
    .filter((p) => p.found.startsWith('"'))
    .filter((p) => {
      const here = lines[p.line - 1]?.slice(p.column - 1) ?? '';
      const found = JSON.parse(p.found.replace(/…"$/, '"')) as string;
      return !here.startsWith(found) && !here.startsWith(p.found);
    })
    .map((p) => `${p.line}:${p.column} ${p.path}: found ${p.found}`);
}
