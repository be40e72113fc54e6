/**
 * DEBUG: the subcommands tests and tools rely on (SLEEP, SET-ACTIVE-EXPIRE, OBJECT, POPULATE,
 * PROTOCOL, ERROR, LOG, HELP). DEBUG is one command in Redis's table (not a container), so the
 * subcommand and its argument count are checked here. The dispatcher already enforces
 * enable-debug-command.
 */
import type { Client } from '../server/client.js';
import type { Value } from '../keyspace/db.js';
import type { Handler } from './table.js';
import { stringEncoding } from '../types/string-encoding.js';
import { RdbWriter } from '../persistence/rdb/encoding.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { limitsFromConfig, quicklistNodes, writeValue } from '../persistence/rdb/values.js';
import { loadRdb } from '../persistence/rdb/file.js';
import { encodeListpack } from '../persistence/rdb/listpack.js';
import { ListValue } from '../types/list.js';
import { replyHelp, subcommandSyntaxError } from './introspection.js';
import { datasetDigest, valueDigest } from './digest.js';
import { clusterDebug } from '../cluster/debug.js';

const HELP = [
  'DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DIGEST',
  '    Output a hex signature representing the current DB content.',
  'DIGEST-VALUE <key> [<key> ...]',
  '    Output a hex signature of the values of all the specified keys.',
  'ERROR <string>',
  '    Return a Redis protocol error with <string> as message. Useful for clients',
  '    unit tests to simulate Redis errors.',
  'LOG <message>',
  '    Write <message> to the server log.',
  'OBJECT <key>',
  '    Show low level info about `key` and associated value.',
  'DROP-CLUSTER-PACKET-FILTER <packet-type>',
  '    Drop all packets that match the filtered type. Set to -1 allow all packets.',
  'POPULATE <count> [<prefix>] [<size>]',
  '    Create <count> string keys named key:<num>. If <prefix> is specified then',
  "    it is used instead of the 'key' prefix. These are not propagated to",
  '    replicas. Cluster slots are not respected so keys not belonging to the',
  '    current node can be created in cluster mode.',
  'PROTOCOL <type>',
  '    Reply with a test value of the specified type. <type> can be: string,',
  '    integer, double, bignum, null, array, set, map, attrib, push, verbatim,',
  '    true, false.',
  'RELOAD [option ...]',
  '    Save the RDB on disk and reload it back to memory. Valid <option> values:',
  '    * NOFLUSH: the existing database will not be removed before load, but',
  '      conflicting keys make the load fail.',
  '    * NOSAVE: the database will be loaded from an existing RDB file.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Setting it to 0 disables expiring keys in background when they are not',
  '    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
  '    default.',
  'SLEEP <seconds>',
  '    Stop the server for <seconds>. Decimals allowed.',
  'CLUSTERLINK KILL <to|from|all> <node-id>',
  '    Kills the link based on the direction to/from (both) with the provided node.',
  'HELP',
  '    Prints this help.',
];

/** C's atoi / strtod prefix parsing: DEBUG accepts garbage as 0, as Redis does. */
function prefixNumber(s: string): number {
  const m = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(s);
  return m ? Number(m[0]) : 0;
}

/** Positive (>= 0) integer argument, Redis's getPositiveLongFromObjectOrReply. */
function positive(c: Client, raw: string): number | null {
  const n = /^-?\d{1,19}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) {
    c.reply.err('value is out of range, must be positive');
    return null;
  }
  return n;
}

/** Blocks the whole process, as Redis's DEBUG SLEEP stops the server. */
function sleepSync(ms: number): void {
  if (ms <= 0) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Bytes the value takes in an RDB file (Redis's rdbSavedObjectLen). */
function serializedLength(v: Value): number {
  const w = new RdbWriter();
  writeValue(w, v);
  return w.size;
}

/**
 * Quicklist details of a list: its elements packed into listpack nodes of about 8 KB
 * (list-max-listpack-size -2), the way the RDB writer splits them too.
 */
function quicklistInfo(list: ListValue): string {
  const nodes = quicklistNodes(list);
  const size = nodes.reduce((n, node) => n + encodeListpack(node).length, 0);
  const avg = nodes.length > 0 ? list.length / nodes.length : 0;
  return (
    ` ql_nodes:${nodes.length} ql_avg_node:${avg.toFixed(2)} ql_listpack_max:-2` +
    ` ql_compressed:0 ql_uncompressed_size:${size}`
  );
}

function debugObject(c: Client, key: string): void {
  // Like Redis, looking at the object is not an access: its idle time stays.
  const v = c.db.peek(key);
  if (v === undefined) {
    c.reply.err('no such key');
    return;
  }
  const enc = typeof v === 'string' ? stringEncoding(c.db, key, v) : v.encoding();
  const idle = c.db.trackAccess(c.server.startTime).idleSeconds(key);
  const lru = (Math.floor(Date.now() / 1000) - idle) & 0xffffff;
  const extra = v instanceof ListValue ? quicklistInfo(v) : '';
  const addr = `0x${(0x7f0000000000 + (hashKey(key) & 0xffffffff) * 16).toString(16)}`;
  c.reply.simple(
    `Value at:${addr} refcount:1 encoding:${enc} serializedlength:${serializedLength(v)} ` +
      `lru:${lru} lru_seconds_idle:${idle}${extra}`,
  );
}

/** A stable pseudo address per key, so DEBUG OBJECT looks like Redis's output. */
function hashKey(key: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** DEBUG POPULATE: `<prefix>:<n>` = `value:<n>` (cut or NUL-padded to size); existing keys kept. */
function populate(c: Client, argv: string[]): void {
  const count = positive(c, argv[2]);
  if (count === null) return;
  const prefix = argv.length > 3 ? argv[3] : 'key';
  // Size 0 means "no size", as in Redis.
  let size = 0;
  if (argv.length > 4) {
    const n = positive(c, argv[4]);
    if (n === null) return;
    size = n;
  }
  const db = c.db;
  for (let i = 0; i < count; i++) {
    const key = `${prefix}:${i}`;
    if (db.get(key) !== undefined) continue;
    let value = `value:${i}`;
    if (size > 0) value = value.length >= size ? value.slice(0, size) : value.padEnd(size, '\0');
    db.set(key, value);
  }
  c.reply.ok();
}

function protocol(c: Client, type: string): void {
  const r = c.reply;
  switch (type.toLowerCase()) {
    case 'string':
      r.bulk('Hello World');
      return;
    case 'integer':
      r.integer(12345);
      return;
    case 'double':
      r.double(3.141);
      return;
    case 'bignum':
      r.raw(
        r.resp === 3
          ? '(1234567999999999999999999999999999999\r\n'
          : '$37\r\n1234567999999999999999999999999999999\r\n',
      );
      return;
    case 'null':
      r.nil();
      return;
    case 'array':
    case 'set':
      if (type.toLowerCase() === 'array') r.array(3);
      else r.set(3);
      for (let i = 0; i < 3; i++) r.integer(i);
      return;
    case 'map':
      r.map(3);
      for (let i = 0; i < 3; i++) {
        r.integer(i);
        r.bool(i === 1);
      }
      return;
    case 'attrib':
      if (r.resp === 3) {
        r.raw('|1\r\n');
        r.bulk('key-popularity');
        r.array(2);
        r.bulk('key:123');
        r.integer(90);
      }
      r.bulk('Some real reply following the attribute');
      return;
    case 'push':
      if (r.resp !== 3) {
        r.err('RESP2 is not supported by this command');
        return;
      }
      r.push(2);
      r.bulk('server-cpu-usage');
      r.integer(42);
      r.bulk('Some real reply following the push reply');
      return;
    case 'verbatim':
      r.verbatim('This is a verbatim\nstring');
      return;
    case 'true':
      r.bool(true);
      return;
    case 'false':
      r.bool(false);
      return;
    default:
      r.err(
        'Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false',
      );
  }
}

/**
 * DEBUG RELOAD [NOSAVE] [NOFLUSH]: save the RDB (unless NOSAVE), empty the dataset (unless
 * NOFLUSH) and load the file back. MERGE (RDB keys replacing existing ones) is not supported:
 * keys already present make the load fail with an error instead.
 */
function reload(c: Client, argv: string[]): void {
  const s = c.server;
  let save = true;
  let flush = true;
  for (const opt of argv.slice(2).map((a) => a.toUpperCase())) {
    if (opt === 'NOSAVE') save = false;
    else if (opt === 'NOFLUSH') flush = false;
    else if (opt === 'MERGE') {
      c.reply.err('DEBUG RELOAD MERGE is not supported');
      return;
    } else {
      c.reply.err('DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
      return;
    }
  }
  if (save && !s.rdb.saveSync()) {
    c.reply.error('ERR');
    return;
  }
  let buf: Buffer;
  try {
    buf = readFileSync(join(s.config.get('dir'), s.config.get('dbfilename')));
  } catch (e) {
    s.log.warning(`Error loading the RDB dump: ${(e as Error).message}`);
    c.reply.err('Error trying to load the RDB dump, check server logs.');
    return;
  }
  if (flush) for (const db of s.keyspace.dbs) db.clear();
  try {
    loadRdb(buf, s.keyspace, {
      dropExpired: !s.isReplica(),
      now: Date.now(),
      limits: limitsFromConfig(s.config),
    });
  } catch (e) {
    s.log.warning(`Error loading the RDB dump: ${(e as Error).message}`);
    c.reply.err('Error trying to load the RDB dump, check server logs.');
    return;
  }
  s.log.warning('DB reloaded by DEBUG RELOAD');
  c.reply.ok();
}

export const debugCommands: Record<string, Handler> = {
  debug(c, argv) {
    // The cluster layer answers its own subcommands (packet filters, bus links).
    if (clusterDebug(c, argv)) return;
    const sub = argv[1].toLowerCase();
    const argc = argv.length;
    if (sub === 'help' && argc === 2) replyHelp(c, HELP);
    else if (sub === 'sleep' && argc === 3) {
      sleepSync(prefixNumber(argv[2]) * 1000);
      c.reply.ok();
    } else if (sub === 'set-active-expire' && argc === 3) {
      c.server.keyspace.activeExpireEnabled = Math.trunc(prefixNumber(argv[2])) !== 0;
      c.reply.ok();
    } else if (sub === 'object' && argc === 3) debugObject(c, argv[2]);
    else if (sub === 'populate' && argc >= 3 && argc <= 5) populate(c, argv);
    else if (sub === 'protocol' && argc === 3) protocol(c, argv[2]);
    else if (sub === 'error' && argc === 3) c.reply.error(argv[2]);
    else if (sub === 'reload') reload(c, argv);
    else if (sub === 'digest' && argc === 2) c.reply.simple(datasetDigest(c.server.keyspace.dbs));
    else if (sub === 'digest-value' && argc >= 2) {
      c.reply.array(argc - 2);
      for (const key of argv.slice(2)) c.reply.simple(valueDigest(c.db, key));
    } else if (sub === 'log' && argc === 3) {
      c.server.log.warning(`DEBUG LOG: ${argv[2]}`);
      c.reply.ok();
    } else subcommandSyntaxError(c, argv);
  },
};
