/**
 * A small hash (listpack encoding) packed into one latin1 string, as Redis packs it into one
 * listpack: each entry is the field's length, the field, the value's length and the value, in
 * insertion order. A JS Map of five short fields and values took ~560 bytes per key (the Map's
 * table and ten string objects); one flat string takes a few bytes per entry, and apps keep
 * millions of such hashes. Lookups scan the entries as Redis scans a listpack (at most
 * hash-max-listpack-entries of them); a write builds the string anew, which is what a
 * listpack's memmove costs too. Order is the listpack's: a field keeps its place when its
 * value changes, and a delete closes the gap.
 *
 * Lengths are packed-len.ts's.
 */
import { lenEnd, lenOf, readLen } from './packed-len.js';

/** Where find() left its entry: start, value start and length, end. */
let entryAt = 0;
let valueAt = 0;
let valueLen = 0;
let entryEnd = 0;

export class PackedHash {
  constructor(
    private data = '',
    public size = 0,
  ) {}

  /** Whether field f is present; if so, its entry's bounds are in the module's cursor. */
  private find(f: string): boolean {
    const d = this.data;
    const n = f.length;
    for (let pos = 0; pos < d.length;) {
      const flen = readLen(d, pos);
      const fAt = lenEnd();
      const vlen = readLen(d, fAt + flen);
      if (flen === n && d.startsWith(f, fAt)) {
        entryAt = pos;
        valueAt = lenEnd();
        valueLen = vlen;
        entryEnd = lenEnd() + vlen;
        return true;
      }
      pos = lenEnd() + vlen;
    }
    return false;
  }

  get(f: string): string | undefined {
    return this.find(f) ? this.data.slice(valueAt, valueAt + valueLen) : undefined;
  }

  has(f: string): boolean {
    return this.find(f);
  }

  /** Sets a field; true when it is new. */
  set(f: string, v: string): boolean {
    if (this.find(f)) {
      const d = this.data;
      // Rewriting the same value (an idempotent write) leaves the string as it is.
      if (valueLen === v.length && d.startsWith(v, valueAt)) return false;
      // join() builds a flat string; + would leave a rope for the next read to flatten.
      this.data = [
        d.slice(0, entryAt),
        lenOf(f.length),
        f,
        lenOf(v.length),
        v,
        d.slice(entryEnd),
      ].join('');
      return false;
    }
    this.data = [this.data, lenOf(f.length), f, lenOf(v.length), v].join('');
    this.size++;
    return true;
  }

  delete(f: string): boolean {
    if (!this.find(f)) return false;
    const d = this.data;
    this.data = [d.slice(0, entryAt), d.slice(entryEnd)].join('');
    this.size--;
    return true;
  }

  /** A copy: the packed string is immutable, so it is shared. */
  clone(): PackedHash {
    return new PackedHash(this.data, this.size);
  }

  *entries(): IterableIterator<[string, string]> {
    const d = this.data;
    for (let pos = 0; pos < d.length;) {
      const flen = readLen(d, pos);
      const f = d.slice(lenEnd(), lenEnd() + flen);
      const vlen = readLen(d, lenEnd() + flen);
      const vAt = lenEnd();
      yield [f, d.slice(vAt, vAt + vlen)];
      pos = vAt + vlen;
    }
  }

  /** The k-th entry (0 <= k < size). */
  at(k: number): [string, string] {
    const d = this.data;
    let pos = 0;
    for (;;) {
      const flen = readLen(d, pos);
      const fAt = lenEnd();
      const vlen = readLen(d, fAt + flen);
      if (k-- === 0) return [d.slice(fAt, fAt + flen), d.slice(lenEnd(), lenEnd() + vlen)];
      pos = lenEnd() + vlen;
    }
  }
}
