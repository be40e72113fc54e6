/**
 * SCAN's guarantee on a live keyshard: every key present from the first call to the last is
 * returned at least once, while other keys are inserted and deleted between calls; the
 * iteration ends (cursor 0) in a bounded number of calls even under constant inserts; cursors
 * keep working when replayed, continued from another connection, or after their cached
 * iterator was evicted.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKeyshard, type ServerProc } from '../helpers/procs.js';
import { RawConn } from '../helpers/raw.js';
import { splitAggregate, rng } from '../helpers/diff.js';

let srv: ServerProc;
let conn: RawConn;

before(async () => {
  srv = await startKeyshard({ args: ['--enable-debug-command', 'local'] });
  conn = await RawConn.open(srv.port);
});

after(async () => {
  conn.close();
  await srv.stop();
});

/** Sends many commands at once and waits for all replies. */
async function pipeline(c: RawConn, cmds: string[][]): Promise<string[]> {
  for (const argv of cmds) c.send(...argv);
  const out: string[] = [];
  for (let i = 0; i < cmds.length; i++) out.push(await c.readReply());
  return out;
}

function bulkText(raw: string): string {
  const cr = raw.indexOf('\r\n');
  return raw.slice(cr + 2, raw.length - 2);
}

async function scanCall(
  c: RawConn,
  cursor: string,
  ...opts: string[]
): Promise<[string, string[]]> {
  const reply = await c.call('SCAN', cursor, ...opts);
  const agg = splitAggregate(reply);
  assert.ok(agg && agg.items.length === 2, `bad SCAN reply ${JSON.stringify(reply)}`);
  const keys = splitAggregate(agg.items[1])!.items.map(bulkText);
  return [bulkText(agg.items[0]), keys];
}

async function fill(prefix: string, n: number, value = 'v'): Promise<string[]> {
  const keys = Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  await pipeline(
    conn,
    keys.map((k) => ['SET', k, value]),
  );
  return keys;
}

test('every stable key is returned while others come and go', async () => {
  await conn.call('FLUSHALL');
  const r = rng(7);
  const stable = await fill('stable:', 3000);
  const churn = await fill('churn:', 1000);
  let nextNew = 0;
  const seen = new Set<string>();
  let cursor = '0';
  let calls = 0;
  do {
    const [next, keys] = await scanCall(conn, cursor, 'COUNT', String(5 + Math.floor(r() * 40)));
    for (const k of keys) seen.add(k);
    cursor = next;
    assert.ok(Number(cursor) <= Number.MAX_SAFE_INTEGER, `cursor ${cursor} beyond 2^53`);
    // Between calls: insert new keys (more than COUNT) and delete or re-create churn keys.
    const ops: string[][] = [];
    for (let i = 0; i < 60; i++) ops.push(['SET', `new:${nextNew++}`, 'x']);
    for (let i = 0; i < 10; i++) {
      const k = churn[Math.floor(r() * churn.length)];
      ops.push(r() < 0.5 ? ['DEL', k] : ['SET', k, 'again']);
    }
    await pipeline(conn, ops);
    calls++;
    assert.ok(calls < 2000, 'SCAN did not terminate');
  } while (cursor !== '0');
  for (const k of stable) assert.ok(seen.has(k), `stable key ${k} never returned`);
  // The bound: the 4000 keys present at the start, visited in calls of at least 5.
  assert.ok(calls <= 4000 / 5 + 1, `${calls} calls`);
});

test('replayed, shared and evicted cursors still cover every key', async () => {
  await conn.call('FLUSHALL');
  // Interleaved, so that deleting the first doomed keys shifts everything after them.
  const stable: string[] = [];
  const doomed: string[] = [];
  const sets: string[][] = [];
  for (let i = 0; i < 2000; i++) {
    stable.push(`s:${i}`);
    sets.push(['SET', `s:${i}`, 'v']);
    if (i % 4 === 0) {
      doomed.push(`d:${i}`);
      sets.push(['SET', `d:${i}`, 'v']);
    }
  }
  await pipeline(conn, sets);
  const other = await RawConn.open(srv.port);
  const seen = new Set<string>();
  let cursor = '0';
  let calls = 0;
  do {
    let [next, keys] = await scanCall(conn, cursor, 'COUNT', '25');
    for (const k of keys) seen.add(k);
    if (calls % 7 === 3) {
      // The same cursor again (a retry after a lost reply): served without the cached iterator.
      [next, keys] = await scanCall(conn, cursor, 'COUNT', '25');
      for (const k of keys) seen.add(k);
    }
    if (calls % 11 === 5 && next !== '0') {
      // Continue on another connection, after deleting keys so the rebuilt position must move
      // back, and after starting enough other scans to evict the cached iterator.
      await pipeline(
        conn,
        doomed.splice(0, 40).map((k) => ['DEL', k]),
      );
      await pipeline(
        other,
        Array.from({ length: 1300 }, (_, i) => ['SCAN', '0', 'COUNT', String(1 + (i % 4))]),
      );
      [next, keys] = await scanCall(other, next, 'COUNT', '25');
      for (const k of keys) seen.add(k);
    }
    cursor = next;
    calls++;
    assert.ok(calls < 1000, 'SCAN did not terminate');
  } while (cursor !== '0');
  other.close();
  for (const k of stable) assert.ok(seen.has(k), `stable key ${k} never returned`);
});

test('MATCH, TYPE and COUNT options, and invalid cursors', async () => {
  await conn.call('FLUSHALL');
  await fill('user:', 50);
  await fill('item:', 50);
  const all = new Set<string>();
  let cursor = '0';
  do {
    const [next, keys] = await scanCall(conn, cursor, 'MATCH', 'user:*', 'COUNT', '7');
    for (const k of keys) {
      assert.match(k, /^user:/);
      all.add(k);
    }
    cursor = next;
  } while (cursor !== '0');
  assert.equal(all.size, 50);
  const [c1, strings] = await scanCall(conn, '0', 'TYPE', 'string', 'COUNT', '1000');
  assert.equal(c1, '0');
  assert.equal(strings.length, 100);
  const [, lists] = await scanCall(conn, '0', 'TYPE', 'list', 'COUNT', '1000');
  assert.equal(lists.length, 0);
  assert.equal(await conn.call('SCAN', 'x'), '-ERR invalid cursor\r\n');
  assert.equal(await conn.call('SCAN', '18446744073709551616'), '-ERR invalid cursor\r\n');
  assert.equal(await conn.call('SCAN', '0', 'COUNT', '0'), '-ERR syntax error\r\n');
  // Any number is a cursor: a made-up one still answers and the walk still ends.
  let [cur] = await scanCall(conn, '123456789', 'COUNT', '10');
  for (let i = 0; i < 200 && cur !== '0'; i++) [cur] = await scanCall(conn, cur, 'COUNT', '10');
  assert.equal(cur, '0');
});

test('expired keys are not returned by SCAN or KEYS', async () => {
  await conn.call('FLUSHALL');
  await fill('live:', 20);
  const gone = await fill('gone:', 20);
  await pipeline(
    conn,
    gone.map((k) => ['PEXPIRE', k, '1']),
  );
  await new Promise((res) => setTimeout(res, 20));
  const [, keys] = await scanCall(conn, '0', 'COUNT', '1000');
  assert.equal(keys.filter((k) => k.startsWith('gone:')).length, 0);
  assert.equal(keys.length, 20);
  const reply = await conn.call('KEYS', 'gone:*');
  assert.equal(reply, '*0\r\n');
});

test('a keyspace of 200K keys: SCAN, KEYS, RANDOMKEY and DBSIZE agree', async () => {
  await conn.call('FLUSHALL');
  assert.equal(await conn.call('DEBUG', 'POPULATE', '200000', 'big'), '+OK\r\n');
  assert.equal(await conn.call('DBSIZE'), ':200000\r\n');
  const seen = new Set<string>();
  let cursor = '0';
  let calls = 0;
  do {
    const [next, keys] = await scanCall(conn, cursor, 'COUNT', '1000');
    for (const k of keys) seen.add(k);
    cursor = next;
    assert.ok(++calls < 1000, 'SCAN did not terminate');
  } while (cursor !== '0');
  assert.equal(seen.size, 200000);
  for (const i of [0, 1, 99999, 199999]) assert.ok(seen.has(`big:${i}`), `big:${i}`);
  const keys = splitAggregate(await conn.call('KEYS', 'big:1999?'))!.items.map(bulkText);
  assert.deepEqual(
    keys.sort(),
    Array.from({ length: 10 }, (_, i) => `big:1999${i}`),
  );
  for (let i = 0; i < 20; i++) {
    const key = bulkText(await conn.call('RANDOMKEY'));
    assert.ok(seen.has(key), `RANDOMKEY gave ${key}`);
  }
  await conn.call('FLUSHALL');
});
