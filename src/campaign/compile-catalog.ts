/**
 * A valid Catalog document → the model's Catalog. A release's activation and durations fall
 * back to its component's, then to the catalog defaults.
 */
import type {
  Activation,
  Catalog,
  ComponentEntry,
  Release,
  StepDurations,
} from '../model/catalog.js';
import { ANY_VERSION, mustParseRange, type VersionRange } from '../model/version.js';
import { CATALOG_DEFAULTS as D } from './defaults.js';
import { durationSeconds } from './durations.js';
import type { CatalogDocument } from './schema.js';

type ComponentDoc = CatalogDocument['spec']['components'][number];
type ReleaseDoc = ComponentDoc['releases'][number];
type DurationsDoc = NonNullable<ReleaseDoc['durations']>;

interface Inherited {
  readonly activation: Activation;
  readonly durations: StepDurations;
}

const DEFAULT_DURATIONS = compileDurations(D.durations, undefined);

export function compileCatalog(doc: CatalogDocument): Catalog {
  return { name: doc.metadata.name, components: doc.spec.components.map(compileComponent) };
}

function compileComponent(c: ComponentDoc): ComponentEntry {
  const inherited: Inherited = {
    activation: c.activation ?? D.activation,
    durations: compileDurations(c.durations, DEFAULT_DURATIONS),
  };
  return { name: c.name, releases: c.releases.map((r) => compileRelease(c.name, r, inherited)) };
}

function compileRelease(component: string, r: ReleaseDoc, inherited: Inherited): Release {
  return {
    component,
    version: r.version,
    requires: (r.requires ?? []).map((q) => ({
      component: q.component,
      range: mustParseRange(q.versions),
      scope: q.scope ?? D.scope,
    })),
    coexistsWith: range(r.coexistsWith ?? D.coexistsWith),
    upgradeFrom: range(r.upgradeFrom ?? D.upgradeFrom),
    activation: r.activation ?? inherited.activation,
    durations: compileDurations(r.durations, inherited.durations),
  };
}

const range = (text: string): VersionRange => (text === '*' ? ANY_VERSION : mustParseRange(text));

function compileDurations(
  doc: DurationsDoc | undefined,
  fallback: StepDurations | undefined,
): StepDurations {
  const pick = (key: keyof StepDurations): number => {
    const given = doc?.[key];
    if (given !== undefined) return durationSeconds(given);
    if (fallback === undefined) throw new RangeError(`no default for duration ${key}`);
    return fallback[key];
  };
  return { install: pick('install'), activate: pick('activate'), verify: pick('verify') };
}
