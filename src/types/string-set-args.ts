/**
 * The optional arguments of SET and GETEX (NX, XX, GET, KEEPTTL, PERSIST, EX, PX, EXAT, PXAT)
 * with Redis 7.0's acceptance rules, and the conversion of an expire argument to an absolute
 * time in milliseconds.
 *
 * Repeating an option is allowed (the last expire wins); mutually exclusive options, an
 * option that does not belong to the command, or an expire option without its value are a
 * syntax error.
 */
import { parseInt64 } from '../util/parse.js';
import { optionName } from './string-cstr.js';

export const F_NX = 1;
export const F_XX = 2;
export const F_GET = 4;
export const F_KEEPTTL = 8;
export const F_PERSIST = 16;
export const F_EX = 32;
export const F_PX = 64;
export const F_EXAT = 128;
export const F_PXAT = 256;
const EXPIRES = F_EX | F_PX | F_EXAT | F_PXAT;

export interface ExtendedArgs {
  flags: number;
  /** The expire argument, when an expire option was given. */
  expire: string | null;
}

/**
 * Parses argv[from..]; `forSet` selects SET's options (NX, XX, GET, KEEPTTL) over GETEX's
 * (PERSIST). Null on a syntax error.
 */
export function parseExtendedArgs(
  argv: string[],
  from: number,
  forSet: boolean,
): ExtendedArgs | null {
  let flags = 0;
  let expire: string | null = null;
  for (let j = from; j < argv.length; j++) {
    const opt = optionName(argv[j]);
    const hasNext = j + 1 < argv.length;
    let flag: number;
    if (opt === 'NX' && forSet && !(flags & F_XX)) flag = F_NX;
    else if (opt === 'XX' && forSet && !(flags & F_NX)) flag = F_XX;
    else if (opt === 'GET' && forSet) flag = F_GET;
    else if (opt === 'KEEPTTL' && forSet && !(flags & (F_PERSIST | EXPIRES))) flag = F_KEEPTTL;
    else if (opt === 'PERSIST' && !forSet && !(flags & (F_KEEPTTL | EXPIRES))) flag = F_PERSIST;
    else if (!hasNext || flags & (F_KEEPTTL | F_PERSIST)) return null;
    else if (opt === 'EX' && !(flags & (EXPIRES & ~F_EX))) flag = F_EX;
    else if (opt === 'PX' && !(flags & (EXPIRES & ~F_PX))) flag = F_PX;
    else if (opt === 'EXAT' && !(flags & (EXPIRES & ~F_EXAT))) flag = F_EXAT;
    else if (opt === 'PXAT' && !(flags & (EXPIRES & ~F_PXAT))) flag = F_PXAT;
    else return null;
    if (flag & EXPIRES) expire = argv[++j];
    flags |= flag;
  }
  return { flags, expire };
}

const LLONG_MAX = 9223372036854775807n;

export const ERR_NOT_INTEGER = 'value is not an integer or out of range';

/**
 * The absolute expiry in ms for an expire argument under `flags`, or the error text to reply
 * with (`cmd` names the command in "invalid expire time in '<cmd>' command").
 */
export function expireAtMs(arg: string, flags: number, now: number, cmd: string): bigint | string {
  let ms = parseInt64(arg);
  if (ms === null) return ERR_NOT_INTEGER;
  const invalid = `invalid expire time in '${cmd}' command`;
  const seconds = (flags & (F_EX | F_EXAT)) !== 0;
  if (ms <= 0n || (seconds && ms > LLONG_MAX / 1000n)) return invalid;
  if (seconds) ms *= 1000n;
  if (flags & (F_EX | F_PX)) {
    if (ms > LLONG_MAX - BigInt(now)) return invalid;
    ms += BigInt(now);
  }
  return ms;
}
