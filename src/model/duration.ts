/**
 * Durations as documents write them: `500ms`, `90s`, `15m`, `1h30m`, `1d`, `1.5h`, or a plain
 * number of seconds. Units go from the largest to the smallest, each at most once, so that a
 * duration reads one way only (`1h30m`, never `30m1h` or `1h1h`).
 */

export type DurationParse =
  | { readonly ok: true; readonly seconds: number; readonly milliseconds: number }
  | { readonly ok: false; readonly reason: string };

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const UNITS_LARGEST_FIRST: readonly Unit[] = ['d', 'h', 'm', 's', 'ms'];

const TERM = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;

/** Microsecond precision: enough for any budget and free of binary-fraction noise. */
const roundMs = (ms: number): number => Math.round(ms * 1000) / 1000;

const success = (milliseconds: number): DurationParse => ({
  ok: true,
  milliseconds,
  seconds: milliseconds / 1000,
});

export function parseDuration(input: string | number): DurationParse {
  if (typeof input === 'number') return parseSeconds(input);
  const text = input.trim();
  if (text === '') return { ok: false, reason: 'a duration cannot be empty' };
  if (/^\d+(\.\d+)?$/.test(text)) return parseSeconds(Number(text));
  return parseTerms(text);
}

function parseSeconds(seconds: number): DurationParse {
  if (!Number.isFinite(seconds)) return { ok: false, reason: 'a duration must be a finite number' };
  if (seconds < 0) return { ok: false, reason: 'a duration cannot be negative' };
  return success(roundMs(seconds * 1000));
}

function parseTerms(text: string): DurationParse {
  TERM.lastIndex = 0;
  let total = 0;
  let lastRank = -1;
  while (TERM.lastIndex < text.length) {
    const at = TERM.lastIndex;
    const match = TERM.exec(text);
    if (match === null) return { ok: false, reason: badSyntax(text, at) };
    const unit = match[2] as Unit;
    const rank = UNITS_LARGEST_FIRST.indexOf(unit);
    if (rank <= lastRank)
      return {
        ok: false,
        reason: `"${unit}" comes after a larger or equal unit: write units from the largest to the smallest, each once (e.g. 1h30m)`,
      };
    lastRank = rank;
    total += Number(match[1]) * UNIT_MS[unit];
  }
  if (!Number.isFinite(total)) return { ok: false, reason: 'the duration is too large' };
  return success(roundMs(total));
}

function badSyntax(text: string, at: number): string {
  const rest = text.slice(at);
  if (at === 0)
    return `"${text}" is not a duration: use a number with a unit (ms, s, m, h, d) such as 90s or 1h30m`;
  return `cannot read "${rest}" in "${text}": each part is a number with a unit (ms, s, m, h, d)`;
}

/**
 * The canonical text of a duration given in seconds, e.g. 5400 → `1h30m`, 0.5 → `500ms`;
 * `parseDuration(formatDuration(s)).seconds === s` for any s with microsecond precision.
 */
export function formatDuration(seconds: number): string {
  let ms = roundMs(seconds * 1000);
  if (ms === 0) return '0s';
  let out = '';
  for (const unit of UNITS_LARGEST_FIRST) {
    const size = UNIT_MS[unit];
    const count = unit === 'ms' ? ms : Math.floor(ms / size);
    if (count > 0) out += `${unit === 'ms' ? String(roundMs(count)) : String(count)}${unit}`;
    ms = roundMs(ms - (unit === 'ms' ? ms : count * size));
  }
  return out;
}
