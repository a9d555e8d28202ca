/**
 * The documents' JSON Schemas, written once in code with TypeBox: the static types of the raw
 * documents are inferred from them, Ajv compiles them for validation, and docs/schema/*.json
 * and docs/campaign-reference.md are generated from them (CI checks they are current).
 * Objects are closed (`additionalProperties: false`); choices are enums, not booleans.
 * Defaults come from defaults.ts, the table the compilers apply.
 */
import {
  Type,
  type Static,
  type TSchema,
  type TProperties,
  type ObjectOptions,
} from '@sinclair/typebox';
import { API_VERSION } from './api-version.js';
import { CAMPAIGN_DEFAULTS, CATALOG_DEFAULTS, INVENTORY_DEFAULTS } from './defaults.js';

export { API_VERSION };

export const NAME_PATTERN = '^[A-Za-z0-9]([A-Za-z0-9._:/@-]*[A-Za-z0-9])?$';
export const DURATION_PATTERN = '^(\\d+(\\.\\d+)?(ms|s|m|h|d))+$';
export const PERCENT_PATTERN = '^(100|[1-9]?[0-9])(\\.[0-9]+)?%$';

const closed = <T extends TProperties>(properties: T, options: ObjectOptions = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options });

const Name = Type.String({
  minLength: 1,
  maxLength: 253,
  pattern: NAME_PATTERN,
  title: 'name',
  examples: ['compute-1', 'dc1'],
  description: 'A name: letters, digits and . _ : / @ - inside.',
});
const named = (description: string) => Type.String({ ...Name, description });
const VersionString = Type.String({
  minLength: 1,
  title: 'version',
  examples: ['26.2.2', '2:26.2.2-1~deb12u5'],
  description: 'A version such as 26.2.2 or 2:26.2.2-1~deb12u5 (ordered as dpkg orders them).',
});
const RangeString = Type.String({
  minLength: 1,
  title: 'version range',
  examples: ['*', '>=26.0.0 <28', '26.*'],
  description: 'A version range: *, 26.2.2, >=26.0.0 <28, 26.*, alternatives joined by ||.',
});
const duration = (description: string, fallback?: string) =>
  Type.Union([Type.String({ pattern: DURATION_PATTERN }), Type.Number({ minimum: 0 })], {
    title: 'duration',
    examples: ['500ms', '90s', '15m', '1h30m'],
    description: description || 'A duration: 500ms, 90s, 15m, 1h30m, 1d, or a number of seconds.',
    ...(fallback === undefined ? {} : { default: fallback }),
  });
const Percentage = Type.String({
  pattern: PERCENT_PATTERN,
  title: 'percentage',
  examples: ['10%', '25%'],
  description: 'A percentage of the hosts of a stage.',
});
const Labels = Type.Record(Type.String({ minLength: 1 }), Type.String(), {
  description: 'Labels such as az, rack, aggregate.',
});
const Metadata = closed({
  name: named('The name of this document.'),
  description: Type.Optional(Type.String({ description: 'Free text for people.' })),
});
const header = <K extends string>(kind: K) => ({
  apiVersion: Type.Literal(API_VERSION, { description: 'The schema version of the document.' }),
  kind: Type.Literal(kind, { description: 'What the document is.' }),
  metadata: Metadata,
});

// ---------------------------------------------------------------- Inventory

export const AlarmSchema = closed({
  code: Type.String({ minLength: 1, description: 'The alarm code as the source reports it.' }),
  severity: Type.Union(
    [
      Type.Literal('critical'),
      Type.Literal('major'),
      Type.Literal('minor'),
      Type.Literal('warning'),
    ],
    { description: 'How bad it is.' },
  ),
  message: Type.Optional(
    Type.String({ default: INVENTORY_DEFAULTS.alarmMessage, description: 'What the alarm says.' }),
  ),
});

export const HostSchema = closed({
  name: named('The host name, unique in the inventory.'),
  site: named('The site the host is in (one of spec.sites).'),
  roles: Type.Array(Name, {
    minItems: 1,
    description: 'controller, network, storage, compute or your own.',
  }),
  labels: Type.Optional(Labels),
  capacity: closed(
    {
      vcpu: Type.Integer({
        minimum: 0,
        description: 'Schedulable vCPUs (after the allocation ratio).',
      }),
      memoryMiB: Type.Integer({ minimum: 0, description: 'Schedulable memory in MiB.' }),
    },
    { description: 'What instances can use on this host.' },
  ),
  state: Type.Optional(
    Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('maintenance')], {
      default: INVENTORY_DEFAULTS.state,
    }),
  ),
  scheduling: Type.Optional(
    Type.Union([Type.Literal('enabled'), Type.Literal('disabled')], {
      default: INVENTORY_DEFAULTS.scheduling,
      description: 'Whether new instances may be scheduled on the host.',
    }),
  ),
  alarms: Type.Optional(Type.Array(AlarmSchema, { description: 'Active alarms of the host.' })),
  components: Type.Record(Name, VersionString, {
    additionalProperties: false,
    description: 'Installed components: name → version.',
  }),
});

export const FlavorSchema = closed({
  name: named('The flavor name, unique in the inventory.'),
  vcpu: Type.Integer({ minimum: 0, description: 'vCPUs an instance of this flavor uses.' }),
  memoryMiB: Type.Integer({
    minimum: 0,
    description: 'Memory in MiB an instance of this flavor uses.',
  }),
});

export const InstanceSchema = closed({
  name: named('The instance name, unique in the inventory.'),
  host: named('The host it runs on (one of spec.hosts).'),
  flavor: named('Its flavor (one of spec.flavors).'),
  migration: Type.Optional(
    Type.Union([Type.Literal('live'), Type.Literal('cold'), Type.Literal('none')], {
      default: INVENTORY_DEFAULTS.migration,
      description: 'How the instance can be moved off its host.',
    }),
  ),
  toleratedInterruption: Type.Optional(
    duration(
      'Longest interruption the instance tolerates.',
      INVENTORY_DEFAULTS.toleratedInterruption,
    ),
  ),
  vnf: Type.Optional(named('The VNF it is a member of (one of spec.vnfs).')),
});

export const VnfSchema = closed({
  name: named('The VNF name, unique in the inventory.'),
  redundancy: Type.Union(
    [
      Type.Literal('active-standby'),
      Type.Literal('n+m'),
      Type.Literal('load-balanced'),
      Type.Literal('none'),
    ],
    { description: 'How the VNF keeps serving while one of its members is out.' },
  ),
  minAvailable: Type.Integer({
    minimum: 0,
    description: 'Members that must serve at every moment.',
  }),
  antiAffinity: Type.Optional(
    Type.Union([Type.Literal('strict'), Type.Literal('soft'), Type.Literal('none')], {
      default: INVENTORY_DEFAULTS.antiAffinity,
      description: 'Whether two members may share a host.',
    }),
  ),
  vnfm: Type.Optional(
    Type.String({ minLength: 1, description: 'VNF manager endpoint for maintenance notices.' }),
  ),
});

export const ClusterSchema = closed({
  name: named('The cluster name, unique in the inventory.'),
  members: Type.Array(Name, { minItems: 1, description: 'Its member hosts (from spec.hosts).' }),
  quorum: Type.Optional(
    Type.Integer({
      minimum: 1,
      description:
        'Members that must stay up (default: a majority). Ignored when failureDomain is set.',
    }),
  ),
  failureDomain: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        "Label key (e.g. rack) of the cluster's failure domains, as for a Ceph CRUSH rule.",
    }),
  ),
  maxDomainsDown: Type.Optional(
    Type.Integer({
      minimum: 1,
      default: INVENTORY_DEFAULTS.maxDomainsDown,
      description: 'Failure domains that may be out at once (with failureDomain).',
    }),
  ),
});

export const InventorySchema = closed(
  {
    ...header('Inventory'),
    spec: closed({
      sites: Type.Array(closed({ name: named('The site name, unique in the inventory.') }), {
        minItems: 1,
        description: 'The sites (data centres) of the inventory.',
      }),
      sharedServices: Type.Optional(
        Type.Array(
          closed({
            component: named('The component that provides the service, e.g. keystone.'),
            providedBy: named('The site that runs it.'),
            usedBy: Type.Array(Name, { minItems: 1, description: 'The sites that rely on it.' }),
          }),
          { description: 'Services of one site that other sites rely on.' },
        ),
      ),
      flavors: Type.Optional(Type.Array(FlavorSchema, { description: 'Instance sizes.' })),
      hosts: Type.Array(HostSchema, { description: 'The physical hosts.' }),
      instances: Type.Optional(
        Type.Array(InstanceSchema, { description: 'The virtual machines running on the hosts.' }),
      ),
      vnfs: Type.Optional(
        Type.Array(VnfSchema, { description: 'Virtual network functions: groups of instances.' }),
      ),
      clusters: Type.Optional(
        Type.Array(ClusterSchema, {
          description: 'Groups of hosts that must stay available together.',
        }),
      ),
    }),
  },
  { $id: 'https://escalator.dev/schema/v1alpha1/inventory.json', title: 'Inventory' },
);
export type InventoryDocument = Static<typeof InventorySchema>;

// ---------------------------------------------------------------- Catalog

const Activation = (description: string, fallback?: string) =>
  Type.Union([Type.Literal('none'), Type.Literal('restart'), Type.Literal('reboot')], {
    description,
    ...(fallback === undefined ? {} : { default: fallback }),
  });

const Durations = (description: string, fallbacks?: typeof CATALOG_DEFAULTS.durations) =>
  closed(
    {
      install: Type.Optional(duration('Expected install time.', fallbacks?.install)),
      activate: Type.Optional(duration('Expected activation time.', fallbacks?.activate)),
      verify: Type.Optional(duration('Expected verification time.', fallbacks?.verify)),
    },
    { description },
  );

export const ReleaseSchema = closed({
  version: VersionString,
  upgradeFrom: Type.Optional(
    Type.String({
      ...RangeString,
      default: CATALOG_DEFAULTS.upgradeFrom,
      description: 'Versions this release can be upgraded from directly.',
    }),
  ),
  coexistsWith: Type.Optional(
    Type.String({
      ...RangeString,
      default: CATALOG_DEFAULTS.coexistsWith,
      description: 'Versions of the same component it runs beside.',
    }),
  ),
  requires: Type.Optional(
    Type.Array(
      closed({
        component: named('The required component (one of spec.components).'),
        versions: Type.String({ ...RangeString, description: 'The versions it needs.' }),
        scope: Type.Optional(
          Type.Union([Type.Literal('host'), Type.Literal('site')], {
            default: CATALOG_DEFAULTS.scope,
            description:
              'host: the copy on the same host must match; site: every copy in the site must.',
          }),
        ),
      }),
      { description: 'What this release needs of other components.' },
    ),
  ),
  activation: Type.Optional(
    Activation('How the new version takes effect; defaults to the component’s activation.'),
  ),
  durations: Type.Optional(Durations('Expected step durations; each defaults to the component’s.')),
});

export const CatalogSchema = closed(
  {
    ...header('Catalog'),
    spec: closed({
      components: Type.Array(
        closed({
          name: named('The component name, as hosts list it in their components.'),
          activation: Type.Optional(
            Activation('How a new version takes effect.', CATALOG_DEFAULTS.activation),
          ),
          durations: Type.Optional(
            Durations('Expected step durations of its releases.', CATALOG_DEFAULTS.durations),
          ),
          releases: Type.Array(ReleaseSchema, { minItems: 1, description: 'Its known versions.' }),
        }),
        { description: 'The upgradable components and their releases.' },
      ),
    }),
  },
  { $id: 'https://escalator.dev/schema/v1alpha1/catalog.json', title: 'Catalog' },
);
export type CatalogDocument = Static<typeof CatalogSchema>;

// ---------------------------------------------------------------- Campaign

const C = CAMPAIGN_DEFAULTS;

export const CampaignSchema = closed(
  {
    ...header('Campaign'),
    spec: closed({
      site: Type.Optional(named('The site to upgrade (one of the inventory’s sites).')),
      mode: Type.Optional(
        Type.Union([Type.Literal('smooth'), Type.Literal('non-smooth')], {
          default: C.mode,
          description: 'smooth: no VNF may see an outage; non-smooth: outages are accepted.',
        }),
      ),
      upgrades: Type.Array(
        closed({
          component: named('The component to upgrade (one of the catalog’s components).'),
          to: Type.String({
            ...VersionString,
            description: 'The target version (a release in the catalog).',
          }),
          activation: Type.Optional(Activation('Overrides the release’s activation.')),
        }),
        { minItems: 1, description: 'What to upgrade, one entry per component.' },
      ),
      targets: Type.Optional(
        closed(
          {
            roles: Type.Optional(
              Type.Array(Name, { description: 'Hosts with any of these roles.' }),
            ),
            labels: Type.Optional(Labels),
            exclude: Type.Optional(Type.Array(Name, { description: 'Hosts to leave alone.' })),
          },
          { description: 'Which hosts to upgrade: selectors, never a fixed host list.' },
        ),
      ),
      rollout: Type.Optional(
        closed(
          {
            maxParallel: Type.Optional(
              Type.Union([Type.Integer({ minimum: 1 }), Percentage], {
                default: C.maxParallel,
                description: 'Hosts at once: a number, or a percentage of the stage.',
              }),
            ),
            maxPerFailureDomain: Type.Optional(
              Type.Record(Type.String({ minLength: 1 }), Type.Integer({ minimum: 1 }), {
                description: 'Label key → most hosts sharing one value of that label in a wave.',
              }),
            ),
            instanceAction: Type.Optional(
              Type.Union(
                [
                  Type.Literal('live-migrate'),
                  Type.Literal('cold-migrate'),
                  Type.Literal('switch-over'),
                  Type.Literal('stop-start'),
                ],
                {
                  default: C.instanceAction,
                  description: 'What to do with the instances of a host before its upgrade.',
                },
              ),
            ),
            onFailure: Type.Optional(
              closed(
                {
                  action: Type.Union([
                    Type.Literal('pause'),
                    Type.Literal('rollback'),
                    Type.Literal('continue'),
                  ]),
                  maxFailedHosts: Type.Optional(
                    Type.Integer({
                      minimum: 0,
                      default: C.onFailure.maxFailedHosts,
                      description: 'Failed hosts tolerated before the action is taken.',
                    }),
                  ),
                },
                { default: C.onFailure, description: 'What to do when a host fails.' },
              ),
            ),
            onMigrationTimeout: Type.Optional(
              Type.Union([Type.Literal('abort'), Type.Literal('force-complete')], {
                default: C.onMigrationTimeout,
                description:
                  'A live migration still running after timeouts.migration: abort it (the instance stays, the host fails) or force it to complete (the guest is paused for the last copy: a longer interruption).',
              }),
            ),
          },
          { description: 'How fast and how carefully to go.' },
        ),
      ),
      guards: Type.Optional(
        closed(
          {
            scaleUp: Type.Optional(
              Type.Union([Type.Literal('disable'), Type.Literal('keep')], {
                default: C.guards.scaleUp,
                description: 'Block tenant scale-up during the run, then restore it exactly.',
              }),
            ),
            alarms: Type.Optional(
              Type.Union([Type.Literal('strict'), Type.Literal('lenient')], {
                default: C.guards.alarms,
                description:
                  'strict: a host with an alarm blocks the campaign; lenient: a warning.',
              }),
            ),
            maxInterruption: Type.Optional(
              duration('Longest interruption any VNF may see.', C.guards.maxInterruption),
            ),
          },
          { description: 'Safety rules checked before and during the run.' },
        ),
      ),
      coordination: Type.Optional(
        closed(
          {
            notifyVnfm: Type.Optional(
              Type.Boolean({
                default: C.coordination.notifyVnfm,
                description: 'Send maintenance notices to VNF managers.',
              }),
            ),
            leadTime: Type.Optional(
              duration('Notice given before instances are affected.', C.coordination.leadTime),
            ),
            ackTimeout: Type.Optional(
              duration('How long to wait for an answer.', C.coordination.ackTimeout),
            ),
            onNoAck: Type.Optional(
              Type.Union(
                [Type.Literal('pause'), Type.Literal('proceed'), Type.Literal('skip-host')],
                { default: C.coordination.onNoAck, description: 'What to do without an answer.' },
              ),
            ),
          },
          { description: 'Coordination with the VNF managers.' },
        ),
      ),
      timeouts: Type.Optional(
        closed(
          {
            evacuate: Type.Optional(duration('Evacuating a host.', C.timeouts.evacuate)),
            migration: Type.Optional(
              duration(
                'One live migration (then rollout.onMigrationTimeout).',
                C.timeouts.migration,
              ),
            ),
            install: Type.Optional(duration('Installing on a host.', C.timeouts.install)),
            activate: Type.Optional(duration('Activating on a host.', C.timeouts.activate)),
            verify: Type.Optional(duration('Verifying a host.', C.timeouts.verify)),
            campaign: Type.Optional(duration('The whole campaign.', C.timeouts.campaign)),
          },
          { description: 'Past these a step is a hang, not a slow step.' },
        ),
      ),
      backup: Type.Optional(
        Type.Array(
          Type.Union([Type.Literal('versions'), Type.Literal('config'), Type.Literal('databases')]),
          { default: [...C.backup], description: 'What to back up before the change.' },
        ),
      ),
      verify: Type.Optional(
        Type.Array(
          closed({
            name: named('The check name, unique in the campaign.'),
            check: Type.Optional(
              Type.Union(
                [Type.Literal('service-up'), Type.Literal('versions'), Type.Literal('no-alarms')],
                { description: 'A built-in check (give check or exec, not both).' },
              ),
            ),
            exec: Type.Optional(
              Type.String({
                minLength: 1,
                description: 'A command to run (give check or exec, not both).',
              }),
            ),
          }),
          { default: [], description: 'Checks run after each host is upgraded.' },
        ),
      ),
    }),
  },
  { $id: 'https://escalator.dev/schema/v1alpha1/campaign.json', title: 'Campaign' },
);
export type CampaignDocument = Static<typeof CampaignSchema>;

export type DocumentKind = 'Inventory' | 'Catalog' | 'Campaign';

/** The value types many fields share, for the generated reference. */
export const VALUE_TYPES: readonly TSchema[] = [
  Name,
  VersionString,
  RangeString,
  duration(''),
  Percentage,
];

export const DOCUMENT_SCHEMAS: Readonly<Record<DocumentKind, TSchema>> = {
  Inventory: InventorySchema,
  Catalog: CatalogSchema,
  Campaign: CampaignSchema,
};
