/**
 * PFADD, PFCOUNT, PFMERGE over Redis's HYLL string layout (src/types/hll.ts), so the stored
 * strings are byte-identical to redis-server's. PFCOUNT of one key caches the cardinality in
 * the string, which (as in Redis) counts as a write and is propagated.
 */
import type { Handler } from './table.js';
import type { Client } from '../server/client.js';
import {
  applyMax,
  cacheValid,
  CorruptHll,
  countHll,
  countRegisters,
  createHll,
  hllAdd,
  HLL_REGISTERS,
  invalidateCache,
  isDense,
  isHll,
  mergeInto,
  readCache,
  sparseToDense,
  writeCache,
} from '../types/hll.js';
import { WRONGTYPE } from '../types/set.js';

const INVALID_HLL = 'INVALIDOBJ Corrupted HLL object detected';
const NOT_HLL = 'WRONGTYPE Key is not a valid HyperLogLog string value.';

/** The HLL at `key` as bytes: undefined if missing, null after replying an error. */
function lookupHll(c: Client, key: string): Buffer | undefined | null {
  const v = c.db.get(key);
  if (v === undefined) return undefined;
  if (typeof v !== 'string') {
    c.reply.error(WRONGTYPE);
    return null;
  }
  if (!isHll(v)) {
    c.reply.error(NOT_HLL);
    return null;
  }
  return Buffer.from(v, 'latin1');
}

function store(c: Client, key: string, b: Buffer, existed: boolean): void {
  c.db.set(key, b.toString('latin1'), existed);
}

function maxBytes(c: Client): number {
  return c.server.config.get('hll-sparse-max-bytes');
}

export const hyperloglogCommands: Record<string, Handler> = {
  pfadd(c, argv) {
    const key = argv[1];
    let hll = lookupHll(c, key);
    if (hll === null) return;
    const existed = hll !== undefined;
    let updated = 0;
    if (hll === undefined) {
      hll = createHll();
      updated++;
    }
    const limit = maxBytes(c);
    try {
      for (let i = 2; i < argv.length; i++) {
        const r = hllAdd(hll, Buffer.from(argv[i], 'latin1'), limit);
        hll = r.hll;
        if (r.changed) updated++;
      }
    } catch (e) {
      if (!(e instanceof CorruptHll)) throw e;
      c.reply.error(INVALID_HLL);
      return;
    }
    if (updated) {
      invalidateCache(hll);
      store(c, key, hll, existed);
      c.server.dirty += updated;
    }
    c.reply.integer(updated ? 1 : 0);
  },

  pfcount(c, argv) {
    if (argv.length > 2) {
      const max = new Uint8Array(HLL_REGISTERS);
      for (let i = 1; i < argv.length; i++) {
        const hll = lookupHll(c, argv[i]);
        if (hll === null) return;
        if (hll === undefined) continue;
        try {
          mergeInto(max, hll);
        } catch (e) {
          if (!(e instanceof CorruptHll)) throw e;
          c.reply.error(INVALID_HLL);
          return;
        }
      }
      c.reply.integer(countRegisters(max));
      return;
    }
    const key = argv[1];
    const hll = lookupHll(c, key);
    if (hll === null) return;
    if (hll === undefined) {
      c.reply.integer(0);
      return;
    }
    if (cacheValid(hll)) {
      c.reply.integer(readCache(hll));
      return;
    }
    let card: number;
    try {
      card = countHll(hll);
    } catch (e) {
      if (!(e instanceof CorruptHll)) throw e;
      c.reply.error(INVALID_HLL);
      return;
    }
    writeCache(hll, card);
    store(c, key, hll, true);
    c.server.keyWritten(c.db, key);
    c.server.dirty++;
    c.reply.integer(card);
  },

  pfmerge(c, argv) {
    const max = new Uint8Array(HLL_REGISTERS);
    let useDense = false;
    for (let i = 1; i < argv.length; i++) {
      const hll = lookupHll(c, argv[i]);
      if (hll === null) return;
      if (hll === undefined) continue;
      if (isDense(hll)) useDense = true;
      try {
        mergeInto(max, hll);
      } catch (e) {
        if (!(e instanceof CorruptHll)) throw e;
        c.reply.error(INVALID_HLL);
        return;
      }
    }
    const key = argv[1];
    const cur = c.db.get(key);
    const existed = cur !== undefined;
    let hll = existed ? Buffer.from(cur as string, 'latin1') : createHll();
    if (useDense) {
      try {
        hll = sparseToDense(hll);
      } catch (e) {
        if (!(e instanceof CorruptHll)) throw e;
        if (!existed) store(c, key, hll, false);
        c.reply.error(INVALID_HLL);
        return;
      }
    }
    hll = applyMax(hll, max, maxBytes(c));
    invalidateCache(hll);
    store(c, key, hll, existed);
    c.server.dirty++;
    c.reply.ok();
  },
};
