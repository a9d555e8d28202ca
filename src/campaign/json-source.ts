/** Positions in JSON text, found by one scan for all the paths asked at once. */
import { newTrie, scanJson, type JsonLocation, type PathTrie } from './json-scan.js';
import { LineIndex, type LocateRequest, type Position, type SourceMap } from './source-map.js';

export class JsonSourceMap implements SourceMap {
  private readonly lines: LineIndex;
  constructor(private readonly text: string) {
    this.lines = new LineIndex(text);
  }

  locate(requests: readonly LocateRequest[]): Position[] {
    if (requests.length === 0) return [];
    const root = newTrie();
    for (const request of requests) addPath(root, request);
    const { locations } = scanJson(this.text, root);
    return requests.map((request) => this.position(root, locations, request));
  }

  private position(
    root: PathTrie,
    locations: ReadonlyMap<PathTrie, JsonLocation>,
    { path, at }: LocateRequest,
  ): Position {
    let deepest = locations.get(root);
    let node: PathTrie | undefined = root;
    let complete = true;
    for (const segment of path) {
      node = node?.children.get(segment);
      const location = node === undefined ? undefined : locations.get(node);
      if (location === undefined) {
        complete = false;
        break;
      }
      deepest = location;
    }
    if (deepest === undefined) return { line: 1, column: 1 };
    const offset =
      complete && at === 'key' && deepest.keyOffset !== undefined
        ? deepest.keyOffset
        : deepest.valueOffset;
    return this.lines.position(offset);
  }
}

/** Every prefix is wanted too: a missing path is placed at its deepest existing ancestor. */
function addPath(root: PathTrie, { path }: LocateRequest): void {
  let node = root;
  node.wanted = true;
  for (const segment of path) {
    let child = node.children.get(segment);
    if (child === undefined) {
      child = newTrie();
      node.children.set(segment, child);
    }
    child.wanted = true;
    node = child;
  }
}
