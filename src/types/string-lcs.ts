/**
 * Longest common subsequence of two byte strings, as Redis's LCS computes it: the classic
 * dynamic-programming table, then one walk back from the end that yields the subsequence and
 * its matching ranges (last range first), with Redis's tie-break (move in `b` unless `a`'s
 * neighbour is strictly longer) so that the ranges reported are the same.
 */

export interface LcsMatch {
  aStart: number;
  aEnd: number;
  bStart: number;
  bEnd: number;
}

export interface LcsResult {
  length: number;
  /** The subsequence itself (only when asked for). */
  text: string;
  /** Contiguous matching ranges, from the end of the strings backwards. */
  matches: LcsMatch[];
}

/** Bytes of transient memory the table needs (Redis refuses more than proto-max-bulk-len). */
export function lcsTableBytes(a: string, b: string): number {
  return (a.length + 1) * (b.length + 1) * 4;
}

export function lcs(a: string, b: string, walk: boolean): LcsResult {
  const alen = a.length;
  const blen = b.length;
  const ab = Buffer.from(a, 'latin1');
  const bb = Buffer.from(b, 'latin1');
  const row = blen + 1;
  // Without the walk back only the length is needed, and two rows suffice.
  const t = new Uint32Array((walk ? alen + 1 : 2) * row);
  for (let i = 1; i <= alen; i++) {
    const ai = ab[i - 1];
    const base = walk ? i * row : (i & 1) * row;
    const prev = walk ? base - row : row - base;
    let left = 0;
    let diag = 0;
    for (let j = 1; j <= blen; j++) {
      const up = t[prev + j];
      // left is this row's previous cell, diag the previous row's: both kept in registers.
      const v = ai === bb[j - 1] ? diag + 1 : up > left ? up : left;
      t[base + j] = v;
      left = v;
      diag = up;
    }
  }
  const length = alen === 0 ? 0 : t[(walk ? alen : alen & 1) * row + blen];
  const result: LcsResult = { length, text: '', matches: [] };
  if (!walk) return result;

  const chars = new Uint8Array(length);
  let idx = length;
  // A range in progress: aStart === -1 means none.
  let aStart = -1;
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  let i = alen;
  let j = blen;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      chars[--idx] = a.charCodeAt(i - 1);
      if (aStart === -1) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      i--;
      j--;
    } else {
      if (t[(i - 1) * row + j] > t[i * row + j - 1]) i--;
      else j--;
      if (aStart !== -1) emit = true;
    }
    if (emit) {
      result.matches.push({ aStart, aEnd, bStart, bEnd });
      aStart = -1;
    }
  }
  result.text = Buffer.from(chars.buffer, chars.byteOffset, length).toString('latin1');
  return result;
}
