/**
 * Blocking list commands with several concurrent clients. Each scenario runs the same steps
 * against keyshard and against redis-server 7.0 and the transcripts of raw replies must match:
 * arrival order, keys created by other clients, pushes inside MULTI/EXEC, pipelines, timeouts,
 * WRONGTYPE destinations, chains of BLMOVE, and clients that disconnect while blocked.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { redisServerOrSkip, startKeyshard, startRedis, type ServerProc } from '../helpers/procs.js';
import { RawConn } from '../helpers/raw.js';

let ks: ServerProc | null = null;
let redis: ServerProc | null = null;

before(async () => {
  ks = await startKeyshard();
  if (redisServerOrSkip({ skip: () => undefined })) redis = await startRedis();
});
after(async () => {
  await Promise.all([ks?.stop(), redis?.stop()]);
});

/** Lets the server take in what was just sent (a blocked client must be waiting first). */
const settle = (ms = 40): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Scenario = (conns: RawConn[], log: (s: string) => void) => Promise<void>;

/** Runs `scenario` with `n` fresh connections; returns everything it logged. */
async function transcript(port: number, n: number, scenario: Scenario): Promise<string[]> {
  const conns = await Promise.all(Array.from({ length: n }, () => RawConn.open(port)));
  const out: string[] = [];
  try {
    await conns[0].call('SELECT', '9');
    for (const c of conns.slice(1)) await c.call('SELECT', '9');
    await scenario(conns, (s) => out.push(s));
  } finally {
    for (const c of conns) c.close();
  }
  return out;
}

/** Runs the scenario on both servers (keyshard alone when redis-server is missing). */
async function check(n: number, scenario: Scenario): Promise<string[]> {
  const a = await transcript(ks!.port, n, scenario);
  if (redis) {
    const b = await transcript(redis.port, n, scenario);
    assert.deepEqual(a, b);
  }
  return a;
}

/** Keys live in db 9; each scenario uses its own names, the same on both servers. */
const fresh = (p: string): string => `blk:${p}`;

test('clients blocked on one key are served in arrival order', async () => {
  const out = await check(4, async ([a, b, c, w], log) => {
    const k = fresh('order');
    a.send('BLPOP', k, '5');
    await settle();
    b.send('BRPOP', k, '5');
    await settle();
    c.send('BLPOP', 'other', k, '5');
    await settle();
    log(await w.call('RPUSH', k, 'x', 'y', 'z', 'extra'));
    log(await a.readReply());
    log(await b.readReply());
    log(await c.readReply());
    log(await w.call('LRANGE', k, '0', '-1'));
  });
  assert.equal(out.length, 5);
});

test('a key created by another client wakes the waiter; an emptied key is deleted', async () => {
  await check(2, async ([a, w], log) => {
    const k = fresh('create');
    a.send('BRPOP', 'none', k, '5');
    await settle();
    log(await w.call('LPUSH', k, 'only'));
    log(await a.readReply());
    log(await w.call('LLEN', k));
  });
});

test('pushes inside MULTI/EXEC wake waiters only after EXEC, with the final state', async () => {
  await check(3, async ([a, b, w], log) => {
    const k = fresh('multi');
    a.send('BLPOP', k, '0.3');
    await settle();
    // Pushed and consumed within one transaction: nothing left for the waiter.
    log(await w.call('MULTI'));
    log(await w.call('RPUSH', k, 'gone'));
    log(await w.call('LPOP', k));
    log(await w.call('EXEC'));
    log(await a.readReply());
    b.send('BLPOP', k, '5');
    await settle();
    log(await w.call('MULTI'));
    log(await w.call('RPUSH', k, 'one', 'two'));
    log(await w.call('LLEN', k));
    log(await w.call('EXEC'));
    log(await b.readReply());
    log(await w.call('LRANGE', k, '0', '-1'));
  });
});

test('blocking commands inside MULTI answer like their non-blocking forms', async () => {
  await check(1, async ([c], log) => {
    const k = fresh('inmulti');
    log(await c.call('MULTI'));
    for (const argv of [
      ['BLPOP', k, '0'],
      ['BRPOP', k, '0'],
      ['BLMOVE', k, 'dst', 'LEFT', 'RIGHT', '0'],
      ['BRPOPLPUSH', k, 'dst', '0'],
      ['BLMPOP', '0', '1', k, 'LEFT'],
      ['RPUSH', k, 'a', 'b', 'c'],
      ['BLPOP', k, '0'],
      ['BLMPOP', '0', '1', k, 'RIGHT', 'COUNT', '5'],
    ]) {
      log(await c.call(...argv));
    }
    log(await c.call('EXEC'));
  });
});

test('a pipelined push then pop: the blocked client is served between them, as in Redis', async () => {
  await check(2, async ([a, w], log) => {
    const k = fresh('pipe');
    a.send('BLPOP', k, '5');
    a.send('PING');
    await settle();
    w.write(
      `*3\r\n$5\r\nRPUSH\r\n$${k.length}\r\n${k}\r\n$1\r\nv\r\n*2\r\n$4\r\nLPOP\r\n$${k.length}\r\n${k}\r\n`,
    );
    log(await w.readReply());
    log(await w.readReply());
    log(await a.readReply());
    log(await a.readReply());
  });
});

test('timeouts answer a null array; bad timeouts are errors', async () => {
  await check(1, async ([c], log) => {
    const k = fresh('timeout');
    for (const argv of [
      ['BLPOP', k, '0.05'],
      ['BRPOPLPUSH', k, 'd', '0.05'],
      ['BLMOVE', k, 'd', 'LEFT', 'LEFT', '0.05'],
      ['BLMPOP', '0.05', '2', k, 'x', 'RIGHT'],
      ['BLPOP', k, '-1'],
      ['BLPOP', k, 'soon'],
      ['BLPOP', k, 'inf'],
    ]) {
      log(await c.call(...argv));
    }
    log(await c.call('HELLO', '3').then(() => 'resp3'));
    log(await c.call('BLPOP', k, '0.05'));
  });
});

test('BLMOVE, BRPOPLPUSH and BLMPOP are served later; a WRONGTYPE destination ends the wait', async () => {
  await check(4, async ([a, b, c, w], log) => {
    const src = fresh('src');
    const dst = fresh('dst');
    const str = fresh('str');
    log(await w.call('SET', str, 'x'));
    a.send('BLMOVE', src, dst, 'RIGHT', 'LEFT', '5');
    await settle();
    b.send('BRPOPLPUSH', src, str, '5');
    await settle();
    c.send('BLMPOP', '5', '2', 'nothing', src, 'LEFT', 'COUNT', '10');
    await settle();
    log(await w.call('RPUSH', src, '1', '2', '3', '4'));
    log(await a.readReply());
    log(await b.readReply());
    log(await c.readReply());
    log(await w.call('LRANGE', dst, '0', '-1'));
    log(await w.call('LLEN', src));
  });
});

test('a chain: BLMOVE into a key another client waits on serves both', async () => {
  await check(3, async ([a, b, w], log) => {
    const k1 = fresh('chain1');
    const k2 = fresh('chain2');
    a.send('BLMOVE', k1, k2, 'LEFT', 'LEFT', '5');
    await settle();
    b.send('BLPOP', k2, '5');
    await settle();
    log(await w.call('RPUSH', k1, 'hop'));
    log(await a.readReply());
    log(await b.readReply());
    log(await w.call('LLEN', k2));
  });
});

test('a client that disconnects while blocked is forgotten; others still get served', async () => {
  await check(3, async ([a, b, w], log) => {
    const k = fresh('gone');
    a.send('BLPOP', k, '0');
    await settle();
    b.send('BLPOP', k, '5');
    await settle();
    a.close();
    await settle();
    log(await w.call('RPUSH', k, 'first', 'second'));
    log(await b.readReply());
    log(await w.call('LRANGE', k, '0', '-1'));
  });
});

test('a key that becomes another type keeps the waiter blocked (Redis 7.0)', async () => {
  await check(2, async ([a, w], log) => {
    const k = fresh('retype');
    a.send('BLPOP', k, '0.3');
    await settle();
    log(await w.call('SET', k, 'string'));
    log(await a.readReply());
  });
});

/** The blocked_clients figure of INFO clients. */
async function blockedClients(c: RawConn): Promise<string> {
  const info = await c.call('INFO', 'clients');
  return /blocked_clients:(\d+)/.exec(info)?.[1] ?? 'missing';
}

test('CLIENT UNBLOCK (timeout and error), CLIENT KILL, and INFO blocked_clients', async () => {
  await check(3, async ([a, b, w], log) => {
    const k = fresh('unblock');
    const id = (await a.call('CLIENT', 'ID')).slice(1, -2);
    a.send('BLPOP', k, '0');
    a.send('PING');
    await settle();
    log(await blockedClients(w));
    log(await w.call('CLIENT', 'UNBLOCK', id));
    log(await a.readReply());
    log(await a.readReply());
    a.send('BLMOVE', k, 'd', 'LEFT', 'LEFT', '0');
    await settle();
    log(await w.call('CLIENT', 'UNBLOCK', id, 'ERROR'));
    log(await a.readReply());
    log(await w.call('CLIENT', 'UNBLOCK', id));
    const idB = (await b.call('CLIENT', 'ID')).slice(1, -2);
    b.send('BRPOP', k, '0');
    await settle();
    log(await blockedClients(w));
    log(await w.call('CLIENT', 'KILL', 'ID', idB));
    await settle();
    log(await blockedClients(w));
    log(await w.call('RPUSH', k, 'kept'));
    log(await w.call('LRANGE', k, '0', '-1'));
  });
});

test('MOVE of a list into the database of a waiter serves it', async () => {
  await check(2, async ([a, w], log) => {
    const k = fresh('moved');
    log(await a.call('SELECT', '8'));
    a.send('BLPOP', k, '5');
    await settle();
    log(await w.call('RPUSH', k, 'm1', 'm2'));
    log(await w.call('MOVE', k, '8'));
    log(await a.readReply());
    log(await a.call('LRANGE', k, '0', '-1'));
  });
});

test('CLIENT REPLY OFF silences the reply of a blocked command served later', async () => {
  await check(2, async ([a, w], log) => {
    const k = fresh('replyoff');
    a.send('CLIENT', 'REPLY', 'OFF');
    a.send('BLPOP', k, '5');
    a.send('BLPOP', k, '0.05');
    a.send('CLIENT', 'REPLY', 'ON');
    await settle();
    log(await w.call('RPUSH', k, 'v'));
    log(await a.readReply());
    log(await w.call('LLEN', k));
  });
});
