/** Maps paths in a document to line and column in its text. */
import type { Path } from './path.js';

export interface Position {
  readonly line: number;
  readonly column: number;
  /** The value's source text when it is a scalar and the format keeps it (YAML). */
  readonly source?: string;
}

export interface LocateRequest {
  readonly path: Path;
  readonly at: 'key' | 'value';
}

export interface SourceMap {
  /**
   * One position per request. A path that does not exist in the text (a missing field) is
   * placed at its deepest existing ancestor.
   */
  locate(requests: readonly LocateRequest[]): Position[];
}

/** Offsets → 1-based line and column, by binary search over line starts computed once. */
export class LineIndex {
  private starts: number[] | undefined;
  constructor(private readonly text: string) {}

  position(offset: number): { line: number; column: number } {
    const starts = (this.starts ??= lineStarts(this.text));
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - (starts[low] ?? 0) + 1 };
  }
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

export const NO_SOURCE: SourceMap = {
  locate: (requests) => requests.map(() => ({ line: 1, column: 1 })),
};
