/**
 * A full garbage collection on request (MEMORY PURGE). V8 frees the pages of a deleted big key
 * only when a full collection finds them unreachable, and with the old generation's least
 * limit at 64 MB (node-flags.ts) that can wait until 64 MB more have been allocated: asking
 * for one gives the memory back now, as Redis's MEMORY PURGE asks its allocator to.
 *
 * V8 exposes its collector to scripts only with --expose-gc; set at run time, the flag takes
 * effect in contexts created afterwards, so the function is taken from a fresh context once.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | null = null;

/**
 * Runs two full, blocking collections of the whole heap. V8 frees a dead ArrayBuffer's memory on
 * a background thread after the collection that found it, but takes it off its count (INFO
 * used_memory) only at the next one: after one, a deleted million-member sorted set still
 * counted 75 MB.
 */
export function fullCollection(): void {
  if (gc === null) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
  gc();
}
