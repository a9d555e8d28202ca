/**
 * Durations of documents, parsed once per distinct text: a large inventory repeats the same
 * few values (`500ms`) on hundreds of thousands of instances.
 */
import { parseDuration, type DurationParse } from '../model/duration.js';

const MEMO_LIMIT = 1000;
const memo = new Map<string | number, DurationParse>();

export function parseDurationCached(value: string | number): DurationParse {
  let parsed = memo.get(value);
  if (parsed === undefined) {
    parsed = parseDuration(value);
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(value, parsed);
  }
  return parsed;
}

/** For validated documents: a parse failure here is a bug, not an input error. */
export function durationSeconds(value: string | number): number {
  return valid(value).seconds;
}

/** For validated documents: a parse failure here is a bug, not an input error. */
export function durationMs(value: string | number): number {
  return valid(value).milliseconds;
}

function valid(value: string | number): { seconds: number; milliseconds: number } {
  const result = parseDurationCached(value);
  if (!result.ok)
    throw new RangeError(
      `invalid duration ${JSON.stringify(value)} in a validated document: ${result.reason}`,
    );
  return result;
}
