/**
 * The data of YAML text in the plain layout (yaml-fast.ts), read in one pass over its lines.
 *
 * js-yaml reads any YAML, a character at a time: ~1.1 s for a generated 10,000-host inventory
 * (38 MB). Text in the plain layout says its structure line by line (a line opens at most a few
 * nodes, at columns that say where they belong), so this pass reads it with a stack of open
 * collections, as yaml-plain-source.ts finds positions; a block scalar's header tells it to
 * take the lines below as text (blockScalar), as does a single-quoted scalar that does not
 * close on its line (quotedLines), and a more indented line of plain text goes on with the
 * plain scalar that ended the line before (continued). It reads only what it is sure the yaml
 * package reads the same way and declines the rest (undefined): a plain scalar continued after
 * a comment or under an anchor, a key that is not a string (`1:`, `true:`), a duplicate key,
 * `__proto__`, an empty
 * document, the rarer forms of block scalars, an alias with no anchor before it or inside the
 * node it stands for, aliases standing for more nodes than yaml-aliases.ts allows, and any line
 * where the indentation does not fit the open collections (which the yaml package reports as
 * an error). An alias gives the anchor's very object, as the yaml package does. Held to the
 * yaml package by the property tests in yaml-plain-read.test.ts.
 *
 * Only for text in the plain layout (`inPlainLayout`): the lines' shape is taken as given.
 */
import { plainScalarValue } from './yaml-core-schema.js';
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
  foldQuoted,
  quotedLines,
  scalarToken,
  skipSpaces,
  unescape,
  type NodeProperty,
  type Token,
} from './yaml-plain-tokens.js';
import { MAX_ALIASED_NODES } from './yaml-aliases.js';

type YamlMap = Record<string, unknown>;

/** A collection still open: a block sequence, or a block mapping and its key awaiting a value. */
interface Frame {
  readonly col: number;
  readonly seq: unknown[] | undefined;
  readonly map: YamlMap | undefined;
  /** Mapping: the key whose value is on later lines (null until then). */
  pending: string | undefined;
  /** Mapping: the key set last, whose plain scalar a more indented line may go on. */
  lastKey: string | undefined;
  /** Sequence: the item whose node is on later lines (`- &a`, null until then); -1 if none. */
  pendingItem: number;
  /** The anchor of the pending value or item, for the node that comes to be it. */
  pendingAnchor: string | undefined;
}

/** The data of `text`, or undefined when this pass declines it (see above). */
export function readPlainLayout(text: string): { data: unknown } | undefined {
  try {
    return new PlainReader(text).read();
  } catch (error) {
    if (error instanceof PlainLayoutLost) return undefined;
    throw error;
  }
}

class PlainReader {
  private readonly stack: Frame[] = [];
  private root: unknown = undefined;
  private rootSeen = false;
  private readonly lines: NodeLines;
  /**
   * Plain keys met before, by length and first character: a document repeats a few dozen keys
   * (`name`, `host`) on most of its lines, and a key found here is not sliced, read by the
   * core schema or looked up among the engine's property names again (readYamlFast on the
   * generated 10,000-host inventory: 0.95-1.27 s with it, 1.03-1.39 s without, 4 runs each).
   */
  private readonly keys: (string | undefined)[] = new Array<string | undefined>(KEY_SLOTS);
  /** Each anchor met so far, with the node it marks: the last of its name, as in YAML. */
  private readonly anchors = new Map<string, unknown>();
  /** Nodes counted in collections that aliases stood for (yaml-aliases.ts), by collection. */
  private readonly sizes = new Map<object, number>();
  /** The nodes that the aliases so far stand for. */
  private aliased = 0;
  /**
   * The plain scalar that ends the line just read, if one does (plainEnd ≥ 0), as text: a
   * more indented line of plain text below it goes on with it (continued).
   */
  private plainText = '';
  private plainEnd = -1;

  constructor(private readonly text: string) {
    this.lines = new NodeLines(text);
  }

  read(): { data: unknown } | undefined {
    const { text, stack, lines } = this;
    while (lines.advance()) {
      if (lines.isMarker()) {
        // The marker that opens the document; after content, a second document.
        if (this.rootSeen) throw new PlainLayoutLost(lines.pos);
        continue;
      }
      const col = lines.pos - lines.start;
      const isDash = isDashAt(text, lines.pos);
      const plainBefore = this.plainEnd >= 0 ? stack[stack.length - 1] : undefined;
      this.plainEnd = -1;
      closeCollections(stack, col, isDash, (frame) => frame.seq !== undefined);
      if (isDash) this.items(lines.start, lines.pos, lines.end);
      else if (plainBefore === undefined || !this.continued(plainBefore, col))
        this.line(col, lines.pos, lines.end);
    }
    return this.rootSeen ? { data: this.root } : undefined;
  }

  /** A line of dashes, each an item of a sequence at its column, and what follows them. */
  private items(lineStart: number, from: number, end: number): void {
    const text = this.text;
    const stack = this.stack;
    let pos = from;
    let seq: unknown[] | undefined;
    let dashCol = -1;
    while (isDashAt(text, pos)) {
      dashCol = pos - lineStart;
      const top = stack[stack.length - 1];
      if (seq === undefined && top?.seq !== undefined && top.col === dashCol) {
        seq = top.seq;
        top.pendingItem = -1;
        top.pendingAnchor = undefined;
      } else {
        const next: unknown[] = [];
        if (seq === undefined) this.place(next, dashCol, pos, true);
        else seq.push(next);
        stack.push(frameOf(dashCol, next, undefined));
        seq = next;
      }
      pos = skipSpaces(text, pos + 1, end);
    }
    const frame = stack[stack.length - 1];
    if (seq === undefined || frame === undefined) throw new PlainLayoutLost(pos);
    const property = nodePropertyAt(text, pos, end);
    if (property?.alias === true) {
      seq.push(this.alias(property, pos));
      return;
    }
    const at = property === undefined ? pos : property.next;
    if (property !== undefined && (at === end || text.charCodeAt(at) === HASH)) {
      // `- &a`: the item is the node on the lines below, or null if none is.
      frame.pendingItem = seq.length;
      frame.pendingAnchor = property.name;
      seq.push(null);
      this.anchors.set(property.name, null);
      return;
    }
    const block = this.blockAt(at, dashCol) ?? this.quotedAt(at, end, dashCol);
    if (block !== undefined) {
      seq.push(this.anchored(property, block));
      return;
    }
    const token = scalarToken(text, at, end);
    const colon = skipSpaces(text, token.end, end);
    if (!isKeyAt(text, colon, end)) {
      seq.push(this.anchored(property, this.value(token)));
      return;
    }
    // An anchor before a key is the key's, not the mapping's: declined.
    if (property !== undefined) throw new PlainLayoutLost(at);
    const map: YamlMap = {};
    seq.push(map);
    const entries = frameOf(pos - lineStart, undefined, map);
    stack.push(entries);
    this.entry(entries, token, colon, end);
  }

  /** A line that opens with a key or a value. */
  private line(col: number, pos: number, end: number): void {
    const text = this.text;
    const stack = this.stack;
    const property = nodePropertyAt(text, pos, end);
    if (property !== undefined) {
      // The node of an anchor (`key: &a`) can be neither an alias nor anchored again.
      if (stack[stack.length - 1]?.pendingAnchor !== undefined) throw new PlainLayoutLost(pos);
      this.place(this.propertyLine(property, pos, end), col, pos);
      return;
    }
    const token = scalarToken(text, pos, end);
    const colon = skipSpaces(text, token.end, end);
    let top = stack[stack.length - 1];
    if (isKeyAt(text, colon, end)) {
      if (top?.map === undefined || top.col !== col) {
        const map: YamlMap = {};
        this.place(map, col, pos);
        top = frameOf(col, undefined, map);
        stack.push(top);
      }
      this.entry(top, token, colon, end);
      return;
    }
    // A value alone on its line: the value of the key above it, or the whole document. On any
    // other line it would continue a plain scalar, or be an error: declined. So is one after a
    // comment glued to its `#` (`#x`), which the yaml package can take for part of a key, and
    // plain text after a blank line and then a comment, which it reads on into the lines below
    // (`k:`, ``, `# c`, `  word`, `- x` is {k: "word - x"} there; with `j: x` below, an error).
    if (this.lines.gluedComment || (this.lines.commentAfterBlank && token.plain))
      throw new PlainLayoutLost(pos);
    this.place(this.value(token), col, pos);
  }

  /**
   * Whether the current line goes on with the plain scalar that ended the line before, the
   * last value of `frame`: plain text alone, indented past `frame`, after no comment (YAML
   * folds the two into one scalar: a space between them, or a line break for each empty line).
   */
  private continued(frame: Frame, col: number): boolean {
    const { text, lines } = this;
    if (this.stack[this.stack.length - 1] !== frame || col <= frame.col || lines.comment)
      return false;
    if (nodePropertyAt(text, lines.pos, lines.end) !== undefined) return false;
    const token = scalarToken(text, lines.pos, lines.end);
    if (!token.plain || skipSpaces(text, token.end, lines.end) !== lines.end) return false;
    const fold = lines.blank === 0 ? ' ' : '\n'.repeat(lines.blank);
    const folded = `${this.plainText}${fold}${text.slice(token.start, token.end)}`;
    const value = plainScalarValue(folded);
    if (frame.seq !== undefined) frame.seq[frame.seq.length - 1] = value;
    else if (frame.map !== undefined && frame.lastKey !== undefined)
      frame.map[frame.lastKey] = value;
    else return false;
    this.plainText = folded;
    this.plainEnd = token.end;
    return true;
  }

  /** `*a`, or `&a value`, alone on its line: the node it makes. */
  private propertyLine(property: NodeProperty, pos: number, end: number): unknown {
    if (property.alias) return this.alias(property, pos);
    const at = property.next;
    if (at === end || this.text.charCodeAt(at) === HASH) throw new PlainLayoutLost(at);
    const token = scalarToken(this.text, at, end);
    if (this.lines.commentAfterBlank && token.plain) throw new PlainLayoutLost(at); // see line()
    if (isKeyAt(this.text, skipSpaces(this.text, token.end, end), end))
      throw new PlainLayoutLost(at);
    return this.anchored(property, this.value(token));
  }

  /**
   * Puts a node that opens at `col` where it belongs: the value a key awaits, the item a `- &a`
   * awaits, or the document. Only a block sequence may stand at its key's column; any other
   * value is indented past it, and an item past its dash.
   */
  private place(value: unknown, col: number, at: number, blockSequence = false): void {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) {
      if (this.rootSeen) throw new PlainLayoutLost(at);
      this.rootSeen = true;
      this.root = value;
      return;
    }
    if (top.seq !== undefined) {
      if (top.pendingItem < 0 || col <= top.col) throw new PlainLayoutLost(at);
      top.seq[top.pendingItem] = value;
      top.pendingItem = -1;
    } else {
      if (
        top.map === undefined ||
        top.pending === undefined ||
        col < top.col ||
        (col === top.col && !blockSequence)
      )
        throw new PlainLayoutLost(at);
      top.map[top.pending] = value;
      top.pending = undefined;
    }
    if (top.pendingAnchor !== undefined) {
      this.anchors.set(top.pendingAnchor, value);
      top.pendingAnchor = undefined;
      this.plainEnd = -1; // as in anchored()
    }
  }

  /** `value`, marked by `property`'s anchor when there is one. */
  private anchored(property: NodeProperty | undefined, value: unknown): unknown {
    if (property !== undefined) {
      this.anchors.set(property.name, value);
      // A line below that went on with it would change the anchored value: declined.
      this.plainEnd = -1;
    }
    return value;
  }

  /**
   * The node an alias stands for: the same object, as the yaml package gives. Declined when no
   * anchor of its name came before, when it sits inside that node (still open), and when
   * aliases stand for more nodes than a document may have them stand for.
   */
  private alias(property: NodeProperty, at: number): unknown {
    const { name } = property;
    if (!this.anchors.has(name)) throw new PlainLayoutLost(at);
    const node = this.anchors.get(name);
    if (this.stack.some((f) => f.seq === node || f.map === node)) throw new PlainLayoutLost(at);
    this.aliased += this.sizeOf(node);
    if (this.aliased > MAX_ALIASED_NODES) throw new PlainLayoutLost(at);
    return node;
  }

  /** A node's count as yaml-aliases.ts has it: one, and for a collection its values' counts. */
  private sizeOf(node: unknown): number {
    if (typeof node !== 'object' || node === null) return 1;
    const known = this.sizes.get(node);
    if (known !== undefined) return known;
    let n = 1;
    if (Array.isArray(node)) for (const item of node) n += this.sizeOf(item);
    else for (const key in node) n += this.sizeOf((node as YamlMap)[key]);
    this.sizes.set(node, n);
    return n;
  }

  /** A `key:` of the mapping of `frame`, and its value when it is on the same line. */
  private entry(frame: Frame, keyToken: Token, colon: number, end: number): void {
    const text = this.text;
    const map = frame.map as YamlMap;
    const key = keyToken.plain ? this.plainKey(keyToken) : keyString(text, keyToken);
    frame.pending = undefined;
    frame.pendingAnchor = undefined;
    frame.lastKey = key;
    const valueAt = skipSpaces(text, colon + 1, end);
    const property = nodePropertyAt(text, valueAt, end);
    if (property?.alias === true) {
      setOnce(map, key, this.alias(property, valueAt), keyToken.start);
      return;
    }
    const at = property === undefined ? valueAt : property.next;
    if (at === end || text.charCodeAt(at) === HASH) {
      setOnce(map, key, this.anchored(property, null), keyToken.start);
      frame.pending = key;
      frame.pendingAnchor = property?.name;
    } else
      setOnce(map, key, this.anchored(property, this.valueAt(at, end, frame.col)), keyToken.start);
  }

  private plainKey(token: Token): string {
    const length = token.end - token.start;
    const slot = (length * 31 + this.text.charCodeAt(token.start)) & (KEY_SLOTS - 1);
    const known = this.keys[slot];
    if (known !== undefined && known.length === length && this.text.startsWith(known, token.start))
      return known;
    const key = keyOf(this.text, token);
    this.keys[slot] = key;
    return key;
  }

  /**
   * The value at `pos` of a collection at column `parent`: on this line, or a block scalar's,
   * or quoted text that goes on over the lines below.
   */
  private valueAt(pos: number, end: number, parent: number): unknown {
    return (
      this.blockAt(pos, parent) ??
      this.quotedAt(pos, end, parent) ??
      this.value(scalarToken(this.text, pos, end))
    );
  }

  /** The text of a quoted scalar at `pos` that closes on a later line; its lines passed. */
  private quotedAt(pos: number, end: number, parent: number): string | undefined {
    const c = this.text.charCodeAt(pos);
    if (c !== SINGLE_QUOTE && c !== DOUBLE_QUOTE) return undefined;
    const quoted = quotedLines(this.text, pos, end, this.lines.next, parent);
    if (quoted === undefined) return undefined;
    this.lines.next = quoted.next;
    return foldQuoted(this.text, quoted.token);
  }

  /** The text of the block scalar whose header is at `pos`, if one is; its lines are passed. */
  private blockAt(pos: number, parent: number): string | undefined {
    const header = blockHeaderAt(this.text, pos);
    if (header === undefined) return undefined;
    const block = blockScalar(this.text, this.lines.next, parent, header);
    this.lines.next = block.next;
    return block.value;
  }

  private value(token: Token): unknown {
    const text = this.text;
    const c = text.charCodeAt(token.start);
    if (c === OPEN_BRACKET || c === OPEN_BRACE) return flowValue(text, token);
    if (!token.plain) return scalarValue(text, token);
    const raw = text.slice(token.start, token.end);
    const end = this.lines.end;
    if (token.end === end || skipSpaces(text, token.end, end) === end) {
      this.plainText = raw;
      this.plainEnd = token.end;
    }
    return plainScalarValue(raw);
  }
}

const KEY_SLOTS = 256;

const frameOf = (col: number, seq: unknown[] | undefined, map: YamlMap | undefined): Frame => ({
  col,
  seq,
  map,
  pending: undefined,
  lastKey: undefined,
  pendingItem: -1,
  pendingAnchor: undefined,
});
const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;

/** A scalar's data: quotes undone, plain text read by the core schema. */
function scalarValue(text: string, token: Token): unknown {
  const c = text.charCodeAt(token.start);
  if (c === DOUBLE_QUOTE) {
    const quoted = text.slice(token.start, token.end);
    return quoted.includes('\\') ? unescape(quoted, token.start) : quoted.slice(1, -1);
  }
  if (c === SINGLE_QUOTE) return text.slice(token.start + 1, token.end - 1).replace(/''/g, "'");
  return plainScalarValue(text.slice(token.start, token.end));
}

/**
 * A key as a string. A plain key that the core schema reads as something else (`1`, `true`,
 * `~`) becomes a string by rules of its own in each reader (`~` becomes ""): declined.
 */
function keyOf(text: string, token: Token): string {
  if (!token.plain) return keyString(text, token);
  const raw = text.slice(token.start, token.end);
  if (typeof plainScalarValue(raw) !== 'string') throw new PlainLayoutLost(token.start);
  return raw;
}

/** Sets `key` once: a second time is a duplicate key, which the yaml package reports. */
function setOnce(map: YamlMap, key: string, value: unknown, at: number): void {
  if (key === '__proto__' || Object.hasOwn(map, key)) throw new PlainLayoutLost(at);
  map[key] = value;
}

/** A flow collection on one line: scalars separated by commas, a space after each `:`. */
function flowValue(text: string, token: Token): unknown[] | YamlMap {
  const close = token.end - 1;
  const mapping = text.charCodeAt(token.start) === OPEN_BRACE;
  const items: unknown[] = [];
  const map: YamlMap = {};
  let pos = skipSpaces(text, token.start + 1, close);
  while (pos < close) {
    const item = flowScalarToken(text, pos, close);
    let value = item;
    if (mapping) {
      const colon = skipSpaces(text, item.end, close);
      if (text.charCodeAt(colon) !== COLON) throw new PlainLayoutLost(colon);
      value = flowScalarToken(text, skipSpaces(text, colon + 1, close), close);
      setOnce(map, keyOf(text, item), scalarValue(text, value), item.start);
    } else items.push(scalarValue(text, value));
    pos = skipSpaces(text, value.end, close);
    if (pos < close && text.charCodeAt(pos) !== COMMA) throw new PlainLayoutLost(pos);
    pos = skipSpaces(text, pos + 1, close);
  }
  return mapping ? map : items;
}
