import { describe, expect, it } from 'vitest';
import { satisfies } from '../model/version.js';
import { findCycles } from './check-catalog.js';
import { catalogFromText, documentProblems, formatProblems, parseDocument } from './index.js';
import { CATALOG_YAML, misplaced } from './testing/documents.js';

function problemsOf(text: string): string[] {
  const problems = documentProblems(parseDocument(text, 'catalog.yaml'), 'Catalog');
  expect(misplaced(text, problems)).toEqual([]);
  return formatProblems(problems).split('\n');
}

const catalog = (components: string): string =>
  `apiVersion: escalator.dev/v1alpha1\nkind: Catalog\nmetadata: {name: c}\nspec:\n  components:\n${components}`;

describe('a catalog whose requirements go round in a circle', () => {
  it('reports the cycle as a path, from its first component, at the requirement that starts it', () => {
    const text = catalog(`    - name: nova
      releases:
        - version: "27.0"
          requires: [{component: neutron, versions: ">=22"}]
    - name: neutron
      releases:
        - {version: "22.0", requires: [{component: placement, versions: "*"}]}
    - name: placement
      releases:
        - {version: "9.0", requires: [{component: nova, versions: ">=26"}]}
    - name: ovs
      releases:
        - {version: "3.1", requires: [{component: ovs, versions: "<3.1"}]}
`);
    expect(problemsOf(text)).toEqual([
      'catalog.yaml:12:52 spec.components[1].releases[0].requires[0].component: cyclic requirements: neutron → placement → nova → neutron',
      'catalog.yaml:18:51 spec.components[3].releases[0].requires[0].component: cyclic requirements: ovs → ovs',
    ]);
  });

  it('finds one shortest cycle per strongly connected group, whatever the order of edges', () => {
    const graph = new Map([
      ['a', new Map([['b', 0]])],
      [
        'b',
        new Map([
          ['c', 0],
          ['a', 0],
        ]),
      ],
      ['c', new Map([['a', 0]])],
      ['d', new Map([['a', 0]])],
    ]);
    expect(findCycles(graph)).toEqual([['a', 'b', 'a']]);
  });
});

describe('catalog consistency', () => {
  it('reports duplicate components and releases, unknown requirements and bad versions and ranges', () => {
    const text = catalog(`    - name: nova
      durations: {install: 5 minutes}
      releases:
        - {version: "27.0", upgradeFrom: ">=26 <<27"}
        - {version: "27.00", coexistsWith: "*"}
        - {version: v28}
        - version: "29.0"
          requires: [{component: neutorn, versions: "22.x*"}, {component: nova, versions: "27.*"}]
    - name: nova
      releases: [{version: "1.0"}]
`);
    expect(problemsOf(text)).toEqual([
      'catalog.yaml:7:28 spec.components[0].durations.install: expected a duration such as 500ms, 90s, 15m or 1h30m, found "5 minutes"',
      'catalog.yaml:9:42 spec.components[0].releases[0].upgradeFrom: invalid version range ">=26 <<27": "<<27": "<27" does not start with a digit',
      'catalog.yaml:10:21 spec.components[0].releases[1].version: duplicate release "27.00" (first at line 9)',
      'catalog.yaml:11:21 spec.components[0].releases[2].version: invalid version "v28": "v28" does not start with a digit',
      'catalog.yaml:13:34 spec.components[0].releases[3].requires[0].component: unknown component "neutorn" (known: nova)',
      'catalog.yaml:13:53 spec.components[0].releases[3].requires[0].versions: invalid version range "22.x*": "22.x*": "22.x*" has characters outside [A-Za-z0-9.+~:-]',
      'catalog.yaml:13:75 spec.components[0].releases[3].requires[1].component: cyclic requirements: nova → nova',
      'catalog.yaml:14:13 spec.components[1].name: duplicate component "nova" (first at line 6)',
    ]);
  });
});

describe('compileCatalog', () => {
  const compiled = catalogFromText(CATALOG_YAML, 'catalog.yaml');
  const release = (component: string, version: string) =>
    compiled.components
      .find((c) => c.name === component)
      ?.releases.find((r) => r.version === version);

  it('takes activation and durations from the release, then the component, then the defaults', () => {
    expect(release('kernel', '6.1.0-18-amd64')).toMatchObject({
      activation: 'reboot',
      durations: { install: 180, activate: 300, verify: 60 },
    });
    expect(release('kernel', '6.1.0-20-amd64')?.durations).toEqual({
      install: 180,
      activate: 300,
      verify: 90,
    });
    expect(release('keystone', '2:26.2.2-1~deb12u5')).toMatchObject({
      activation: 'restart',
      durations: { install: 300, activate: 120, verify: 60 },
    });
    expect(release('nova-compute', '27.1.0')?.activation).toBe('none');
  });

  it('parses ranges and applies the default scope and "*"', () => {
    const nova = release('nova-compute', '27.1.0');
    expect(nova?.requires.map((r) => [r.component, r.range.source, r.scope])).toEqual([
      ['keystone', '>=2:27.0.0', 'site'],
      ['kernel', '>=6.1.0-20', 'host'],
    ]);
    expect(nova?.upgradeFrom.source).toBe('*');
    const keystone = release('keystone', '2:27.0.0-1');
    expect(keystone && satisfies('2:26.2.2-1~deb12u5', keystone.coexistsWith)).toBe(true);
    expect(keystone && satisfies('1:30', keystone.upgradeFrom)).toBe(false);
  });
});
