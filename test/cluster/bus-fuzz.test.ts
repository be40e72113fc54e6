/**
 * The bus port of a live keyshard node under garbage: bad signatures, truncated and oversized
 * packets, random bytes and malformed but well-framed packets. The bad links are closed or the
 * packets dropped; the node keeps serving clients and its cluster.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { encode, MsgType, type BusMessage } from '../../src/cluster/bus/codec.js';
import { Rng } from '../../src/sim/rng.js';
import { startNode, stopAll, cmd } from './helpers.js';

after(stopAll);

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves true if the peer closes the connection within `ms`. */
function closedWithin(s: Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    s.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
    s.on('error', () => undefined);
    s.on('data', () => undefined);
  });
}

function ping(): BusMessage {
  return {
    type: MsgType.PING,
    port: 1,
    currentEpoch: 0,
    configEpoch: 0,
    offset: 0,
    sender: 'f'.repeat(40),
    myslots: new Uint8Array(2048),
    slaveof: '',
    myip: '',
    pport: 0,
    cport: 2,
    flags: 1,
    state: 1,
    mflags: 0,
    gossip: [],
  };
}

test('garbage on the bus closes the link; the node survives', async () => {
  const n = await startNode('keyshard');
  const bus = n.port + 10000;

  const bad = await open(bus);
  bad.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.ok(await closedWithin(bad, 3000), 'bad signature closes the link');

  const huge = await open(bus);
  const hdr = Buffer.alloc(8);
  hdr.write('RCmb', 0, 'latin1');
  hdr.writeUInt32BE(0xffffffff, 4);
  huge.write(hdr);
  assert.ok(await closedWithin(huge, 3000), 'oversized length closes the link');

  const short = await open(bus);
  hdr.writeUInt32BE(100, 4);
  short.write(hdr);
  assert.ok(await closedWithin(short, 3000), 'too short length closes the link');

  // A well-framed packet whose body length is wrong is dropped; the link stays open.
  const framed = await open(bus);
  const p = encode(ping());
  const wrong = Buffer.concat([p, Buffer.alloc(16)]);
  wrong.writeUInt32BE(wrong.length, 4);
  framed.write(wrong);
  assert.equal(await closedWithin(framed, 500), false);
  framed.destroy();

  // A truncated packet followed by a close, then random junk from many connections.
  const rng = new Rng(7);
  for (let i = 0; i < 30; i++) {
    const s = await open(bus);
    const data = Buffer.from(p);
    for (let j = 0; j < 20; j++) data[rng.int(0, data.length - 1)] = rng.int(0, 255);
    if (i % 3 === 0) data.write('RCmb', 0, 'latin1');
    s.on('error', () => undefined);
    s.write(data.subarray(0, rng.int(1, data.length)));
    s.end();
  }
  const log = () => n.proc.output();
  await new Promise((r) => setTimeout(r, 500));
  assert.match(log(), /Bad message length or signature received from Cluster bus\./);
  assert.equal(await cmd(n, 'PING'), '+PONG');
  assert.match(await cmd(n, 'CLUSTER', 'INFO'), /cluster_known_nodes:1\r\n/);
});
