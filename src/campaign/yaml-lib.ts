/**
 * The yaml package, loaded on first use: JSON documents (generated inventories, programs'
 * input) never need it, and loading it costs a few tens of milliseconds of every command's start.
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import { fitsPlainLayout } from './yaml-fast.js';

let loaded: typeof Yaml | undefined;

export function yamlLib(): typeof Yaml {
  loaded ??= createRequire(import.meta.url)('yaml') as typeof Yaml;
  return loaded;
}

/**
 * A document as Escalator writes YAML: in the plain layout that reads the fast way
 * (yaml-fast.ts), so no anchors for objects met twice, no long lines folded, and strings that
 * would leave that layout written plain or as block scalars (line breaks, tabs, other white
 * space, `-[`) in double quotes on one line. One two-line description sent the generated
 * 10,000-host inventory, written the old way, down the yaml package's road: 31 s and 2.2 GiB to
 * plan, against 5.8 s and 383 MiB (docs/decisions.md).
 */
export function documentYaml(document: unknown): string {
  const yaml = yamlLib();
  const doc = new yaml.Document(document, { aliasDuplicateObjects: false });
  yaml.visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && !fitsPlainLayout(node.value))
        node.type = 'QUOTE_DOUBLE';
    },
  });
  // JSON's escapes keep a double-quoted string on one line. The yaml package writes U+2028 and
  // U+2029 as they are, and JavaScript's regular expressions take them for line ends: every one
  // is inside a string in double quotes now, where YAML has an escape for each.
  return doc
    .toString({ lineWidth: 0, doubleQuotedAsJSON: true })
    .replace(/\u2028/g, '\\L')
    .replace(/\u2029/g, '\\P');
}
