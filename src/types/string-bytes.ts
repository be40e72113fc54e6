/**
 * Byte-level edits of string values (latin1 JS strings, one char per byte). Strings are
 * immutable, so an in-place edit in Redis is a copy here: O(length) instead of O(1).
 */

/** `s` extended with NUL bytes to at least `len` bytes. */
export function zeroPad(s: string, len: number): string {
  return s.length >= len ? s : s + '\0'.repeat(len - s.length);
}

/** `s` with `part` written at byte `offset`, zero-padding any gap (SETRANGE). */
export function overwriteBytes(s: string, offset: number, part: string): string {
  const padded = zeroPad(s, offset);
  return padded.slice(0, offset) + part + padded.slice(offset + part.length);
}
