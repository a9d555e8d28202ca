/**
 * The software side of a generated cloud: the versions installed today (OpenStack Zed on
 * Debian 12), the catalogue of releases around them (Antelope targets, one intermediate Ceph
 * release) and the example campaign that upgrades a site from Zed to Antelope.
 */
import type { CampaignDocument, CatalogDocument } from '../../campaign/schema.js';

type ComponentDoc = CatalogDocument['spec']['components'][number];
type ReleaseDoc = ComponentDoc['releases'][number];
type RequirementDoc = NonNullable<ReleaseDoc['requires']>[number];
type UpgradeDoc = CampaignDocument['spec']['upgrades'][number];

/** Versions a generated host runs, by component. */
export const INSTALLED = {
  kernel: '6.1.76-1',
  /** A few hosts were patched but not rebooted into the latest kernel. */
  kernelLagging: '6.1.69-1',
  qemu: '1:7.2+dfsg-7+deb12u5',
  libvirt: '9.0.0-4',
  openvswitch: '3.1.0-2',
  nova: '2:26.2.2-1~deb12u5',
  neutron: '2:21.2.0-1',
  keystone: '2:22.0.0-1',
  glance: '2:25.1.0-1',
  placement: '1:8.0.0-1',
  mariadb: '1:10.11.6-0+deb12u1',
  rabbitmq: '3.10.8-1.1',
  ceph: '16.2.11+ds-2',
} as const;

/** Versions the catalogue offers beyond what is installed. */
export const AVAILABLE = {
  kernel: '6.1.90-1',
  qemuRequiredByNova27: '1:7.2+dfsg-7+deb12u6',
  qemu: '1:7.2+dfsg-7+deb12u7',
  openvswitch: '3.1.2-1',
  nova: '2:27.1.0-1~bpo12+1',
  neutron: '2:22.0.0-1~bpo12+1',
  keystone: '2:23.0.0-1~bpo12+1',
  glance: '2:26.0.0-1~bpo12+1',
  placement: '1:9.0.0-1~bpo12+1',
  /** Quincy: the release a Pacific cluster must pass through on its way to Reef. */
  cephIntermediate: '17.2.6+ds-1',
  ceph: '18.2.1+ds-1',
} as const;

const onHost = (component: string, versions: string): RequirementDoc => ({
  component,
  versions,
  scope: 'host',
});
const inSite = (component: string, versions: string): RequirementDoc => ({
  component,
  versions,
  scope: 'site',
});

const RESTART = { install: '3m', activate: '1m', verify: '1m' } as const;

/**
 * An OpenStack service released as Zed (installed) and Antelope (target): Antelope runs beside
 * Zed during the rolling upgrade and can only be reached from Zed (no skipping releases).
 */
function openstackService(
  name: string,
  zed: string,
  antelope: string,
  zedMajor: number,
  requires: { zed: RequirementDoc[]; antelope: RequirementDoc[] },
): ComponentDoc {
  const zedSeries = `${zedMajor}.*`;
  return {
    name,
    activation: 'restart',
    durations: { ...RESTART },
    releases: [
      { version: zed, requires: requires.zed },
      {
        version: antelope,
        upgradeFrom: zedSeries,
        coexistsWith: `${zedSeries} || ${zedMajor + 1}.*`,
        requires: requires.antelope,
      },
    ],
  };
}

function cephComponent(name: string, requires: (major: number) => RequirementDoc[]): ComponentDoc {
  return {
    name,
    activation: 'restart',
    durations: { install: '3m', activate: '1m', verify: '2m' },
    releases: [
      { version: INSTALLED.ceph, requires: requires(16) },
      {
        version: AVAILABLE.cephIntermediate,
        upgradeFrom: '16.2.*',
        coexistsWith: '16.2.* || 17.2.*',
        requires: requires(17),
      },
      {
        version: AVAILABLE.ceph,
        upgradeFrom: '17.2.*',
        coexistsWith: '17.2.* || 18.2.*',
        requires: requires(18),
      },
    ],
  };
}

const DATABASE = [inSite('mariadb', '>=1:10.6'), inSite('rabbitmq', '>=3.9')];

/**
 * Requirements form a DAG (nova-compute → nova-conductor → mariadb, libvirt → qemu, …) so that
 * a planner can derive the order controllers → compute from the catalogue alone.
 */
export function buildCatalog(): CatalogDocument {
  const neutronAgent = (name: string): ComponentDoc =>
    openstackService(name, INSTALLED.neutron, AVAILABLE.neutron, 21, {
      zed: [inSite('neutron-server', '>=2:21'), onHost('openvswitch', '>=2.17')],
      antelope: [inSite('neutron-server', '>=2:22'), onHost('openvswitch', '>=3.1')],
    });
  const novaControl = (name: string): ComponentDoc =>
    openstackService(name, INSTALLED.nova, AVAILABLE.nova, 26, {
      zed: [inSite('nova-conductor', '>=2:26'), inSite('placement-api', '>=1:8')],
      // Conductors go first: the API and scheduler of a controller follow its conductor.
      antelope: [onHost('nova-conductor', '>=2:27'), inSite('placement-api', '>=1:8')],
    });

  const components: ComponentDoc[] = [
    {
      name: 'kernel',
      activation: 'reboot',
      durations: { install: '3m', activate: '8m', verify: '1m' },
      releases: [
        { version: INSTALLED.kernelLagging },
        { version: INSTALLED.kernel, upgradeFrom: '6.1.*' },
        { version: AVAILABLE.kernel, upgradeFrom: '6.1.*' },
      ],
    },
    {
      // A new qemu binary is used by the next instance started or migrated in: nothing to restart.
      name: 'qemu',
      activation: 'none',
      durations: { install: '2m', verify: '1m' },
      releases: [
        { version: INSTALLED.qemu },
        { version: AVAILABLE.qemuRequiredByNova27, upgradeFrom: '>=1:7.2' },
        { version: AVAILABLE.qemu, upgradeFrom: '>=1:7.2' },
      ],
    },
    {
      name: 'libvirt',
      activation: 'restart',
      durations: { install: '2m', activate: '30s', verify: '1m' },
      releases: [{ version: INSTALLED.libvirt, requires: [onHost('qemu', '>=1:5.2')] }],
    },
    {
      name: 'openvswitch',
      activation: 'restart',
      durations: { install: '2m', activate: '45s', verify: '1m' },
      releases: [
        { version: INSTALLED.openvswitch, requires: [onHost('kernel', '>=5.10')] },
        {
          version: AVAILABLE.openvswitch,
          upgradeFrom: '3.1.*',
          coexistsWith: '>=2.17',
          requires: [onHost('kernel', '>=5.10')],
        },
      ],
    },
    {
      name: 'mariadb',
      activation: 'restart',
      durations: { install: '3m', activate: '2m', verify: '2m' },
      // Galera replicates only between nodes of the same minor series.
      releases: [{ version: INSTALLED.mariadb, coexistsWith: '10.11.*' }],
    },
    {
      name: 'rabbitmq',
      activation: 'restart',
      durations: { install: '2m', activate: '1m', verify: '1m' },
      releases: [{ version: INSTALLED.rabbitmq, coexistsWith: '3.10.*' }],
    },
    openstackService('keystone', INSTALLED.keystone, AVAILABLE.keystone, 22, {
      zed: [inSite('mariadb', '>=1:10.6')],
      antelope: [inSite('mariadb', '>=1:10.6')],
    }),
    openstackService('glance-api', INSTALLED.glance, AVAILABLE.glance, 25, {
      zed: [inSite('mariadb', '>=1:10.6')],
      antelope: [inSite('mariadb', '>=1:10.6')],
    }),
    openstackService('placement-api', INSTALLED.placement, AVAILABLE.placement, 8, {
      zed: [inSite('mariadb', '>=1:10.6')],
      antelope: [inSite('mariadb', '>=1:10.6')],
    }),
    openstackService('nova-conductor', INSTALLED.nova, AVAILABLE.nova, 26, {
      zed: [...DATABASE],
      antelope: [...DATABASE, inSite('placement-api', '>=1:8')],
    }),
    novaControl('nova-api'),
    novaControl('nova-scheduler'),
    openstackService('nova-compute', INSTALLED.nova, AVAILABLE.nova, 26, {
      zed: [
        inSite('nova-conductor', '>=2:26'),
        onHost('qemu', '>=1:5.2'),
        onHost('libvirt', '>=7.0'),
      ],
      antelope: [
        inSite('nova-conductor', '>=2:27'),
        inSite('placement-api', '>=1:8'),
        onHost('qemu', `>=${AVAILABLE.qemuRequiredByNova27}`),
        onHost('libvirt', '>=9.0.0'),
      ],
    }),
    openstackService('neutron-server', INSTALLED.neutron, AVAILABLE.neutron, 21, {
      zed: [...DATABASE],
      antelope: [...DATABASE],
    }),
    neutronAgent('neutron-openvswitch-agent'),
    neutronAgent('neutron-l3-agent'),
    neutronAgent('neutron-dhcp-agent'),
    cephComponent('ceph-mon', () => []),
    // Monitors before OSDs, as Ceph's upgrade notes require.
    cephComponent('ceph-osd', (major) => [inSite('ceph-mon', `>=${major}`)]),
  ];

  return {
    apiVersion: 'escalator.dev/v1alpha1',
    kind: 'Catalog',
    metadata: {
      name: 'debian12-zed-antelope',
      description: 'OpenStack Zed and Antelope on Debian 12, with Ceph Pacific, Quincy and Reef.',
    },
    spec: { components },
  };
}

export interface CampaignScope {
  /** The site the campaign upgrades. */
  readonly site: string;
  /** Roles present in that site, in upgrade-relevant order. */
  readonly roles: readonly string[];
  readonly hosts: number;
}

/** Zed → Antelope for nova, with the qemu, Open vSwitch and kernel updates that come with it. */
export function buildCampaign(scope: CampaignScope): CampaignDocument {
  const upgrades: UpgradeDoc[] = [
    { component: 'nova-conductor', to: AVAILABLE.nova },
    { component: 'nova-api', to: AVAILABLE.nova },
    { component: 'nova-scheduler', to: AVAILABLE.nova },
    { component: 'nova-compute', to: AVAILABLE.nova },
    { component: 'qemu', to: AVAILABLE.qemu },
    { component: 'openvswitch', to: AVAILABLE.openvswitch, activation: 'restart' },
    { component: 'kernel', to: AVAILABLE.kernel, activation: 'reboot' },
  ];
  // The optimised planner predicts ~4 h for 10 hosts, ~11 h for 1,000 and ~24 h for 10,000
  // (one Ceph rack at a time dominates large sites): leave a third or more in reserve.
  const campaignHours = Math.ceil(12 + scope.hosts / 250);
  return {
    apiVersion: 'escalator.dev/v1alpha1',
    kind: 'Campaign',
    metadata: {
      name: 'zed-to-antelope',
      description: `Nova Zed to Antelope with qemu, Open vSwitch and kernel updates on ${scope.site}.`,
    },
    spec: {
      site: scope.site,
      mode: 'smooth',
      upgrades,
      targets: { roles: [...scope.roles] },
      rollout: {
        maxParallel: '10%',
        // A fifth of a rack at a time: Ceph recovers four OSD hosts at once comfortably.
        maxPerFailureDomain: { rack: 4 },
        instanceAction: 'live-migrate',
        onFailure: { action: 'rollback', maxFailedHosts: 0 },
      },
      guards: { scaleUp: 'disable', alarms: 'strict', maxInterruption: '500ms' },
      coordination: { notifyVnfm: true, leadTime: '60s', ackTimeout: '5m', onNoAck: 'pause' },
      timeouts: {
        evacuate: '15m',
        install: '10m',
        activate: '20m',
        verify: '5m',
        campaign: `${campaignHours}h`,
      },
      backup: ['versions', 'config', 'databases'],
      verify: [
        { name: 'services-up', check: 'service-up' },
        { name: 'versions', check: 'versions' },
        { name: 'no-alarms', check: 'no-alarms' },
      ],
    },
  };
}
