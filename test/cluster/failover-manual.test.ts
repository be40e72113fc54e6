/**
 * CLUSTER FAILOVER with real processes: the coordinated default (MFSTART, paused master, offset
 * handshake, election), TAKEOVER (no votes) and FORCE (votes without the master), each swapping
 * roles in a 3-master cluster; and the command's errors compared with redis-server.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { redisServerOrSkip } from '../helpers/procs.js';
import { RawConn } from '../helpers/raw.js';
import { startNode, cmd, waitFor, stateIs, stopAll, formCluster, role, linkUp } from './helpers.js';

after(stopAll);

test('CLUSTER FAILOVER default, TAKEOVER and FORCE swap a master with its replicas', async () => {
  const nt = 1500;
  const all = await Promise.all(
    Array.from({ length: 5 }, () => startNode('keyshard', nt, ['--enable-debug-command', 'yes'])),
  );
  const [a, b, c, r, r2] = all;
  await formCluster([a, b, c], all);
  const [aid, , , rid] = await Promise.all(all.map((n) => cmd(n, 'CLUSTER', 'MYID')));
  assert.equal(await cmd(r, 'CLUSTER', 'REPLICATE', aid), '+OK');
  assert.equal(await cmd(r2, 'CLUSTER', 'REPLICATE', aid), '+OK');
  await waitFor('replicas synced', async () => (await linkUp(r)) && (await linkUp(r2)), 15000);
  await waitFor('ok', () => stateIs(all, 'ok'), 15000);

  assert.equal(
    await cmd(a, 'CLUSTER', 'FAILOVER'),
    '-ERR You should send CLUSTER FAILOVER to a replica',
  );
  // Keys in a's slots (0..5460), written without WAIT: the coordinated failover waits for them.
  for (let i = 0; i < 50; i++) assert.equal(await cmd(a, 'SET', `{b}${i}`, String(i)), '+OK');

  const t1 = Date.now();
  assert.equal(await cmd(r, 'CLUSTER', 'FAILOVER'), '+OK');
  await waitFor('r is master', async () => (await role(r)) === 'master', 10000);
  await waitFor('a follows r', async () => (await role(a)) === 'slave', 10000);
  const ro = r.proc.output();
  assert.match(ro, /Manual failover user request accepted\./);
  assert.match(ro, /Received replication offset for paused master manual failover: \d+/);
  assert.match(ro, /All master replication stream processed, manual failover can start\./);
  assert.match(ro, /Start of election delayed for 0 milliseconds \(rank #0, offset \d+\)\./);
  assert.match(ro, /Failover election won: I'm the new master\./);
  const ao = a.proc.output();
  assert.match(ao, new RegExp(`Manual failover requested by replica ${rid}\\.`));
  assert.match(
    ao,
    new RegExp(`Configuration change detected\\. Reconfiguring myself as a replica of ${rid}`),
  );
  for (let i = 0; i < 50; i += 7) assert.equal(await cmd(r, 'GET', `{b}${i}`), String(i));
  await waitFor(
    'r2 follows r',
    async () => (await cmd(r2, 'INFO', 'replication')).includes(`master_port:${r.port}\r\n`),
    10000,
  );

  assert.equal(await cmd(a, 'CLUSTER', 'FAILOVER', 'TAKEOVER'), '+OK');
  await waitFor('a is master again', async () => (await role(a)) === 'master', 10000);
  await waitFor('r follows a', async () => (await role(r)) === 'slave', 10000);
  assert.match(a.proc.output(), /Taking over the master \(user request\)\./);
  assert.match(a.proc.output(), /New configEpoch set to \d+/);
  await waitFor('ok after takeover', () => stateIs(all, 'ok'), 15000);

  // Votes about one master are spaced by 2 * node timeout: wait that long after the first.
  await new Promise((res) => setTimeout(res, Math.max(0, t1 + 2 * nt + 200 - Date.now())));
  await waitFor(
    'r2 follows a',
    async () => (await cmd(r2, 'INFO', 'replication')).includes(`master_port:${a.port}\r\n`),
    10000,
  );
  assert.equal(await cmd(r2, 'CLUSTER', 'FAILOVER', 'FORCE'), '+OK');
  await waitFor('r2 is master', async () => (await role(r2)) === 'master', 10000);
  assert.match(r2.proc.output(), /Forced failover user request accepted\./);
  await waitFor('a follows r2', async () => (await role(a)) === 'slave', 10000);
  await waitFor('ok at the end', () => stateIs(all, 'ok'), 15000);
  assert.equal(await cmd(r2, 'GET', '{b}7'), '7');

  // Without votes from b and c the coordinated failover times out: r2 holds writes meanwhile
  // and serves them once the pause ends.
  await waitFor(
    'a synced from r2',
    async () =>
      (await cmd(a, 'INFO', 'replication')).includes(`master_port:${r2.port}\r\n`) &&
      (await linkUp(a)),
    10000,
  );
  // r2 must know a as its replica, or it ignores the MFSTART (as Redis does).
  const r2id = await cmd(r2, 'CLUSTER', 'MYID');
  await waitFor(
    'r2 lists a as its replica',
    async () =>
      (await cmd(r2, 'CLUSTER', 'NODES'))
        .split('\n')
        .some((l) => l.startsWith(`${aid} `) && l.split(' ')[3] === r2id),
    10000,
  );
  for (const n of [b, c])
    assert.equal(await cmd(n, 'DEBUG', 'DROP-CLUSTER-PACKET-FILTER', '5'), '+OK');
  assert.equal(await cmd(a, 'CLUSTER', 'FAILOVER'), '+OK');
  await waitFor(
    'r2 paused',
    async () => /Manual failover requested by replica/.test(r2.proc.output()),
    5000,
  ).catch((e) => {
    const f = (o: string): string =>
      o
        .split('\n')
        .filter((l) => !/SYNC|MASTER|RDB|sync|Background/.test(l))
        .slice(-25)
        .join('\n');
    console.log(`R2\n${f(r2.proc.output())}\nA\n${f(a.proc.output())}`);
    throw e;
  });
  const writer = await RawConn.open(r2.port);
  const t2 = Date.now();
  writer.send('SET', '{b}held', 'v');
  assert.equal(await writer.readReply(8000), '+OK\r\n');
  const heldMs = Date.now() - t2;
  writer.close();
  assert.ok(heldMs > 2000, `the write waited for the manual failover to time out (${heldMs} ms)`);
  assert.match(r2.proc.output(), /Manual failover timed out\./);
  // a checks its own deadline from its cron, a tick after r2 may have.
  await waitFor(
    'a timed out too',
    async () => /Manual failover timed out\./.test(a.proc.output()),
    2000,
  );
  assert.equal(await role(r2), 'master');
  for (const n of [b, c])
    assert.equal(await cmd(n, 'DEBUG', 'DROP-CLUSTER-PACKET-FILTER', '-1'), '+OK');
});

test('CLUSTER FAILOVER errors match redis-server', async (t) => {
  if (!redisServerOrSkip(t)) return;
  const [k, rs] = await Promise.all([startNode('keyshard', 2000), startNode('redis', 2000)]);
  for (const args of [
    ['CLUSTER', 'FAILOVER'],
    ['CLUSTER', 'FAILOVER', 'FORCE'],
    ['CLUSTER', 'FAILOVER', 'TAKEOVER'],
    ['CLUSTER', 'FAILOVER', 'bogus'],
    ['CLUSTER', 'FAILOVER', 'FORCE', 'x'],
  ]) {
    assert.equal(await k.conn.call(...args), await rs.conn.call(...args), args.join(' '));
  }
});
