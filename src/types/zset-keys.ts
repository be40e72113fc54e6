/**
 * Where a sorted set keeps its members: each member in a numbered slot, with its score beside
 * it. The B+tree (zset-btree.ts) orders (score, slot) pairs and reads members through this.
 *
 * Two stores behind one interface. A big set (skiplist encoding) uses a FieldTable, whose
 * members are bytes outside the V8 heap. A small one (listpack encoding, at most
 * zset-max-listpack-entries members) uses SmallKeys, plain arrays searched linearly, as Redis
 * searches a listpack: a FieldTable's fixed costs (a page, typed arrays, an index) would make a
 * five-member set take several KB.
 */
import type { BulkWriter } from './bulk-writer.js';

export interface MemberKeys {
  /** Members stored. */
  readonly size: number;
  /** One past the last slot in use. */
  readonly length: number;
  has(i: number): boolean;
  /** The slot of member m, or -1. */
  slotOf(m: string): number;
  /** Adds member m, which the caller found absent (second argument: always ''); its slot. */
  add(m: string, v: string): number;
  removeSlot(i: number): void;
  field(i: number): string;
  /** Slot i's member against m: negative, 0 or positive, in byte order. */
  compare(i: number, m: string): number;
  writeField(i: number, w: BulkWriter): void;
  num(i: number): number;
  setNum(i: number, x: number): void;
  clone(): MemberKeys;
}

export class SmallKeys implements MemberKeys {
  private members: (string | undefined)[] = [];
  private scores: number[] = [];
  private free: number[] = [];
  size = 0;

  get length(): number {
    return this.members.length;
  }

  has(i: number): boolean {
    return this.members[i] !== undefined;
  }

  slotOf(m: string): number {
    return this.members.indexOf(m);
  }

  add(m: string): number {
    const i = this.free.pop() ?? this.members.length;
    this.members[i] = m;
    this.scores[i] = 0;
    this.size++;
    return i;
  }

  removeSlot(i: number): void {
    this.members[i] = undefined;
    this.free.push(i);
    this.size--;
  }

  field(i: number): string {
    return this.members[i]!;
  }

  compare(i: number, m: string): number {
    const s = this.members[i]!;
    return s < m ? -1 : s > m ? 1 : 0;
  }

  writeField(i: number, w: BulkWriter): void {
    w.bulk(this.members[i]!);
  }

  num(i: number): number {
    return this.scores[i];
  }

  setNum(i: number, x: number): void {
    this.scores[i] = x;
  }

  clone(): SmallKeys {
    const c = new SmallKeys();
    c.members = this.members.slice();
    c.scores = this.scores.slice();
    c.free = this.free.slice();
    c.size = this.size;
    return c;
  }
}
