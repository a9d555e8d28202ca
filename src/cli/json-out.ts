/**
 * Compact JSON for programs, written in pieces of about a mebibyte. A 10,000-host plan is ~57 MB
 * of JSON: as one string plus its UTF-8 copy it costs more memory and time than the pieces.
 *
 * The text is exactly `JSON.stringify(value)`: containers down to `depth` are written here, the
 * values inside them by `JSON.stringify` itself. Each piece is encoded on its own into the
 * chunk: a string with one non-ASCII character ('→' in a reason) is stored two bytes a
 * character and encodes several times slower, so such characters should stay in small pieces
 * (the default depth makes each field of a plan's host operation a piece).
 */

const CHUNK_BYTES = 1 << 20;

/**
 * `write` gets each chunk in turn; it returns true when it is done with the chunk (the bytes
 * are written or copied), and the next chunk is then written into the same memory. Otherwise
 * each chunk is new memory: a write to a pipe may still hold the previous one.
 */
export function writeJson(
  value: unknown,
  write: (chunk: Uint8Array) => boolean | void,
  depth = 7,
): void {
  let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;
  const flush = (): void => {
    if (used === 0) return;
    if (write(chunk.subarray(0, used)) !== true) chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    used = 0;
  };
  const push = (text: string): void => {
    // At most 3 bytes of UTF-8 per UTF-16 unit.
    if (used + text.length * 3 > CHUNK_BYTES) flush();
    if (text.length * 3 > CHUNK_BYTES) write(Buffer.from(text, 'utf8'));
    else used += chunk.write(text, used, 'utf8');
  };
  emit(value, depth, push);
  flush();
}

/** What JSON.stringify leaves out of an object (and writes as null in an array). */
const omitted = (value: unknown): boolean =>
  value === undefined || typeof value === 'function' || typeof value === 'symbol';

function emit(value: unknown, depth: number, push: (text: string) => void): void {
  if (depth <= 0 || !isContainer(value)) {
    push(JSON.stringify(value) ?? 'null');
    return;
  }
  if (Array.isArray(value)) {
    push('[');
    for (let k = 0; k < value.length; k++) {
      if (k > 0) push(',');
      const item: unknown = value[k];
      if (omitted(item)) push('null');
      else emit(item, depth - 1, push);
    }
    push(']');
    return;
  }
  const record = value as Readonly<Record<string, unknown>>;
  let first = true;
  push('{');
  for (const key of Object.keys(record)) {
    const item = record[key];
    if (omitted(item)) continue;
    push(`${first ? '' : ','}${JSON.stringify(key)}:`);
    first = false;
    emit(item, depth - 1, push);
  }
  push('}');
}

/** Arrays and plain objects without toJSON; anything else is JSON.stringify's to write. */
function isContainer(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return true;
  const proto: unknown = Object.getPrototypeOf(value);
  return (
    (proto === Object.prototype || proto === null) &&
    typeof (value as { toJSON?: unknown }).toJSON !== 'function'
  );
}
