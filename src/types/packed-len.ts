/**
 * Lengths inside the packed small collections (packed-items.ts, hash-packed.ts,
 * zset-packed.ts): one char below 255, else char 255 and four chars, big-endian. Most members
 * and fields are short, so most lengths cost one byte, as a listpack's do.
 */

const LONG = 255;

/** Offset just after the last length read: readLen returns one number, allocating nothing. */
let end = 0;

/** The length stored at `pos`; lenEnd() then gives where its bytes start. */
export function readLen(s: string, pos: number): number {
  const c = s.charCodeAt(pos);
  if (c !== LONG) {
    end = pos + 1;
    return c;
  }
  end = pos + 5;
  return (
    ((s.charCodeAt(pos + 1) << 24) |
      (s.charCodeAt(pos + 2) << 16) |
      (s.charCodeAt(pos + 3) << 8) |
      s.charCodeAt(pos + 4)) >>>
    0
  );
}

export function lenEnd(): number {
  return end;
}

export function lenOf(n: number): string {
  if (n < LONG) return String.fromCharCode(n);
  return String.fromCharCode(
    LONG,
    (n >>> 24) & 0xff,
    (n >>> 16) & 0xff,
    (n >>> 8) & 0xff,
    n & 0xff,
  );
}
