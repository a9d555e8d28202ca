import { describe, expect, it } from 'vitest';
import {
  campaignFromText,
  catalogFromText,
  documentProblems,
  DocumentError,
  formatProblems,
  inventoryFromText,
  parseDocument,
  validateCampaignAgainst,
  type DocumentProblem,
} from './index.js';
import { CAMPAIGN_YAML, CATALOG_YAML, INVENTORY_YAML, misplaced } from './testing/documents.js';

const inventory = inventoryFromText(INVENTORY_YAML, 'inventory.yaml');
const catalog = catalogFromText(CATALOG_YAML, 'catalog.yaml');
const context = { inventory, catalog };

const campaign = (spec: string): string =>
  `apiVersion: escalator.dev/v1alpha1\nkind: Campaign\nmetadata: {name: c}\nspec:\n${spec}`;

function shown(text: string, problems: readonly DocumentProblem[]): string[] {
  expect(misplaced(text, problems)).toEqual([]);
  return formatProblems(problems).split('\n');
}

/** Every problem of a campaign, alone and against the test inventory and catalog. */
function allProblems(text: string): string[] {
  try {
    campaignFromText(text, 'campaign.yaml', context);
  } catch (error) {
    if (error instanceof DocumentError) return shown(text, error.problems);
    throw error;
  }
  return [];
}

describe('a campaign checked against the inventory and catalog', () => {
  it('reports an upgrade of a component the catalog does not know', () => {
    const text = campaign(`  upgrades:
    - {component: nova-compute, to: 27.1.0}
    - {component: nova-computer, to: 27.1.0}
`);
    expect(allProblems(text)).toEqual([
      'campaign.yaml:7:19 spec.upgrades[1].component: unknown component "nova-computer" in catalog "antelope" (did you mean "nova-compute"?)',
    ]);
  });

  it('reports unknown sites, releases, hosts, roles, labels and failure-domain keys', () => {
    const text = campaign(`  site: dc3
  upgrades:
    - {component: nova-compute, to: 27.2.0}
  targets: {roles: [compute], exclude: [compute-9]}
`);
    expect(allProblems(text)).toEqual([
      'campaign.yaml:5:9 spec.site: unknown site "dc3" in inventory "lab" (did you mean "dc1"?)',
      'campaign.yaml:7:37 spec.upgrades[0].to: nova-compute has no release "27.2.0" in the catalog (did you mean "27.1.0"?)',
      'campaign.yaml:8:41 spec.targets.exclude[0]: unknown host "compute-9" in inventory "lab" (did you mean "compute-1"?)',
    ]);
    const scoped = campaign(`  site: dc1
  upgrades: [{component: kernel, to: 6.1.0-20-amd64}]
  targets: {roles: [storage], labels: {az: az2}, exclude: [edge-1]}
  rollout: {maxPerFailureDomain: {rack: 1, row: 2}}
`);
    expect(allProblems(scoped)).toEqual([
      'campaign.yaml:7:21 spec.targets.roles[0]: no host in site "dc1" has role "storage" (known: compute, controller)',
      'campaign.yaml:7:44 spec.targets.labels.az: no host in site "dc1" has label az=az2 (did you mean "az1"?)',
      'campaign.yaml:7:60 spec.targets.exclude[0]: host "edge-1" is in site "dc2", not in the campaign\'s site "dc1"',
      'campaign.yaml:8:44 spec.rollout.maxPerFailureDomain.row: no host in site "dc1" has label "row", so it defines no failure domain (known: az, rack)',
    ]);
  });

  it('places cross-document problems in the campaign file, also for JSON', () => {
    const text = JSON.stringify(
      {
        apiVersion: 'escalator.dev/v1alpha1',
        kind: 'Campaign',
        metadata: { name: 'c' },
        spec: { upgrades: [{ component: 'ovs', to: '3.1' }] },
      },
      null,
      2,
    );
    const problems = validateCampaignAgainst(
      parseDocument(text, 'campaign.json'),
      inventory,
      catalog,
    );
    expect(shown(text, problems)).toEqual([
      'campaign.json:10:22 spec.upgrades[0].component: unknown component "ovs" in catalog "antelope" (known: kernel, keystone, nova-compute)',
    ]);
  });
});

describe('a campaign on its own', () => {
  it('reports bad versions, durations, parallelism and verify entries', () => {
    const text = campaign(`  upgrades:
    - {component: kernel, to: latest}
    - {component: kernel, to: 6.1.0-20-amd64}
  rollout: {maxParallel: 0%, instanceAction: live-migration}
  guards: {maxInterruption: 1s500ms500ms}
  timeouts: {install: 10 min, campaign: 8h}
  verify:
    - {name: up, check: service-up, exec: "true"}
    - {name: up}
`);
    const problems = documentProblems(parseDocument(text, 'campaign.yaml'), 'Campaign');
    expect(shown(text, problems)).toEqual([
      'campaign.yaml:6:31 spec.upgrades[0].to: invalid version "latest": "latest" does not start with a digit',
      'campaign.yaml:7:19 spec.upgrades[1].component: duplicate upgrade of component "kernel" (first at line 6)',
      'campaign.yaml:8:26 spec.rollout.maxParallel: maxParallel 0% would upgrade no host: give more than 0%',
      'campaign.yaml:8:46 spec.rollout.instanceAction: expected one of: live-migrate, cold-migrate, switch-over, stop-start, found "live-migration" (did you mean "live-migrate"?)',
      'campaign.yaml:9:29 spec.guards.maxInterruption: invalid duration "1s500ms500ms": "ms" comes after a larger or equal unit: write units from the largest to the smallest, each once (e.g. 1h30m)',
      'campaign.yaml:10:23 spec.timeouts.install: expected a duration such as 500ms, 90s, 15m or 1h30m, found "10 min"',
      'campaign.yaml:12:7 spec.verify[0]: a verify entry gives check or exec, not both',
      'campaign.yaml:13:7 spec.verify[1]: a verify entry needs check (a built-in check) or exec (a command)',
      'campaign.yaml:13:14 spec.verify[1].name: duplicate check name "up" (first at line 12)',
    ]);
  });
});

describe('compileCampaign', () => {
  it('applies every default', () => {
    const text = campaign('  upgrades: [{component: kernel, to: 6.1.0-20-amd64}]\n');
    expect(campaignFromText(text, 'campaign.yaml', context)).toEqual({
      name: 'c',
      mode: 'smooth',
      upgrades: [{ component: 'kernel', to: '6.1.0-20-amd64' }],
      targets: { roles: [], labels: {}, exclude: [] },
      rollout: {
        maxParallel: { kind: 'percent', value: 10 },
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
        campaign: 28_800,
      },
      backup: ['versions', 'config'],
      verify: [],
    });
  });

  it('keeps what the document says, converting durations and parallelism', () => {
    const compiled = campaignFromText(CAMPAIGN_YAML, 'campaign.yaml', context);
    expect(compiled).toMatchObject({
      site: 'dc1',
      upgrades: [
        { component: 'nova-compute', to: '27.1.0' },
        { component: 'kernel', to: '6.1.0-20-amd64', activation: 'reboot' },
      ],
      targets: { roles: ['compute'], labels: { az: 'az1' }, exclude: ['compute-2'] },
      rollout: { maxParallel: { kind: 'absolute', value: 2 }, maxPerFailureDomain: { rack: 1 } },
    });
    const custom = campaign(`  upgrades: [{component: kernel, to: 6.1.0-20-amd64}]
  rollout: {maxParallel: 12.5%, onFailure: {action: rollback}}
  guards: {maxInterruption: 0.2}
  coordination: {leadTime: 2m, ackTimeout: 90}
  verify: [{name: smoke, exec: ./smoke.sh}, {name: up, check: service-up}]
`);
    expect(campaignFromText(custom, 'campaign.yaml', context)).toMatchObject({
      rollout: {
        maxParallel: { kind: 'percent', value: 12.5 },
        onFailure: { action: 'rollback', maxFailedHosts: 0 },
      },
      guards: { maxInterruptionMs: 200 },
      coordination: { leadTime: 120, ackTimeout: 90 },
      verify: [
        { name: 'smoke', exec: './smoke.sh' },
        { name: 'up', check: 'service-up' },
      ],
    });
  });
});
