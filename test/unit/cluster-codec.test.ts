import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc16, keyHashSlot } from '../../src/util/crc16.js';
import {
  decode,
  encode,
  FrameReader,
  MsgType,
  type BusMessage,
} from '../../src/cluster/bus/codec.js';
import { Rng } from '../../src/sim/rng.js';

const ID_A = 'a'.repeat(40);
const ID_B = '0123456789abcdef0123456789abcdef01234567';

function header(type: number): BusMessage {
  const myslots = new Uint8Array(2048);
  for (let i = 0; i < 682; i++) myslots[i] = 0xff;
  myslots[682] = 0x1f;
  return {
    type,
    port: 7000,
    currentEpoch: 6,
    configEpoch: 1,
    offset: 12345,
    sender: ID_A,
    myslots,
    slaveof: '',
    myip: '',
    pport: 0,
    cport: 17000,
    flags: 17,
    state: 0,
    mflags: 0,
  };
}

test('CRC16/XMODEM and key slots match Redis', () => {
  assert.equal(crc16('123456789'), 0x31c3);
  const cases: [string, number][] = [
    ['', 0],
    ['a', 15495],
    ['foo', 12182],
    ['123456789', 12739],
    ['{user1000}.following', 3443],
    ['{a}{b}', 15495],
    ['{}x', 10595],
    ['x{}{b}', 10463],
  ];
  for (const [k, slot] of cases) assert.equal(keyHashSlot(k), slot, k);
});

test('header layout: offsets, big-endian fields, slot bitmap bit order', () => {
  const b = encode(header(MsgType.MEET));
  assert.equal(b.length, 2256);
  assert.equal(b.toString('latin1', 0, 4), 'RCmb');
  assert.equal(b.readUInt32BE(4), 2256);
  assert.equal(b.readUInt16BE(8), 1);
  assert.equal(b.readUInt16BE(10), 7000);
  assert.equal(b.readUInt16BE(12), MsgType.MEET);
  assert.equal(b.readBigUInt64BE(16), 6n);
  assert.equal(b.readBigUInt64BE(24), 1n);
  assert.equal(b.readBigUInt64BE(32), 12345n);
  assert.equal(b.toString('latin1', 40, 80), ID_A);
  assert.equal(b[80 + 681], 0xff);
  assert.equal(b[80 + 682], 0x1f);
  assert.equal(b[80 + 683], 0);
  assert.ok(b.subarray(2128, 2168).every((x) => x === 0));
  assert.equal(b.readUInt16BE(2248), 17000);
  assert.equal(b.readUInt16BE(2250), 17);
});

test('PING with one gossip entry and a hostname is 2384 bytes, as captured from 7.0.15', () => {
  const m = header(MsgType.PING);
  m.gossip = [
    {
      id: ID_B,
      pingSent: 0,
      pongReceived: 1795331599,
      ip: '127.0.0.1',
      port: 7001,
      cport: 17001,
      flags: 1,
      pport: 0,
    },
  ];
  m.hostname = 'host-a.example';
  const b = encode(m);
  assert.equal(b.length, 2384);
  assert.equal(b[2253], 4);
  assert.equal(b.readUInt16BE(2214), 1);
  assert.equal(b.readUInt32BE(2360), 24);
  assert.equal(b.toString('latin1', 2368, 2384), 'host-a.example\0\0');
  const r = decode(b);
  assert.ok(r.ok);
  assert.deepEqual(r.msg.gossip, m.gossip);
  assert.equal(r.msg.hostname, 'host-a.example');
  assert.equal(r.msg.sender, ID_A);
  assert.equal(r.msg.configEpoch, 1);
});

test('FAIL, UPDATE, PUBLISH round-trip with Redis lengths', () => {
  const f = header(MsgType.FAIL);
  f.failId = ID_B;
  const fb = encode(f);
  assert.equal(fb.length, 2296);
  const fr = decode(fb);
  assert.ok(fr.ok && fr.msg.failId === ID_B);

  const u = header(MsgType.UPDATE);
  const slots = new Uint8Array(2048);
  slots[5] = 0x81;
  u.update = { configEpoch: 9, id: ID_B, slots };
  const ub = encode(u);
  assert.equal(ub.length, 4352);
  const ur = decode(ub);
  assert.ok(ur.ok);
  assert.equal(ur.msg.update!.configEpoch, 9);
  assert.equal(ur.msg.update!.slots[5], 0x81);

  const p = header(MsgType.PUBLISH);
  p.channel = 'ch';
  p.message = 'hello\x00\xff';
  const pb = encode(p);
  assert.equal(pb.length, 2264 + 2 + 7);
  const pr = decode(pb);
  assert.ok(pr.ok && pr.msg.channel === 'ch' && pr.msg.message === 'hello\x00\xff');
});

test('length mismatches and bad extension padding are rejected with Redis log texts', () => {
  const b = encode(header(MsgType.FAIL));
  const short = Buffer.concat([b.subarray(0, 2256), Buffer.alloc(8)]);
  short.writeUInt32BE(short.length, 4);
  const r = decode(short);
  assert.ok(!r.ok);
  assert.equal(r.reason, 'Received invalid fail packet of length 2264 but expected length 2296');
  const ping = header(MsgType.PING);
  ping.hostname = 'x';
  const pb = encode(ping);
  pb.writeUInt32BE(12, 2256);
  const pr = decode(pb);
  assert.ok(!pr.ok);
  assert.match(pr.reason, /without proper padding \(12 bytes\)/);
});

test('frame reader: split and coalesced packets, bad signature closes', () => {
  const a = encode(header(MsgType.PING));
  const b = encode(header(MsgType.PONG));
  const both = Buffer.concat([a, b]);
  const fr = new FrameReader();
  const out: Buffer[] = [];
  for (let i = 0; i < both.length; i += 777) out.push(...fr.feed(both.subarray(i, i + 777))!);
  assert.equal(out.length, 2);
  assert.ok(out[0].equals(a) && out[1].equals(b));
  assert.equal(new FrameReader().feed(Buffer.from('GET / HTTP/1.1\r\n\r\n')), null);
  const tiny = Buffer.from(a.subarray(0, 8));
  tiny.writeUInt32BE(100, 4);
  assert.equal(new FrameReader().feed(tiny), null);
  const huge = Buffer.from(a.subarray(0, 8));
  huge.writeUInt32BE(0xffffffff, 4);
  assert.equal(new FrameReader(1 << 20).feed(huge), null);
});

test('fuzz: random and mutated packets never throw', () => {
  const rng = new Rng(42);
  const seeds = [MsgType.PING, MsgType.FAIL, MsgType.UPDATE, MsgType.PUBLISH].map((t) => {
    const m = header(t);
    m.failId = ID_B;
    m.update = { configEpoch: 1, id: ID_B, slots: new Uint8Array(2048) };
    m.gossip = [];
    return encode(m);
  });
  for (let i = 0; i < 3000; i++) {
    const base = Buffer.from(rng.pick(seeds));
    const mutations = rng.int(1, 8);
    for (let j = 0; j < mutations; j++) base[rng.int(0, base.length - 1)] = rng.int(0, 255);
    const cut = rng.next() < 0.3 ? base.subarray(0, rng.int(0, base.length)) : base;
    decode(cut);
    const fr = new FrameReader(1 << 16);
    fr.feed(cut);
  }
});
