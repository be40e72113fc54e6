/**
 * Failover under load: a 3 masters + 3 replicas keyshard cluster takes a continuous stream of
 * writes from an ioredis Cluster client (SET of a unique key followed by WAIT 1 on the same
 * connection) while masters are killed with SIGKILL, round after round. Each kill must be
 * repaired (writes to the dead master's slots succeed again within a bounded time); the killed
 * node is restarted from its directory, rejoins as a replica of its successor and syncs before
 * the next kill. At the end every key acknowledged by WAIT >= 1 must read back: a write a replica
 * had when its master died survives the promotion of that replica. A last round is a CLUSTER
 * FAILOVER under the same load, after which every key answered +OK must read back.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from 'ioredis';
import { keyHashSlot } from '../../src/util/crc16.js';
import {
  startNode,
  cmd,
  nodes,
  waitFor,
  stateIs,
  stopAll,
  formCluster,
  type Node,
} from './helpers.js';

after(stopAll);

const NT = 1000;
const WORKERS = 6;
/**
 * How long a write waits for its replica's acknowledgement. ioredis has one connection per node,
 * so a WAIT that times out (the replica is still resyncing) holds up every write queued behind it.
 */
const WAIT_MS = 100;
/** A restarted master resyncs at once rather than after Redis's 5 s diskless-sync delay. */
const NODE_ARGS = ['--repl-diskless-sync-delay', '0'];
/** A pipeline that has not settled by then counts as failed (its outcome is unknown). */
const WRITE_TIMEOUT_MS = 3000;
/** How long a kill may leave the dead master's slots without a successful write. */
const RECOVERY_LIMIT_MS = 6 * NT + 8000;

interface Outcome {
  /** SET answered OK and WAIT answered >= 1. */
  waitAcked: string[];
  /** SET answered OK but WAIT answered 0 or failed. */
  setOnly: string[];
  failed: number;
}

/** The id of the one replica of `masterId`, from CLUSTER NODES (field 4 is the master's id). */
async function replicaOf(n: Node, masterId: string): Promise<string> {
  const lines = (await cmd(n, 'CLUSTER', 'NODES')).split('\n').map((l) => l.split(' '));
  const found = lines.filter((w) => w[3] === masterId && w[2].includes('slave'));
  assert.equal(found.length, 1, `one replica of ${masterId}`);
  return found[0][0];
}

async function replicationInfo(n: Node): Promise<string> {
  return cmd(n, 'INFO', 'replication');
}

/** SET k v then WAIT 1 in one pipeline: ioredis sends both to the master of k's slot. */
async function writeOnce(cluster: Cluster, key: string): Promise<'wait' | 'set' | 'failed'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), WRITE_TIMEOUT_MS);
  });
  try {
    const res = await Promise.race([
      cluster.pipeline().set(key, `v:${key}`).wait(1, WAIT_MS).exec(),
      timeout,
    ]);
    const [[setErr, setRes], [waitErr, waitRes]] = res ?? [[new Error('timeout')], [null]];
    if (setErr || setRes !== 'OK') {
      // ioredis follows MOVED and refreshes its slot table only for a pipeline whose commands
      // all failed alike; here WAIT (keyless) succeeds where SET was redirected, refused with
      // CLUSTERDOWN or timed out, so the refresh a lone SET would trigger is asked for here.
      cluster.refreshSlotsCache();
      return 'failed';
    }
    return !waitErr && Number(waitRes) >= 1 ? 'wait' : 'set';
  } catch {
    return 'failed';
  } finally {
    clearTimeout(timer);
  }
}

test('failover under load: kill -9 masters round after round, no write acknowledged by WAIT 1 is lost; then a manual failover loses no acknowledged write', async (t) => {
  const all = await Promise.all(
    Array.from({ length: 6 }, () => startNode('keyshard', NT, NODE_ARGS)),
  );
  const ranges = await formCluster(all.slice(0, 3), all);
  const ids = await Promise.all(all.map((n) => cmd(n, 'CLUSTER', 'MYID')));
  for (let i = 0; i < 3; i++) {
    assert.equal(await cmd(all[i + 3], 'CLUSTER', 'REPLICATE', ids[i]), '+OK');
  }
  await waitFor(
    'replication links up',
    async () => {
      for (const r of all.slice(3)) {
        if (!(await replicationInfo(r)).includes('master_link_status:up')) return false;
      }
      return true;
    },
    15000,
  );
  await waitFor('cluster_state:ok', () => stateIs(all, 'ok'), 15000);

  // The live node object for each id (a restarted node replaces the killed one).
  const byId = new Map(ids.map((id, i) => [id, all[i]]));
  const shardOf = (slot: number): number =>
    ranges.findIndex(([lo, hi]) => slot >= lo && slot <= hi);

  const cluster = new Cluster([{ host: '127.0.0.1', port: all[0].port }], {
    enableOfflineQueue: true,
    retryDelayOnFailover: 20,
    retryDelayOnClusterDown: 20,
    retryDelayOnTryAgain: 20,
    slotsRefreshTimeout: 500,
    clusterRetryStrategy: () => 100,
    redisOptions: { connectTimeout: 500, maxRetriesPerRequest: 2 },
  });
  cluster.on('error', () => {});
  cluster.on('node error', () => {});
  t.after(() => cluster.disconnect());

  const outcome: Outcome = { waitAcked: [], setOnly: [], failed: 0 };
  /**
   * When the last successful SET per shard was sent (not answered: a write sent before a kill
   * may be answered just after it), for the recovery check.
   */
  const lastOk = [0, 0, 0];
  let stopping = false;
  /** Where the acknowledged lists stood when the manual failover round began. */
  let manualFrom = { wait: Number.MAX_SAFE_INTEGER, set: Number.MAX_SAFE_INTEGER };
  const workers = Array.from({ length: WORKERS }, async (_, w) => {
    for (let n = 0; !stopping; n++) {
      const key = `load:${w}:${n}`;
      const sentAt = Date.now();
      const r = await writeOnce(cluster, key);
      if (r === 'failed') {
        outcome.failed++;
        // Do not spin on a shard that is down; the other shards keep being written meanwhile.
        await new Promise((res) => setTimeout(res, 10));
        continue;
      }
      const shard = shardOf(keyHashSlot(key));
      lastOk[shard] = Math.max(lastOk[shard], sentAt);
      (r === 'wait' ? outcome.waitAcked : outcome.setOnly).push(key);
    }
  });

  try {
    await waitFor('writes flowing to every shard', async () => lastOk.every((x) => x > 0), 10000);
    // Shard 0 twice: its third failover promotes the node killed in the first round.
    for (const [round, shard] of [0, 1, 0].entries()) {
      const [lo, hi] = ranges[shard];
      const probe = [...byId.values()].find(
        (n) => !n.proc.proc.killed && n.proc.proc.exitCode === null,
      )!;
      const view = await nodes(probe);
      const masterId = view.find(
        (l) => l.flags.includes('master') && l.slots.includes(`${lo}-${hi}`),
      )!.id;
      const victim = byId.get(masterId)!;
      const heir = byId.get(await replicaOf(probe, masterId))!;
      assert.ok(
        (await replicationInfo(heir)).includes('master_link_status:up'),
        `round ${round + 1}: the heir is in sync before the kill`,
      );

      // The kill lands in the middle of a steady stream of acknowledged writes to every shard.
      const before = outcome.waitAcked.length;
      await waitFor(
        `round ${round + 1}: 300 more acknowledged writes`,
        async () => outcome.waitAcked.length >= before + 300,
        10000,
      );
      victim.conn.close();
      await victim.proc.stop('SIGKILL');
      const killedAt = Date.now();
      await waitFor(
        `round ${round + 1}: a write to shard ${shard} after the kill`,
        async () => lastOk[shard] > killedAt,
        RECOVERY_LIMIT_MS,
      ).catch(async (e) => {
        // What the cluster and the heir saw, for the failure report.
        console.log(await cmd(heir, 'CLUSTER', 'NODES'));
        console.log(heir.proc.output().replace(/^/gm, 'HEIR '));
        throw e;
      });
      t.diagnostic(
        `round ${round + 1}: shard ${shard} written again ${lastOk[shard] - killedAt} ms after the kill (node timeout ${NT})`,
      );
      const survivors = [...byId.values()].filter((n) => n !== victim);
      assert.match(await cmd(heir, 'ROLE'), /master/);

      const back = await startNode('keyshard', NT, NODE_ARGS, victim.proc.dir, victim.port);
      byId.set(masterId, back);
      await waitFor(
        `round ${round + 1}: the killed master synced as a replica of its successor`,
        async () => {
          const r = await replicationInfo(back);
          return (
            r.includes('role:slave') &&
            r.includes(`master_port:${heir.port}\r\n`) &&
            r.includes('master_link_status:up')
          );
        },
        15000,
      );
      await waitFor('everyone ok', () => stateIs([...survivors, back], 'ok'), 15000);
    }

    // Then a manual failover of shard 2 under the same load: the replica takes over only once it
    // has everything the paused master acknowledged, so from here on no write answered +OK
    // (WAIT or not) may go missing.
    manualFrom = { wait: outcome.waitAcked.length, set: outcome.setOnly.length };
    const [lo, hi] = ranges[2];
    const view = await nodes([...byId.values()][0]);
    const masterId = view.find(
      (l) => l.flags.includes('master') && l.slots.includes(`${lo}-${hi}`),
    )!.id;
    const heir = byId.get(await replicaOf(byId.get(masterId)!, masterId))!;
    const before = outcome.waitAcked.length;
    await waitFor(
      '300 more acknowledged writes',
      async () => outcome.waitAcked.length >= before + 300,
      10000,
    );
    const askedAt = Date.now();
    assert.equal(await cmd(heir, 'CLUSTER', 'FAILOVER'), '+OK');
    await waitFor(
      'the replica took over',
      async () => /master/.test(await cmd(heir, 'ROLE')),
      10000,
    );
    await waitFor('shard 2 written again', async () => lastOk[2] > askedAt, RECOVERY_LIMIT_MS);
    t.diagnostic(
      `manual failover: shard 2 written again ${lastOk[2] - askedAt} ms after CLUSTER FAILOVER`,
    );
    const after = outcome.waitAcked.length;
    await waitFor(
      '300 more acknowledged writes',
      async () => outcome.waitAcked.length >= after + 300,
      10000,
    );
  } finally {
    stopping = true;
    await Promise.all(workers);
  }

  // Read every acknowledged key back through the cluster.
  const missing = async (keys: string[]): Promise<number> => {
    let lost = 0;
    for (let i = 0; i < keys.length; i += 200) {
      const chunk = keys.slice(i, i + 200);
      const got = await Promise.all(chunk.map((k) => cluster.get(k)));
      got.forEach((v, j) => {
        if (v !== `v:${chunk[j]}`) lost++;
      });
    }
    return lost;
  };
  const lostWait = await missing(outcome.waitAcked);
  const lostSet = await missing(outcome.setOnly);
  const lostManual =
    (await missing(outcome.waitAcked.slice(manualFrom.wait))) +
    (await missing(outcome.setOnly.slice(manualFrom.set)));
  t.diagnostic(
    `writes acknowledged by WAIT 1: ${outcome.waitAcked.length}, lost ${lostWait}; ` +
      `acknowledged by SET only: ${outcome.setOnly.length}, lost ${lostSet}; failed: ${outcome.failed}`,
  );
  assert.ok(outcome.waitAcked.length > 100, 'enough acknowledged writes to mean something');
  assert.equal(lostWait, 0, 'writes acknowledged by WAIT 1 lost');
  assert.ok(
    manualFrom.wait < outcome.waitAcked.length,
    'writes acknowledged around the manual failover',
  );
  assert.equal(lostManual, 0, 'writes acknowledged since the manual failover started lost');
});
