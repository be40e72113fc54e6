/**
 * Keys of DB 0 grouped by hash slot, kept current through the server's keyspace hooks. Serves
 * CLUSTER COUNTKEYSINSLOT / GETKEYSINSLOT, SETSLOT checks and deleting the keys of lost slots.
 */
import { keyHashSlot, SLOTS } from '../util/crc16.js';

export class SlotIndex {
  private readonly sets: (Set<string> | undefined)[] = new Array<Set<string> | undefined>(SLOTS);

  add(key: string): void {
    const slot = keyHashSlot(key);
    let set = this.sets[slot];
    if (!set) this.sets[slot] = set = new Set();
    set.add(key);
  }

  remove(key: string): void {
    const slot = keyHashSlot(key);
    const set = this.sets[slot];
    if (!set) return;
    set.delete(key);
    if (set.size === 0) this.sets[slot] = undefined;
  }

  clear(): void {
    this.sets.fill(undefined);
  }

  count(slot: number): number {
    return this.sets[slot]?.size ?? 0;
  }

  /** Up to `max` keys of the slot, most recently added first (as Redis's slot-to-key list). */
  keys(slot: number, max: number): string[] {
    const set = this.sets[slot];
    if (!set || max <= 0) return [];
    const all = [...set];
    const out: string[] = [];
    for (let i = all.length - 1; i >= 0 && out.length < max; i--) out.push(all[i]);
    return out;
  }
}
