/** A small hand-made cloud for the twin's tests: four compute hosts, a controller, three VNFs. */
import type { Host, Instance, Inventory, Vnf } from '../../../model/index.js';

const compute = (name: string, az = 'az1'): Host => ({
  name,
  site: 'dc1',
  roles: ['compute'],
  labels: { az, aggregate: 'general' },
  capacity: { vcpu: 16, memoryMiB: 32768 },
  state: 'up',
  schedulable: true,
  alarms: [],
  components: [
    { name: 'kernel', version: '6.1.76-1' },
    { name: 'nova-compute', version: '26.2.2' },
  ],
});

const instance = (
  name: string,
  host: string,
  vnf: string | undefined,
  flavor = 'small',
  migration: Instance['migration'] = 'live',
): Instance => ({
  name,
  host,
  flavor,
  migration,
  toleratedInterruptionMs: 500,
  ...(vnf === undefined ? {} : { vnf }),
});

const vnf = (name: string, minAvailable: number, antiAffinity: Vnf['antiAffinity']): Vnf => ({
  name,
  redundancy: minAvailable > 1 ? 'n+m' : 'active-standby',
  minAvailable,
  antiAffinity,
});

/**
 * - `solo`: one member `solo-1` on c1, minAvailable 1: no spare member.
 * - `pair`: `pair-1` on c1 and `pair-2` on c2, minAvailable 1, strict anti-affinity.
 * - `cold`: `cold-1` on c2, cold-migratable only, minAvailable 1.
 * - `big-1` (no VNF) fills c4 entirely (16 vCPU, 32 GiB).
 */
export function smallCloud(): Inventory {
  return {
    name: 'small',
    sites: [{ name: 'dc1' }],
    hosts: [
      {
        ...compute('ctl1'),
        roles: ['controller'],
        components: [{ name: 'keystone', version: '22.0.0' }],
      },
      compute('c1'),
      compute('c2'),
      compute('c3'),
      compute('c4'),
    ],
    flavors: [
      { name: 'small', vcpu: 2, memoryMiB: 4096 },
      { name: 'huge', vcpu: 16, memoryMiB: 32768 },
    ],
    instances: [
      instance('solo-1', 'c1', 'solo'),
      instance('pair-1', 'c1', 'pair'),
      instance('pair-2', 'c2', 'pair'),
      instance('cold-1', 'c2', 'cold', 'small', 'cold'),
      instance('big-1', 'c4', undefined, 'huge'),
    ],
    vnfs: [vnf('solo', 1, 'none'), vnf('pair', 1, 'strict'), vnf('cold', 1, 'none')],
    clusters: [],
    sharedServices: [],
  };
}
