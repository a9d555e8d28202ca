/**
 * Positions in YAML text of the plain layout (yaml-fast.ts), found in one pass over its lines.
 *
 * A document read the fast way needs positions only for its problems; the yaml package would
 * give them by building every node of the text (~21 s and ~2 GB for a 10,000-host inventory).
 * In the plain layout each line opens at most a few nodes, at columns that say where they
 * belong, so one pass with a stack of open collections finds the nodes of the paths asked for.
 * The answers are the yaml package's (yaml-source.ts), node for node: held to it by the
 * property tests in yaml-plain-source.test.ts. Text this pass cannot follow makes it give up
 * (PlainLayoutLost), and the caller asks the yaml package instead. A path asked for that goes
 * through an alias is asked again from the node of the alias's anchor, as the yaml package
 * answers it.
 */
import type { PathSegment } from './path.js';
import { LineIndex, type LocateRequest, type Position, type SourceMap } from './source-map.js';
import {
  blockHeaderAt,
  blockScalar,
  closeCollections,
  COLON,
  COMMA,
  HASH,
  isDashAt,
  isKeyAt,
  keyString,
  NodeLines,
  nodePropertyAt,
  PlainLayoutLost,
  flowScalarToken,
  quotedLines,
  scalarToken,
  skipSpaces,
  type Token,
} from './yaml-plain-tokens.js';

/** A node of the paths asked for, and what the pass found of it. */
class Wanted {
  readonly children = new Map<string, Wanted>();
  /** Asked for as an index (a number segment). */
  byIndex = false;
  /** Found to be an alias: its name and offset (the yaml package answers from the anchor). */
  alias: string | undefined = undefined;
  aliasAt = -1;
  found = false;
  /** Found as a sequence item, which only a number segment reaches. */
  foundInSequence = false;
  key = -1;
  value = -1;
  /** The value's source text, [start, end), when it is a scalar. */
  sourceStart = -1;
  sourceEnd = -1;

  child(segment: PathSegment): Wanted {
    const name = String(segment);
    let next = this.children.get(name);
    if (next === undefined) {
      next = new Wanted();
      this.children.set(name, next);
    }
    if (typeof segment === 'number') next.byIndex = true;
    return next;
  }

  /** A found child, as a sequence item (`index`) or a mapping entry. */
  lookUp(name: string, inSequence: boolean): Wanted | undefined {
    const next = this.children.get(name);
    if (next === undefined) return undefined;
    // A mapping's key "0" answers the segment 0 as well as "0"; a sequence only answers numbers.
    return inSequence ? (next.byIndex ? next : undefined) : next;
  }
}

interface Frame {
  readonly kind: 'map' | 'seq';
  readonly col: number;
  readonly wanted: Wanted | undefined;
  /** Sequence: the current item's index. */
  index: number;
  /** The entry (mapping) or item (`- &a`, sequence) whose node is still to come on later lines. */
  pending: Wanted | undefined;
  pendingOpen: boolean;
  /** Mapping: the current entry's key, for the path of an anchor met in it. */
  key: Token | undefined;
}

/** Where an anchor marks a node: the anchor's offset and the node's path. */
interface AnchorSite {
  readonly at: number;
  readonly path: readonly PathSegment[];
}

/** Aliases followed one after another on the way to a node (an alias inside an anchor's node). */
const MAX_ALIASES_FOLLOWED = 8;

export class PlainYamlSourceMap implements SourceMap {
  private readonly lines: LineIndex;
  /** The lines the walk goes through; a block scalar's text moves it past its own lines. */
  private cursor: NodeLines;

  constructor(private readonly text: string) {
    this.lines = new LineIndex(text);
    this.cursor = new NodeLines(text);
  }

  /**
   * A path through an alias goes on in the node of the alias's anchor, as in the yaml package:
   * it is asked again from there, in another walk over the lines.
   * @throws PlainLayoutLost when the text leaves the layout this pass follows.
   */
  locate(requests: readonly LocateRequest[]): Position[] {
    const answers: Position[] = [];
    let asked = requests.map((request, index) => ({ request, index }));
    for (let followed = 0; asked.length > 0; followed++) {
      if (followed > MAX_ALIASES_FOLLOWED) throw new PlainLayoutLost(0);
      const root = new Wanted();
      for (const { request } of asked) {
        let node = root;
        for (const segment of request.path) node = node.child(segment);
      }
      const anchors = this.walk(root);
      const again: typeof asked = [];
      for (const { request, index } of asked) {
        const beyond = this.throughAlias(root, request, anchors);
        if (beyond === undefined) answers[index] = this.answer(root, request);
        else again.push({ request: beyond, index });
      }
      asked = again;
    }
    return answers;
  }

  /**
   * The request again from the node of the anchor, when its path meets an alias on the way
   * (or ends at one, unless the key is asked for: that is where the alias is).
   */
  private throughAlias(
    root: Wanted,
    { path, at }: LocateRequest,
    anchors: ReadonlyMap<string, AnchorSite[]>,
  ): LocateRequest | undefined {
    let node = root;
    for (let i = 0; i < path.length; i++) {
      const next = foundChild(node, path[i] as PathSegment);
      if (next === undefined) return undefined;
      node = next;
      if (node.alias === undefined) continue;
      if (i === path.length - 1 && at === 'key' && node.key >= 0) return undefined;
      const aliasAt = node.aliasAt;
      const site = anchors.get(node.alias)?.findLast((s) => s.at < aliasAt);
      if (site === undefined) throw new PlainLayoutLost(aliasAt);
      // Ending at the alias, what is asked for is the node it stands for (its key has none).
      const last = i === path.length - 1;
      return { path: [...site.path, ...path.slice(i + 1)], at: last ? 'value' : at };
    }
    return undefined;
  }

  /** As YamlSourceMap.locateOne: the deepest node of the path found, its key or its value. */
  private answer(root: Wanted, { path, at }: LocateRequest): Position {
    let node = root;
    let complete = true;
    for (const segment of path) {
      const next = foundChild(node, segment);
      if (next === undefined) {
        complete = false;
        break;
      }
      node = next;
    }
    const offset = complete && at === 'key' && node.key >= 0 ? node.key : Math.max(node.value, 0);
    const position = this.lines.position(offset);
    if (!complete || offset !== node.value || node.sourceStart < 0) return position;
    return { ...position, source: this.text.slice(node.sourceStart, node.sourceEnd) };
  }

  /** Records what it finds of `root`'s paths; answers where each anchor is, by name. */
  private walk(root: Wanted): Map<string, AnchorSite[]> {
    this.cursor = new NodeLines(this.text);
    const text = this.text;
    const stack: Frame[] = [];
    const anchors = new Map<string, AnchorSite[]>();
    /** Notes an anchor at `at` of the node at the current place: the top frame's entry or item. */
    const anchor = (name: string, at: number): void => {
      const path = stack.map((f) => (f.kind === 'seq' ? f.index : keyString(text, f.key as Token)));
      const sites = anchors.get(name);
      if (sites === undefined) anchors.set(name, [{ at, path }]);
      else sites.push({ at, path });
    };
    /** The last plain scalar recorded, which a more indented value-only line continues. */
    let lastPlain: Wanted | undefined;
    let rootSeen = false;
    const open = (kind: 'map' | 'seq', col: number, wanted: Wanted | undefined): Frame => {
      const frame: Frame = {
        kind,
        col,
        wanted,
        index: -1,
        pending: undefined,
        pendingOpen: false,
        key: undefined,
      };
      stack.push(frame);
      return frame;
    };
    /** The node that the next node opened at `col` is the value of, and records its start. */
    const holder = (at: number, col: number): Wanted | undefined => {
      const top = stack[stack.length - 1];
      if (top === undefined) {
        if (rootSeen) throw new PlainLayoutLost(at);
        rootSeen = true;
        root.found = true;
        root.value = at;
        root.sourceStart = -1;
        root.sourceEnd = -1;
        return root;
      }
      if (!awaits(top, col)) throw new PlainLayoutLost(at);
      const wanted = top.pending;
      top.pending = undefined;
      top.pendingOpen = false;
      if (wanted !== undefined) {
        wanted.value = at;
        wanted.sourceStart = -1;
        wanted.sourceEnd = -1;
      }
      return wanted;
    };
    const lines = this.cursor;
    while (lines.advance()) {
      const { start: lineStart, end } = lines;
      let pos = lines.pos;
      if (lines.isMarker()) {
        // A document with nothing after its marker is an empty scalar at the line's end.
        if (!rootSeen) {
          root.found = true;
          root.value = end;
          root.sourceStart = end;
          root.sourceEnd = end;
        }
        continue;
      }
      const col = pos - lineStart;
      const isDash = isDashAt(text, pos);
      closeCollections(stack, col, isDash, (frame) => frame.kind === 'seq');
      if (isDash) {
        // Dashes, each an item of a sequence at its column.
        let inItem: Wanted | undefined;
        let first = true;
        let lastDash = -1;
        while (isDashAt(text, pos)) {
          const dashCol = pos - lineStart;
          lastDash = dashCol;
          const top = stack[stack.length - 1];
          let seq: Frame;
          if (first && top !== undefined && top.kind === 'seq' && top.col === dashCol) {
            seq = top;
            seq.pending = undefined;
            seq.pendingOpen = false;
          } else seq = open('seq', dashCol, first ? holder(pos, dashCol) : inItem);
          if (!first && inItem !== undefined) inItem.value = pos;
          seq.index += 1;
          inItem = seq.wanted?.lookUp(String(seq.index), true);
          if (inItem !== undefined) {
            inItem.found = true;
            inItem.foundInSequence = true;
          }
          first = false;
          pos = skipSpaces(text, pos + 1, end);
        }
        lastPlain = undefined;
        const property = nodePropertyAt(text, pos, end);
        if (property !== undefined) {
          if (property.alias) {
            aliasFound(inItem, property.name, pos);
            continue;
          }
          anchor(property.name, pos);
          pos = property.next;
          if (pos === end || text.charCodeAt(pos) === HASH) {
            // `- &a`: the item is an empty scalar here, until a node on a later line takes it.
            const seq = stack[stack.length - 1];
            if (seq === undefined) throw new PlainLayoutLost(pos);
            if (inItem !== undefined) record(text, inItem, { start: pos, end: pos, plain: false });
            seq.pending = inItem;
            seq.pendingOpen = true;
            continue;
          }
        }
        const contentCol = pos - lineStart;
        const block = this.blockToken(pos, lastDash) ?? this.quotedToken(pos, end, lastDash);
        if (block !== undefined) {
          if (inItem !== undefined) record(text, inItem, block);
          continue;
        }
        const token = scalarToken(text, pos, end);
        const afterToken = skipSpaces(text, token.end, end);
        if (isKeyAt(text, afterToken, end)) {
          if (inItem !== undefined) inItem.value = pos;
          const map = open('map', contentCol, inItem);
          lastPlain = this.entry(map, token, afterToken, end, anchor);
        } else {
          if (inItem !== undefined) record(text, inItem, token);
          lastPlain = token.plain ? inItem : undefined;
        }
        continue;
      }
      const property = nodePropertyAt(text, pos, end);
      if (property?.alias === true) {
        // An alias alone on its line: the value of the key or item above.
        aliasFound(holder(pos, col), property.name, pos);
        continue;
      }
      if (property !== undefined) {
        anchor(property.name, pos);
        pos = property.next;
      }
      const token = scalarToken(text, pos, end);
      const afterToken = skipSpaces(text, token.end, end);
      if (property === undefined && isKeyAt(text, afterToken, end)) {
        const top = stack[stack.length - 1];
        const map =
          top !== undefined && top.kind === 'map' && top.col === col
            ? top
            : open('map', col, holder(pos, col));
        lastPlain = this.entry(map, token, afterToken, end, anchor);
        continue;
      }
      // A value alone on its line: the value of a key above, or the next line of a plain scalar.
      const top = stack[stack.length - 1];
      if (top !== undefined && top.pendingOpen && col > top.col) {
        const wanted = holder(pos, col);
        if (wanted !== undefined) record(text, wanted, token);
        lastPlain = token.plain ? wanted : undefined;
      } else if (stack.length === 0 && !rootSeen) {
        rootSeen = true;
        root.found = true;
        record(text, root, token);
        lastPlain = token.plain ? root : undefined;
      } else if (token.plain) {
        // Continues the last plain scalar; its source now ends here.
        if (lastPlain !== undefined) lastPlain.sourceEnd = token.end;
      } else throw new PlainLayoutLost(pos);
    }
    return anchors;
  }

  /**
   * A `key:` line in `map`: the key, and its value when on the same line; `anchor` notes an
   * anchor of the value.
   */
  private entry(
    map: Frame,
    key: Token,
    colon: number,
    end: number,
    anchor: (name: string, at: number) => void,
  ): Wanted | undefined {
    const text = this.text;
    map.pending = undefined;
    map.pendingOpen = false;
    map.key = key;
    const wanted = map.wanted?.lookUp(keyString(text, key), false);
    let valueAt = skipSpaces(text, colon + 1, end);
    const property = nodePropertyAt(text, valueAt, end);
    if (property?.alias === true) {
      if (wanted !== undefined) {
        wanted.found = true;
        wanted.key = key.start;
        aliasFound(wanted, property.name, valueAt);
      }
      return undefined;
    }
    // An anchor's node starts after it (its range leaves the anchor out).
    if (property !== undefined) {
      anchor(property.name, valueAt);
      valueAt = property.next;
    }
    if (wanted !== undefined) {
      wanted.found = true;
      wanted.key = key.start;
      // A null value (nothing after the colon) sits where the spaces after it end, until a
      // node on a later line takes its place.
      wanted.value = valueAt;
      wanted.sourceStart = valueAt;
      wanted.sourceEnd = valueAt;
    }
    if (valueAt === end || text.charCodeAt(valueAt) === HASH) {
      map.pending = wanted;
      map.pendingOpen = true;
      return undefined;
    }
    const value = this.valueToken(valueAt, end, map.col);
    if (wanted !== undefined) record(text, wanted, value);
    return value.plain ? wanted : undefined;
  }

  /**
   * The value at `pos` of a collection at column `parent`: a token of this line, or a block
   * scalar's header and the lines of its text, which the walk then goes on after.
   */
  private valueToken(pos: number, end: number, parent: number): Token {
    return (
      this.blockToken(pos, parent) ??
      this.quotedToken(pos, end, parent) ??
      scalarToken(this.text, pos, end)
    );
  }

  /** A quoted scalar at `pos` that closes on a later line, if one is; the walk skips it. */
  private quotedToken(pos: number, end: number, parent: number): Token | undefined {
    if (this.text[pos] !== "'" && this.text[pos] !== '"') return undefined;
    const quoted = quotedLines(this.text, pos, end, this.cursor.next, parent);
    if (quoted === undefined) return undefined;
    this.cursor.next = quoted.next;
    return quoted.token;
  }

  /** The block scalar whose header is at `pos`, if one is, to the end of its node's range. */
  private blockToken(pos: number, parent: number): Token | undefined {
    const header = blockHeaderAt(this.text, pos);
    if (header === undefined) return undefined;
    const block = blockScalar(this.text, this.cursor.next, parent, header);
    this.cursor.next = block.next;
    return { start: pos, end: block.end, plain: false };
  }
}

/** The child of `node` at `segment` that the walk found (a sequence's item only by a number). */
function foundChild(node: Wanted, segment: PathSegment): Wanted | undefined {
  const next = node.children.get(String(segment));
  if (next === undefined || !next.found) return undefined;
  return next.foundInSequence && typeof segment !== 'number' ? undefined : next;
}

/**
 * Whether `frame` awaits a node that opens at `col` on a later line: a mapping's value (which
 * may stand at its key's column, as a block sequence does) or an item after `- &a`.
 */
function awaits(frame: Frame, col: number): boolean {
  return frame.pendingOpen && (frame.kind === 'map' ? col >= frame.col : col > frame.col);
}

/** An alias where a path asked for goes, at `at`: locate follows it to its anchor's node. */
function aliasFound(wanted: Wanted | undefined, name: string, at: number): void {
  if (wanted === undefined) return;
  wanted.found = true;
  wanted.alias = name;
  wanted.aliasAt = at;
  wanted.value = at;
}

/**
 * Records a value: a scalar with its source, or a flow collection (which has none) with the
 * entries asked for inside it.
 */
function record(text: string, wanted: Wanted, token: Token): void {
  wanted.value = token.start;
  const c = text[token.start];
  const flow = c === '[' || c === '{';
  wanted.sourceStart = flow ? -1 : token.start;
  wanted.sourceEnd = flow ? -1 : token.end;
  if (flow && wanted.children.size > 0) recordFlow(text, wanted, token);
}

/**
 * The entries of a flow collection on one line, as the plain layout has them (scalars only,
 * separated by commas, a space after each `:`): a sequence's items, a mapping's keys and values.
 */
function recordFlow(text: string, wanted: Wanted, token: Token): void {
  const close = token.end - 1;
  const mapping = text[token.start] === '{';
  let pos = skipSpaces(text, token.start + 1, close);
  for (let index = 0; pos < close; index++) {
    const item = flowScalarToken(text, pos, close);
    let value = item;
    let entry: Wanted | undefined;
    if (mapping) {
      const colon = skipSpaces(text, item.end, close);
      if (text.charCodeAt(colon) !== COLON) throw new PlainLayoutLost(colon);
      value = flowScalarToken(text, skipSpaces(text, colon + 1, close), close);
      entry = wanted.lookUp(keyString(text, item), false);
      if (entry !== undefined) entry.key = item.start;
    } else {
      entry = wanted.lookUp(String(index), true);
      if (entry !== undefined) entry.foundInSequence = true;
    }
    if (entry !== undefined) {
      entry.found = true;
      record(text, entry, value);
    }
    pos = skipSpaces(text, value.end, close);
    if (pos < close && text.charCodeAt(pos) !== COMMA) throw new PlainLayoutLost(pos);
    pos = skipSpaces(text, pos + 1, close);
  }
}
