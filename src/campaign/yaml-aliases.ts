/**
 * What aliases (`*name`) may do to a document, and the check of the yaml package's road.
 *
 * An alias stands for the node its anchor (`&name`) marks: the data holds that node once and
 * refers to it again, so aliases cost no memory, but every walk over the data (validation,
 * compilation) goes through the node once per alias. Programs write them for shared objects
 * (PyYAML gives each object met twice an anchor, `&id001`); a hostile or broken document nests
 * them so that a few lines stand for billions of nodes ("billion laughs").
 *
 * The yaml package's guard counts uses of an anchor: more than 1000 and it refuses the
 * document, so an inventory whose 10,000 hosts share one `capacity: *id001` could not be read.
 * Escalator bounds what matters instead, the nodes aliases stand for: at most
 * MAX_ALIASED_NODES in a document (a generated 10,000-host inventory has ~2.6 million nodes).
 * Both roads count the same way (yaml-plain-read.ts counts on the fast one): a scalar is one
 * node, a collection one plus its entries' values (keys are not counted).
 */
import type * as Yaml from 'yaml';
import type { Document, Node } from 'yaml';

/** The most nodes that the aliases of one document may stand for, all aliases together. */
export const MAX_ALIASED_NODES = 10_000_000;

/** Why a document's aliases cannot be read, and the offset of the alias concerned. */
export interface AliasFailure {
  readonly offset: number;
  readonly expected: string;
  readonly found: string;
  readonly message: string;
}

/**
 * The first alias that has no anchor before it, that sits inside the node it stands for, or
 * that takes the nodes aliases stand for past MAX_ALIASED_NODES; undefined when there is none.
 * Anchors are taken in document order, the last one of a name before the alias, as the yaml
 * package resolves them. `yaml` is the package, loaded by the caller (yaml-lib.ts).
 */
export function aliasFailure(doc: Document.Parsed, yaml: typeof Yaml): AliasFailure | undefined {
  const anchors = new Map<string, Node>();
  /** Sizes of the anchored nodes walked to their end; an anchored node not here is still open. */
  const sizes = new Map<Node, number>();
  let aliased = 0;
  let failure: AliasFailure | undefined;

  const fail = (alias: Node, expected: string, found: string, message: string): number => {
    failure ??= { offset: alias.range?.[0] ?? 0, expected, found, message };
    return 1;
  };

  const size = (node: unknown): number => {
    if (failure !== undefined || !yaml.isNode(node)) return 1;
    if (yaml.isAlias(node)) {
      const name = `*${node.source}`;
      const target = anchors.get(node.source);
      if (target === undefined)
        return fail(
          node,
          'an alias to an anchor defined before it',
          name,
          `alias ${name} has no anchor &${node.source} before it`,
        );
      const n = sizes.get(target);
      if (n === undefined)
        return fail(
          node,
          'an alias outside the node it stands for',
          name,
          `alias ${name} stands for a node that contains it: the data would never end`,
        );
      aliased += n;
      if (aliased > MAX_ALIASED_NODES)
        return fail(
          node,
          `aliases standing for at most ${MAX_ALIASED_NODES} nodes`,
          `more, by ${name}`,
          `the aliases up to ${name} stand for more than ${MAX_ALIASED_NODES} nodes ` +
            '(nested aliases, a "billion laughs"): write the data out or share less',
        );
      return n;
    }
    const anchor = node.anchor;
    if (anchor !== undefined) anchors.set(anchor, node);
    let n = 1;
    if (yaml.isMap(node))
      for (const pair of node.items) {
        size(pair.key);
        n += size(pair.value);
      }
    else if (yaml.isSeq(node)) for (const item of node.items) n += size(item);
    if (anchor !== undefined) sizes.set(node, n);
    return n;
  };

  size(doc.contents);
  return failure;
}
