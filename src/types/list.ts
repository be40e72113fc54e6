/**
 * The list value. Redis 7.0 always stores lists as a quicklist (a linked list of listpack
 * nodes) and OBJECT ENCODING reports `quicklist` for every list, whatever its size, so the
 * encoding is constant here. The elements live in a growable ring buffer: O(1) push and pop at
 * both ends, O(1) access by index, and inserts/removes in the middle shift the shorter side.
 */
import type { DataValue } from '../keyspace/db.js';

const MIN_CAPACITY = 8;

export class ListValue implements DataValue {
  readonly kind = 'list';
  private buf: (string | undefined)[] = new Array<string | undefined>(MIN_CAPACITY);
  private mask = MIN_CAPACITY - 1;
  private head = 0;
  private len = 0;

  encoding(): string {
    return 'quicklist';
  }

  get length(): number {
    return this.len;
  }

  /** Element `i` (0 <= i < length). */
  at(i: number): string {
    return this.buf[(this.head + i) & this.mask]!;
  }

  setAt(i: number, v: string): void {
    this.buf[(this.head + i) & this.mask] = v;
  }

  pushBack(v: string): void {
    if (this.len === this.buf.length) this.resize(this.buf.length * 2);
    this.buf[(this.head + this.len) & this.mask] = v;
    this.len++;
  }

  pushFront(v: string): void {
    if (this.len === this.buf.length) this.resize(this.buf.length * 2);
    this.head = (this.head - 1) & this.mask;
    this.buf[this.head] = v;
    this.len++;
  }

  popFront(): string | undefined {
    if (this.len === 0) return undefined;
    const v = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.len--;
    this.maybeShrink();
    return v;
  }

  popBack(): string | undefined {
    if (this.len === 0) return undefined;
    const i = (this.head + this.len - 1) & this.mask;
    const v = this.buf[i];
    this.buf[i] = undefined;
    this.len--;
    this.maybeShrink();
    return v;
  }

  /** Inserts `v` so that it becomes element `i` (0 <= i <= length). */
  insertAt(i: number, v: string): void {
    if (i === 0) return this.pushFront(v);
    if (i === this.len) return this.pushBack(v);
    if (this.len === this.buf.length) this.resize(this.buf.length * 2);
    if (i < this.len / 2) {
      // Shift the first i elements one step to the left.
      this.head = (this.head - 1) & this.mask;
      for (let k = 0; k < i; k++) this.setAt(k, this.at(k + 1));
    } else {
      for (let k = this.len; k > i; k--) this.setAt(k, this.at(k - 1));
    }
    this.setAt(i, v);
    this.len++;
  }

  /** Elements start..end inclusive (already clamped to the list). */
  slice(start: number, end: number): string[] {
    const out = new Array<string>(end - start + 1);
    for (let i = start; i <= end; i++) out[i - start] = this.at(i);
    return out;
  }

  /** Keeps only elements start..end inclusive (clamped, start <= end). */
  trim(start: number, end: number): void {
    for (let i = 0; i < start; i++) this.popFront();
    const drop = this.len - (end - start + 1);
    for (let i = 0; i < drop; i++) this.popBack();
  }

  /** Replaces the content with `items` (used after filtering in LREM). */
  replaceAll(items: string[]): void {
    let cap = MIN_CAPACITY;
    while (cap < items.length) cap *= 2;
    this.buf = new Array<string | undefined>(cap);
    for (let i = 0; i < items.length; i++) this.buf[i] = items[i];
    this.mask = cap - 1;
    this.head = 0;
    this.len = items.length;
  }

  /** An independent copy (COPY): the same ring, so O(n) with no per-element work. */
  clone(): ListValue {
    const c = new ListValue();
    c.buf = this.buf.slice();
    c.mask = this.mask;
    c.head = this.head;
    c.len = this.len;
    return c;
  }

  *values(): IterableIterator<string> {
    for (let i = 0; i < this.len; i++) yield this.at(i);
  }

  private maybeShrink(): void {
    const cap = this.buf.length;
    if (cap > MIN_CAPACITY * 4 && this.len < cap / 4) this.resize(cap / 2);
  }

  private resize(cap: number): void {
    const next = new Array<string | undefined>(cap);
    for (let i = 0; i < this.len; i++) next[i] = this.at(i);
    this.buf = next;
    this.mask = cap - 1;
    this.head = 0;
  }
}
