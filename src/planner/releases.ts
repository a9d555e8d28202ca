import { compareVersionStrings, type Catalog, type Release } from '../model/index.js';

/** Release look-up by component and version (exact text first, then dpkg-equal). */
export class ReleaseIndex {
  private readonly byComponent = new Map<string, readonly Release[]>();
  private readonly exact = new Map<string, Release>();

  constructor(catalog: Catalog) {
    for (const entry of catalog.components) {
      this.byComponent.set(entry.name, entry.releases);
      for (const r of entry.releases) this.exact.set(`${entry.name}\u0000${r.version}`, r);
    }
  }

  get(component: string, version: string): Release | undefined {
    const hit = this.exact.get(`${component}\u0000${version}`);
    if (hit) return hit;
    return this.byComponent
      .get(component)
      ?.find((r) => compareVersionStrings(r.version, version) === 0);
  }

  releases(component: string): readonly Release[] {
    return this.byComponent.get(component) ?? [];
  }
}
