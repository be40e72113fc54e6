/**
 * Pub/Sub against redis-server 7.0, byte for byte: seeded streams of (P|S)SUBSCRIBE,
 * (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH, PUBSUB introspection, commands refused in the RESP2
 * subscribed context, MULTI and RESET, over three connections per server (RESP2, RESP3 and a
 * mixed one), with binary channel names (CR LF, NUL, high bytes) and patterns with glob specials.
 *
 * After each command every connection is synchronised with a PING carrying a unique token: what
 * a connection received before that PING's reply is its transcript for the step, so messages
 * pushed to other connections are compared too. Only the orders Redis leaves unspecified (its
 * hash tables: UNSUBSCRIBE without arguments, PUBSUB CHANNELS, several matching patterns) are
 * compared as sorted.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startKeyshard, startRedis, redisServerOrSkip, type ServerProc } from '../helpers/procs.js';
import { RawConn } from '../helpers/raw.js';
import { rng, pick, sortedReply } from '../helpers/diff.js';

const CONNS = 3;

interface Side {
  conns: RawConn[];
}

let ks: ServerProc | null = null;
let redis: ServerProc | null = null;

before(async () => {
  // Without redis-server (outside CI) the tests skip themselves.
  if (!redisServerOrSkip({ skip: () => undefined })) return;
  [ks, redis] = await Promise.all([startKeyshard(), startRedis()]);
});
after(async () => {
  await Promise.all([ks?.stop(), redis?.stop()]);
});

async function openSide(port: number): Promise<Side> {
  const conns: RawConn[] = [];
  for (let i = 0; i < CONNS; i++) conns.push(await RawConn.open(port));
  return { conns };
}

let token = 0;

/** Reads `conn`'s frames up to the reply to a PING carrying a fresh token. */
async function drain(conn: RawConn): Promise<string[]> {
  const t = `sync-${++token}`;
  conn.send('PING', t);
  const frames: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const f = await conn.readReply();
    if (f === `$${t.length}\r\n${t}\r\n` || f === `*2\r\n$4\r\npong\r\n$${t.length}\r\n${t}\r\n`)
      return frames;
    frames.push(f);
  }
  throw new Error('no sync reply');
}

const UNSUBS = new Set(['unsubscribe', 'punsubscribe', 'sunsubscribe']);

/** Canonical transcript of one connection for one step (see the file comment). */
function normalize(argv: string[], frames: string[], issuer: boolean): string {
  const cmd = argv[0].toLowerCase();
  if (!issuer) return [...frames].sort().join('');
  if (UNSUBS.has(cmd) && argv.length === 1 && frames.length > 1) {
    // Hash-table order: compare the set of names and the final count.
    const last = frames[frames.length - 1].replace(/^([\s\S]*\r\n)(\$[^\r]*\r\n[\s\S]*)$/, '$2');
    const names = frames.map((f) => f.replace(/:\d+\r\n$/, ':N\r\n')).sort();
    return names.join('') + '|' + last.slice(last.lastIndexOf(':'));
  }
  if (cmd === 'pubsub' && /channels$/i.test(argv[1] ?? ''))
    return frames.map((f) => sortedReply(f)).join('');
  if (cmd === 'publish' && frames.length > 1) {
    // Pushes to the publisher itself, in pattern order, then the receiver count.
    return [...frames.slice(0, -1)].sort().join('') + frames[frames.length - 1];
  }
  return frames.join('');
}

/**
 * Runs one command and returns every connection's transcript. A connection inside MULTI is not
 * synchronised (the PING would be queued): what it receives is read once it leaves MULTI.
 */
async function step(side: Side, conn: number, argv: string[], inMulti: boolean[]): Promise<string> {
  const cmd = argv[0].toLowerCase();
  side.conns[conn].send(...argv);
  let out = '';
  for (let i = 0; i < CONNS; i++) {
    const order = (conn + i) % CONNS;
    const c = side.conns[order];
    if (order === conn && cmd === 'multi' && !inMulti[order]) {
      // Nothing is pending on a synchronised connection: MULTI's one reply is next.
      const reply = await c.readReply();
      inMulti[order] = reply === '+OK\r\n';
      out += `[${order}]${reply}`;
      continue;
    }
    if (inMulti[order]) {
      if (order !== conn || !MULTI_ENDS.has(cmd)) continue;
      inMulti[order] = false;
    }
    const frames = await drain(c);
    out += `[${order}]` + normalize(argv, frames, order === conn);
  }
  // Client ids differ between the two servers.
  return out.replace(/\$2\r\nid\r\n:\d+/g, '$$2\r\nid\r\n:ID');
}

const MULTI_ENDS = new Set(['exec', 'discard', 'reset']);

const CHANNELS = [
  'a',
  'news.sport',
  'news.art',
  'h\r\nx',
  'n\0ul',
  '\xff\xfe',
  '',
  '[x]',
  '*',
  'a?',
];
const PATTERNS = [
  '*',
  'news.*',
  'h*',
  '[an]*',
  'n\0*',
  'a[',
  '\\*',
  '[^a]*',
  'news.[s-t]*',
  '?',
  'a\\?',
];

function some(r: () => number, pool: readonly string[], min: number, max: number): string[] {
  const n = min + Math.floor(r() * (max - min + 1));
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(pick(r, pool));
  return out;
}

function randomCommand(r: () => number): string[] {
  const x = r();
  if (x < 0.12) return ['SUBSCRIBE', ...some(r, CHANNELS, 1, 3)];
  if (x < 0.2) return ['UNSUBSCRIBE', ...some(r, CHANNELS, 0, 2)];
  if (x < 0.28) return ['PSUBSCRIBE', ...some(r, PATTERNS, 1, 2)];
  if (x < 0.33) return ['PUNSUBSCRIBE', ...some(r, PATTERNS, 0, 2)];
  if (x < 0.38) return ['SSUBSCRIBE', ...some(r, CHANNELS, 1, 2)];
  if (x < 0.42) return ['SUNSUBSCRIBE', ...some(r, CHANNELS, 0, 2)];
  if (x < 0.6) return ['PUBLISH', pick(r, CHANNELS), pick(r, ['m', '', 'x\r\ny', '\0\xff'])];
  if (x < 0.65) return ['SPUBLISH', pick(r, CHANNELS), 'sm'];
  if (x < 0.68) return ['PUBSUB', 'CHANNELS'];
  if (x < 0.71) return ['PUBSUB', 'CHANNELS', pick(r, PATTERNS)];
  if (x < 0.74) return ['PUBSUB', 'NUMSUB', ...some(r, CHANNELS, 0, 3)];
  if (x < 0.76) return ['PUBSUB', 'NUMPAT'];
  if (x < 0.78) return ['PUBSUB', 'SHARDCHANNELS', ...some(r, PATTERNS, 0, 1)];
  if (x < 0.8) return ['PUBSUB', 'SHARDNUMSUB', ...some(r, CHANNELS, 0, 2)];
  if (x < 0.84) return ['GET', 'k'];
  if (x < 0.86) return ['SET', 'k', 'v'];
  if (x < 0.88) return ['PING'];
  if (x < 0.9) return ['PING', 'x'];
  if (x < 0.92) return ['CLIENT', 'GETNAME'];
  if (x < 0.94) return ['RESET'];
  if (x < 0.96) return ['HELLO', pick(r, ['2', '3'])];
  return ['MULTI'];
}

async function runStream(seed: number, steps: number): Promise<void> {
  const [a, b] = await Promise.all([openSide(ks!.port), openSide(redis!.port)]);
  try {
    // Connection 1 speaks RESP3 from the start; the others start in RESP2.
    for (const side of [a, b]) assert.match(await side.conns[1].call('HELLO', '3'), /^%7/);
    const r = rng(seed);
    const multiA = [false, false, false];
    const multiB = [false, false, false];
    for (let i = 0; i < steps; i++) {
      const conn = Math.floor(r() * CONNS);
      let argv = randomCommand(r);
      if (multiB[conn] && r() < 0.4) argv = [pick(r, ['EXEC', 'DISCARD'])];
      // Each side tracks MULTI from its own replies; a divergence shows up as a mismatch.
      const ra = await step(a, conn, argv, multiA);
      const rb = await step(b, conn, argv, multiB);
      assert.equal(
        JSON.stringify(ra),
        JSON.stringify(rb),
        `seed ${seed} step ${i}: conn ${conn} ${JSON.stringify(argv)}`,
      );
    }
  } finally {
    for (const c of [...a.conns, ...b.conns]) c.close();
  }
}

test('seeded pub/sub streams match redis-server byte for byte', async (t) => {
  if (!ks || !redis) return t.skip('redis-server not installed');
  for (const seed of [1, 2, 3, 4, 5, 6]) await runStream(seed, 400);
});

test('INFO stats pubsub counts and CLIENT LIST sub/psub/ssub/flags match redis-server', async (t) => {
  if (!ks || !redis) return t.skip('redis-server not installed');
  const grab = async (port: number): Promise<string> => {
    const sub = await RawConn.open(port);
    const other = await RawConn.open(port);
    sub.send('SUBSCRIBE', 'c1', 'c2');
    sub.send('PSUBSCRIBE', 'p*');
    sub.send('SSUBSCRIBE', 's1');
    for (let i = 0; i < 4; i++) await sub.readReply();
    const info = await other.call('INFO', 'stats');
    const list = await other.call('CLIENT', 'LIST', 'TYPE', 'pubsub');
    const killed = await other.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    const after = await other.call('INFO', 'stats');
    other.close();
    sub.close();
    const counts = (s: string): string => (s.match(/pubsub\w*:\d+/g) ?? []).join(',');
    const fields = list.match(/flags=\S+ db=\d+ sub=\d+ psub=\d+ ssub=\d+/)?.[0];
    return [counts(info), fields, killed, counts(after)].join(' | ');
  };
  const [x, y] = await Promise.all([grab(ks.port), grab(redis.port)]);
  assert.equal(x, y);
  assert.match(x, /pubsub_channels:2,pubsub_patterns:1,pubsubshard_channels:1 \| flags=P/);
});

test('messages still reach a RESP3 subscriber under CLIENT REPLY OFF, as in redis-server', async (t) => {
  if (!ks || !redis) return t.skip('redis-server not installed');
  const run = async (port: number): Promise<string[]> => {
    const sub = await RawConn.open(port);
    const pub = await RawConn.open(port);
    const out: string[] = [];
    try {
      assert.match(await sub.call('HELLO', '3'), /^%7/);
      out.push(await sub.call('SUBSCRIBE', 'r'));
      sub.send('CLIENT', 'REPLY', 'OFF');
      out.push(await pub.call('PUBLISH', 'r', 'while-off'));
      out.push(await sub.readReply());
      // Its own PUBLISH: the :1 is dropped, the message it receives is not.
      sub.send('PUBLISH', 'r', 'to-myself');
      out.push(await sub.readReply());
      out.push(await sub.call('CLIENT', 'REPLY', 'ON'));
      out.push(await pub.call('PUBLISH', 'r', 'after'));
      out.push(await sub.readReply());
    } finally {
      sub.close();
      pub.close();
    }
    return out;
  };
  const [x, y] = await Promise.all([run(ks.port), run(redis.port)]);
  assert.deepEqual(x, y);
  assert.equal(x[2], '>3\r\n$7\r\nmessage\r\n$1\r\nr\r\n$9\r\nwhile-off\r\n');
  assert.equal(x[3], '>3\r\n$7\r\nmessage\r\n$1\r\nr\r\n$9\r\nto-myself\r\n');
});
