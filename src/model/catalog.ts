/**
 * The catalogue of releases: for each component, which versions exist, what each requires of
 * other components, which versions of the same component it runs beside, the versions it can
 * be upgraded from, how it is activated and how long its steps are expected to take.
 */
import type { VersionRange } from './version.js';

export type Activation = 'none' | 'restart' | 'reboot';

/**
 * `host`: the required component on the same host must satisfy the range;
 * `site`: every copy of the required component in the site must satisfy it.
 */
export type RequirementScope = 'host' | 'site';

export interface Requirement {
  readonly component: string;
  readonly range: VersionRange;
  readonly scope: RequirementScope;
}

/** Expected step durations in seconds. */
export interface StepDurations {
  readonly install: number;
  readonly activate: number;
  readonly verify: number;
}

export interface Release {
  readonly component: string;
  readonly version: string;
  readonly requires: readonly Requirement[];
  /** Versions of the same component this release can run beside during a rolling upgrade. */
  readonly coexistsWith: VersionRange;
  /** Versions this release can be upgraded from directly. */
  readonly upgradeFrom: VersionRange;
  readonly activation: Activation;
  readonly durations: StepDurations;
}

export interface ComponentEntry {
  readonly name: string;
  readonly releases: readonly Release[];
}

export interface Catalog {
  readonly name: string;
  readonly components: readonly ComponentEntry[];
}

export function findRelease(
  catalog: Catalog,
  component: string,
  version: string,
): Release | undefined {
  const entry = catalog.components.find((c) => c.name === component);
  return entry?.releases.find((r) => r.version === version);
}
