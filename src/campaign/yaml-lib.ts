/**
 * The yaml package, loaded on first use: JSON documents (generated inventories, programs'
 * input) never need it, and loading it costs a few tens of milliseconds of every command's start.
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

let loaded: typeof Yaml | undefined;

export function yamlLib(): typeof Yaml {
  loaded ??= createRequire(import.meta.url)('yaml') as typeof Yaml;
  return loaded;
}

/**
 * A document as Escalator writes YAML: in the plain layout that reads the fast way
 * (yaml-fast.ts), so no anchors for objects met twice and no long lines folded.
 */
export function documentYaml(document: unknown): string {
  return yamlLib().stringify(document, { lineWidth: 0, aliasDuplicateObjects: false });
}
