/**
 * Pub/Sub in cluster mode over real processes: PUBLISH on any node reaches the subscribers of
 * every node (the cluster bus PUBLISH message), SPUBLISH reaches the subscribers of its shard,
 * replicas included (PUBLISHSHARD), with the routing rules for shard channels (MOVED, CROSSSLOT,
 * SSUBSCRIBE served by a replica of the owner). Once with keyshard nodes only, once with
 * keyshard and redis-server mixed so messages cross in both directions.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { redisServerOrSkip } from '../helpers/procs.js';
import { RawConn } from '../helpers/raw.js';
import { keyHashSlot } from '../../src/util/crc16.js';
import {
  startNode,
  stopAll,
  cmd,
  waitFor,
  stateIs,
  allConnected,
  assignSlots,
  meetAll,
  type Node,
} from './helpers.js';

after(stopAll);

const msg = (ch: string, m: string): string =>
  `*3\r\n$7\r\nmessage\r\n$${ch.length}\r\n${ch}\r\n$${m.length}\r\n${m}\r\n`;
const smsg = (ch: string, m: string): string =>
  `*3\r\n$8\r\nsmessage\r\n$${ch.length}\r\n${ch}\r\n$${m.length}\r\n${m}\r\n`;

/** A channel name whose slot lies in [lo, hi]. */
function channelIn(lo: number, hi: number): string {
  for (let i = 0; i < 100000; i++) {
    const s = keyHashSlot(`ch${i}`);
    if (s >= lo && s <= hi) return `ch${i}`;
  }
  throw new Error('no channel found');
}

async function linkUp(n: Node): Promise<boolean> {
  return (await cmd(n, 'INFO', 'replication')).includes('master_link_status:up');
}

/** Masters get the slots, replicas[i] replicates masters[i]; waits for a healthy cluster. */
async function buildCluster(masters: Node[], replicas: Node[]): Promise<[number, number][]> {
  const all = [...masters, ...replicas];
  const ranges = await assignSlots(masters);
  await meetAll(all);
  await waitFor('full mesh', () => allConnected(all), 20000);
  const ids = await Promise.all(masters.map((n) => cmd(n, 'CLUSTER', 'MYID')));
  for (const [i, r] of replicas.entries()) {
    assert.equal(await cmd(r, 'CLUSTER', 'REPLICATE', ids[i]), '+OK');
  }
  await waitFor(
    'replication links up',
    async () => (await Promise.all(replicas.map(linkUp))).every(Boolean),
    20000,
  );
  await waitFor('cluster_state:ok', () => stateIs(all, 'ok'), 20000);
  return ranges;
}

/** One subscriber connection per node, subscribed to `channel`. */
async function subscribers(all: Node[], channel: string): Promise<RawConn[]> {
  const subs: RawConn[] = [];
  for (const n of all) {
    const c = await RawConn.open(n.port);
    assert.equal(
      await c.call('SUBSCRIBE', channel),
      `*3\r\n$9\r\nsubscribe\r\n$${channel.length}\r\n${channel}\r\n:1\r\n`,
    );
    subs.push(c);
  }
  return subs;
}

/** PUBLISH on each node in turn reaches every node's subscriber. */
async function publishEverywhere(all: Node[]): Promise<void> {
  const channel = 'bus\r\n\0\xff';
  const subs = await subscribers(all, channel);
  try {
    for (const [i, n] of all.entries()) {
      const m = `from-${n.kind}-${i}`;
      // The count is the publishing node's own subscribers only, as Redis.
      assert.equal(await cmd(n, 'PUBLISH', channel, m), '1');
      for (const s of subs) assert.equal(await s.readReply(), msg(channel, m));
    }
    // A message far bigger than one bus read, with every byte value, crosses intact.
    let big = '';
    for (let i = 0; i < 300000; i++) big += String.fromCharCode(i % 256);
    assert.equal(await cmd(all[0], 'PUBLISH', channel, big), '1');
    for (const s of subs) assert.equal(await s.readReply(), msg(channel, big));
  } finally {
    for (const s of subs) s.close();
  }
}

/**
 * SPUBLISH on a shard's master reaches a subscriber on its replica (and on the master), and
 * the routing rules of shard channels hold.
 */
async function shardPublish(
  master: Node,
  replica: Node,
  other: Node,
  range: [number, number],
): Promise<void> {
  const ch = channelIn(range[0], range[1]);
  const slot = keyHashSlot(ch);
  const onReplica = await RawConn.open(replica.port);
  const onMaster = await RawConn.open(master.port);
  const elsewhere = await RawConn.open(other.port);
  try {
    const confirm = `*3\r\n$10\r\nssubscribe\r\n$${ch.length}\r\n${ch}\r\n:1\r\n`;
    assert.equal(await onReplica.call('SSUBSCRIBE', ch), confirm);
    assert.equal(await onMaster.call('SSUBSCRIBE', ch), confirm);
    assert.match(await elsewhere.call('SSUBSCRIBE', ch), new RegExp(`^-MOVED ${slot} `));
    assert.match(await elsewhere.call('SPUBLISH', ch, 'x'), new RegExp(`^-MOVED ${slot} `));
    const far = range[0] > 0 ? channelIn(0, range[0] - 1) : channelIn(range[1] + 1, 16383);
    assert.equal(
      await elsewhere.call('SSUBSCRIBE', ch, far),
      "-CROSSSLOT Keys in request don't hash to the same slot\r\n",
    );
    assert.equal(await cmd(master, 'SPUBLISH', ch, 'to-shard'), '1');
    assert.equal(await onMaster.readReply(), smsg(ch, 'to-shard'));
    assert.equal(await onReplica.readReply(), smsg(ch, 'to-shard'));
    // A replica of the owner serves SPUBLISH too; the shard's master hears it.
    assert.equal(await cmd(replica, 'SPUBLISH', ch, 'from-replica'), '1');
    assert.equal(await onReplica.readReply(), smsg(ch, 'from-replica'));
    assert.equal(await onMaster.readReply(), smsg(ch, 'from-replica'));
    assert.equal(
      await master.conn.call('PUBSUB', 'SHARDNUMSUB', ch),
      `*2\r\n$${ch.length}\r\n${ch}\r\n:1\r\n`,
    );
  } finally {
    for (const c of [onReplica, onMaster, elsewhere]) c.close();
  }
}

/** A master that loses a slot unsubscribes its clients from that slot's shard channels. */
async function slotLoss(master: Node, range: [number, number]): Promise<void> {
  const ch = channelIn(range[0], range[1]);
  const slot = String(keyHashSlot(ch));
  const sub = await RawConn.open(master.port);
  try {
    assert.equal(
      await sub.call('SSUBSCRIBE', ch),
      `*3\r\n$10\r\nssubscribe\r\n$${ch.length}\r\n${ch}\r\n:1\r\n`,
    );
    assert.equal(await cmd(master, 'CLUSTER', 'DELSLOTS', slot), '+OK');
    assert.equal(
      await sub.readReply(),
      `*3\r\n$12\r\nsunsubscribe\r\n$${ch.length}\r\n${ch}\r\n:0\r\n`,
    );
    assert.equal(await master.conn.call('PUBSUB', 'SHARDCHANNELS'), '*0\r\n');
    // No longer subscribed: the RESP2 connection runs any command again.
    assert.equal(await sub.call('ECHO', 'free'), '$4\r\nfree\r\n');
    assert.equal(await cmd(master, 'CLUSTER', 'ADDSLOTS', slot), '+OK');
  } finally {
    sub.close();
  }
}

test('keyshard cluster: PUBLISH reaches every node, SPUBLISH reaches the shard replica', async () => {
  const nodesList = await Promise.all([0, 1, 2, 3].map(() => startNode('keyshard')));
  const masters = nodesList.slice(0, 3);
  const replica = nodesList[3];
  const ranges = await buildCluster(masters, [replica]);
  await publishEverywhere(nodesList);
  await shardPublish(masters[0], replica, masters[1], ranges[0]);
  await slotLoss(masters[0], ranges[0]);
});

test('mixed keyshard + redis-server cluster: PUBLISH and SPUBLISH cross both ways', async (t) => {
  if (!redisServerOrSkip(t)) return;
  const [k1, r1, redisReplica, ksReplica] = await Promise.all([
    startNode('keyshard'),
    startNode('redis'),
    startNode('redis'),
    startNode('keyshard'),
  ]);
  // Each master is replicated by the other kind: k1 -> redis replica, r1 -> keyshard replica.
  const ranges = await buildCluster([k1, r1], [redisReplica, ksReplica]);
  await publishEverywhere([k1, r1, redisReplica, ksReplica]);
  await shardPublish(k1, redisReplica, r1, ranges[0]);
  await shardPublish(r1, ksReplica, k1, ranges[1]);
  // The same on both kinds: redis-server shows what keyshard must do.
  await slotLoss(r1, ranges[1]);
  await slotLoss(k1, ranges[0]);
});
