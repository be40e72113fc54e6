/**
 * What the key and expiry commands propagate to replicas and the AOF, observed in process
 * through a server propagator: relative expiries become PEXPIREAT with an absolute time (options
 * kept), past expiries become DEL, lazy and active expiry emit DEL, no-op writes emit nothing.
 * A replica keeps a key whose expiry is in the past until its master deletes it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/config.js';
import { Logger } from '../../src/util/logger.js';
import { families } from '../../src/commands/index.js';
import { Server } from '../../src/server/server.js';
import { processCommand } from '../../src/server/dispatcher.js';
import { ReplicationReplica } from '../../src/replication/replica.js';

function setup(): { s: Server; run: (...argv: string[]) => string; log: string[][] } {
  const logger = new Logger();
  logger.level = 'nothing';
  const s = new Server(loadConfig(['--save', '']), logger, families);
  const c = s.createClient(null);
  const log: string[][] = [];
  s.propagators.push((_db, cmds) => log.push(...cmds));
  return {
    s,
    log,
    run: (...argv) => {
      processCommand(s, c, argv);
      return c.reply.take();
    },
  };
}

/** Gives `s` the replica role without a master link (a replica object that is never started). */
function becomeReplica(s: Server): void {
  s.replica = new ReplicationReplica(s, '127.0.0.1', 1, null);
  s.keyspace.expireAllowed = false;
}

test('relative and absolute expiries propagate as PEXPIREAT', () => {
  const { run, log } = setup();
  run('SET', 'k', 'v');
  log.length = 0;
  const t0 = Date.now();
  assert.equal(run('EXPIRE', 'k', '100', 'GT'), ':0\r\n');
  assert.equal(run('EXPIRE', 'k', '100', 'nx'), ':1\r\n');
  const t1 = Date.now();
  assert.equal(log.length, 1);
  assert.deepEqual([log[0][0], log[0][1], log[0][3]], ['PEXPIREAT', 'k', 'nx']);
  const at = Number(log[0][2]);
  assert.ok(at >= t0 + 100000 && at <= t1 + 100000, `${at}`);
  log.length = 0;
  run('PEXPIRE', 'k', '5000');
  run('EXPIREAT', 'k', '4000000000');
  run('pexpireat', 'k', '4000000000123', 'XX');
  assert.equal(log[0][0], 'PEXPIREAT');
  assert.deepEqual(log.slice(1), [
    ['PEXPIREAT', 'k', '4000000000000'],
    ['pexpireat', 'k', '4000000000123', 'XX'],
  ]);
});

test('an expiry in the past deletes the key and propagates DEL', () => {
  const { run, log } = setup();
  run('SET', 'k', 'v');
  log.length = 0;
  assert.equal(run('EXPIRE', 'k', '-5'), ':1\r\n');
  assert.equal(run('EXISTS', 'k'), ':0\r\n');
  assert.deepEqual(log, [['DEL', 'k']]);
  log.length = 0;
  assert.equal(run('EXPIRE', 'k', '-5'), ':0\r\n');
  assert.deepEqual(log, []);
});

test('lazy and active expiry propagate DEL once', async () => {
  const { s, run, log } = setup();
  run('SET', 'lazy', 'v');
  run('SET', 'active', 'v');
  run('PEXPIRE', 'lazy', '1');
  run('PEXPIRE', 'active', '1');
  log.length = 0;
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(run('GET', 'lazy'), '$-1\r\n');
  assert.deepEqual(log, [['DEL', 'lazy']]);
  log.length = 0;
  // The cron does not run in process: one cycle by hand.
  s.keyspace.activeExpireCycle(25);
  assert.deepEqual(log, [['DEL', 'active']]);
  assert.equal(run('DBSIZE'), ':0\r\n');
  assert.equal(s.keyspace.expiredKeys, 2);
});

test('a replica keeps a key whose expiry is past until the master deletes it', () => {
  const { s, run, log } = setup();
  becomeReplica(s);
  run('SET', 'k', 'v');
  log.length = 0;
  assert.equal(run('EXPIRE', 'k', '-1'), ':1\r\n');
  assert.equal(log[0][0], 'PEXPIREAT');
  assert.equal(run('EXISTS', 'k'), ':0\r\n');
  assert.equal(s.keyspace.dbs[0].dict.has('k'), true);
  s.keyspace.activeExpireCycle(25);
  assert.equal(s.keyspace.dbs[0].dict.has('k'), true);
});

test('no-op writes propagate nothing; FLUSHDB always propagates', () => {
  const { run, log } = setup();
  run('SET', 'a', 'v');
  log.length = 0;
  assert.equal(run('RENAME', 'a', 'a'), '+OK\r\n');
  assert.equal(run('PERSIST', 'a'), ':0\r\n');
  assert.equal(run('DEL', 'nosuch'), ':0\r\n');
  assert.equal(run('MOVE', 'nosuch', '1'), ':0\r\n');
  assert.deepEqual(log, []);
  assert.equal(run('FLUSHDB'), '+OK\r\n');
  assert.equal(run('FLUSHDB', 'ASYNC'), '+OK\r\n');
  assert.deepEqual(log, [['FLUSHDB'], ['FLUSHDB', 'ASYNC']]);
});

test("on a replica the master's stream still sees keys whose expiry has passed", () => {
  const { s, run } = setup();
  becomeReplica(s);
  run('SET', 'k', 'v');
  assert.equal(run('PEXPIREAT', 'k', '1'), ':1\r\n');
  assert.equal(run('EXISTS', 'k'), ':0\r\n');
  s.keyspace.applyingMasterStream = true;
  try {
    // The master's clock says the key lives on: it extends the TTL and the replica follows.
    assert.equal(run('PEXPIREAT', 'k', String(Date.now() + 100000)), ':1\r\n');
  } finally {
    s.keyspace.applyingMasterStream = false;
  }
  assert.equal(run('EXISTS', 'k'), ':1\r\n');
  assert.equal(run('GET', 'k'), '$1\r\nv\r\n');
});
