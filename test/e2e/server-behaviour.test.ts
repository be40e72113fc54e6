/**
 * Behaviour of server and client commands side by side with redis-server 7.0.15: MONITOR and
 * SLOWLOG formats, CLIENT KILL / UNBLOCK / REPLY / PAUSE, CLIENT LIST flags, DEBUG
 * SET-ACTIVE-EXPIRE and SLEEP, LATENCY HISTOGRAM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawConn } from '../helpers/raw.js';
import { sortedReply } from '../helpers/diff.js';
import { usePair, conns, same } from './server-pair.js';

const need = usePair();

test('MONITOR lines look like redis-server: escaping, db, admin commands hidden', async (t) => {
  const p = need(t);
  if (!p) return;
  const [ma, mb] = await conns(p);
  const [a, b] = await conns(p);
  await same(ma, mb, [['MONITOR']]);
  const cmds = [
    ['SET', 'mk', 'a "b"\\ \n\r\t\x07\x08\x00\xff'],
    ['GET', 'mk'],
    ['CONFIG', 'GET', 'maxmemory'],
    ['DEBUG', 'SLEEP', '0'],
    ['SELECT', '2'],
    ['PING'],
    ['SELECT', '0'],
    ['NOSUCHCMD', 'x'],
    ['GET'],
    ['MULTI'],
    ['INCR', 'mc'],
    ['EXEC'],
    ['AUTH', 'secret'],
    ['AUTH', 'someone', 'secret'],
    ['ECHO', 'done'],
  ];
  await same(a, b, cmds);
  const lines: [string[], string[]] = [[], []];
  for (const [i, m] of [ma, mb].entries()) {
    for (let n = 0; n < 11; n++) lines[i].push(await m.readReply());
  }
  const mask = (l: string): string =>
    l.replace(/^\+\d+\.\d{6} \[(\d+) 127\.0\.0\.1:\d+\]/, '+T [$1 A]');
  assert.deepEqual(lines[0].map(mask), lines[1].map(mask));
  assert.equal(
    mask(lines[0][0]),
    '+T [0 A] "SET" "mk" "a \\"b\\"\\\\ \\n\\r\\t\\a\\b\\x00\\xff"\r\n',
  );
  for (const c of [ma, mb, a, b]) c.close();
});

test('SLOWLOG records commands with Redis entry format and argument trimming', async (t) => {
  const p = need(t);
  if (!p) return;
  const [a, b] = await conns(p);
  const keys = Array.from({ length: 40 }, (_v, i) => `k${i}`);
  await same(a, b, [
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '0'],
    ['SLOWLOG', 'RESET'],
    ['CLIENT', 'SETNAME', 'slowpoke'],
    ['SET', 'big', 'v'.repeat(200)],
    ['DEL', ...keys],
    ['CONFIG', 'SET', 'requirepass', ''],
    ['SLOWLOG', 'LEN'],
  ]);
  // ids, times, durations and the client port differ; everything else must not.
  const mask = (_a: string[], r: string): string =>
    r
      .replace(/\*6\r\n:\d+\r\n:\d+\r\n:\d+\r\n/g, '*6\r\n')
      .replace(/\$\d+\r\n127\.0\.0\.1:\d+\r\n/g, 'ADDR\r\n');
  await same(
    a,
    b,
    [
      ['SLOWLOG', 'GET', '2'],
      ['SLOWLOG', 'GET', '-1'],
    ],
    mask,
  );
  assert.match(
    await a.call('SLOWLOG', 'GET', '-1'),
    /\$11\r\nrequirepass\r\n\$10\r\n\(redacted\)\r\n/,
  );
  await same(a, b, [
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '-1'],
    ['SLOWLOG', 'RESET'],
    ['PING'],
    ['SLOWLOG', 'LEN'],
  ]);
  await same(a, b, [['CONFIG', 'SET', 'slowlog-log-slower-than', '10000']]);
  a.close();
  b.close();
});

test('CLIENT KILL closes the matching connections; the old form may kill the caller', async (t) => {
  const p = need(t);
  if (!p) return;
  for (const port of [p.ks.port, p.redis.port]) {
    const victim = await RawConn.open(port);
    const killer = await RawConn.open(port);
    const id = (await victim.call('CLIENT', 'ID')).slice(1, -2);
    assert.equal(await killer.call('CLIENT', 'KILL', 'ID', id), ':1\r\n');
    await victim.waitClosed();
    const self = await RawConn.open(port);
    const info = await self.call('CLIENT', 'INFO');
    const addr = /addr=(\S+)/.exec(info)![1];
    assert.equal(await self.call('CLIENT', 'KILL', 'ADDR', addr), ':0\r\n');
    assert.equal(await self.call('CLIENT', 'KILL', 'ADDR', addr, 'SKIPME', 'no'), ':1\r\n');
    await self.waitClosed();
    const old = await RawConn.open(port);
    const oldAddr = /addr=(\S+)/.exec(await old.call('CLIENT', 'INFO'))![1];
    assert.equal(await old.call('CLIENT', 'KILL', oldAddr), '+OK\r\n');
    await old.waitClosed();
    killer.close();
  }
});

test('CLIENT UNBLOCK ends a BLPOP as a timeout or with the UNBLOCKED error', async (t) => {
  const p = need(t);
  if (!p) return;
  for (const port of [p.ks.port, p.redis.port]) {
    const blocked = await RawConn.open(port);
    const ctl = await RawConn.open(port);
    const id = (await blocked.call('CLIENT', 'ID')).slice(1, -2);
    blocked.send('BLPOP', 'nolist', '0');
    // Wait until the server sees it blocked (bounded).
    for (let i = 0; i < 100; i++) {
      if (/flags=b /.test(await ctl.call('CLIENT', 'LIST', 'ID', id))) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(await ctl.call('CLIENT', 'UNBLOCK', id, 'TIMEOUT'), ':1\r\n');
    assert.equal(await blocked.readReply(), '*-1\r\n');
    assert.equal(await ctl.call('CLIENT', 'UNBLOCK', id), ':0\r\n');
    blocked.send('BLPOP', 'nolist', '0');
    for (let i = 0; i < 100; i++) {
      if (/flags=b /.test(await ctl.call('CLIENT', 'LIST', 'ID', id))) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(await ctl.call('CLIENT', 'UNBLOCK', id, 'ERROR'), ':1\r\n');
    assert.equal(await blocked.readReply(), '-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n');
    assert.equal(await blocked.call('PING'), '+PONG\r\n');
    blocked.close();
    ctl.close();
  }
});

test('CLIENT REPLY OFF/SKIP/ON and CLIENT PAUSE WRITE behave as in redis-server', async (t) => {
  const p = need(t);
  if (!p) return;
  for (const port of [p.ks.port, p.redis.port]) {
    const c = await RawConn.open(port);
    c.send('CLIENT', 'REPLY', 'OFF');
    c.send('SET', 'r1', 'x');
    c.send('CLIENT', 'REPLY', 'SKIP');
    c.send('CLIENT', 'REPLY', 'ON');
    assert.equal(await c.readReply(), '+OK\r\n');
    c.send('CLIENT', 'REPLY', 'SKIP');
    c.send('GET', 'r1');
    assert.equal(await c.call('GET', 'r1'), '$1\r\nx\r\n');

    const ctl = await RawConn.open(port);
    assert.equal(await ctl.call('CLIENT', 'PAUSE', '5000', 'WRITE'), '+OK\r\n');
    c.send('SET', 'r1', 'paused');
    // Reads go on while the write waits.
    assert.equal(await ctl.call('GET', 'r1'), '$1\r\nx\r\n');
    assert.equal(await ctl.call('CLIENT', 'UNPAUSE'), '+OK\r\n');
    assert.equal(await c.readReply(), '+OK\r\n');
    assert.equal(await ctl.call('GET', 'r1'), '$6\r\npaused\r\n');
    // ALL holds reads too, the pausing connection's included, until the pause ends by itself.
    assert.equal(await ctl.call('CLIENT', 'PAUSE', '200', 'ALL'), '+OK\r\n');
    const order: string[] = [];
    const read = c.call('GET', 'r1').then((r) => order.push(r));
    const own = ctl.call('PING').then((r) => order.push(r));
    await Promise.all([read, own]);
    assert.deepEqual(order.sort(), ['$6\r\npaused\r\n', '+PONG\r\n']);
    c.close();
    ctl.close();
  }
});

test('CLIENT LIST flags for no-evict, monitor and blocked clients match redis-server', async (t) => {
  const p = need(t);
  if (!p) return;
  const flagsOf = async (ctl: RawConn, id: string): Promise<string> =>
    /flags=(\S+) /.exec(await ctl.call('CLIENT', 'LIST', 'ID', id))?.[1] ?? '';
  const seen: string[][] = [];
  for (const port of [p.ks.port, p.redis.port]) {
    const ctl = await RawConn.open(port);
    const c = await RawConn.open(port);
    const id = (await c.call('CLIENT', 'ID')).slice(1, -2);
    const got: string[] = [];
    await c.call('CLIENT', 'NO-EVICT', 'on');
    got.push(await flagsOf(ctl, id));
    await c.call('CLIENT', 'NO-EVICT', 'off');
    c.send('BLPOP', 'flags:none', '0');
    let f = '';
    for (let i = 0; i < 100 && f !== 'b'; i++) f = await flagsOf(ctl, id);
    got.push(f);
    await ctl.call('CLIENT', 'UNBLOCK', id);
    await c.readReply();
    await c.call('MONITOR');
    got.push(await flagsOf(ctl, id));
    seen.push(got);
    c.close();
    ctl.close();
  }
  assert.deepEqual(seen[0], seen[1]);
  assert.deepEqual(seen[0], ['e', 'b', 'O']);
});

test('DEBUG SET-ACTIVE-EXPIRE 0 leaves expired keys alone until accessed or re-enabled', async (t) => {
  const p = need(t);
  if (!p) return;
  const [a, b] = await conns(p);
  const keyspace = async (c: RawConn): Promise<string> => {
    const r = await c.call('INFO', 'keyspace');
    return /db9:keys=(\d+)/.exec(r)?.[1] ?? '0';
  };
  await same(a, b, [
    ['SELECT', '9'],
    ['SET', 'ae:k', 'v', 'PX', '50'],
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
  ]);
  await new Promise((r) => setTimeout(r, 400));
  assert.deepEqual(await Promise.all([keyspace(a), keyspace(b)]), ['1', '1']);
  await same(a, b, [['DEBUG', 'SET-ACTIVE-EXPIRE', '1']]);
  for (const c of [a, b]) {
    let n = '1';
    for (let i = 0; i < 100 && n !== '0'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      n = await keyspace(c);
    }
    assert.equal(n, '0');
  }
  a.close();
  b.close();
});

// Each structure's pages live outside the V8 heap, freed only by a full collection. The sorted
// set's case also catches a deleted tree kept alive by state shared between trees.
const BIG_BUILDS: [string, (k: number) => string[]][] = [
  ['hash', (k) => ['HSET', 'purge:k', ...items((i) => [`field:${k}:${i}`, `value:${i}`])]],
  ['zset', (k) => ['ZADD', 'purge:k', ...items((i) => [String(k * 10000 + i), `m:${k}:${i}`])]],
  ['list', (k) => ['RPUSH', 'purge:k', ...items((i) => [`element:${k}:${i}`])]],
];

/** The arguments `item` makes for 0 <= i < 10,000, in order. */
function items(item: (i: number) => string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < 10000; i++) out.push(...item(i));
  return out;
}

for (const [kind, command] of BIG_BUILDS) {
  test(`MEMORY PURGE collects a deleted big ${kind}, which used_memory counted until then`, async (t) => {
    const p = need(t);
    if (!p) return;
    const c = await RawConn.open(p.ks.port);
    const used = async () => Number(/used_memory:(\d+)/.exec(await c.call('INFO', 'memory'))![1]);
    await c.call('SELECT', '11');
    await c.call('MEMORY', 'PURGE');
    const empty = await used();
    for (let k = 0; k < 20; k++)
      assert.equal(
        await c.call(...command(k)),
        ':' + (kind === 'list' ? (k + 1) * 10000 : 10000) + '\r\n',
      );
    const built = (await used()) - empty;
    assert.ok(built > 3_000_000, `the ${kind} took ${built} bytes`);
    assert.equal(await c.call('DEL', 'purge:k'), ':1\r\n');
    const deleted = await used();
    assert.equal(await c.call('MEMORY', 'PURGE'), '+OK\r\n');
    const purged = await used();
    assert.ok(
      deleted - purged > built / 2,
      `built ${built}, DEL ${deleted - empty}, PURGE ${purged - empty}`,
    );
    c.close();
  });
}

const HDR_LABELS = new Set(
  Array.from({ length: 21 }, (_, i) => Math.floor((2 ** (i + 10) + 2 ** (i + 3) - 1) / 1000)),
);

test('LATENCY HISTOGRAM reports calls and cumulative HDR buckets', async (t) => {
  const p = need(t);
  if (!p) return;
  for (const c of [p.ksConn, p.redisConn]) {
    for (let i = 0; i < 5; i++) await c.call('ECHO', 'x');
    // Calls of 0.1 and 3 ms reach the levels where Redis's labels are not powers of two.
    for (const sec of ['0.0001', '0.003'])
      assert.equal(await c.call('DEBUG', 'SLEEP', sec), '+OK\r\n');
    const slow = await c.call('LATENCY', 'HISTOGRAM', 'debug');
    const bounds = [...slow.matchAll(/:(\d+)\r\n:\d+\r\n/g)].map((x) => Number(x[1]));
    // Other tests of this file call DEBUG too; the 3 ms sleep is at 4227 usec or above.
    assert.ok(bounds.length >= 1 && bounds[bounds.length - 1] >= 4227, slow);
    for (const b of bounds) assert.ok(HDR_LABELS.has(b), slow);
    const r = await c.call('LATENCY', 'HISTOGRAM', 'echo', 'nosuch');
    const m =
      /^\*2\r\n\$4\r\necho\r\n\*4\r\n\$5\r\ncalls\r\n:(\d+)\r\n\$14\r\nhistogram_usec\r\n\*(\d+)\r\n((?::\d+\r\n)+)$/.exec(
        r,
      );
    assert.ok(m, r);
    const nums = m[3]
      .split('\r\n')
      .filter(Boolean)
      .map((x) => Number(x.slice(1)));
    assert.equal(nums.length, Number(m[2]));
    // Bounds and counts rise, the last count is all calls, and every bound is one of the labels
    // of Redis's HDR histogram levels (2^10 .. 2^30 ns): 1, 2, 4, 8, 16, 33, 66, 132, 264 ...
    for (let i = 2; i < nums.length; i += 2) {
      assert.ok(nums[i] > nums[i - 2] && nums[i + 1] > nums[i - 1], r);
    }
    for (let i = 0; i < nums.length; i += 2) assert.ok(HDR_LABELS.has(nums[i]), r);
    assert.equal(nums[nums.length - 1], Number(m[1]));
  }
});

test('INFO latencystats percentiles are ends of HDR bins, as Redis reports them', async (t) => {
  const p = need(t);
  if (!p) return;
  for (const c of [p.ksConn, p.redisConn]) {
    for (let i = 0; i < 20; i++) await c.call('ECHO', 'x');
    for (const sec of ['0.0002', '0.002'])
      assert.equal(await c.call('DEBUG', 'SLEEP', sec), '+OK\r\n');
    const info = await c.call('INFO', 'latencystats');
    for (const cmd of ['echo', 'debug']) {
      const m = new RegExp(
        `latency_percentiles_usec_${cmd}:p50=([\\d.]+),p99=([\\d.]+),p99\\.9=([\\d.]+)\r\n`,
      ).exec(info);
      assert.ok(m, info);
      const ns = m.slice(1).map((x) => Math.round(Number(x) * 1000));
      assert.ok(ns[0] <= ns[1] && ns[1] <= ns[2], m[0]);
      // Two significant figures: 256 ns and up fall in bins 2^(floor(log2 v) - 7) wide.
      for (const v of ns) {
        const width = v < 256 ? 1 : 2 ** (Math.floor(Math.log2(v)) - 7);
        assert.equal((v + 1) % width, 0, m[0]);
      }
    }
  }
});

test('DEBUG SLEEP stops the whole server; other clients wait', async (t) => {
  const p = need(t);
  if (!p) return;
  const a = await RawConn.open(p.ks.port);
  const b = await RawConn.open(p.ks.port);
  const order: string[] = [];
  a.send('DEBUG', 'SLEEP', '0.3');
  await new Promise((r) => setTimeout(r, 50));
  const pb = b.call('PING').then((r) => order.push(`b:${r}`));
  const pa = a.readReply().then((r) => order.push(`a:${r}`));
  await Promise.all([pa, pb]);
  assert.deepEqual(order, ['a:+OK\r\n', 'b:+PONG\r\n']);
  a.close();
  b.close();
});

test('sorted COMMAND LIST FILTERBY PATTERN matches for implemented commands', async (t) => {
  const p = need(t);
  if (!p) return;
  const ks = sortedReply(await p.ksConn.call('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'client|*'));
  assert.match(ks, /\$11\r\nclient\|kill\r\n/);
  assert.doesNotMatch(ks, /\$3\r\nget\r\n/);
});
