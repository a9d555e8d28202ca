import { Ajv } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DOCUMENT_SCHEMAS,
  campaignFromDocument,
  catalogFromDocument,
  documentProblems,
  inventoryFromDocument,
  parseDocument,
} from '../../campaign/index.js';
import { plan, verifyPlan, type PlanningInput } from '../../planner/index.js';
import { parseRange, parseVersion, satisfies, mustParseRange } from '../../model/version.js';
import {
  AVAILABLE,
  INSTALLED,
  INVENTORY_SHAPES,
  generateCloud,
  type GeneratedCloud,
  type GenerateOptions,
  type InventoryShape,
} from './generate.js';

type Spec = GeneratedCloud['inventory']['spec'];
type HostDoc = Spec['hosts'][number];
type CatalogComponent = GeneratedCloud['catalog']['spec']['components'][number];

// ---------------------------------------------------------------- helpers

const cache = new Map<string, GeneratedCloud>();
/** Generation is pure, so tests that look at the same cloud share one. */
function cloud(o: GenerateOptions): GeneratedCloud {
  const key = JSON.stringify(o);
  let c = cache.get(key);
  if (c === undefined) cache.set(key, (c = generateCloud(o)));
  return c;
}

const spec = (c: GeneratedCloud): Spec => c.inventory.spec;
const isCompute = (h: HostDoc): boolean => h.roles.includes('compute');
/** Where an instance may live and move: Nova keeps it in its site, AZ and aggregate. */
const groupOf = (h: HostDoc): string => `${h.site}/${h.labels?.['az']}/${h.labels?.['aggregate']}`;

function memberCounts(s: Spec): Map<string, number> {
  const members = new Map<string, number>();
  for (const i of s.instances ?? []) if (i.vnf) members.set(i.vnf, (members.get(i.vnf) ?? 0) + 1);
  return members;
}

interface HostUse {
  readonly host: HostDoc;
  vcpu: number;
  memoryMiB: number;
  instances: number;
}

function usage(c: GeneratedCloud): Map<string, HostUse> {
  const s = spec(c);
  const flavors = new Map((s.flavors ?? []).map((f) => [f.name, f]));
  const use = new Map(
    s.hosts.map((h) => [h.name, { host: h, vcpu: 0, memoryMiB: 0, instances: 0 }]),
  );
  for (const i of s.instances ?? []) {
    const u = use.get(i.host);
    const f = flavors.get(i.flavor);
    if (u === undefined || f === undefined) continue;
    u.vcpu += f.vcpu;
    u.memoryMiB += f.memoryMiB;
    u.instances++;
  }
  return use;
}

function computeUtilisation(c: GeneratedCloud, site?: string): number {
  let used = 0;
  let capacity = 0;
  for (const u of usage(c).values())
    if (isCompute(u.host) && (site === undefined || u.host.site === site)) {
      used += u.vcpu;
      capacity += u.host.capacity.vcpu;
    }
  return used / capacity;
}

/** Every structural invariant a generated cloud promises, as readable problems. */
function problems(c: GeneratedCloud): string[] {
  const out: string[] = [];
  const s = spec(c);
  const hosts = new Map(s.hosts.map((h) => [h.name, h]));
  const flavors = new Set((s.flavors ?? []).map((f) => f.name));
  const vnfs = new Map((s.vnfs ?? []).map((v) => [v.name, v]));
  const unique = (kind: string, names: readonly string[]): void => {
    if (new Set(names).size !== names.length) out.push(`${kind} names are not unique`);
  };
  unique('host', [...s.hosts.map((h) => h.name)]);
  unique(
    'instance',
    (s.instances ?? []).map((i) => i.name),
  );
  unique('vnf', [...vnfs.keys()]);
  unique('flavor', [...flavors]);

  for (const u of usage(c).values()) {
    if (u.vcpu > u.host.capacity.vcpu) out.push(`${u.host.name}: ${u.vcpu} vCPU over capacity`);
    if (u.memoryMiB > u.host.capacity.memoryMiB) out.push(`${u.host.name}: memory over capacity`);
  }

  const membersOf = new Map<string, { hosts: string[]; groups: Set<string> }>();
  for (const i of s.instances ?? []) {
    const h = hosts.get(i.host);
    if (h === undefined) out.push(`${i.name}: unknown host ${i.host}`);
    else if (!isCompute(h)) out.push(`${i.name}: on ${h.name}, which is not a compute host`);
    if (!flavors.has(i.flavor)) out.push(`${i.name}: unknown flavor ${i.flavor}`);
    if (i.vnf === undefined) continue;
    if (!vnfs.has(i.vnf)) out.push(`${i.name}: unknown VNF ${i.vnf}`);
    const m = membersOf.get(i.vnf) ?? { hosts: [], groups: new Set<string>() };
    m.hosts.push(i.host);
    if (h !== undefined) m.groups.add(groupOf(h));
    membersOf.set(i.vnf, m);
  }
  for (const v of vnfs.values()) {
    const m = membersOf.get(v.name) ?? { hosts: [], groups: new Set<string>() };
    if (m.hosts.length < v.minAvailable)
      out.push(`${v.name}: ${m.hosts.length} members < minAvailable ${v.minAvailable}`);
    if (v.minAvailable < 1) out.push(`${v.name}: minAvailable ${v.minAvailable}`);
    if (v.antiAffinity === 'strict' && new Set(m.hosts).size !== m.hosts.length)
      out.push(`${v.name}: two strict anti-affinity members share a host`);
    const onOneHost = new Map<string, number>();
    for (const h of m.hosts) onOneHost.set(h, (onOneHost.get(h) ?? 0) + 1);
    const canLose = Math.max(1, m.hosts.length - v.minAvailable);
    if (Math.max(0, ...onOneHost.values()) > canLose)
      out.push(`${v.name}: a host holds more members than the VNF can lose at once`);
    if (m.groups.size > 1) out.push(`${v.name}: members in several placement groups`);
  }
  for (const h of s.hosts) {
    if (h.components['kernel'] === undefined) out.push(`${h.name}: no kernel`);
    if (h.state !== undefined && h.state !== 'up') out.push(`${h.name}: ${h.state}`);
    if (h.scheduling === 'disabled') out.push(`${h.name}: scheduling disabled`);
    if ((h.alarms ?? []).length > 0) out.push(`${h.name}: has alarms`);
  }
  return out;
}

const releaseOf = (catalog: readonly CatalogComponent[], component: string, version: string) =>
  catalog.find((c) => c.name === component)?.releases.find((r) => r.version === version);

/** Requirements of installed releases that the hosts do not meet. */
function unmetRequirements(
  hosts: readonly HostDoc[],
  catalog: readonly CatalogComponent[],
): string[] {
  const out: string[] = [];
  for (const h of hosts)
    for (const [component, version] of Object.entries(h.components)) {
      const release = releaseOf(catalog, component, version);
      if (release === undefined) {
        out.push(`${h.name}: ${component} ${version} is not in the catalog`);
        continue;
      }
      for (const req of release.requires ?? []) {
        const range = mustParseRange(req.versions);
        const scope = req.scope === 'host' ? [h] : hosts.filter((o) => o.site === h.site);
        const copies = scope.flatMap((o) => o.components[req.component] ?? []);
        if (copies.length === 0 || copies.some((v) => !satisfies(v, range)))
          out.push(`${h.name}: ${component} ${version} needs ${req.component} ${req.versions}`);
      }
    }
  return out;
}

/** The documents as Escalator reads them from files: validated, then compiled. */
function compiled(c: GeneratedCloud): PlanningInput {
  const read = (doc: object, file: string) => parseDocument(JSON.stringify(doc, null, 2), file);
  const inventory = inventoryFromDocument(read(c.inventory, 'inventory.json'));
  const catalog = catalogFromDocument(read(c.catalog, 'catalog.json'));
  const campaign = campaignFromDocument(read(c.campaign, 'campaign.json'), { inventory, catalog });
  return { inventory, catalog, campaign };
}

// ---------------------------------------------------------------- tests

describe('generateCloud', () => {
  it('gives deep-equal documents for the same options', () => {
    for (const shape of INVENTORY_SHAPES) {
      const o = { hosts: 120, seed: 99, shape, sites: 2 };
      expect(generateCloud(o)).toEqual(generateCloud(o));
    }
  });

  it('gives different inventories for different seeds', () => {
    const a = cloud({ hosts: 100, seed: 1 }).inventory;
    const b = cloud({ hosts: 100, seed: 2 }).inventory;
    expect(a.spec.instances).not.toEqual(b.spec.instances);
    expect(a.spec.hosts).not.toEqual(b.spec.hosts);
  });

  it('keeps every invariant for any size, site count, shape and seed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 12, max: 400 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom(...INVENTORY_SHAPES),
        fc.integer(),
        fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
        (hosts, sites, shape, seed, utilisation) => {
          const c = generateCloud({ hosts, sites, shape, seed, utilisation });
          expect(problems(c)).toEqual([]);
        },
      ),
      { numRuns: 150, seed: 20261125 },
    );
  });

  it.each(
    INVENTORY_SHAPES.flatMap((shape) =>
      [4, 10, 19, 20, 57, 1000].map((hosts) => [shape, hosts] as const),
    ),
  )('generates a consistent %s cloud of %i hosts', (shape, hosts) => {
    const c = cloud({ hosts, seed: 7, shape });
    expect(problems(c)).toEqual([]);
    expect(spec(c).instances?.length).toBeGreaterThan(0);
  });

  it.each([
    ['balanced', 0.7],
    ['dense', 0.9],
    ['sparse', 0.3],
  ] as const)('fills %s clouds to %f of compute vCPU, within 5 points', (shape, expected) => {
    for (const hosts of [10, 100, 1000])
      for (const seed of [1, 2, 3]) {
        const c = cloud({ hosts, seed, shape });
        expect(Math.abs(computeUtilisation(c) - expected)).toBeLessThan(0.05);
      }
  });

  it('fills to an explicit utilisation in every site', () => {
    for (const utilisation of [0, 0.15, 0.5, 0.8]) {
      const c = cloud({ hosts: 300, seed: 4, sites: 3, utilisation });
      for (const site of spec(c).sites)
        expect(Math.abs(computeUtilisation(c, site.name) - utilisation)).toBeLessThan(0.05);
    }
  });

  it('places about twenty instances per compute host at 70 %', () => {
    const c = cloud({ hosts: 1000, seed: 5 });
    const computes = spec(c).hosts.filter(isCompute).length;
    const perHost = (spec(c).instances ?? []).length / computes;
    expect(perHost).toBeGreaterThan(16);
    expect(perHost).toBeLessThan(24);
  });

  it('scales to 10,000 hosts with 150,000 to 220,000 instances', () => {
    const c = generateCloud({ hosts: 10_000, seed: 10_000 });
    const instances = spec(c).instances ?? [];
    expect(spec(c).hosts).toHaveLength(10_000);
    expect(instances.length).toBeGreaterThanOrEqual(150_000);
    expect(instances.length).toBeLessThanOrEqual(220_000);
    expect(problems(c)).toEqual([]);
    // The scheduler weighs every host of a placement group: groups must stay AZ-sized.
    const groups = new Map<string, number>();
    for (const h of spec(c).hosts.filter(isCompute))
      groups.set(groupOf(h), (groups.get(groupOf(h)) ?? 0) + 1);
    expect(Math.max(...groups.values())).toBeLessThanOrEqual(120);
  });

  it('spreads instances fairly evenly, unlike the unbalanced shape', () => {
    const spread = (shape: InventoryShape): number => {
      const fractions = [...usage(cloud({ hosts: 1000, seed: 8, shape })).values()]
        .filter((u) => isCompute(u.host))
        .map((u) => u.vcpu / u.host.capacity.vcpu);
      const mean = fractions.reduce((a, b) => a + b, 0) / fractions.length;
      return Math.sqrt(fractions.reduce((a, b) => a + (b - mean) ** 2, 0) / fractions.length);
    };
    expect(spread('balanced')).toBeLessThan(0.12);
    expect(spread('unbalanced')).toBeGreaterThan(2 * spread('balanced'));
  });

  it('leaves a tight cloud one empty spare host per placement group and little else', () => {
    for (const hosts of [10, 100, 1000]) {
      const c = cloud({ hosts, seed: 6, shape: 'tight', sites: 2 });
      const groups = new Map<string, HostUse[]>();
      for (const u of usage(c).values())
        if (isCompute(u.host))
          groups.set(groupOf(u.host), [...(groups.get(groupOf(u.host)) ?? []), u]);
      for (const [group, members] of groups) {
        const largest = Math.max(...members.map((u) => u.host.capacity.vcpu));
        const capacity = members.reduce((a, u) => a + u.host.capacity.vcpu, 0);
        const free = members.reduce((a, u) => a + u.host.capacity.vcpu - u.vcpu, 0);
        const spare = members.some((u) => u.instances === 0 && u.host.capacity.vcpu === largest);
        expect(spare, group).toBe(true);
        expect(free - largest, group).toBeLessThan(0.1 * capacity);
      }
    }
  });

  it('gives the big-vnf shape VNFs of 20 to 60 members in every site', () => {
    const c = cloud({ hosts: 400, seed: 3, shape: 'big-vnf', sites: 2 });
    const members = memberCounts(spec(c));
    const big = [...members.entries()].filter(([, n]) => n >= 20);
    expect(big.length).toBeGreaterThanOrEqual(3 * 2);
    expect(Math.max(...members.values())).toBeLessThanOrEqual(60);
  });

  it('covers every redundancy model, anti-affinity, migratability and budget', () => {
    const s = spec(cloud({ hosts: 1000, seed: 12 }));
    const vnfs = s.vnfs ?? [];
    const instances = s.instances ?? [];
    expect(new Set(vnfs.map((v) => v.redundancy))).toEqual(
      new Set(['active-standby', 'n+m', 'load-balanced', 'none']),
    );
    expect(new Set(vnfs.map((v) => v.antiAffinity))).toEqual(new Set(['strict', 'soft', 'none']));
    expect(new Set(instances.map((i) => i.migration))).toEqual(new Set(['live', 'cold', 'none']));
    expect(new Set(instances.map((i) => i.toleratedInterruption))).toEqual(
      new Set(['200ms', '500ms', '2s']),
    );
    expect(instances.some((i) => i.vnf === undefined)).toBe(true);
    const strict = vnfs.filter((v) => v.antiAffinity === 'strict').length;
    expect(strict / vnfs.length).toBeGreaterThan(0.5);
    const withVnfm = vnfs.filter((v) => v.vnfm?.startsWith('http://vnfm-')).length;
    expect(withVnfm / vnfs.length).toBeGreaterThan(0.7);
    const members = memberCounts(s);
    for (const v of vnfs) {
      const n = members.get(v.name) ?? 0;
      if (v.redundancy === 'active-standby') expect([n, v.minAvailable]).toEqual([2, 1]);
      if (v.redundancy === 'none') expect([n, v.minAvailable]).toEqual([1, 1]);
      if (v.redundancy === 'load-balanced') expect(n - v.minAvailable).toBeGreaterThanOrEqual(1);
    }
  });

  it('gives only redundant VNFs members that cannot live-migrate', () => {
    const s = spec(cloud({ hosts: 1000, seed: 12 }));
    const vnfs = new Map((s.vnfs ?? []).map((v) => [v.name, v]));
    const members = memberCounts(s);
    for (const i of s.instances ?? []) {
      if (i.migration === 'live') continue;
      const v = i.vnf === undefined ? undefined : vnfs.get(i.vnf);
      expect(v, i.name).toBeDefined();
      expect(members.get(v?.name ?? '') ?? 0).toBeGreaterThan(v?.minAvailable ?? Infinity);
    }
  });

  it('lays out controllers, network, Ceph and compute hosts as a carrier site has them', () => {
    const s = spec(cloud({ hosts: 1000, seed: 7 }));
    const byRole = (role: string) => s.hosts.filter((h) => h.roles.includes(role));
    expect(byRole('controller')).toHaveLength(3);
    expect(byRole('network').length).toBeGreaterThanOrEqual(2);
    expect(byRole('storage').length).toBeGreaterThanOrEqual(3);
    expect(new Set(byRole('controller').map((h) => h.labels?.['rack'])).size).toBe(3);
    expect(new Set(byRole('storage').map((h) => h.labels?.['rack'])).size).toBeGreaterThanOrEqual(
      3,
    );
    const computes = byRole('compute');
    expect(new Set(computes.map((h) => h.labels?.['az'])).size).toBeGreaterThanOrEqual(2);
    expect(new Set(computes.map((h) => h.labels?.['aggregate']))).toEqual(
      new Set(['dpdk', 'general']),
    );
    expect(new Set(computes.map((h) => h.labels?.['hw'])).size).toBeGreaterThanOrEqual(2);
    const perRack = new Map<string, number>();
    for (const h of s.hosts)
      perRack.set(h.labels?.['rack'] ?? '', (perRack.get(h.labels?.['rack'] ?? '') ?? 0) + 1);
    expect(Math.max(...perRack.values())).toBeLessThanOrEqual(20);
    for (const h of computes) {
      expect(h.capacity.vcpu).toBeGreaterThanOrEqual(64);
      expect(h.capacity.vcpu).toBeLessThanOrEqual(128);
      expect(Object.keys(h.components).sort()).toEqual([
        'kernel',
        'libvirt',
        'neutron-openvswitch-agent',
        'nova-compute',
        'openvswitch',
        'qemu',
      ]);
    }
    const storageRacks = new Set(byRole('storage').map((h) => h.labels?.['rack']));
    const otherRacks = new Set(
      s.hosts.filter((h) => !h.roles.includes('storage')).map((h) => h.labels?.['rack']),
    );
    expect([...storageRacks].filter((r) => otherRacks.has(r))).toEqual([]);
    expect(s.clusters).toEqual([
      { name: 'control-plane-site-1', members: byRole('controller').map((h) => h.name), quorum: 2 },
      {
        name: 'ceph-site-1',
        members: byRole('storage').map((h) => h.name),
        failureDomain: 'rack',
        maxDomainsDown: 1,
      },
    ]);
  });

  it('keeps DPDK hosts for data-plane VNFs, in aggregates large enough to evacuate', () => {
    const s = spec(cloud({ hosts: 1000, seed: 7, sites: 2 }));
    const hosts = new Map(s.hosts.map((h) => [h.name, h]));
    const dpdkGroups = new Map<string, number>();
    for (const h of s.hosts)
      if (h.labels?.['aggregate'] === 'dpdk')
        dpdkGroups.set(groupOf(h), (dpdkGroups.get(groupOf(h)) ?? 0) + 1);
    expect(dpdkGroups.size).toBeGreaterThan(0);
    for (const n of dpdkGroups.values()) expect(n).toBeGreaterThanOrEqual(6);
    const dataPlane = /^(vrouter|upf|sbc)-/;
    for (const i of s.instances ?? []) {
      const h = hosts.get(i.host) as HostDoc;
      const onDpdk = h.labels?.['aggregate'] === 'dpdk';
      expect(onDpdk, i.name).toBe(dataPlane.test(i.vnf ?? ''));
    }
  });

  it('keeps three controllers and makes the rest compute in a 10-host cloud', () => {
    const s = spec(cloud({ hosts: 10, seed: 7 }));
    expect(s.hosts.filter((h) => h.roles.includes('controller'))).toHaveLength(3);
    expect(s.hosts.filter(isCompute)).toHaveLength(7);
    expect(s.hosts.filter((h) => h.roles.includes('storage'))).toHaveLength(0);
  });

  it('shares site-1 Keystone with the other sites', () => {
    const s = spec(cloud({ hosts: 90, seed: 2, sites: 3 }));
    expect(s.sites.map((x) => x.name)).toEqual(['site-1', 'site-2', 'site-3']);
    expect(s.sharedServices).toEqual([
      { component: 'keystone', providedBy: 'site-1', usedBy: ['site-2', 'site-3'] },
    ]);
    const keystoneSites = new Set(
      s.hosts.filter((h) => h.components['keystone']).map((h) => h.site),
    );
    expect(keystoneSites).toEqual(new Set(['site-1']));
    expect(s.clusters?.map((c) => c.name)).toEqual(
      ['site-1', 'site-2', 'site-3'].flatMap((x) => [`control-plane-${x}`, `ceph-${x}`]),
    );
  });

  it('writes versions and ranges that parse', () => {
    for (const shape of INVENTORY_SHAPES) {
      const c = cloud({ hosts: 57, seed: 1, shape });
      const versions = [
        ...spec(c).hosts.flatMap((h) => Object.values(h.components)),
        ...c.catalog.spec.components.flatMap((x) => x.releases.map((r) => r.version)),
        ...c.campaign.spec.upgrades.map((u) => u.to),
      ];
      for (const v of versions) expect(parseVersion(v), v).toMatchObject({ ok: true });
      const ranges = c.catalog.spec.components.flatMap((x) =>
        x.releases.flatMap((r) => [
          ...(r.requires ?? []).map((q) => q.versions),
          r.upgradeFrom ?? '*',
          r.coexistsWith ?? '*',
        ]),
      );
      for (const r of ranges) expect(parseRange(r), r).toMatchObject({ ok: true });
    }
  });

  it('conforms to the JSON Schemas of the documents', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = {
      inventory: ajv.compile(DOCUMENT_SCHEMAS.Inventory),
      catalog: ajv.compile(DOCUMENT_SCHEMAS.Catalog),
      campaign: ajv.compile(DOCUMENT_SCHEMAS.Campaign),
    };
    for (const shape of INVENTORY_SHAPES)
      for (const [hosts, sites] of [
        [10, 1],
        [240, 3],
      ] as const) {
        const c = cloud({ hosts, sites, seed: 3, shape });
        for (const kind of ['inventory', 'catalog', 'campaign'] as const) {
          expect(validate[kind](c[kind]), `${shape} ${kind}`).toBe(true);
          expect(validate[kind].errors ?? []).toEqual([]);
        }
      }
  });
});

describe('generated documents in Escalator', () => {
  it('pass the document validator with zero problems', () => {
    const clouds = [
      ...INVENTORY_SHAPES.flatMap((shape) => [
        cloud({ hosts: 10, seed: 3, shape }),
        cloud({ hosts: 240, seed: 3, shape, sites: 3 }),
      ]),
    ];
    for (const c of clouds) {
      const name = c.inventory.metadata.name;
      const problems = [
        ...documentProblems(parseDocument(JSON.stringify(c.inventory), 'i.json'), 'Inventory'),
        ...documentProblems(parseDocument(JSON.stringify(c.catalog), 'c.json'), 'Catalog'),
        ...documentProblems(parseDocument(JSON.stringify(c.campaign), 'k.json'), 'Campaign'),
      ];
      expect(problems, name).toEqual([]);
      expect(() => compiled(c), name).not.toThrow();
    }
  });

  it('give a balanced cloud whose example campaign plans every host with no blocker', () => {
    const runs = [10, 10, 10, 100, 100, 1000].map((hosts, i) => [hosts, i + 1] as const);
    for (const [hosts, seed] of runs) {
      const input = compiled(cloud({ hosts, seed }));
      const p = plan(input, { strategy: 'optimised' });
      const where = `${hosts} hosts, seed ${seed}`;
      expect(p.unplanned, where).toEqual([]);
      expect(
        p.findings.filter((f) => f.severity === 'blocker'),
        where,
      ).toEqual([]);
      expect(p.summary.hosts, where).toBe(
        input.inventory.hosts.filter((h) => h.site === 'site-1').length,
      );
      expect(verifyPlan(p, input), where).toBeUndefined();
    }
  });
});

describe('the generated catalog and campaign', () => {
  const c = cloud({ hosts: 300, seed: 21, sites: 2 });
  const catalog = c.catalog.spec.components;

  it('has a release for every installed version and every campaign target', () => {
    for (const h of spec(c).hosts)
      for (const [component, version] of Object.entries(h.components))
        expect(releaseOf(catalog, component, version), `${component} ${version}`).toBeDefined();
    for (const u of c.campaign.spec.upgrades)
      expect(releaseOf(catalog, u.component, u.to), `${u.component} ${u.to}`).toBeDefined();
  });

  it('has requirements without cycles', () => {
    const edges = new Map(
      catalog.map((x) => [
        x.name,
        new Set(x.releases.flatMap((r) => (r.requires ?? []).map((q) => q.component))),
      ]),
    );
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (n: string, path: string[]): void => {
      if (state.get(n) === 'done') return;
      expect(state.get(n), `cycle ${[...path, n].join(' → ')}`).not.toBe('visiting');
      state.set(n, 'visiting');
      for (const m of edges.get(n) ?? []) visit(m, [...path, n]);
      state.set(n, 'done');
    };
    for (const n of edges.keys()) visit(n, []);
  });

  it('is met by the inventory as installed', () => {
    expect(unmetRequirements(spec(c).hosts, catalog)).toEqual([]);
  });

  it('targets site-1, all its roles, and reaches its targets without skipping a release', () => {
    const campaign = c.campaign.spec;
    expect(c.campaign.metadata.name).toBe('zed-to-antelope');
    expect(campaign.site).toBe('site-1');
    expect(campaign.mode).toBe('smooth');
    expect(campaign.targets?.roles).toEqual(['controller', 'network', 'storage', 'compute']);
    const targeted = spec(c).hosts.filter((h) => h.site === 'site-1');
    for (const u of campaign.upgrades) {
      const release = releaseOf(catalog, u.component, u.to);
      const from = mustParseRange(release?.upgradeFrom ?? '*');
      const coexists = mustParseRange(release?.coexistsWith ?? '*');
      const installed = targeted.flatMap((h) => h.components[u.component] ?? []);
      expect(installed.length, u.component).toBeGreaterThan(0);
      for (const v of installed) {
        expect(satisfies(v, from), `${u.component} ${v} → ${u.to}`).toBe(true);
        expect(satisfies(v, coexists), `${u.component} ${u.to} beside ${v}`).toBe(true);
      }
    }
  });

  it('leaves every requirement met once the campaign has run', () => {
    const campaign = c.campaign.spec;
    const upgraded = spec(c).hosts.map((h) => {
      if (h.site !== campaign.site) return h;
      const components = { ...h.components };
      for (const u of campaign.upgrades)
        if (components[u.component] !== undefined) components[u.component] = u.to;
      return { ...h, components };
    });
    expect(unmetRequirements(upgraded, catalog)).toEqual([]);
  });

  it('makes nova-compute 27 wait for every conductor of the site and for qemu on its host', () => {
    const nova27 = releaseOf(catalog, 'nova-compute', AVAILABLE.nova);
    expect(nova27?.requires).toEqual(
      expect.arrayContaining([
        { component: 'nova-conductor', versions: '>=2:27', scope: 'site' },
        { component: 'qemu', versions: `>=${AVAILABLE.qemuRequiredByNova27}`, scope: 'host' },
      ]),
    );
    expect(satisfies(INSTALLED.qemu, mustParseRange(`>=${AVAILABLE.qemuRequiredByNova27}`))).toBe(
      false,
    );
  });

  it('offers Ceph Reef only from Quincy, so Pacific → Reef skips a release', () => {
    const reef = releaseOf(catalog, 'ceph-osd', AVAILABLE.ceph);
    const quincy = releaseOf(catalog, 'ceph-osd', AVAILABLE.cephIntermediate);
    expect(satisfies(INSTALLED.ceph, mustParseRange(reef?.upgradeFrom ?? '*'))).toBe(false);
    expect(satisfies(INSTALLED.ceph, mustParseRange(quincy?.upgradeFrom ?? '*'))).toBe(true);
    expect(satisfies(AVAILABLE.cephIntermediate, mustParseRange(reef?.upgradeFrom ?? '*'))).toBe(
      true,
    );
  });

  it('lists only roles the small cloud has', () => {
    expect(cloud({ hosts: 10, seed: 1 }).campaign.spec.targets?.roles).toEqual([
      'controller',
      'network',
      'compute',
    ]);
  });
});

describe('generateCloud options', () => {
  it.each<[string, GenerateOptions]>([
    ['fewer than 4 hosts per site', { hosts: 7, seed: 1, sites: 2 }],
    ['a fractional host count', { hosts: 10.5, seed: 1 }],
    ['zero sites', { hosts: 10, seed: 1, sites: 0 }],
    ['a fractional seed', { hosts: 10, seed: 0.5 }],
    ['utilisation above 1', { hosts: 10, seed: 1, utilisation: 1.2 }],
    ['a NaN utilisation', { hosts: 10, seed: 1, utilisation: Number.NaN }],
    ['an unknown shape', { hosts: 10, seed: 1, shape: 'huge' as InventoryShape }],
  ])('refuses %s', (_, o) => {
    expect(() => generateCloud(o)).toThrow(RangeError);
  });
});
