/**
 * Discovery's mapping on answers recorded from the real Zed testbed (tools/openstack-testbed):
 * 4 compute hosts, 8 servers, two anti-affinity groups of 3, one aggregate in az1.
 */
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { inventoryDocument, inventoryFromText } from '../../campaign/index.js';
import {
  inventoryFrom,
  safeName,
  type CloudSnapshot,
  type NovaHypervisor,
  type NovaServer,
  type NovaServerGroup,
  type NovaService,
  type NovaAggregate,
  type PlacementInventory,
} from './discover.js';
import { compileTarget } from './target.js';

const recorded = (name: string): Record<string, unknown> =>
  JSON.parse(
    readFileSync(new URL(`./testing/zed/${name}.json`, import.meta.url), 'utf8'),
  ) as Record<string, unknown>;

const TARGET = compileTarget({
  apiVersion: 'escalator.dev/v1alpha1',
  kind: 'OpenStackTarget',
  metadata: { name: 'testbed' },
  spec: {
    auth: { url: 'http://127.0.0.1:5000/v3', applicationCredential: { id: 'x', secret: 'y' } },
    region: 'RegionOne',
    site: 'lab',
    vnfs: {
      'vnf-b': { redundancy: 'active-standby', minAvailable: 1, vnfm: 'http://127.0.0.1:9/vnfm' },
    },
  },
});

function snapshot(versions = true): CloudSnapshot {
  const hypervisors = recorded('nova-GET-os-hypervisors-detail')['hypervisors'] as NovaHypervisor[];
  const inventories = recorded('placement-GET-resource-providers-uuid-inventories')[
    'inventories'
  ] as Record<string, PlacementInventory>;
  return {
    services: recorded('nova-GET-os-services-binary-nova-compute')['services'] as NovaService[],
    hypervisors,
    servers: recorded('nova-GET-servers-detail-all-tenants')['servers'] as NovaServer[],
    serverGroups: recorded('nova-GET-os-server-groups-all-projects')[
      'server_groups'
    ] as NovaServerGroup[],
    aggregates: recorded('nova-GET-os-aggregates')['aggregates'] as NovaAggregate[],
    providers: new Map(hypervisors.map((h) => [h.id, inventories])),
    components: new Map(
      versions
        ? hypervisors.map((h) => [
            h.hypervisor_hostname,
            { kernel: '6.1.76-1', 'nova-compute': '2:26.2.2-1~deb12u5' },
          ])
        : [],
    ),
    alarms: new Map(),
  };
}

describe('discovery of a real Zed cloud', () => {
  const { inventory, names } = inventoryFrom(snapshot(), TARGET);

  it('maps every nova-compute service to a compute host with its capacity from Placement', () => {
    expect(inventory.hosts.map((h) => h.name)).toEqual([
      'compute-1',
      'compute-2',
      'compute-3',
      'compute-4',
    ]);
    for (const h of inventory.hosts) {
      expect(h).toMatchObject({
        site: 'lab',
        roles: ['compute'],
        state: 'up',
        schedulable: true,
        labels: { az: 'az1', aggregate: 'agg-az1' },
        // (1000 − 990) vCPU × 4 and (800000 − 791808) MiB × 1, as the testbed reserves them.
        capacity: { vcpu: 40, memoryMiB: 8192 },
      });
      expect(h.components).toEqual([
        { name: 'kernel', version: '6.1.76-1' },
        { name: 'nova-compute', version: '2:26.2.2-1~deb12u5' },
      ]);
    }
  });

  it('maps servers to instances on their hosts, and server groups to VNFs', () => {
    expect(inventory.instances).toHaveLength(8);
    expect(inventory.instances.find((i) => i.name === 'vnf-a-1')).toMatchObject({
      host: 'compute-2',
      flavor: 'm1.tiny',
      migration: 'live',
      vnf: 'vnf-a',
    });
    expect(inventory.instances.find((i) => i.name === 'plain-1')?.vnf).toBeUndefined();
    expect(inventory.vnfs).toEqual([
      { name: 'vnf-a', redundancy: 'n+m', minAvailable: 2, antiAffinity: 'strict' },
      {
        name: 'vnf-b',
        redundancy: 'active-standby',
        minAvailable: 1,
        antiAffinity: 'strict',
        vnfm: 'http://127.0.0.1:9/vnfm',
      },
    ]);
    expect(inventory.flavors).toEqual([{ name: 'm1.tiny', vcpu: 1, memoryMiB: 512 }]);
    expect(names.servers.get('vnf-a-1')).toMatch(/^[0-9a-f-]{36}$/);
    expect(names.services.get('compute-2')).toBe('f4920d3b-9b27-4bd0-adc7-28a890342ce6');
  });

  it('exports as an Inventory document that validates and compiles back the same', () => {
    const text = stringify(inventoryDocument(inventory));
    expect(inventoryFromText(text, 'exported.yaml')).toEqual(inventory);
  });

  it('a disabled or down service is a host that is not schedulable or down', () => {
    const s = snapshot();
    const services = s.services.map((x) =>
      x.host === 'compute-1'
        ? { ...x, status: 'disabled' as const, disabled_reason: 'hardware check' }
        : x.host === 'compute-2'
          ? { ...x, state: 'down' as const }
          : x.host === 'compute-3'
            ? { ...x, forced_down: true }
            : x,
    );
    const hosts = inventoryFrom({ ...s, services }, TARGET).inventory.hosts;
    expect(hosts.map((h) => [h.name, h.state, h.schedulable])).toEqual([
      ['compute-1', 'up', false],
      ['compute-2', 'down', true],
      ['compute-3', 'down', true],
      ['compute-4', 'up', true],
    ]);
  });

  it('server metadata says how an instance moves and what it tolerates; names are made safe', () => {
    const s = snapshot(false);
    const servers = s.servers.map((x, i) =>
      i === 0
        ? {
            ...x,
            name: 'db primary #1',
            metadata: {
              'escalator:migration': 'cold',
              'escalator:tolerated-interruption-ms': '2000',
            },
          }
        : i === 1
          ? { ...x, name: 'vnf-a-1' } // a name already taken
          : x,
    );
    const { inventory: inv } = inventoryFrom({ ...s, servers }, TARGET);
    expect(inv.instances[0]).toMatchObject({
      name: 'db-primary-1',
      migration: 'cold',
      toleratedInterruptionMs: 2000,
    });
    const twins = inv.instances.filter((i) => i.name.startsWith('vnf-a-1'));
    expect(twins.map((i) => i.name)).toHaveLength(2);
    expect(new Set(twins.map((i) => i.name)).size).toBe(2);
    expect(inv.hosts.every((h) => h.components.length === 0)).toBe(true);
    expect(safeName('  ')).toBe('unnamed');
  });
});
