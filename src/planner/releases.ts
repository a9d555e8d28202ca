import { compareVersionStrings, type Catalog, type Release } from '../model/index.js';

/** Release look-up by component and version (exact text first, then dpkg-equal). */
export class ReleaseIndex {
  private readonly byComponent = new Map<string, readonly Release[]>();
  /** Component → version text → release (two levels: no key string built per look-up). */
  private readonly exact = new Map<string, Map<string, Release>>();

  constructor(catalog: Catalog) {
    for (const entry of catalog.components) {
      this.byComponent.set(entry.name, entry.releases);
      let versions = this.exact.get(entry.name);
      if (!versions) this.exact.set(entry.name, (versions = new Map<string, Release>()));
      for (const r of entry.releases) versions.set(r.version, r);
    }
  }

  get(component: string, version: string): Release | undefined {
    const hit = this.exact.get(component)?.get(version);
    if (hit) return hit;
    return this.byComponent
      .get(component)
      ?.find((r) => compareVersionStrings(r.version, version) === 0);
  }

  releases(component: string): readonly Release[] {
    return this.byComponent.get(component) ?? [];
  }
}
