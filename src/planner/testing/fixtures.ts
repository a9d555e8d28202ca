/** Small hand-made clouds for planner tests, built directly as model objects. */
import {
  mustParseRange,
  ANY_VERSION,
  type Campaign,
  type Catalog,
  type Host,
  type Instance,
  type Inventory,
  type Release,
  type Vnf,
  type Cluster,
} from '../../model/index.js';

export function host(
  name: string,
  roles: string[],
  components: Record<string, string>,
  extra: Partial<Host> = {},
): Host {
  return {
    name,
    site: 'dc1',
    roles,
    labels: { az: 'az1', rack: `r${name.slice(-1)}` },
    capacity: { vcpu: 16, memoryMiB: 32768 },
    state: 'up',
    schedulable: true,
    alarms: [],
    components: Object.entries(components).map(([n, version]) => ({ name: n, version })),
    ...extra,
  };
}

export function instance(name: string, hostName: string, extra: Partial<Instance> = {}): Instance {
  return {
    name,
    host: hostName,
    flavor: 'small',
    migration: 'live',
    toleratedInterruptionMs: 500,
    ...extra,
  };
}

export function release(component: string, version: string, extra: Partial<Release> = {}): Release {
  return {
    component,
    version,
    requires: [],
    coexistsWith: ANY_VERSION,
    upgradeFrom: ANY_VERSION,
    activation: 'restart',
    durations: { install: 120, activate: 60, verify: 30 },
    ...extra,
  };
}

export function catalog(releases: Release[]): Catalog {
  const byName = new Map<string, Release[]>();
  for (const r of releases) byName.set(r.component, [...(byName.get(r.component) ?? []), r]);
  return { name: 'test', components: [...byName].map(([name, rs]) => ({ name, releases: rs })) };
}

export function campaign(
  upgrades: { component: string; to: string }[],
  extra: Partial<Campaign> = {},
): Campaign {
  return {
    name: 'test-campaign',
    mode: 'smooth',
    upgrades,
    targets: { roles: [], labels: {}, exclude: [] },
    rollout: {
      maxParallel: { kind: 'absolute', value: 10 },
      maxPerFailureDomain: {},
      instanceAction: 'live-migrate',
      onFailure: { action: 'pause', maxFailedHosts: 0 },
      onMigrationTimeout: 'abort',
    },
    guards: { scaleUp: 'disable', alarms: 'strict', maxInterruptionMs: 500 },
    coordination: { notifyVnfm: true, leadTime: 60, ackTimeout: 300, onNoAck: 'pause' },
    timeouts: {
      evacuate: 900,
      migration: 600,
      install: 600,
      activate: 1200,
      verify: 300,
      campaign: 28800,
    },
    backup: ['versions', 'config'],
    verify: [],
    ...extra,
  };
}

export function inventory(
  hosts: Host[],
  instances: Instance[] = [],
  vnfs: Vnf[] = [],
  clusters: Cluster[] = [],
): Inventory {
  return {
    name: 'test-inventory',
    sites: [{ name: 'dc1' }],
    hosts,
    flavors: [
      { name: 'small', vcpu: 2, memoryMiB: 4096 },
      { name: 'large', vcpu: 8, memoryMiB: 16384 },
    ],
    instances,
    vnfs,
    clusters,
    sharedServices: [],
  };
}

/** Three controllers in a quorum, `computes` compute hosts, nova 26 → 27 with controllers first. */
export function smallCloud(computes = 6) {
  const ctl = [1, 2, 3].map((n) =>
    host(`ctl-${n}`, ['controller'], { 'nova-conductor': '26.2.0', kernel: '6.1.76-1' }),
  );
  const cmp = Array.from({ length: computes }, (_, k) =>
    host(`cmp-${String(k + 1).padStart(2, '0')}`, ['compute'], {
      'nova-compute': '26.2.0',
      kernel: '6.1.76-1',
    }),
  );
  const vnfs: Vnf[] = [
    { name: 'vfw', redundancy: 'active-standby', minAvailable: 1, antiAffinity: 'strict' },
    {
      name: 'vepc',
      redundancy: 'n+m',
      minAvailable: 3,
      antiAffinity: 'strict',
      vnfm: 'http://vnfm.example.invalid',
    },
  ];
  const instances: Instance[] = [
    instance('vfw-a', 'cmp-01', { vnf: 'vfw' }),
    instance('vfw-b', 'cmp-02', { vnf: 'vfw' }),
    instance('vepc-1', 'cmp-01', { vnf: 'vepc' }),
    instance('vepc-2', 'cmp-02', { vnf: 'vepc' }),
    instance('vepc-3', 'cmp-03', { vnf: 'vepc' }),
    instance('vepc-4', 'cmp-04', { vnf: 'vepc' }),
    instance('db', 'cmp-05', { flavor: 'large' }),
  ];
  const clusters: Cluster[] = [
    { name: 'control', kind: 'quorum', members: ['ctl-1', 'ctl-2', 'ctl-3'], quorum: 2 },
  ];
  const cat = catalog([
    release('nova-conductor', '26.2.0'),
    release('nova-conductor', '27.1.0', {
      upgradeFrom: mustParseRange('26.*'),
      coexistsWith: mustParseRange('26.* || 27.*'),
    }),
    release('nova-compute', '26.2.0', {
      requires: [{ component: 'nova-conductor', range: mustParseRange('>=26 <28'), scope: 'site' }],
    }),
    release('nova-compute', '27.1.0', {
      upgradeFrom: mustParseRange('26.*'),
      requires: [{ component: 'nova-conductor', range: mustParseRange('>=27'), scope: 'site' }],
    }),
    release('kernel', '6.1.76-1', { activation: 'reboot' }),
    release('kernel', '6.1.90-1', {
      activation: 'reboot',
      durations: { install: 60, activate: 300, verify: 60 },
    }),
  ]);
  const camp = campaign([
    { component: 'nova-conductor', to: '27.1.0' },
    { component: 'nova-compute', to: '27.1.0' },
    { component: 'kernel', to: '6.1.90-1' },
  ]);
  return {
    inventory: inventory([...ctl, ...cmp], instances, vnfs, clusters),
    catalog: cat,
    campaign: camp,
  };
}
