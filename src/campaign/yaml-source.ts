/** Positions in YAML text, read from the ranges the yaml package keeps on every node. */
import type { Alias, Document, LineCounter, Node, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { yamlLib } from './yaml-lib.js';
import type { Path, PathSegment } from './path.js';
import type { LocateRequest, Position, SourceMap } from './source-map.js';

// The yaml package's node tests, from the package loaded with the document (yaml-lib.ts).
const isAlias = (node: unknown): node is Alias => yamlLib().isAlias(node);
const isMap = (node: unknown): node is YAMLMap => yamlLib().isMap(node);
const isScalar = (node: unknown): node is Scalar => yamlLib().isScalar(node);
const isSeq = (node: unknown): node is YAMLSeq => yamlLib().isSeq(node);

interface Step {
  readonly key: Node | undefined;
  readonly value: Node | undefined;
}

export class YamlSourceMap implements SourceMap {
  constructor(
    private readonly doc: Document.Parsed,
    private readonly text: string,
    private readonly lines: LineCounter,
  ) {}

  position(offset: number): { line: number; column: number } {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  locate(requests: readonly LocateRequest[]): Position[] {
    return requests.map((request) => this.locateOne(request));
  }

  /** The path of the innermost key or value whose text contains `offset`. */
  pathAt(offset: number): Path {
    const path: PathSegment[] = [];
    let node = this.resolve(this.doc.contents ?? undefined);
    for (;;) {
      const next = this.childAt(node, offset);
      if (next === undefined) return path;
      path.push(next.segment);
      if (next.node === undefined) return path;
      node = next.node;
    }
  }

  private locateOne({ path, at }: LocateRequest): Position {
    let step: Step = { key: undefined, value: this.resolve(this.doc.contents ?? undefined) };
    let complete = true;
    for (const segment of path) {
      const next = this.child(step.value, segment);
      if (next === undefined) {
        complete = false;
        break;
      }
      step = next;
    }
    const target = complete && at === 'key' && step.key !== undefined ? step.key : step.value;
    const node = target ?? step.key;
    const start = node?.range?.[0] ?? 0;
    const position = this.position(start);
    if (!complete || target !== step.value || !isScalar(node) || node.range == null)
      return position;
    return { ...position, source: this.text.slice(node.range[0], node.range[1]) };
  }

  private child(node: Node | undefined, segment: PathSegment): Step | undefined {
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(segment));
      if (pair === undefined) return undefined;
      return { key: asNode(pair.key), value: this.resolve(asNode(pair.value)) };
    }
    if (isSeq(node) && typeof segment === 'number') {
      const item = asNode(node.items[segment]);
      return item === undefined ? undefined : { key: undefined, value: this.resolve(item) };
    }
    return undefined;
  }

  private childAt(
    node: Node | undefined,
    offset: number,
  ): { segment: PathSegment; node: Node | undefined } | undefined {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = asNode(pair.key);
        const value = asNode(pair.value);
        const segment = keyText(pair.key);
        if (contains(key, offset)) return { segment, node: undefined };
        if (contains(value, offset)) return { segment, node: beyond(value) };
      }
    }
    if (isSeq(node)) {
      const index = node.items.findIndex((item) => contains(asNode(item), offset));
      if (index >= 0) return { segment: index, node: beyond(asNode(node.items[index])) };
    }
    return undefined;
  }

  private resolve(node: Node | undefined): Node | undefined {
    return isAlias(node) ? (node.resolve(this.doc) ?? node) : node;
  }
}

const asNode = (value: unknown): Node | undefined =>
  isScalar(value) || isMap(value) || isSeq(value) || isAlias(value) ? value : undefined;

/**
 * The node to look into for an offset inside `node`: an alias is a leaf there (its text is the
 * alias; what it stands for is elsewhere, or around it when it sits inside its own anchor).
 */
const beyond = (node: Node | undefined): Node | undefined => (isAlias(node) ? undefined : node);

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

function contains(node: Node | undefined, offset: number): boolean {
  const range = node?.range;
  return range != null && range[0] <= offset && offset < range[2];
}
