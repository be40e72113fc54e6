/**
 * A big hash's fields and values (hashtable encoding), or a big sorted set's members and scores
 * (skiplist encoding), stored outside the V8 heap.
 *
 * Kept as JS strings, a million-field hash is two million heap objects that every young
 * collection copies once and every old-generation marking walks: building one stalled other
 * clients for 12-30 ms where Redis stalls 3-5 (docs/ARCHITECTURE.md, "Big collections and the
 * garbage collector"). Here each field and its value are bytes in a record inside a few large
 * Buffers (pages), found through typed arrays, so the collector sees a few hundred objects
 * whatever the size. Strings are made only for what a command reads back.
 *
 * - Slots: every field has a stable slot number (an HSCAN cursor is a slot number, so a scan
 *   returns each field present throughout it; random picks are O(1)). A slot holds its record's
 *   page and offset, the field's hash and, for sorted sets, a number (the score), in chunks
 *   that grow without copying the table.
 * - Index: field -> slot, an extendible hash table of open-addressing segments of slot numbers.
 *   A full segment splits in two using the stored hashes, so no write ever rehashes more than
 *   one segment and no field string is hashed twice.
 * - Pages: records are appended to the newest page. A value rewritten in place if it fits; a
 *   record that moves or goes leaves a hole, and a page whose live bytes fall below a quarter
 *   is emptied into the newest page, so holes never exceed about 3x the live bytes.
 *
 * Strings here are latin1 (one char per byte), as everywhere in the keyspace.
 */
import { blockBytes, blockF64, blockI32, blockU32 } from '../util/offheap.js';
import { strHash } from '../util/strhash.js';

/** Slots per chunk (a power of two). */
const CHUNK_BITS = 12;
const CHUNK = 1 << CHUNK_BITS;
/** Slots of the first chunk, which doubles up to CHUNK: most tables are small. */
const FIRST_SLOTS = 8;

/** Record header: owning slot, field length, value capacity, value length (u32 each). */
const HEADER = 16;
/** The first page's size; each new page doubles up to MAX_PAGE. */
const FIRST_PAGE = 256;
const MAX_PAGE = 1 << 20;
/** The slot field of a freed record, and the page of a free slot. */
const DEAD = 0xffffffff;
const FREE = 0xffffffff;

/** Index segments start at 2^SEG_FIRST_BITS entries and split once at 2^SEG_BITS. */
const SEG_FIRST_BITS = 3;
const SEG_BITS = 13;
/** Directory bits at most; a segment this deep grows instead of splitting (equal hashes). */
const MAX_DEPTH = 24;

interface Seg {
  /** Slot + 1 per position, 0 = empty. */
  tab: Int32Array;
  bits: number;
  count: number;
  /** Low hash bits shared by every field in the segment. */
  depth: number;
}

function newSeg(bits: number, depth: number): Seg {
  return { tab: blockI32(1 << bits), bits, count: 0, depth };
}

function rd32(b: Buffer, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

function wr32(b: Buffer, o: number, v: number): void {
  b[o] = v;
  b[o + 1] = v >>> 8;
  b[o + 2] = v >>> 16;
  b[o + 3] = v >>> 24;
}

/** Short strings are copied by a loop: cheaper than a call into C++ for a few bytes. */
function writeStr(b: Buffer, o: number, s: string): void {
  const n = s.length;
  if (n > 32) b.write(s, o, n, 'latin1');
  else for (let i = 0; i < n; i++) b[o + i] = s.charCodeAt(i);
}

/** A copy of chunk c (or a new one) with room for n entries, the new ones set to `fill`. */
function grown<T extends Float64Array | Uint32Array | Int32Array>(
  c: T | undefined,
  n: number,
  make: (n: number) => T,
  fill: number,
): T {
  const g = make(n);
  if (fill !== 0) g.fill(fill);
  if (c !== undefined) g.set(c);
  return g;
}

/**
 * One scan step over numbered slots: visits slots from `cursor` until `count` were in use (or
 * 10x as many were empty), calls `emit` with each used one, returns the next cursor (0 at the
 * end). Slots keep their contents, so a scan returns everything present throughout it.
 */
export function scanSlots(
  t: { readonly length: number; has(i: number): boolean },
  cursor: number,
  count: number,
  emit: (i: number) => void,
): number {
  let seen = 0;
  let i = cursor;
  const maxSlots = count * 10;
  for (let visited = 0; i < t.length && seen < count && visited < maxSlots; i++) {
    visited++;
    if (!t.has(i)) continue;
    seen++;
    emit(i);
  }
  return i >= t.length ? 0 : i;
}

/** Where locateMany() leaves the fields it found. */
export class FieldRefs {
  readonly page: Uint32Array;
  readonly off: Uint32Array;
  readonly len: Uint32Array;

  constructor(capacity: number) {
    this.page = new Uint32Array(capacity);
    this.off = new Uint32Array(capacity);
    this.len = new Uint32Array(capacity);
  }
}

export class FieldTable {
  /**
   * Slot i's record is at page loc[c][2j] (FREE: no field), offset loc[c][2j + 1], where
   * c = i >> CHUNK_BITS and j = i % CHUNK: side by side, one cache miss finds a record. The
   * field's hash is in hashes[c][j].
   */
  private loc: Uint32Array[] = [];
  private hashes: Uint32Array[] = [];
  /** The record offset found by the last locate(). */
  private at = 0;
  /** A number per slot (a sorted set's scores), in chunks made on the first setNum(). */
  private nums: Float64Array[] | null = null;
  /** One past the last slot in use. */
  length = 0;
  /** Fields stored. */
  size = 0;
  private free: number[] = [];

  private dir: Seg[] = [newSeg(SEG_FIRST_BITS, 0)];
  private dirBits = 0;

  private pages: (Buffer | null)[] = [];
  /** Live record bytes per page. */
  private live: number[] = [];
  /** Bytes written to each page (records are never past this). */
  private ends: number[] = [];
  /** The page records are appended to (-1 before the first). */
  private tail = -1;

  /** Bytes the pages hold: live records, holes, and the newest page's unused end. */
  get pageBytes(): number {
    let n = 0;
    for (const p of this.pages) if (p !== null) n += p.length;
    return n;
  }

  /** Slot i's page, or FREE. */
  private pageOf(i: number): number {
    return this.loc[i >>> CHUNK_BITS][(i & (CHUNK - 1)) * 2];
  }

  /** Slot i's page, its record's offset left in `at` (no pair allocated on the hot paths). */
  private locate(i: number): Buffer {
    const c = this.loc[i >>> CHUNK_BITS];
    const j = (i & (CHUNK - 1)) * 2;
    this.at = c[j + 1];
    return this.pages[c[j]]!;
  }

  private hashOfSlot(i: number): number {
    return this.hashes[i >>> CHUNK_BITS][i & (CHUNK - 1)];
  }

  /** Points slot i at record offset o of page p (FREE: frees it). */
  private point(i: number, p: number, o: number): void {
    const c = this.loc[i >>> CHUNK_BITS];
    const j = (i & (CHUNK - 1)) * 2;
    c[j] = p;
    c[j + 1] = o;
  }

  private setSlot(i: number, p: number, o: number, h: number): void {
    const ci = i >>> CHUNK_BITS;
    const j = i & (CHUNK - 1);
    const h0 = this.hashes[ci];
    if (h0 === undefined || j >= h0.length) {
      let n = ci === 0 ? Math.max(FIRST_SLOTS, h0?.length ?? 0) : CHUNK;
      while (n <= j) n *= 2;
      this.loc[ci] = grown(this.loc[ci], 2 * n, blockU32, FREE);
      this.hashes[ci] = grown(h0, n, blockU32, 0);
      if (this.nums !== null) this.nums[ci] = grown(this.nums[ci], n, blockF64, 0);
    }
    this.point(i, p, o);
    this.hashes[ci][j] = h;
  }

  /** Slot i's number (0 until set). */
  num(i: number): number {
    return this.nums === null ? 0 : this.nums[i >>> CHUNK_BITS][i & (CHUNK - 1)];
  }

  setNum(i: number, x: number): void {
    if (this.nums === null) this.nums = this.hashes.map((c) => blockF64(c.length));
    this.nums[i >>> CHUNK_BITS][i & (CHUNK - 1)] = x;
  }

  /** Whether slot i holds a field. */
  has(i: number): boolean {
    return i < this.length && this.pageOf(i) !== FREE;
  }

  field(i: number): string {
    const b = this.locate(i);
    const o = this.at;
    return b.toString('latin1', o + HEADER, o + HEADER + rd32(b, o + 4));
  }

  /**
   * Finds the fields of slots ids[from, to) (at most refs' capacity) for reading many at once:
   * field k - from is page(refs.page[k]) bytes [refs.off[k], refs.off[k] + refs.len[k]). All
   * the slots' locations are read before any record, so the cache misses of a batch overlap
   * instead of queueing one behind the other, as they do when each field is located and read
   * in turn (a whole million-member sorted set goes out 1.5-2x faster).
   */
  locateMany(ids: Int32Array, from: number, to: number, refs: FieldRefs): void {
    const { page, off, len } = refs;
    const n = to - from;
    for (let k = 0; k < n; k++) {
      const i = ids[from + k];
      const c = this.loc[i >>> CHUNK_BITS];
      const j = (i & (CHUNK - 1)) * 2;
      page[k] = c[j];
      off[k] = c[j + 1];
    }
    for (let k = 0; k < n; k++) {
      const o = off[k];
      len[k] = rd32(this.pages[page[k]]!, o + 4);
      off[k] = o + HEADER;
    }
  }

  /** Page p of a locateMany() answer. */
  page(p: number): Buffer {
    return this.pages[p]!;
  }

  value(i: number): string {
    const b = this.locate(i);
    const o = this.at;
    const v = o + HEADER + rd32(b, o + 4);
    return b.toString('latin1', v, v + rd32(b, o + 12));
  }

  /**
   * Calls fn for every field in slot order with its bytes in place: the field is
   * b[at, at + flen), its value follows it and is vlen long. For whole-hash replies, which
   * then copy bytes instead of making two strings per field.
   */
  forEachBytes(fn: (b: Buffer, at: number, flen: number, vlen: number) => void): void {
    for (let i = 0; i < this.length; i++) {
      if (this.pageOf(i) === FREE) continue;
      const b = this.locate(i);
      const o = this.at;
      fn(b, o + HEADER, rd32(b, o + 4), rd32(b, o + 12));
    }
  }

  /** The slot of field f (hash h), or -1. */
  private find(f: string, h: number): number {
    const seg = this.dir[h & ((1 << this.dirBits) - 1)];
    const mask = seg.tab.length - 1;
    const n = f.length;
    for (let p = h >>> (32 - seg.bits); ; p = (p + 1) & mask) {
      const e = seg.tab[p];
      if (e === 0) return -1;
      const i = e - 1;
      if (this.hashOfSlot(i) !== h) continue;
      const b = this.locate(i);
      const o = this.at;
      if (rd32(b, o + 4) !== n) continue;
      let k = 0;
      const s = o + HEADER;
      while (k < n && b[s + k] === f.charCodeAt(k)) k++;
      if (k === n) return i;
    }
  }

  slotOf(f: string): number {
    return this.find(f, strHash(f));
  }

  /** Slot i's field against m, byte by byte: negative, 0 or positive as memcmp. */
  compare(i: number, m: string): number {
    const b = this.locate(i);
    const o = this.at;
    const n = rd32(b, o + 4);
    const s = o + HEADER;
    const k = Math.min(n, m.length);
    for (let j = 0; j < k; j++) {
      const d = b[s + j] - m.charCodeAt(j);
      if (d !== 0) return d;
    }
    return n - m.length;
  }

  get(f: string): string | undefined {
    const i = this.find(f, strHash(f));
    return i < 0 ? undefined : this.value(i);
  }

  /** Sets a field; true when it is new. */
  set(f: string, v: string): boolean {
    const h = strHash(f);
    const i = this.find(f, h);
    if (i >= 0) {
      const b = this.locate(i);
      const o = this.at;
      if (v.length <= rd32(b, o + 8)) {
        writeStr(b, o + HEADER + f.length, v);
        wr32(b, o + 12, v.length);
        return false;
      }
      this.release(this.pageOf(i), o);
      const at = this.append(i, f, v);
      this.point(i, this.tail, at);
      return false;
    }
    this.insert(f, v, h);
    return true;
  }

  /** Adds field f, which the caller found absent; its slot. */
  add(f: string, v: string): number {
    return this.insert(f, v, strHash(f));
  }

  private insert(f: string, v: string, h: number): number {
    let slot = this.free.pop();
    while (slot !== undefined && slot >= this.length) slot = this.free.pop();
    if (slot === undefined) slot = this.length++;
    const at = this.append(slot, f, v);
    this.setSlot(slot, this.tail, at, h);
    this.indexAdd(slot, h);
    this.size++;
    return slot;
  }

  delete(f: string): boolean {
    const i = this.find(f, strHash(f));
    if (i < 0) return false;
    this.removeSlot(i);
    return true;
  }

  /** Removes the field in slot i. */
  removeSlot(i: number): void {
    this.indexRemove(i, this.hashOfSlot(i));
    this.locate(i);
    this.release(this.pageOf(i), this.at);
    this.point(i, FREE, 0);
    this.size--;
    if (i === this.length - 1) {
      while (this.length > 0 && this.pageOf(this.length - 1) === FREE) this.length--;
      // Keep one spare chunk past the end, so a table hovering at a chunk edge does not
      // allocate and drop the same chunk over and over.
      while (this.loc.length > (this.length >>> CHUNK_BITS) + 2) {
        this.loc.pop();
        this.hashes.pop();
        this.nums?.pop();
      }
      // Free slots past the new end are stale (set() skips them); drop them only once they
      // dominate, so the filtering stays amortized O(1) per delete.
      if (this.free.length > 2 * this.length + 64) {
        this.free = this.free.filter((s) => s < this.length);
      }
    } else {
      this.free.push(i);
    }
  }

  scanStep(cursor: number, count: number, emit: (i: number) => void): number {
    return scanSlots(this, cursor, count, emit);
  }

  /** An independent copy: typed arrays and pages are copied as bytes, into new blocks. */
  clone(): FieldTable {
    const t = new FieldTable();
    t.loc = this.loc.map((c) => grown(c, c.length, blockU32, 0));
    t.hashes = this.hashes.map((c) => grown(c, c.length, blockU32, 0));
    t.nums = this.nums === null ? null : this.nums.map((c) => grown(c, c.length, blockF64, 0));
    t.length = this.length;
    t.size = this.size;
    t.free = this.free.slice();
    const segs = new Map<Seg, Seg>();
    t.dir = this.dir.map((s) => {
      let c = segs.get(s);
      if (c === undefined) {
        c = {
          tab: grown(s.tab, s.tab.length, blockI32, 0),
          bits: s.bits,
          count: s.count,
          depth: s.depth,
        };
        segs.set(s, c);
      }
      return c;
    });
    t.dirBits = this.dirBits;
    t.pages = this.pages.map((p) => {
      if (p === null) return null;
      const q = blockBytes(p.length);
      p.copy(q);
      return q;
    });
    t.live = this.live.slice();
    t.ends = this.ends.slice();
    t.tail = this.tail;
    return t;
  }

  /** A uniformly chosen live slot when the table is dense enough, else a nearby one. */
  randomSlot(rand: () => number): number {
    const n = this.length;
    for (let t = 0; t < 32; t++) {
      const i = Math.floor(rand() * n);
      if (this.pageOf(i) !== FREE) return i;
    }
    let i = Math.floor(rand() * n);
    while (this.pageOf(i) === FREE) i = (i + 1) % n;
    return i;
  }

  // --- index -------------------------------------------------------------------------------

  private indexAdd(slot: number, h: number): void {
    let seg = this.dir[h & ((1 << this.dirBits) - 1)];
    // Load at most 3/4: linear probing stays short.
    while ((seg.count + 1) * 4 > seg.tab.length * 3) {
      if (seg.bits < SEG_BITS || seg.depth >= MAX_DEPTH) this.growSeg(seg);
      else this.splitSeg(seg);
      seg = this.dir[h & ((1 << this.dirBits) - 1)];
    }
    this.place(seg, slot, h);
    seg.count++;
  }

  private place(seg: Seg, slot: number, h: number): void {
    const mask = seg.tab.length - 1;
    let p = h >>> (32 - seg.bits);
    while (seg.tab[p] !== 0) p = (p + 1) & mask;
    seg.tab[p] = slot + 1;
  }

  /** Doubles a segment in place (small segments, or ones whose fields share a hash). */
  private growSeg(seg: Seg): void {
    const old = seg.tab;
    seg.bits++;
    seg.tab = blockI32(1 << seg.bits);
    for (let p = 0; p < old.length; p++) {
      if (old[p] !== 0) this.place(seg, old[p] - 1, this.hashOfSlot(old[p] - 1));
    }
  }

  /** Splits a full segment on its next hash bit, doubling the directory if it must. */
  private splitSeg(seg: Seg): void {
    if (seg.depth === this.dirBits) this.growDir();
    const bit = 1 << seg.depth;
    const lo = newSeg(seg.bits, seg.depth + 1);
    const hi = newSeg(seg.bits, seg.depth + 1);
    this.rehash(seg, lo, hi, bit);
    for (let d = 0; d < this.dir.length; d++) {
      if (this.dir[d] === seg) this.dir[d] = d & bit ? hi : lo;
    }
  }

  /** Doubles the directory (each segment then has twice the entries pointing at it). */
  private growDir(): void {
    this.dir = this.dir.concat(this.dir);
    this.dirBits++;
  }

  /**
   * Moves seg's entries into lo and hi by hash bit `bit`. Its own function: the directory's
   * rare doubling deoptimized splitSeg dozens of times per million inserts, and each time this
   * 8K-entry loop fell back to the interpreter until V8 compiled it again.
   */
  private rehash(seg: Seg, lo: Seg, hi: Seg, bit: number): void {
    const tab = seg.tab;
    for (let p = 0; p < tab.length; p++) {
      const e = tab[p];
      if (e === 0) continue;
      const h = this.hashOfSlot(e - 1);
      const to = h & bit ? hi : lo;
      this.place(to, e - 1, h);
      to.count++;
    }
  }

  /** Removes slot i (hash h) from its segment, shifting later entries of its run back. */
  private indexRemove(slot: number, h: number): void {
    const seg = this.dir[h & ((1 << this.dirBits) - 1)];
    const tab = seg.tab;
    const mask = tab.length - 1;
    const shift = 32 - seg.bits;
    let i = h >>> shift;
    while (tab[i] !== slot + 1) i = (i + 1) & mask;
    // Backward-shift deletion: an entry after the hole moves into it unless its home position
    // lies cyclically in (hole, entry], where the hole does not break its probe run.
    for (let j = (i + 1) & mask; tab[j] !== 0; j = (j + 1) & mask) {
      const home = this.hashOfSlot(tab[j] - 1) >>> shift;
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!stays) {
        tab[i] = tab[j];
        i = j;
      }
    }
    tab[i] = 0;
    seg.count--;
  }

  // --- pages -------------------------------------------------------------------------------

  /** Room for a record of `size` bytes at the end of the newest page (`tail`); its offset. */
  private reserve(size: number): number {
    let p = this.tail;
    if (p < 0 || this.ends[p] + size > this.pages[p]!.length) {
      const prev = p < 0 ? 0 : this.pages[p]!.length;
      const pageSize = Math.max(Math.min(MAX_PAGE, Math.max(FIRST_PAGE, prev * 2)), size);
      p = this.pages.indexOf(null);
      if (p < 0) p = this.pages.length;
      this.pages[p] = blockBytes(pageSize);
      this.live[p] = 0;
      this.ends[p] = 0;
      this.tail = p;
    }
    const o = this.ends[p];
    this.ends[p] += size;
    this.live[p] += size;
    return o;
  }

  /** Writes slot's record (field f, value v) at the end of the newest page; its offset. */
  private append(slot: number, f: string, v: string): number {
    const o = this.reserve(HEADER + f.length + v.length);
    const b = this.pages[this.tail]!;
    wr32(b, o, slot);
    wr32(b, o + 4, f.length);
    wr32(b, o + 8, v.length);
    wr32(b, o + 12, v.length);
    writeStr(b, o + HEADER, f);
    writeStr(b, o + HEADER + f.length, v);
    return o;
  }

  /** Marks the record at offset o of page p dead; empties the page once mostly holes. */
  private release(p: number, o: number): void {
    const b = this.pages[p]!;
    wr32(b, o, DEAD);
    this.live[p] -= HEADER + rd32(b, o + 4) + rd32(b, o + 8);
    if (p !== this.tail && this.live[p] * 4 < b.length) this.evacuate(p);
  }

  /**
   * Copies page p's live records to the newest page (dropping their spare value room) and
   * frees p: at most a quarter of a page is copied, and only after three quarters were freed.
   */
  private evacuate(p: number): void {
    const b = this.pages[p]!;
    for (let o = 0; o < this.ends[p];) {
      const slot = rd32(b, o);
      const flen = rd32(b, o + 4);
      const next = o + HEADER + flen + rd32(b, o + 8);
      if (slot !== DEAD) {
        const len = HEADER + flen + rd32(b, o + 12);
        const at = this.reserve(len);
        const to = this.pages[this.tail]!;
        b.copy(to, at, o, o + len);
        wr32(to, at + 8, len - HEADER - flen);
        this.point(slot, this.tail, at);
      }
      o = next;
    }
    this.pages[p] = null;
  }
}
