/**
 * FNV-1a over a name's UTF-16 units, as an unsigned 32-bit number: stable across platforms and
 * runs, for a fixed order among equals (planner) and for hash tables of names (campaign).
 */
export function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < name.length; k++) h = Math.imul(h ^ name.charCodeAt(k), 0x01000193);
  return h >>> 0;
}
