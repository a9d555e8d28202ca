import { describe, expect, it } from 'vitest';
import { describeSchema, describeValue } from './describe.js';
import { formatPath } from './path.js';
import { schemaProblems } from './schema-check.js';
import { CampaignSchema, InventorySchema } from './schema.js';

const header = { apiVersion: 'escalator.dev/v1alpha1', metadata: { name: 'x' } };

describe('schema problems', () => {
  it('say once per location what a union accepts, not what each branch wanted', () => {
    const doc = {
      ...header,
      kind: 'Campaign',
      spec: {
        upgrades: [{ component: 'a', to: '1' }],
        rollout: { maxParallel: 'half' },
        guards: { maxInterruption: -1 },
        mode: 'smoothly',
      },
    };
    const problems = schemaProblems('Campaign', doc).map(
      (p) => `${formatPath(p.path)}: ${p.message ?? ''}`,
    );
    expect(problems.sort()).toEqual([
      'spec.guards.maxInterruption: expected a duration such as 500ms, 90s, 15m or 1h30m, found -1',
      'spec.mode: expected one of: smooth, non-smooth, found "smoothly" (did you mean "smooth"?)',
      'spec.rollout.maxParallel: expected integer ≥ 1 or a percentage such as 10% or 25%, found "half"',
    ]);
  });

  it('gather the missing fields of an object in one problem', () => {
    const doc = {
      ...header,
      kind: 'Inventory',
      spec: { sites: [{ name: 'dc1' }], hosts: [{ name: 'h' }] },
    };
    const [problem] = schemaProblems('Inventory', doc);
    expect(problem).toMatchObject({
      path: ['spec', 'hosts', 0],
      message: 'missing required fields "site", "roles", "capacity", "components"',
    });
  });

  it('point an unknown field at its key and suggest the field meant', () => {
    const doc = { ...header, kind: 'Campaign', spec: { upgrade: [] } };
    const problems = schemaProblems('Campaign', doc);
    expect(problems).toContainEqual(
      expect.objectContaining({
        path: ['spec', 'upgrade'],
        at: 'key',
        message: 'unknown field "upgrade" (did you mean "upgrades"?)',
      }),
    );
  });

  it('reject component names that are not names', () => {
    const host = {
      name: 'h',
      site: 's',
      roles: ['compute'],
      capacity: { vcpu: 1, memoryMiB: 1 },
      components: { 'nova compute': '1' },
    };
    const doc = { ...header, kind: 'Inventory', spec: { sites: [{ name: 's' }], hosts: [host] } };
    expect(schemaProblems('Inventory', doc)).toEqual([
      expect.objectContaining({
        path: ['spec', 'hosts', 0, 'components', 'nova compute'],
        message:
          'invalid key "nova compute": expected a name: letters, digits and . _ : / @ - inside',
      }),
    ]);
  });
});

describe('descriptions', () => {
  it('of schemas read as English', () => {
    const spec = CampaignSchema.properties.spec.properties;
    expect(describeSchema(spec.mode)).toBe('one of: smooth, non-smooth');
    expect(describeSchema(spec.upgrades)).toBe('a non-empty list of an object');
    expect(
      describeSchema(
        InventorySchema.properties.spec.properties.hosts.items.properties.capacity.properties.vcpu,
      ),
    ).toBe('integer ≥ 0');
    expect(describeSchema(InventorySchema.properties.apiVersion)).toBe('"escalator.dev/v1alpha1"');
  });

  it('of values show what is there', () => {
    expect(
      [undefined, null, 'x', 6.1, true, [], [1], [1, 2], {}, { a: 1 }].map(describeValue),
    ).toEqual([
      'nothing',
      'null',
      '"x"',
      '6.1',
      'true',
      'an empty list',
      'a list of 1 item',
      'a list of 2 items',
      'an empty object',
      'an object',
    ]);
    expect(describeValue('x'.repeat(100))).toHaveLength(60);
  });
});
