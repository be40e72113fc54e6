/**
 * A small set packed into one latin1 string of length-prefixed members (packed-len.ts), as
 * Redis packs an intset into one allocation: a Map and an array per five-member set took ~950
 * bytes, the string takes a few bytes per member. Lookups scan the members (a set stays packed
 * only while small: set.ts), and a write builds the string anew.
 */
import { lenEnd, lenOf, readLen } from './packed-len.js';

/** Where find() left its member: start and end of the entry. */
let entryAt = 0;
let entryEnd = 0;

export class PackedSet {
  constructor(
    private data = '',
    public size = 0,
  ) {}

  /** Whether m is a member; if so, its entry's bounds are in the module's cursor. */
  has(m: string): boolean {
    const d = this.data;
    const n = m.length;
    for (let at = 0; at < d.length;) {
      const len = readLen(d, at);
      const from = lenEnd();
      if (len === n && d.startsWith(m, from)) {
        entryAt = at;
        entryEnd = from + len;
        return true;
      }
      at = from + len;
    }
    return false;
  }

  /**
   * Adds m, which the caller found absent: before the first member `before(m, member)` puts
   * after it (an intset's numeric order), or last when `before` is null.
   */
  add(m: string, before: ((a: string, b: string) => boolean) | null): void {
    const d = this.data;
    let at = d.length;
    if (before !== null) {
      for (at = 0; at < d.length;) {
        const len = readLen(d, at);
        const from = lenEnd();
        if (before(m, d.slice(from, from + len))) break;
        at = from + len;
      }
    }
    // join() builds a flat string; + would leave a rope for the next read to flatten.
    this.data = [d.slice(0, at), lenOf(m.length), m, d.slice(at)].join('');
    this.size++;
  }

  remove(m: string): boolean {
    if (!this.has(m)) return false;
    const d = this.data;
    this.data = [d.slice(0, entryAt), d.slice(entryEnd)].join('');
    this.size--;
    return true;
  }

  /** The k-th member (0 <= k < size). */
  at(k: number): string {
    const d = this.data;
    let at = 0;
    for (;;) {
      const len = readLen(d, at);
      const from = lenEnd();
      if (k-- === 0) return d.slice(from, from + len);
      at = from + len;
    }
  }

  members(): string[] {
    const d = this.data;
    const out = new Array<string>(this.size);
    for (let at = 0, k = 0; at < d.length; k++) {
      const len = readLen(d, at);
      const from = lenEnd();
      out[k] = d.slice(from, from + len);
      at = from + len;
    }
    return out;
  }

  /** A copy: the packed string is immutable, so it is shared. */
  clone(): PackedSet {
    return new PackedSet(this.data, this.size);
  }
}
