/**
 * LZF, the compression RDB uses for long strings. Decompression accepts any valid stream;
 * compression is a small hash-table matcher (the exact bytes need not match Redis's, only the
 * format, and Redis keeps the compressed form only when it saves at least 4 bytes).
 */

export class LzfError extends Error {}

export function lzfDecompress(input: Uint8Array, outLen: number): Buffer {
  const out = Buffer.allocUnsafe(outLen);
  let ip = 0;
  let op = 0;
  while (ip < input.length) {
    const ctrl = input[ip++];
    if (ctrl < 32) {
      const n = ctrl + 1;
      if (ip + n > input.length) throw new LzfError('truncated literal');
      if (op + n > outLen) throw new LzfError('output overflow');
      for (let i = 0; i < n; i++) out[op++] = input[ip++];
      continue;
    }
    let len = ctrl >> 5;
    if (len === 7) {
      if (ip >= input.length) throw new LzfError('truncated length');
      len += input[ip++];
    }
    if (ip >= input.length) throw new LzfError('truncated reference');
    const ref = op - ((ctrl & 0x1f) << 8) - input[ip++] - 1;
    if (ref < 0) throw new LzfError('reference before start');
    len += 2;
    if (op + len > outLen) throw new LzfError('output overflow');
    for (let i = 0; i < len; i++) out[op++] = out[ref + i];
  }
  if (op !== outLen) throw new LzfError('length mismatch');
  return out;
}

const HLOG = 14;
const MAX_LIT = 32;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

/** Compresses `input`; returns null when the result would not be smaller. */
export function lzfCompress(input: Uint8Array): Buffer | null {
  const n = input.length;
  if (n < 4) return null;
  const out = Buffer.allocUnsafe(n + Math.ceil(n / MAX_LIT) + 1);
  const table = new Int32Array(1 << HLOG).fill(-1);
  let op = 1; // reserve the first literal control byte
  let lit = 0;
  let ip = 0;
  const flushLit = (): void => {
    out[op - lit - 1] = lit - 1;
  };
  while (ip < n - 2) {
    const v = (input[ip] << 16) | (input[ip + 1] << 8) | input[ip + 2];
    const h = Math.imul(v, 2654435761) >>> (32 - HLOG);
    const ref = table[h];
    table[h] = ip;
    const off = ip - ref - 1;
    if (
      ref >= 0 &&
      off < MAX_OFF &&
      input[ref] === input[ip] &&
      input[ref + 1] === input[ip + 1] &&
      input[ref + 2] === input[ip + 2]
    ) {
      let len = 3;
      const maxLen = Math.min(MAX_REF, n - ip);
      while (len < maxLen && input[ref + len] === input[ip + len]) len++;
      if (lit > 0) flushLit();
      else op--; // no literal run open: drop the reserved control byte
      const l = len - 2;
      if (op + 4 > out.length) return null;
      if (l < 7) {
        out[op++] = (off >> 8) + (l << 5);
      } else {
        out[op++] = (off >> 8) + (7 << 5);
        out[op++] = l - 7;
      }
      out[op++] = off & 0xff;
      ip += len;
      lit = 0;
      op++; // reserve the next literal control byte
      continue;
    }
    if (op >= out.length - 1) return null;
    out[op++] = input[ip++];
    lit++;
    if (lit === MAX_LIT) {
      flushLit();
      lit = 0;
      op++;
    }
  }
  while (ip < n) {
    if (op >= out.length - 1) return null;
    out[op++] = input[ip++];
    lit++;
    if (lit === MAX_LIT) {
      flushLit();
      lit = 0;
      op++;
    }
  }
  if (lit > 0) flushLit();
  else op--;
  return op < n ? out.subarray(0, op) : null;
}
