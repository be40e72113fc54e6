/**
 * The list value. Redis 7.0 always stores lists as a quicklist (a linked list of listpack
 * nodes) and OBJECT ENCODING reports `quicklist` for every list, whatever its size, so the
 * encoding is constant here.
 *
 * A small list (at most SMALL_MAX elements none longer than PACK_MAX) is one packed string
 * (packed-items.ts), as a small quicklist is one listpack node. A bigger one moves to blocks for
 * good. The elements live in blocks of up to BLOCK elements, like the quicklist's nodes. The blocks
 * at both ends are loose arrays, so pushes and pops there are O(1). A block that stops being an
 * end is packed: its elements, each already in its RESP reply form (`$<len>\r\n<bytes>\r\n`,
 * the same in RESP2 and RESP3), and their offsets are appended to one of the list's pages,
 * Buffers outside the V8 heap. Packed, a million short elements take about half the memory of
 * strings in arrays, LRANGE copies whole runs of a block into its reply instead of encoding
 * element by element (a million elements: 100 -> 30 ms), and a load leaves the young
 * generation nothing to copy but small block records: packed into strings, the bytes survived
 * every scavenge once and were promoted, and another client waited out the longer pauses.
 * Reading one packed element slices it out again. A block touched in the middle (LSET,
 * LINSERT) is unpacked, changed and packed again. Blocks are found by index with a binary
 * search over each block's position, so LINDEX and LSET are O(log n).
 */
import type { DataValue } from '../keyspace/db.js';
import type { BulkWriter } from './bulk-writer.js';
import type { Latin1Buffer } from '../util/latin1.js';
import { blockBytes } from '../util/offheap.js';
import {
  elementAt,
  elements,
  entry,
  itemEnd,
  nextOffset,
  offsetOf,
  splice,
} from './packed-items.js';

/** Elements per block (a new block starts when the end block has this many). */
const BLOCK = 128;
/** The most elements a small (packed) list holds. */
const SMALL_MAX = 128;
/** Longest element packed; a block holding a longer one stays loose (no big copies). */
const PACK_MAX = 64;
/**
 * Scratch space for pack(): a packed block holds at most 2 * BLOCK elements (inserts split it
 * past that), each at most PACK_MAX + 7 bytes encoded (two length digits), so every offset
 * fits in 16 bits.
 */
const PACK_DATA = Buffer.allocUnsafe((2 * BLOCK + 1) * (PACK_MAX + 7) + 2 * (2 * BLOCK + 2));
const PACK_OFFS = new Uint16Array(2 * BLOCK + 2);
/** Page sizes: a new page is an eighth of the list's pages so far, within these bounds. */
const PAGE_MIN = 4096;
const PAGE_MAX = 128 * 1024;

/**
 * Packed blocks' bytes, outside the V8 heap. A page only grows by appending and bytes once
 * written never change, so a COPY's blocks can go on reading its source's pages.
 */
class Page {
  /** Bytes of this list's packed blocks still in the page. */
  live = 0;

  constructor(
    readonly buf: Buffer,
    /** Bytes written; a page shared with a copy counts as full, so neither writes over the other. */
    public used: number,
  ) {}
}

class Block {
  /** Loose elements in items[lo..hi), or null when packed. */
  items: (string | undefined)[] | null;
  /**
   * Packed elements, when `page` is set: element j (lo <= j < hi) is the bulk string at
   * page[at + off(j), at + off(j + 1)), its bytes between the header's line feed and the
   * final CRLF; off(j) is the 16-bit offset at page[ob + 2j]. The block's bytes run from `at`
   * to the end of the offsets, `bytes` in all.
   */
  page: Page | null = null;
  at = 0;
  ob = 0;
  bytes = 0;
  lo: number;
  hi: number;

  constructor(
    /** Position of the first live element; only differences between blocks matter. */
    public pos: number,
    items: (string | undefined)[],
    lo: number,
    hi: number,
  ) {
    this.items = items;
    this.lo = lo;
    this.hi = hi;
  }

  get size(): number {
    return this.hi - this.lo;
  }

  /** Offset of packed element j's encoding from `at`. */
  off(j: number): number {
    const b = this.page!.buf;
    const p = this.ob + 2 * j;
    return b[p] | (b[p + 1] << 8);
  }

  get(k: number): string {
    const j = this.lo + k;
    if (this.items) return this.items[j]!;
    const b = this.page!.buf;
    // Past `$`, a length digit and CR: the header's LF is at least 3 bytes in.
    let p = this.at + this.off(j) + 3;
    while (b[p] !== 10) p++;
    return (b as unknown as Latin1Buffer).latin1Slice(p + 1, this.at + this.off(j + 1) - 2);
  }

  /** Whether every element is short enough to pack. */
  packable(): boolean {
    const items = this.items!;
    for (let j = this.lo; j < this.hi; j++) if (items[j]!.length > PACK_MAX) return false;
    return true;
  }

  /**
   * Encodes the loose elements into PACK_DATA, the RESP bulk strings and then their 16-bit
   * offsets, and returns the length of the bulk strings alone.
   */
  encode(): number {
    const items = this.items!;
    const n = this.size;
    const out = PACK_DATA;
    const offs = PACK_OFFS;
    let at = 0;
    for (let k = 0; k < n; k++) {
      const v = items[this.lo + k]!;
      const len = v.length;
      offs[k] = at;
      out[at++] = 36; // $
      if (len >= 10) out[at++] = 48 + Math.floor(len / 10);
      out[at++] = 48 + (len % 10);
      out[at++] = 13;
      out[at++] = 10;
      for (let i = 0; i < len; i++) out[at++] = v.charCodeAt(i);
      out[at++] = 13;
      out[at++] = 10;
    }
    offs[n] = at;
    const dataLen = at;
    for (let k = 0; k <= n; k++) {
      out[at++] = offs[k] & 0xff;
      out[at++] = offs[k] >> 8;
    }
    return dataLen;
  }

  /** Points the packed block at its bytes, `bytes` long from `at` in `page`. */
  place(page: Page, at: number, dataLen: number, bytes: number): void {
    this.page = page;
    this.at = at;
    this.ob = at + dataLen;
    this.bytes = bytes;
    page.live += bytes;
  }

  clone(pages: Map<Page, Page>): Block {
    const b = new Block(this.pos, this.items ? this.items.slice() : [], this.lo, this.hi);
    const page = this.page;
    if (page) {
      let shared = pages.get(page);
      if (!shared) pages.set(page, (shared = new Page(page.buf, page.buf.length)));
      b.items = null;
      b.place(shared, this.at, this.ob - this.at, this.bytes);
    }
    return b;
  }
}

export class ListValue implements DataValue {
  get kind(): 'list' {
    return 'list';
  }
  /**
   * A small list's elements, packed (packed-items.ts); null once the list has outgrown
   * SMALL_MAX elements or held one longer than PACK_MAX, and lives in blocks for good.
   */
  private small: string | null = '';
  private blocks: Block[] | null = null;
  private len = 0;
  /** The page new packed blocks go to, and the size of every page taken so far. */
  private page: Page | null = null;
  private pageBytes = 0;

  encoding(): string {
    return 'quicklist';
  }

  get length(): number {
    return this.len;
  }

  /** Element `i` (0 <= i < length). */
  at(i: number): string {
    const s = this.small;
    if (s !== null) return elementAt(s, offsetOf(s, i));
    const blocks = this.blocks!;
    const b = blocks[this.find(i)];
    return b.get(i - (b.pos - blocks[0].pos));
  }

  setAt(i: number, v: string): void {
    const s = this.small;
    if (s !== null && v.length <= PACK_MAX) {
      const at = offsetOf(s, i);
      this.small = splice(s, at, itemEnd(s, at), entry(v));
      return;
    }
    if (s !== null) this.toBlocks(s);
    const blocks = this.blocks!;
    const b = blocks[this.find(i)];
    const packed = b.items === null;
    const items = this.unpack(b);
    items[b.lo + i - (b.pos - blocks[0].pos)] = v;
    if (packed) this.pack(b);
  }

  /** Whether `v` can join the packed small list. */
  private fitsSmall(v: string): boolean {
    return this.len < SMALL_MAX && v.length <= PACK_MAX;
  }

  pushBack(v: string): void {
    const s = this.small;
    if (s !== null) {
      if (this.fitsSmall(v)) {
        this.small = splice(s, s.length, s.length, entry(v));
        this.len++;
        return;
      }
      this.toBlocks(s);
    }
    const blocks = this.blocks!;
    const tail = blocks[blocks.length - 1];
    if (tail && tail.items && tail.hi === tail.items.length && tail.size < BLOCK) {
      tail.items.push(v);
      tail.hi++;
    } else {
      if (tail && blocks.length > 1) this.pack(tail);
      blocks.push(new Block(tail ? tail.pos + tail.size : 0, [v], 0, 1));
    }
    this.len++;
  }

  pushFront(v: string): void {
    const s = this.small;
    if (s !== null) {
      if (this.fitsSmall(v)) {
        this.small = splice(s, 0, 0, entry(v));
        this.len++;
        return;
      }
      this.toBlocks(s);
    }
    const blocks = this.blocks!;
    const head = blocks[0];
    if (head && head.items && head.lo > 0 && head.size < BLOCK) {
      head.items[--head.lo] = v;
      head.pos--;
    } else {
      if (head && blocks.length > 1) this.pack(head);
      const items = new Array<string | undefined>(BLOCK);
      items[BLOCK - 1] = v;
      blocks.unshift(new Block(head ? head.pos - 1 : 0, items, BLOCK - 1, BLOCK));
    }
    this.len++;
  }

  popFront(): string | undefined {
    if (this.len === 0) return undefined;
    const s = this.small;
    if (s !== null) {
      const v = elementAt(s, 0);
      this.small = s.slice(nextOffset());
      this.len--;
      return v;
    }
    const blocks = this.blocks!;
    const head = blocks[0];
    const v = head.get(0);
    if (head.items) head.items[head.lo] = undefined;
    head.lo++;
    head.pos++;
    this.len--;
    if (head.size === 0) this.release(blocks.shift()!);
    return v;
  }

  popBack(): string | undefined {
    if (this.len === 0) return undefined;
    const s = this.small;
    if (s !== null) {
      const at = offsetOf(s, this.len - 1);
      const v = elementAt(s, at);
      this.small = s.slice(0, at);
      this.len--;
      return v;
    }
    const blocks = this.blocks!;
    const tail = blocks[blocks.length - 1];
    const v = tail.get(tail.size - 1);
    tail.hi--;
    if (tail.items) tail.items.length = tail.hi;
    this.len--;
    if (tail.size === 0) this.release(blocks.pop()!);
    return v;
  }

  /** Inserts `v` so that it becomes element `i` (0 <= i <= length). */
  insertAt(i: number, v: string): void {
    if (i === 0) return this.pushFront(v);
    if (i === this.len) return this.pushBack(v);
    const s = this.small;
    if (s !== null) {
      if (this.fitsSmall(v)) {
        const at = offsetOf(s, i);
        this.small = splice(s, at, at, entry(v));
        this.len++;
        return;
      }
      this.toBlocks(s);
    }
    const blocks = this.blocks!;
    const bi = this.find(i);
    const b = blocks[bi];
    const packed = b.items === null;
    const items = this.unpack(b);
    items.splice(b.lo + i - (b.pos - blocks[0].pos), 0, v);
    b.hi++;
    for (let k = bi + 1; k < blocks.length; k++) blocks[k].pos++;
    this.len++;
    if (b.size > 2 * BLOCK) this.split(bi);
    else if (packed) this.pack(b);
  }

  /** Elements start..end inclusive (already clamped to the list). */
  slice(start: number, end: number): string[] {
    if (this.small !== null) return start > end ? [] : elements(this.small, start, end + 1);
    const out = new Array<string>(end - start + 1);
    let k = 0;
    this.forRange(start, end, (v) => (out[k++] = v));
    return out;
  }

  /** Calls `fn` for elements start..end inclusive (clamped), in order. */
  forRange(start: number, end: number, fn: (v: string) => void): void {
    const s = this.small;
    if (s !== null) {
      if (start > end) return;
      let at = offsetOf(s, start);
      for (let i = start; i <= end && at < s.length; i++) {
        const v = elementAt(s, at);
        at = nextOffset();
        fn(v);
      }
      return;
    }
    this.eachBlock(start, end, (b, from, to) => {
      for (let k = from; k < to; k++) fn(b.get(k));
    });
  }

  /**
   * Writes elements start..end inclusive (clamped) to `w` as bulk strings: loose elements one
   * by one, packed blocks' ones as the runs of their data, which are already in reply form.
   */
  writeRange(start: number, end: number, w: BulkWriter): void {
    if (this.small !== null) return this.forRange(start, end, (v) => w.bulk(v));
    this.eachBlock(start, end, (b, from, to) => {
      if (b.items) {
        for (let j = b.lo + from; j < b.lo + to; j++) w.bulk(b.items[j]!);
      } else {
        w.encoded(b.page!.buf, b.at + b.off(b.lo + from), b.at + b.off(b.lo + to));
      }
    });
  }

  /** Calls `fn` with each block overlapping start..end and the block's part [from, to) of it. */
  private eachBlock(start: number, end: number, fn: (b: Block, from: number, to: number) => void) {
    if (start > end) return;
    const blocks = this.blocks!;
    const base = blocks[0].pos;
    for (let bi = this.find(start); bi < blocks.length; bi++) {
      const b = blocks[bi];
      const first = b.pos - base;
      if (first > end) return;
      fn(b, Math.max(0, start - first), Math.min(b.size, end - first + 1));
    }
  }

  /** Keeps only elements start..end inclusive (clamped, start <= end). */
  trim(start: number, end: number): void {
    const s = this.small;
    if (s !== null) {
      this.small = s.slice(offsetOf(s, start), offsetOf(s, end + 1));
      this.len = end - start + 1;
      return;
    }
    for (let i = 0; i < start; i++) this.popFront();
    const drop = this.len - (end - start + 1);
    for (let i = 0; i < drop; i++) this.popBack();
  }

  /** Replaces the content with `items` (used after filtering in LREM). */
  replaceAll(items: string[]): void {
    this.small = '';
    this.blocks = null;
    this.page = null;
    this.pageBytes = 0;
    this.len = 0;
    for (const v of items) this.pushBack(v);
  }

  /** An independent copy (COPY): the packed string and the pages' bytes are shared. */
  clone(): ListValue {
    const c = new ListValue();
    const shared = new Map<Page, Page>();
    c.small = this.small;
    c.blocks = this.blocks ? this.blocks.map((b) => b.clone(shared)) : null;
    c.len = this.len;
    c.pageBytes = this.pageBytes;
    return c;
  }

  *values(): IterableIterator<string> {
    const s = this.small;
    if (s !== null) {
      for (let at = 0; at < s.length;) {
        const v = elementAt(s, at);
        at = nextOffset();
        yield v;
      }
      return;
    }
    for (const b of this.blocks!) for (let k = 0; k < b.size; k++) yield b.get(k);
  }

  *reversed(): IterableIterator<string> {
    if (this.small !== null) {
      const all = elements(this.small, 0, this.len);
      for (let k = all.length - 1; k >= 0; k--) yield all[k];
      return;
    }
    const blocks = this.blocks!;
    for (let bi = blocks.length - 1; bi >= 0; bi--) {
      const b = blocks[bi];
      for (let k = b.size - 1; k >= 0; k--) yield b.get(k);
    }
  }

  /** Moves a small list's elements into one loose block (for good). */
  private toBlocks(s: string): void {
    this.blocks = this.len === 0 ? [] : [new Block(0, elements(s, 0, this.len), 0, this.len)];
    this.small = null;
  }

  /** Index in `blocks` of the block holding element i (0 <= i < length). */
  private find(i: number): number {
    const blocks = this.blocks!;
    const target = blocks[0].pos + i;
    let lo = 0;
    let hi = blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (blocks[mid].pos <= target) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Splits an oversized block (after inserts) in two, packing both halves. */
  private split(bi: number): void {
    const blocks = this.blocks!;
    const b = blocks[bi];
    const items = this.unpack(b);
    const half = b.size >> 1;
    const right = new Block(b.pos + half, items.slice(b.lo + half, b.hi), 0, b.size - half);
    b.items = items.slice(b.lo, b.lo + half);
    b.lo = 0;
    b.hi = half;
    blocks.splice(bi + 1, 0, right);
    if (bi > 0) this.pack(b);
    if (bi + 1 < blocks.length - 1) this.pack(right);
  }

  /** Packs a loose block whose elements are all short into the current page. */
  private pack(b: Block): void {
    if (!b.items || !b.packable()) return;
    const n = b.size;
    const dataLen = b.encode();
    b.items = null;
    b.lo = 0;
    b.hi = n;
    this.store(b, PACK_DATA, 0, dataLen, dataLen + 2 * (n + 1));
  }

  /** A loose block's elements, unpacking it if packed. */
  private unpack(b: Block): (string | undefined)[] {
    if (b.items) return b.items;
    const n = b.size;
    const items = new Array<string | undefined>(n);
    for (let k = 0; k < n; k++) items[k] = b.get(k);
    b.items = items;
    b.lo = 0;
    b.hi = n;
    this.release(b);
    return items;
  }

  /**
   * Forgets a packed block's bytes. A page other than the current one left less than a quarter
   * full has its remaining blocks moved to the current page, so the pages hold at most about
   * four times the live bytes, and the emptied page goes with the next collection.
   */
  private release(b: Block): void {
    const from = b.page;
    if (!from) return;
    b.page = null;
    from.live -= b.bytes;
    if (from === this.page || from.live === 0 || from.live * 4 >= from.buf.length) return;
    for (const m of this.blocks!) {
      if (m.page !== from) continue;
      from.live -= m.bytes;
      this.store(m, from.buf, m.at, m.ob - m.at, m.bytes);
    }
  }

  /**
   * Copies a packed block's bytes, src[start, start + bytes) of which the first `dataLen` are
   * its elements, to the current page and points the block at them.
   */
  private store(b: Block, src: Buffer, start: number, dataLen: number, bytes: number): void {
    const page = this.room(bytes);
    src.copy(page.buf, page.used, start, start + bytes);
    b.place(page, page.used, dataLen, bytes);
    page.used += bytes;
  }

  /** The current page, or a new one when `bytes` do not fit in it. */
  private room(bytes: number): Page {
    const cur = this.page;
    if (cur && cur.used + bytes <= cur.buf.length) return cur;
    // An eighth of what the list has taken so far: few pages for a big list, small ones for
    // a small list.
    const size = Math.max(bytes, Math.min(PAGE_MAX, Math.max(PAGE_MIN, this.pageBytes >> 3)));
    this.pageBytes += size;
    return (this.page = new Page(blockBytes(size), 0));
  }
}
