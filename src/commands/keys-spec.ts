/**
 * Key extraction from Redis 7 key specs (begin_search + find_keys), used by cluster routing,
 * COMMAND GETKEYS and WATCH signalling. Mirrors getKeysUsingKeySpecs in Redis's db.c.
 */
import type { CommandDef, KeySpecJson } from './table.js';

export interface KeyRef {
  /** Position of the key in argv. */
  pos: number;
  /** The spec says the command may modify or delete this key (RW/OW/RM). */
  write: boolean;
}

/** Thrown when the arguments do not make sense for the key specs (bad numkeys, ...). */
export class KeySpecError extends Error {}

function specWrites(spec: KeySpecJson): boolean {
  return spec.flags.some((f) => f === 'RW' || f === 'OW' || f === 'RM');
}

function beginIndex(spec: KeySpecJson, argv: string[]): number {
  const bs = spec.begin_search;
  const s = bs.spec as Record<string, number | string>;
  if (bs.type === 'index') return s.index as number;
  if (bs.type !== 'keyword') return -1;
  const keyword = (s.keyword as string).toLowerCase();
  const startfrom = s.startfrom as number;
  const argc = argv.length;
  if (startfrom >= 0) {
    for (let i = startfrom; i < argc; i++) if (argv[i].toLowerCase() === keyword) return i + 1;
  } else {
    for (let i = argc + startfrom; i > 0; i--) if (argv[i].toLowerCase() === keyword) return i + 1;
  }
  return -1;
}

/**
 * MIGRATE's keys come from Redis's own getkeys procedure (its key specs are incomplete): argv[3],
 * or with the KEYS option every argument after it (the empty argv[3] is then not a key).
 */
function migrateKeys(argv: string[]): KeyRef[] {
  for (let i = 6; i < argv.length; i++) {
    if (argv[i].toLowerCase() !== 'keys') continue;
    if (argv[3].length > 0) return [];
    const out: KeyRef[] = [];
    for (let k = i + 1; k < argv.length; k++) out.push({ pos: k, write: true });
    return out;
  }
  return [{ pos: 3, write: true }];
}

/**
 * SORT's keys (Redis's sortGetKeys): the sorted key, and the destination of the last STORE,
 * skipping the arguments of LIMIT, GET and BY.
 */
export function sortKeys(argv: string[]): KeyRef[] {
  const out: KeyRef[] = [{ pos: 1, write: false }];
  let store = -1;
  for (let i = 2; i < argv.length; i++) {
    const opt = argv[i].toLowerCase();
    if (opt === 'limit') i += 2;
    else if (opt === 'get' || opt === 'by') i += 1;
    else if (opt === 'store' && i + 1 < argv.length) store = i + 1;
  }
  if (store >= 0) out.push({ pos: store, write: true });
  return out;
}

export function getKeys(def: CommandDef, argv: string[]): KeyRef[] {
  if (def.name === 'migrate') return migrateKeys(argv);
  if (def.name === 'sort') return sortKeys(argv);
  const out: KeyRef[] = [];
  const argc = argv.length;
  for (const spec of def.json.key_specs) {
    let first = beginIndex(spec, argv);
    if (first < 0 || first >= argc) continue;
    const fk = spec.find_keys;
    const s = fk.spec as Record<string, number>;
    let last: number;
    let step: number;
    if (fk.type === 'range') {
      step = s.keystep;
      if (s.lastkey >= 0) last = first + s.lastkey;
      else if (!s.limit) last = argc + s.lastkey;
      else last = first + Math.floor((argc - first) / s.limit) + s.lastkey;
    } else if (fk.type === 'keynum') {
      const raw = argv[first + s.keynumidx];
      if (raw === undefined || !/^-?\d+$/.test(raw)) throw new KeySpecError('bad numkeys');
      const numkeys = Number(raw);
      if (numkeys < 0) throw new KeySpecError('bad numkeys');
      first = first + s.firstkey;
      step = s.keystep;
      last = first + (numkeys - 1) * step;
    } else {
      continue;
    }
    const write = specWrites(spec);
    for (let i = first; i <= last; i += step) {
      if (i >= argc || i < 0) {
        if (spec.flags.includes('incomplete')) break;
        throw new KeySpecError('not enough arguments');
      }
      out.push({ pos: i, write });
    }
  }
  return out;
}
