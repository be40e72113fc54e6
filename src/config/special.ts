/**
 * Options with their own syntax: save, bind, client-output-buffer-limit, oom-score-adj-values,
 * notify-keyspace-events, replicaof, latency-tracking-info-percentiles and dir. Behaviour and
 * error texts follow redis-server 7.0.15, quirks included (see each comment).
 */
import { parseDouble } from '../util/parse.js';
import { Invalid, type OptionType } from './types.js';
import { formatMemory, formatPercentile, parseMemory, parseStrtoll, quote } from './text.js';

// --- save -------------------------------------------------------------------------------------

/** One save point: [seconds, changes]. */
export type SavePoint = [number, number];

const BAD_SAVE = new Invalid('Invalid save parameters');

/**
 * `save <seconds> <changes> [...]`. `save ""` clears. While loading, the first non-empty `save`
 * replaces the built-in defaults and later ones append; CONFIG SET replaces the whole list.
 */
export const saveType: OptionType<SavePoint[]> = {
  multiArg: true,
  parse(args, prev, ctx) {
    if (args.length === 1 && args[0] === '') return [];
    if (args.length % 2 !== 0) return BAD_SAVE;
    const points: SavePoint[] = [];
    for (let j = 0; j < args.length; j += 2) {
      const s = parseStrtoll(args[j]);
      const c = parseStrtoll(args[j + 1]);
      if (s === null || c === null || s < 1n || c < 0n) return BAD_SAVE;
      // changes is a C int: larger counts wrap as they do in Redis.
      points.push([Number(s), Number(BigInt.asIntN(32, c))]);
    }
    if (!ctx.loading) return points;
    if (!ctx.seen.has('save')) {
      ctx.seen.add('save');
      return points;
    }
    return [...prev, ...points];
  },
  show: (v) => v.map(([s, c]) => `${s} ${c}`).join(' '),
  rewrite(name, v, _def, sink) {
    if (v.length === 0) sink.line(`${name} ""`, true);
    for (const [s, c] of v) sink.line(`${name} ${s} ${c}`, true);
  },
  expose: (v) => v.map(([s, c]) => [s, c]),
  equal: (a, b) => a.length === b.length && a.every((p, i) => p[0] === b[i][0] && p[1] === b[i][1]),
};

// --- bind -------------------------------------------------------------------------------------

export const DEFAULT_BIND = ['*', '-::*'];

export const bindType: OptionType<string[]> = {
  multiArg: true,
  parse(args) {
    if (args.length > 16) return new Invalid('Too many bind addresses specified.');
    if (args.length === 1 && args[0] === '') return [];
    return [...args];
  },
  show: (v) => v.join(' '),
  rewrite(name, v, def, sink) {
    if (v.length === def.length && v.every((a, i) => a === def[i])) return;
    sink.line(`${name} ${v.length ? v.join(' ') : '""'}`, true);
  },
  expose: (v) => [...v],
  equal: (a, b) => a.length === b.length && a.every((x, i) => x === b[i]),
};

// --- client-output-buffer-limit ---------------------------------------------------------------

export interface BufferLimit {
  hard: bigint;
  soft: bigint;
  softSeconds: number;
}
export type BufferClass = 'normal' | 'replica' | 'pubsub';
export type BufferLimits = Record<BufferClass, BufferLimit>;

export const DEFAULT_BUFFER_LIMITS: BufferLimits = {
  normal: { hard: 0n, soft: 0n, softSeconds: 0 },
  replica: { hard: 256n << 20n, soft: 64n << 20n, softSeconds: 60 },
  pubsub: { hard: 32n << 20n, soft: 8n << 20n, softSeconds: 60 },
};

const CLASSES: BufferClass[] = ['normal', 'replica', 'pubsub'];
/** Class names as CONFIG accepts them (any case, like getClientTypeByName). */
const CLASS_NAMES = new Map<string, BufferClass>([
  ['normal', 'normal'],
  ['slave', 'replica'],
  ['replica', 'replica'],
  ['pubsub', 'pubsub'],
]);

/** `<class> <hard> <soft> <soft-seconds>` groups; classes not named keep their limits. */
export const bufferLimitsType: OptionType<BufferLimits> = {
  multiArg: true,
  parse(args, prev) {
    if (args.length % 4 !== 0) {
      return new Invalid('Wrong number of arguments in buffer limit configuration.');
    }
    const next: BufferLimits = { ...prev };
    for (let j = 0; j < args.length; j += 4) {
      const cls = CLASS_NAMES.get(args[j].toLowerCase());
      if (!cls) return new Invalid('Invalid client class specified in buffer limit configuration.');
      const hard = parseMemory(args[j + 1]);
      const soft = parseMemory(args[j + 2]);
      const secs = parseStrtoll(args[j + 3]);
      const secsInt = secs === null ? -1 : Number(BigInt.asIntN(32, secs));
      if (hard === null || soft === null || secsInt < 0) {
        return new Invalid(
          'Error in hard, soft or soft_seconds setting in buffer limit configuration.',
        );
      }
      next[cls] = { hard, soft, softSeconds: secsInt };
    }
    return next;
  },
  show: (v) =>
    CLASSES.map((c) => {
      const l = v[c];
      return `${c === 'replica' ? 'slave' : c} ${l.hard} ${l.soft} ${l.softSeconds}`;
    }).join(' '),
  rewrite(name, v, def, sink) {
    for (const c of CLASSES) {
      const l = v[c];
      const d = def[c];
      const force = l.hard !== d.hard || l.soft !== d.soft || l.softSeconds !== d.softSeconds;
      sink.line(
        `${name} ${c} ${formatMemory(l.hard)} ${formatMemory(l.soft)} ${l.softSeconds}`,
        force,
      );
    }
  },
  expose: (v) => {
    const out: Record<string, { hard: number; soft: number; softSeconds: number }> = {};
    for (const c of CLASSES) {
      out[c] = { hard: Number(v[c].hard), soft: Number(v[c].soft), softSeconds: v[c].softSeconds };
    }
    return out;
  },
  equal: (a, b) =>
    CLASSES.every(
      (c) =>
        a[c].hard === b[c].hard && a[c].soft === b[c].soft && a[c].softSeconds === b[c].softSeconds,
    ),
};

// --- oom-score-adj-values ---------------------------------------------------------------------

export const oomValuesType: OptionType<number[]> = {
  multiArg: true,
  parse(args) {
    if (args.length !== 3) return new Invalid('wrong number of arguments');
    const out: number[] = [];
    for (const a of args) {
      const v = parseStrtoll(a);
      if (v === null || v < -2000n || v > 2000n) {
        return new Invalid(
          'Invalid oom-score-adj-values, elements must be between -2000 and 2000.',
        );
      }
      out.push(Number(v));
    }
    return out;
  },
  show: (v) => v.join(' '),
  rewrite(name, v, def, sink) {
    sink.line(
      `${name} ${v.join(' ')}`,
      v.some((x, i) => x !== def[i]),
    );
  },
  expose: (v) => [...v],
  equal: (a, b) => a.every((x, i) => x === b[i]),
};

// --- notify-keyspace-events -------------------------------------------------------------------

/** Event classes in the order Redis prints them; `A` stands for the first ten together. */
const EVENT_CLASSES = 'g$lshzxetd';
const ALL_CLASSES = (1 << EVENT_CLASSES.length) - 1;
const FLAG_N = 1 << 10;
const FLAG_K = 1 << 11;
const FLAG_E = 1 << 12;
const FLAG_M = 1 << 13;
const OTHER_FLAGS: Record<string, number> = { n: FLAG_N, K: FLAG_K, E: FLAG_E, m: FLAG_M };

export function eventFlagsToString(flags: number): string {
  let out = '';
  if ((flags & ALL_CLASSES) === ALL_CLASSES) out = 'A';
  else {
    for (let i = 0; i < EVENT_CLASSES.length; i++) if (flags & (1 << i)) out += EVENT_CLASSES[i];
    if (flags & FLAG_N) out += 'n';
  }
  if (flags & FLAG_K) out += 'K';
  if (flags & FLAG_E) out += 'E';
  if (flags & FLAG_M) out += 'm';
  return out;
}

export const notifyEventsType: OptionType<number> = {
  multiArg: false,
  parse(args) {
    let flags = 0;
    for (const ch of args[0]) {
      const i = EVENT_CLASSES.indexOf(ch);
      if (ch === 'A') flags |= ALL_CLASSES;
      else if (i >= 0) flags |= 1 << i;
      else if (OTHER_FLAGS[ch]) flags |= OTHER_FLAGS[ch];
      else return new Invalid("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
    }
    return flags;
  },
  show: eventFlagsToString,
  rewrite(name, v, _def, sink) {
    sink.line(`${name} ${quote(eventFlagsToString(v))}`, v !== 0);
  },
  expose: eventFlagsToString,
  equal: (a, b) => a === b,
};

// --- replicaof --------------------------------------------------------------------------------

export interface MasterAddr {
  host: string;
  port: number;
}

export const replicaofType: OptionType<MasterAddr | null> = {
  multiArg: true,
  parse(args) {
    if (args.length !== 2) return new Invalid('wrong number of arguments');
    if (args[0].toLowerCase() === 'no' && args[1].toLowerCase() === 'one') return null;
    const m = /^[ \t\n\v\f\r]*([+-]?\d+)$/.exec(args[1]);
    const port = args[1] === '' ? 0 : m ? Number(m[1]) : -1;
    if (port < 0 || port > 65535) return new Invalid('Invalid master port');
    return { host: args[0], port };
  },
  show: (v) => (v ? `${v.host} ${v.port}` : ''),
  rewrite(name, v, _def, sink) {
    // A master, or any cluster node, keeps no replicaof line.
    if (v === null || sink.other('cluster-enabled') === true) return;
    sink.line(`${name} ${v.host} ${v.port}`, true);
  },
  expose: (v) => (v ? { ...v } : null),
  equal: (a, b) => (a === null || b === null ? a === b : a.host === b.host && a.port === b.port),
};

// --- latency-tracking-info-percentiles --------------------------------------------------------

export const percentilesType: OptionType<number[]> = {
  multiArg: true,
  parse(args) {
    if (args.length === 1 && args[0] === '') return [];
    const out: number[] = [];
    for (const a of args) {
      const d = /^\s/.test(a) || /nan/i.test(a) ? null : parseDouble(a);
      if (d === null) return new Invalid('Invalid latency-tracking-info-percentiles parameters');
      if (d > 100 || d < 0) {
        return new Invalid(
          'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]',
        );
      }
      out.push(d);
    }
    return out;
  },
  show: (v) => v.map(formatPercentile).join(' '),
  rewrite(name, v, _def, sink) {
    sink.line(v.length ? `${name} ${v.map(formatPercentile).join(' ')}` : `${name} ""`, true);
  },
  expose: (v) => [...v],
  equal: (a, b) => a.length === b.length && a.every((x, i) => x === b[i]),
};

// --- dir --------------------------------------------------------------------------------------

const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory',
  ENOTDIR: 'Not a directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
  EIO: 'Input/output error',
  ENOSPC: 'No space left on device',
  EROFS: 'Read-only file system',
  EEXIST: 'File exists',
  EISDIR: 'Is a directory',
  EBUSY: 'Device or resource busy',
};

/** The C library's text for a Node error (what Redis prints via strerror). */
export function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  return STRERROR[code] ?? (e as Error).message;
}

/**
 * `dir` is the process's working directory, as in Redis: setting it changes directory (so every
 * relative file name - dump.rdb, nodes.conf, the AOF - resolves inside it) and it reads back as
 * the absolute path.
 */
export const dirType: OptionType<string> = {
  multiArg: false,
  parse(args) {
    try {
      process.chdir(args[0]);
    } catch (e) {
      return new Invalid(strerror(e));
    }
    return process.cwd();
  },
  // The directory entered last; restoring a failed CONFIG SET re-enters it from this text.
  show: (v) => v,
  rewrite(name, _v, _def, sink) {
    sink.line(`${name} ${quote(process.cwd())}`, true);
  },
  expose: (v) => v,
  equal: (a, b) => a === b,
};
