/**
 * Hashes of the idempotency keys a saved twin holds, to tell a new key without reading them: a
 * restarted 1,000-host twin late in its run holds ~50,000 keys (3 MB), which took ~65 ms to read
 * into a map, and almost every call after a restart brings a new key. A key whose hash is not
 * here is certainly new; one whose hash is here may be (53-bit hashes: a false match is
 * vanishingly rare, and costs only reading the keys), so the keys are read then to be sure.
 */
export class KeyHashes {
  private constructor(
    /** The hashes, ascending, each once. */
    private readonly sorted: Float64Array,
  ) {}

  static of(keys: Iterable<string>): KeyHashes {
    return new KeyHashes(sortedUnique(Float64Array.from(keys, keyHash)));
  }

  /** The hashes as `encode` wrote them; undefined when the text is not such a list. */
  static decode(text: string): KeyHashes | undefined {
    const bytes = Buffer.from(text, 'base64');
    if (bytes.length % 8 !== 0 || bytes.toString('base64') !== text) return undefined;
    const sorted = new Float64Array(bytes.length / 8);
    if (LITTLE_ENDIAN) new Uint8Array(sorted.buffer).set(bytes);
    else for (let i = 0; i < sorted.length; i++) sorted[i] = bytes.readDoubleLE(i * 8);
    for (let i = 1; i < sorted.length; i++)
      if (!((sorted[i] as number) > (sorted[i - 1] as number))) return undefined;
    return new KeyHashes(sorted);
  }

  /** Base64 of the hashes as little-endian doubles. */
  encode(): string {
    if (LITTLE_ENDIAN)
      return Buffer.from(
        this.sorted.buffer,
        this.sorted.byteOffset,
        this.sorted.byteLength,
      ).toString('base64');
    const bytes = Buffer.alloc(this.sorted.length * 8);
    this.sorted.forEach((h, i) => bytes.writeDoubleLE(h, i * 8));
    return bytes.toString('base64');
  }

  get size(): number {
    return this.sorted.length;
  }

  /** False when `key` is certainly not among the keys; true when it may be. */
  mayHave(key: string): boolean {
    const h = keyHash(key);
    let lo = 0;
    let hi = this.sorted.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.sorted[mid] as number;
      if (at === h) return true;
      if (at < h) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  /** These hashes and those of `keys` (merged: a checkpoint adds a few thousand to many). */
  with(keys: Iterable<string>): KeyHashes {
    const added = sortedUnique(Float64Array.from(keys, keyHash));
    if (added.length === 0) return this;
    const old = this.sorted;
    const all = new Float64Array(old.length + added.length);
    let i = 0;
    let j = 0;
    let n = 0;
    while (i < old.length || j < added.length) {
      const a = i < old.length ? (old[i] as number) : Infinity;
      const b = j < added.length ? (added[j] as number) : Infinity;
      const next = a <= b ? a : b;
      if (a <= b) i++;
      if (b <= a) j++;
      all[n++] = next;
    }
    return new KeyHashes(all.subarray(0, n));
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/** A 53-bit hash of a key (two 32-bit FNV-1a variants), exact in a double. */
export function keyHash(key: string): number {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 11) * 0x1_0000_0000 + (b >>> 0);
}

function sortedUnique(hashes: Float64Array): Float64Array {
  hashes.sort();
  let n = 0;
  for (let i = 0; i < hashes.length; i++)
    if (n === 0 || hashes[i] !== hashes[n - 1]) hashes[n++] = hashes[i] as number;
  return hashes.subarray(0, n);
}
