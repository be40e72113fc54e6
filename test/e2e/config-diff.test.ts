/**
 * CONFIG GET / SET against a real redis-server 7.0.15 started side by side: every option,
 * patterns, aliases, error texts, multi-pair atomicity and the RESP3 map form must match byte
 * for byte (replies whose order Redis leaves to its hash table are compared sorted).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pairHooks, compareStream, splitAggregate, type Pair } from '../helpers/diff.js';

let pair: Pair | null = null;

// keyshard saves by default as Redis does; the redis-server helper passes --save ''.
pairHooks((p) => (pair = p), ['--save', '']);

/** Options whose value differs between the two processes by construction. */
const PER_PROCESS = new Set(['port', 'dir']);

/** A CONFIG GET reply as sorted name/value pairs, minus per-process options. */
function normalizeGet(reply: string): string {
  const agg = splitAggregate(reply);
  if (!agg) return reply;
  const pairs: string[] = [];
  for (let i = 0; i < agg.items.length; i += 2) {
    const name = agg.items[i].split('\r\n')[1];
    if (!PER_PROCESS.has(name.toLowerCase())) pairs.push(agg.items[i] + agg.items[i + 1]);
  }
  const n = reply[0] === '%' ? pairs.length : pairs.length * 2;
  return `${reply[0]}${n}\r\n${pairs.sort().join('')}`;
}

const normalize = (argv: string[], reply: string): string =>
  argv[1]?.toLowerCase() === 'get' ? normalizeGet(reply) : reply;

function need(t: { skip(msg: string): void }): Pair | null {
  if (!pair) t.skip('redis-server not installed');
  return pair;
}

test('CONFIG GET: every option, patterns, aliases, hidden options, case', async (t) => {
  const p = need(t);
  if (!p) return;
  const patterns = [
    ['*'],
    ['*read-only*'],
    ['replica-read-only', 'slave-read-only'],
    ['slave-read-only', '*read-only'],
    ['HZ'],
    ['MAXMEMORY', 'maxmemory'],
    ['maxmemory*', 'maxmemory-p*'],
    ['use-exit-on-panic'],
    ['use-exit*'],
    ['rdb-key-save-delay', 'key-load-delay', 'watchdog-period'],
    ['loading-process-events-interval-bytes'],
    ['h[xz]'],
    ['h\\z'],
    ['*\\-*'],
    ['repl-?imeout'],
    ['[^a-z]*'],
    ['[a-c]*'],
    ['*MAX*ENTRIES*'],
    ['save', 'client-output-buffer-limit', 'bind', 'oom-score-adj-values'],
    ['notify-keyspace-events', 'latency-tracking-info-percentiles', 'replicaof', 'slaveof'],
    ['nosuch'],
    ['nosuch*'],
    ['tls-*'],
    ['cluster-*'],
  ];
  await compareStream(
    p,
    patterns.map((pats) => ['CONFIG', 'GET', ...pats]),
    normalize,
  );
  await compareStream(p, [['HELLO', '3']], () => 'hello');
  await compareStream(
    p,
    patterns.slice(0, 6).map((pats) => ['CONFIG', 'GET', ...pats]),
    normalize,
  );
  await compareStream(p, [['HELLO', '2']], () => 'hello');
});

test('CONFIG SET: every option with valid and invalid values', async (t) => {
  const p = need(t);
  if (!p) return;
  const all = splitAggregate(await p.redisConn.call('CONFIG', 'GET', '*'))!.items.map(
    (i) => i.split('\r\n')[1],
  );
  const names: string[] = [];
  const originals: string[] = [];
  for (let i = 0; i < all.length; i += 2) {
    names.push(all[i]);
    originals.push(all[i + 1]);
  }
  // Changing these would disturb the test itself (listeners, auth, files, the OS).
  const skip = new Set([
    'port',
    'bind',
    'requirepass',
    'dir',
    'appendonly',
    'maxclients',
    'oom-score-adj',
    'oom-score-adj-values',
  ]);
  const values = [
    'zz%zz',
    '-9223372036854775808',
    '9223372036854775807',
    '18446744073709551615',
    '-1',
    '0',
    '1',
    '100',
    '1kb',
    '2GB',
    '3M',
    '5%',
    '101%',
    'yes',
    'NO',
    '',
    '1 2',
    'normal 1 2 3',
    'replica 1mb 2mb 3 pubsub 0 0 0',
    '10 20 30 40',
    'noeviction',
    'nosave now',
    'KEA',
    'Ex',
    '50 99.5 1e1',
  ];
  const cmds: string[][] = [];
  for (let i = 0; i < names.length; i++) {
    if (skip.has(names[i])) continue;
    for (const v of values) {
      cmds.push(['CONFIG', 'SET', names[i], v]);
      cmds.push(['CONFIG', 'GET', names[i]]);
      cmds.push(['CONFIG', 'SET', names[i], originals[i]]);
    }
  }
  const n = await compareStream(p, cmds, normalize);
  assert.ok(n > 1000);
});

test('CONFIG SET: several pairs, all or nothing, and the order of its errors', async (t) => {
  const p = need(t);
  if (!p) return;
  const set = (...a: string[]): string[] => ['CONFIG', 'SET', ...a];
  const get = (...a: string[]): string[] => ['CONFIG', 'GET', ...a];
  await compareStream(
    p,
    [
      set('maxmemory', '10mb', 'hz', '20', 'slowlog-max-len', '5'),
      get('maxmemory', 'hz', 'slowlog-max-len'),
      set('maxmemory', '20mb', 'hz', 'x'),
      get('maxmemory', 'hz'),
      set('maxmemory', '30mb', 'nosuch', '1', 'hz', '1000'),
      set('hz', 'x', 'nosuch', '1'),
      set('hz', '1000', 'dir', '/'),
      set('dir', '/', 'nosuch', '1'),
      set('dbfilename', 'a/b'),
      set('Maxmemory', '1', 'maxmemory', '2'),
      set('maxmemory', '1', 'MAXMEMORY', '2'),
      set('replica-read-only', 'no', 'slave-read-only', 'yes'),
      get('replica-read-only'),
      set('DATABASES', '1'),
      set('HZ', 'x'),
      set('SLAVE-READ-ONLY', 'maybe'),
      set('hz', '1000'),
      get('hz'),
      set('hz', '0'),
      get('hz'),
      set('hz', '10'),
      set('maxmemory'),
      set('a', 'b', 'c'),
      ['CONFIG', 'GET'],
      ['CONFIG'],
      ['CONFIG', 'NOSUCH'],
      ['CONFIG', 'HELP'],
      set('save', '100 10 20 5'),
      get('save'),
      set('save', '100 10 20'),
      set('save', ''),
      get('save'),
      set('client-output-buffer-limit', 'replica 1kb 2mb 3'),
      get('client-output-buffer-limit'),
      set('client-output-buffer-limit', 'master 1 1 1'),
      set('client-output-buffer-limit', 'normal 1 1 -1'),
      set('client-output-buffer-limit', 'NORMAL 1 1 1'),
      set('client-output-buffer-limit', 'normal 0 0 0 slave 256mb 64mb 60 pubsub 32mb 8mb 60'),
      get('client-output-buffer-limit'),
      set('notify-keyspace-events', 'Elgmnt'),
      get('notify-keyspace-events'),
      set('notify-keyspace-events', 'AKEmn'),
      get('notify-keyspace-events'),
      set('notify-keyspace-events', 'Kg$lshzxetd'),
      get('notify-keyspace-events'),
      set('notify-keyspace-events', 'q'),
      set('notify-keyspace-events', ''),
      set('shutdown-on-sigint', 'default now'),
      get('shutdown-on-sigint'),
      set('shutdown-on-sigint', 'save nosave'),
      set('shutdown-on-sigint', 'default'),
      set('maxmemory-clients', '10%'),
      get('maxmemory-clients'),
      set('maxmemory-clients', '0'),
      set('proc-title-template', '{title}'),
      set('proc-title-template', '{{x}} {port}'),
      get('proc-title-template'),
      set('proc-title-template', '{title} {listen-addr} {server-mode}'),
      set('cluster-announce-hostname', 'bad_host'),
      set('latency-tracking-info-percentiles', '0x10 50.5'),
      get('latency-tracking-info-percentiles'),
      set('latency-tracking-info-percentiles', '50 99 99.9'),
      set('oom-score-adj-values', '1 2'),
      set('oom-score-adj-values', '1 2 x'),
      set('tls-port', '1', 'hz', 'x'),
      set('hz', '5', 'tls-cluster', 'yes'),
      get('hz', 'tls-cluster'),
      set('hz', '10'),
      set('repl-backlog-size', '1'),
      get('repl-backlog-size'),
      set('repl-backlog-size', '1mb'),
      set('loglevel', 'WARNING'),
      get('loglevel'),
      set('loglevel', 'notice'),
      set('requirepass', ''),
    ],
    normalize,
  );
});

test('CONFIG RESETSTAT and CONFIG REWRITE without a config file', async (t) => {
  const p = need(t);
  if (!p) return;
  await compareStream(p, [
    ['CONFIG', 'RESETSTAT'],
    ['CONFIG', 'REWRITE'],
  ]);
});
