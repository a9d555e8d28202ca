import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  compileInventory,
  documentProblems,
  DocumentError,
  formatProblems,
  inventoryFromText,
  parseDocument,
  type InventoryDocument,
} from './index.js';
import { INVENTORY_YAML, misplaced } from './testing/documents.js';

function problemsOf(text: string, file = 'inventory.yaml'): string {
  const problems = documentProblems(parseDocument(text, file), 'Inventory');
  expect(misplaced(text, problems)).toEqual([]);
  return formatProblems(problems);
}

const BROKEN = `apiVersion: escalator.dev/v1alpha1
kind: Inventory
metadata: {name: lab}
spec:
  sites: [{name: dc1}]
  flavors:
    - {name: m1.small, vcpu: 2, memoryMiB: 4096}
  hosts:
    - name: compute-1
      site: dc1
      roles: [compute]
      capacity: {vcpu: lots, memoryMiB: 262144}
      components: {kernel: 6.10, nova-compute: 26.2.2}
    - name: compute-1
      site: dc1
      roles: [compute]
      capacity: {vcpu: 64, memoryMiB: 262144}
      colour: blue
      components: {nova-compute: x26}
  instances:
    - {name: vm-1, host: compute-1, flavor: m1.huge}
`;

describe('an inventory with several problems', () => {
  it('reports every one of them, each with file, line, column and path', () => {
    expect(problemsOf(BROKEN).split('\n')).toEqual([
      'inventory.yaml:12:24 spec.hosts[0].capacity.vcpu: expected integer ≥ 0, found "lots"',
      'inventory.yaml:13:28 spec.hosts[0].components.kernel: expected a version such as 26.2.2 or 2:26.2.2-1~deb12u5, found the number 6.10: write "6.10" in quotes to keep it text',
      'inventory.yaml:14:13 spec.hosts[1].name: duplicate host "compute-1" (first at line 9)',
      'inventory.yaml:18:7 spec.hosts[1].colour: unknown field "colour"',
      'inventory.yaml:19:34 spec.hosts[1].components.nova-compute: invalid version "x26": "x26" does not start with a digit',
      'inventory.yaml:21:45 spec.instances[0].flavor: unknown flavor "m1.huge" (known: m1.small)',
    ]);
  });

  it('throws them all in one DocumentError (ESC_DOCUMENT_INVALID, exit 2) without a stack trace', () => {
    let caught: unknown;
    try {
      inventoryFromText(BROKEN, 'inventory.yaml');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DocumentError);
    const error = caught as DocumentError;
    expect(error.code).toBe('ESC_DOCUMENT_INVALID');
    expect(error.exitCode).toBe(2);
    expect(error.problems).toHaveLength(6);
    expect(error.message.split('\n')[0]).toBe('inventory.yaml: 6 problems');
    expect(error.message).not.toMatch(/\bat .*\.(js|ts):\d+/);
    expect(error.problems[0]).toEqual({
      file: 'inventory.yaml',
      line: 12,
      column: 24,
      path: 'spec.hosts[0].capacity.vcpu',
      expected: 'integer ≥ 0',
      found: '"lots"',
      message: 'expected integer ≥ 0, found "lots"',
    });
  });

  it('places the same problems in the JSON form of the document', () => {
    const data = parseDocument(BROKEN, 'inventory.yaml').data;
    expect(problemsOf(JSON.stringify(data, null, 2), 'inventory.json').split('\n')).toEqual([
      'inventory.json:28:19 spec.hosts[0].capacity.vcpu: expected integer ≥ 0, found "lots"',
      'inventory.json:32:21 spec.hosts[0].components.kernel: expected a version such as 26.2.2 or 2:26.2.2-1~deb12u5, found 6.1',
      'inventory.json:37:17 spec.hosts[1].name: duplicate host "compute-1" (first at line 22)',
      'inventory.json:46:9 spec.hosts[1].colour: unknown field "colour"',
      'inventory.json:48:27 spec.hosts[1].components.nova-compute: invalid version "x26": "x26" does not start with a digit',
      'inventory.json:56:19 spec.instances[0].flavor: unknown flavor "m1.huge" (known: m1.small)',
    ]);
  });

  it('points each column at the text it reports', () => {
    const problems = documentProblems(parseDocument(BROKEN, 'inventory.yaml'), 'Inventory');
    expect(misplaced(BROKEN, problems)).toEqual([]);
  });
});

describe('inventory references and consistency', () => {
  const withSpec = (spec: string): string =>
    `apiVersion: escalator.dev/v1alpha1\nkind: Inventory\nmetadata: {name: lab}\nspec:\n${spec}`;

  it('reports unknown sites, hosts and VNFs, suggesting the likely name', () => {
    const text = withSpec(`  sites: [{name: dc1}]
  hosts:
    - {name: ctl-1, site: dc11, roles: [controller], capacity: {vcpu: 1, memoryMiB: 1}, components: {}}
  instances:
    - {name: vm-1, host: ctl-2, flavor: f, vnf: vfww}
  flavors: [{name: f, vcpu: 1, memoryMiB: 1}]
  vnfs: [{name: vfw, redundancy: none, minAvailable: 0}]
  sharedServices: [{component: keystone, providedBy: dc1, usedBy: [dc3]}]
`);
    expect(problemsOf(text).split('\n')).toEqual([
      'inventory.yaml:7:27 spec.hosts[0].site: unknown site "dc11" (did you mean "dc1"?)',
      'inventory.yaml:9:26 spec.instances[0].host: unknown host "ctl-2" (did you mean "ctl-1"?)',
      'inventory.yaml:9:49 spec.instances[0].vnf: unknown VNF "vfww" (did you mean "vfw"?)',
      'inventory.yaml:12:68 spec.sharedServices[0].usedBy[0]: unknown site "dc3" (did you mean "dc1"?)',
    ]);
  });

  it('reports a VNF that needs more members than it has, and an impossible quorum', () => {
    const text = withSpec(`  sites: [{name: dc1}]
  hosts:
    - {name: a, site: dc1, roles: [controller], capacity: {vcpu: 1, memoryMiB: 1}, components: {}}
    - {name: b, site: dc1, roles: [controller], capacity: {vcpu: 1, memoryMiB: 1}, components: {}}
  flavors: [{name: f, vcpu: 1, memoryMiB: 1}]
  instances: [{name: vm-1, host: a, flavor: f, vnf: vfw}]
  vnfs: [{name: vfw, redundancy: active-standby, minAvailable: 2}]
  clusters:
    - {name: galera, members: [a, b, a], quorum: 3}
    - {name: ceph, members: [a, b], failureDomain: rack}
`);
    expect(problemsOf(text).split('\n')).toEqual([
      'inventory.yaml:11:64 spec.vnfs[0].minAvailable: minAvailable 2 is more than the 1 instance of VNF "vfw": it could never be in service',
      'inventory.yaml:13:38 spec.clusters[0].members[2]: duplicate member "a" (first at column 32)',
      "inventory.yaml:13:50 spec.clusters[0].quorum: quorum 3 is more than the cluster's 2 members",
      'inventory.yaml:14:30 spec.clusters[1].members[0]: host "a" has no label "rack", so its failure domain is unknown',
      'inventory.yaml:14:33 spec.clusters[1].members[1]: host "b" has no label "rack", so its failure domain is unknown',
    ]);
  });

  it('reports each repeat of an instance name at the repeat, pointing at the first', () => {
    const text = withSpec(`  sites: [{name: dc1}]
  hosts:
    - {name: a, site: dc1, roles: [compute], capacity: {vcpu: 8, memoryMiB: 8192}, components: {}}
  flavors: [{name: f, vcpu: 1, memoryMiB: 1}]
  instances:
    - {name: vm-1, host: a, flavor: f}
    - {name: vm-2, host: a, flavor: f}
    - {name: vm-1, host: a, flavor: f}
    - {name: vm-2, host: a, flavor: f}
    - {name: vm-1, host: a, flavor: f}
`);
    expect(problemsOf(text).split('\n')).toEqual([
      'inventory.yaml:12:14 spec.instances[2].name: duplicate instance "vm-1" (first at line 10)',
      'inventory.yaml:13:14 spec.instances[3].name: duplicate instance "vm-2" (first at line 11)',
      'inventory.yaml:14:14 spec.instances[4].name: duplicate instance "vm-1" (first at line 10)',
    ]);
  });
});

describe('the wrong kind of document', () => {
  it('says what the file is and what was expected, and nothing else', () => {
    const text =
      'apiVersion: escalator.dev/v1alpha1\nkind: Catalog\nmetadata: {name: c}\nspec: {}\n';
    expect(problemsOf(text, 'catalog.yaml')).toBe(
      'catalog.yaml:2:7 kind: expected kind Inventory, found Catalog: this file is a catalog, not an inventory',
    );
  });

  it('lists the accepted kind when the kind is unknown', () => {
    const text =
      'apiVersion: escalator.dev/v1alpha1\nkind: Inventry\nmetadata: {name: c}\nspec: {}\n';
    expect(problemsOf(text)).toContain(
      'inventory.yaml:2:7 kind: expected "Inventory", found "Inventry"',
    );
  });

  it('says so when the document is empty or not an object', () => {
    expect(problemsOf('')).toBe(
      'inventory.yaml:1:1 the document is empty: expected an Inventory document: an object with apiVersion, kind, metadata and spec',
    );
    expect(problemsOf('- a\n- b\n')).toBe(
      'inventory.yaml:1:1 expected an Inventory document: an object with apiVersion, kind, metadata and spec, found a list of 2 items',
    );
  });
});

describe('compileInventory', () => {
  const inventory = inventoryFromText(INVENTORY_YAML, 'inventory.yaml');

  it('applies the defaults of hosts, instances and VNFs', () => {
    const [ctl, compute1, compute2] = inventory.hosts;
    expect(ctl).toMatchObject({ state: 'up', schedulable: true, alarms: [] });
    expect(compute1).toMatchObject({
      schedulable: false,
      alarms: [{ code: 'disk', severity: 'minor', message: '' }],
    });
    expect(compute2?.state).toBe('maintenance');
    expect(inventory.hosts[3]?.labels).toEqual({});
    expect(inventory.instances[0]).toEqual({
      name: 'vfw-a',
      host: 'compute-1',
      flavor: 'm1.small',
      migration: 'live',
      toleratedInterruptionMs: 500,
      vnf: 'vfw',
    });
    expect(inventory.instances[1]?.toleratedInterruptionMs).toBe(2000);
    expect(inventory.instances[2]).not.toHaveProperty('vnf');
    expect(inventory.vnfs[0]).toMatchObject({
      antiAffinity: 'none',
      vnfm: 'https://vnfm.example/v1',
    });
  });

  it('turns components into a list and keeps versions as written', () => {
    expect(inventory.hosts[0]?.components).toEqual([
      { name: 'keystone', version: '2:26.2.2-1~deb12u5' },
      { name: 'kernel', version: '6.1.0-18-amd64' },
    ]);
  });

  it('makes a quorum cluster (a majority by default) or a failure-domain cluster', () => {
    expect(inventory.clusters).toEqual([
      { name: 'galera', members: ['ctl-1', 'compute-1', 'compute-2'], kind: 'quorum', quorum: 2 },
      {
        name: 'ceph',
        members: ['compute-1', 'compute-2'],
        kind: 'failure-domains',
        failureDomain: 'rack',
        maxDomainsDown: 1,
      },
    ]);
  });

  it('gives the same model from JSON and from YAML', () => {
    const data = parseDocument(INVENTORY_YAML, 'inventory.yaml').data;
    const fromJson = inventoryFromText(JSON.stringify(data), 'inventory.json');
    const fromYamlAgain = inventoryFromText(stringify(data), 'inventory.yml');
    expect(fromJson).toEqual(inventory);
    expect(fromYamlAgain).toEqual(inventory);
    expect(compileInventory(data as InventoryDocument)).toEqual(inventory);
  });
});
