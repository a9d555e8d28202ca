/**
 * Run ids: ULIDs (https://github.com/ulid/spec). 26 characters of Crockford base32, 48 bits of
 * milliseconds then 80 random bits, so ids sort by creation time as text. Within one
 * millisecond the generator increments the random part, so ids made by one store stay ordered.
 * Time and randomness are passed in (a virtual clock and a seeded source in tests).
 */
import type { Clock, RandomSource } from '../model/index.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const MAX_TIME = 2 ** 48 - 1;

export type IdGenerator = () => string;

export function ulidGenerator(clock: Clock, random: RandomSource): IdGenerator {
  let lastTime = -1;
  // 80 random bits as 16 base-32 digits (5 bits each), most significant first.
  let digits: number[] = [];
  return () => {
    const time = Math.floor(clock.now());
    if (!Number.isSafeInteger(time) || time < 0 || time > MAX_TIME)
      throw new RangeError(`clock time ${time} is outside what a ULID can hold`);
    if (time > lastTime) {
      digits = [];
      for (let i = 0; i < 16; i++) digits.push(random.uint32() & 31);
      lastTime = time;
    } else {
      // Same millisecond (or a clock that stepped back): keep the last time, add one.
      let i = 15;
      while (i >= 0 && digits[i] === 31) digits[i--] = 0;
      if (i < 0) throw new RangeError('more than 2^80 ids in one millisecond');
      digits[i] = (digits[i] ?? 0) + 1;
    }
    let head = '';
    let t = lastTime;
    for (let i = 0; i < 10; i++) {
      head = ALPHABET.charAt(t % 32) + head;
      t = Math.floor(t / 32);
    }
    return head + digits.map((d) => ALPHABET.charAt(d)).join('');
  };
}

/** The time a ULID was made, in milliseconds since the epoch. */
export function ulidTime(id: string): number {
  let t = 0;
  for (const char of id.slice(0, 10)) {
    const value = ALPHABET.indexOf(char);
    if (value < 0) throw new RangeError(`not a ULID: ${id}`);
    t = t * 32 + value;
  }
  return t;
}
