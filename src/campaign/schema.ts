/**
 * The documents' JSON Schemas, written once in code with TypeBox: the static types of the raw
 * documents are inferred from them, Ajv compiles them for validation, and docs/schema/*.json
 * and docs/campaign-reference.md are generated from them (CI checks they are current).
 * Objects are closed (`additionalProperties: false`); choices are enums, not booleans.
 */
import { Type, type Static, type TSchema, type TProperties, type ObjectOptions } from '@sinclair/typebox';

export const API_VERSION = 'escalator.dev/v1alpha1';

const closed = <T extends TProperties>(properties: T, options: ObjectOptions = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options });

const Name = Type.String({
  minLength: 1,
  maxLength: 253,
  pattern: '^[A-Za-z0-9]([A-Za-z0-9._:/@-]*[A-Za-z0-9])?$',
  description: 'A name: letters, digits and . _ : / @ - inside.',
});
const VersionString = Type.String({
  minLength: 1,
  description: 'A version such as 26.2.2 or 2:26.2.2-1~deb12u5 (ordered as dpkg orders them).',
});
const RangeString = Type.String({
  minLength: 1,
  description: 'A version range: *, 26.2.2, >=26.0.0 <28, 26.*, alternatives joined by ||.',
});
const Duration = Type.Union([Type.String({ pattern: '^(\\d+(\\.\\d+)?(ms|s|m|h|d))+$' }), Type.Number({ minimum: 0 })], {
  description: 'A duration: 500ms, 90s, 15m, 1h30m, or a number of seconds.',
});
const Labels = Type.Record(Type.String({ minLength: 1 }), Type.String(), {
  description: 'Labels such as az, rack, aggregate.',
});
const Metadata = closed({ name: Name, description: Type.Optional(Type.String()) });
const header = <K extends string>(kind: K) => ({
  apiVersion: Type.Literal(API_VERSION),
  kind: Type.Literal(kind),
  metadata: Metadata,
});

// ---------------------------------------------------------------- Inventory

export const AlarmSchema = closed({
  code: Type.String({ minLength: 1 }),
  severity: Type.Union([Type.Literal('critical'), Type.Literal('major'), Type.Literal('minor'), Type.Literal('warning')]),
  message: Type.String({ default: '' }),
});

export const HostSchema = closed({
  name: Name,
  site: Name,
  roles: Type.Array(Name, { minItems: 1, description: 'controller, network, storage, compute or your own.' }),
  labels: Type.Optional(Labels),
  capacity: closed({
    vcpu: Type.Integer({ minimum: 0, description: 'Schedulable vCPUs (after the allocation ratio).' }),
    memoryMiB: Type.Integer({ minimum: 0, description: 'Schedulable memory in MiB.' }),
  }),
  state: Type.Optional(Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('maintenance')], { default: 'up' })),
  scheduling: Type.Optional(Type.Union([Type.Literal('enabled'), Type.Literal('disabled')], { default: 'enabled' })),
  alarms: Type.Optional(Type.Array(AlarmSchema)),
  components: Type.Record(Name, VersionString, { description: 'Installed components: name → version.' }),
});

export const FlavorSchema = closed({
  name: Name,
  vcpu: Type.Integer({ minimum: 0 }),
  memoryMiB: Type.Integer({ minimum: 0 }),
});

export const InstanceSchema = closed({
  name: Name,
  host: Name,
  flavor: Name,
  migration: Type.Optional(Type.Union([Type.Literal('live'), Type.Literal('cold'), Type.Literal('none')], { default: 'live' })),
  toleratedInterruption: Type.Optional(Duration),
  vnf: Type.Optional(Name),
});

export const VnfSchema = closed({
  name: Name,
  redundancy: Type.Union([Type.Literal('active-standby'), Type.Literal('n+m'), Type.Literal('load-balanced'), Type.Literal('none')]),
  minAvailable: Type.Integer({ minimum: 0, description: 'Members that must serve at every moment.' }),
  antiAffinity: Type.Optional(Type.Union([Type.Literal('strict'), Type.Literal('soft'), Type.Literal('none')], { default: 'none' })),
  vnfm: Type.Optional(Type.String({ minLength: 1, description: 'VNF manager endpoint for maintenance notices.' })),
});

export const ClusterSchema = closed({
  name: Name,
  members: Type.Array(Name, { minItems: 1 }),
  quorum: Type.Integer({ minimum: 1, description: 'Members that must stay up.' }),
});

export const InventorySchema = closed(
  {
    ...header('Inventory'),
    spec: closed({
      sites: Type.Array(closed({ name: Name }), { minItems: 1 }),
      sharedServices: Type.Optional(
        Type.Array(closed({ component: Name, providedBy: Name, usedBy: Type.Array(Name, { minItems: 1 }) })),
      ),
      flavors: Type.Optional(Type.Array(FlavorSchema)),
      hosts: Type.Array(HostSchema),
      instances: Type.Optional(Type.Array(InstanceSchema)),
      vnfs: Type.Optional(Type.Array(VnfSchema)),
      clusters: Type.Optional(Type.Array(ClusterSchema)),
    }),
  },
  { $id: 'https://escalator.dev/schema/v1alpha1/inventory.json', title: 'Inventory' },
);
export type InventoryDocument = Static<typeof InventorySchema>;

// ---------------------------------------------------------------- Catalog

const Activation = Type.Union([Type.Literal('none'), Type.Literal('restart'), Type.Literal('reboot')]);

export const ReleaseSchema = closed({
  version: VersionString,
  upgradeFrom: Type.Optional(Type.String({ ...RangeString, default: '*', description: 'Versions this release can be upgraded from directly.' })),
  coexistsWith: Type.Optional(Type.String({ ...RangeString, default: '*', description: 'Versions of the same component it runs beside.' })),
  requires: Type.Optional(
    Type.Array(
      closed({
        component: Name,
        versions: RangeString,
        scope: Type.Optional(Type.Union([Type.Literal('host'), Type.Literal('site')], { default: 'site' })),
      }),
    ),
  ),
  activation: Type.Optional(Activation),
  durations: Type.Optional(
    closed({ install: Type.Optional(Duration), activate: Type.Optional(Duration), verify: Type.Optional(Duration) }),
  ),
});

export const CatalogSchema = closed(
  {
    ...header('Catalog'),
    spec: closed({
      components: Type.Array(
        closed({
          name: Name,
          activation: Type.Optional(Activation),
          durations: Type.Optional(
            closed({ install: Type.Optional(Duration), activate: Type.Optional(Duration), verify: Type.Optional(Duration) }),
          ),
          releases: Type.Array(ReleaseSchema, { minItems: 1 }),
        }),
      ),
    }),
  },
  { $id: 'https://escalator.dev/schema/v1alpha1/catalog.json', title: 'Catalog' },
);
export type CatalogDocument = Static<typeof CatalogSchema>;

// ---------------------------------------------------------------- Campaign

export const CampaignSchema = closed(
  {
    ...header('Campaign'),
    spec: closed({
      site: Type.Optional(Name),
      mode: Type.Optional(Type.Union([Type.Literal('smooth'), Type.Literal('non-smooth')], { default: 'smooth' })),
      upgrades: Type.Array(closed({ component: Name, to: VersionString, activation: Type.Optional(Activation) }), { minItems: 1 }),
      targets: Type.Optional(
        closed({
          roles: Type.Optional(Type.Array(Name)),
          labels: Type.Optional(Labels),
          exclude: Type.Optional(Type.Array(Name)),
        }),
      ),
      rollout: Type.Optional(
        closed({
          maxParallel: Type.Optional(
            Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^(100|[1-9]?[0-9])(\\.[0-9]+)?%$' })], {
              default: '10%',
              description: 'Hosts at once: a number, or a percentage of the stage.',
            }),
          ),
          maxPerFailureDomain: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.Integer({ minimum: 1 }))),
          instanceAction: Type.Optional(
            Type.Union([Type.Literal('live-migrate'), Type.Literal('cold-migrate'), Type.Literal('switch-over'), Type.Literal('stop-start')], {
              default: 'live-migrate',
            }),
          ),
          onFailure: Type.Optional(
            closed({
              action: Type.Union([Type.Literal('pause'), Type.Literal('rollback'), Type.Literal('continue')]),
              maxFailedHosts: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
            }),
          ),
        }),
      ),
      guards: Type.Optional(
        closed({
          scaleUp: Type.Optional(Type.Union([Type.Literal('disable'), Type.Literal('keep')], { default: 'disable' })),
          alarms: Type.Optional(Type.Union([Type.Literal('strict'), Type.Literal('lenient')], { default: 'strict' })),
          maxInterruption: Type.Optional(Duration),
        }),
      ),
      coordination: Type.Optional(
        closed({
          notifyVnfm: Type.Optional(Type.Boolean({ default: true })),
          leadTime: Type.Optional(Duration),
          ackTimeout: Type.Optional(Duration),
          onNoAck: Type.Optional(Type.Union([Type.Literal('pause'), Type.Literal('proceed'), Type.Literal('skip-host')], { default: 'pause' })),
        }),
      ),
      timeouts: Type.Optional(
        closed({
          evacuate: Type.Optional(Duration),
          install: Type.Optional(Duration),
          activate: Type.Optional(Duration),
          verify: Type.Optional(Duration),
          campaign: Type.Optional(Duration),
        }),
      ),
      backup: Type.Optional(Type.Array(Type.Union([Type.Literal('versions'), Type.Literal('config'), Type.Literal('databases')]))),
      verify: Type.Optional(
        Type.Array(
          closed({
            name: Name,
            check: Type.Optional(Type.Union([Type.Literal('service-up'), Type.Literal('versions'), Type.Literal('no-alarms')])),
            exec: Type.Optional(Type.String({ minLength: 1 })),
          }),
        ),
      ),
    }),
  },
  { $id: 'https://escalator.dev/schema/v1alpha1/campaign.json', title: 'Campaign' },
);
export type CampaignDocument = Static<typeof CampaignSchema>;

export const DOCUMENT_SCHEMAS: Readonly<Record<'Inventory' | 'Catalog' | 'Campaign', TSchema>> = {
  Inventory: InventorySchema,
  Catalog: CatalogSchema,
  Campaign: CampaignSchema,
};
