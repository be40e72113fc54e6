/**
 * One entry of a node's cluster table (Redis's clusterNode): identity, address, role, epochs,
 * owned slots, liveness times and failure reports. Replication fields (replica list, master,
 * offset) are tracked from the bus so the replication and failover layers can build on them.
 */
import { SLOT_BYTES } from '../bus/codec.js';

export const NodeFlag = {
  MASTER: 1,
  SLAVE: 2,
  PFAIL: 4,
  FAIL: 8,
  MYSELF: 16,
  HANDSHAKE: 32,
  NOADDR: 64,
  MEET: 128,
  MIGRATE_TO: 256,
  NOFAILOVER: 512,
} as const;

/** CLUSTER NODES words, in Redis's fixed order. */
const FLAG_WORDS: [number, string][] = [
  [NodeFlag.MYSELF, 'myself'],
  [NodeFlag.MASTER, 'master'],
  [NodeFlag.SLAVE, 'slave'],
  [NodeFlag.PFAIL, 'fail?'],
  [NodeFlag.FAIL, 'fail'],
  [NodeFlag.HANDSHAKE, 'handshake'],
  [NodeFlag.NOADDR, 'noaddr'],
  [NodeFlag.NOFAILOVER, 'nofailover'],
];

export function flagsString(flags: number): string {
  const words = FLAG_WORDS.filter(([bit]) => flags & bit).map(([, w]) => w);
  return words.length ? words.join(',') : 'noflags';
}

/** Parses one nodes.conf flag word; null for an unknown word. */
export function flagFromWord(word: string): number | null {
  const w = word.toLowerCase();
  if (w === 'noflags') return 0;
  for (const [bit, name] of FLAG_WORDS) if (name === w) return bit;
  return null;
}

export function testBit(bitmap: Uint8Array, slot: number): boolean {
  return (bitmap[slot >> 3] & (1 << (slot & 7))) !== 0;
}

export function setBit(bitmap: Uint8Array, slot: number): void {
  bitmap[slot >> 3] |= 1 << (slot & 7);
}

export function clearBit(bitmap: Uint8Array, slot: number): void {
  bitmap[slot >> 3] &= ~(1 << (slot & 7));
}

/** Set bits in a byte. */
export function bitCount(byte: number): number {
  let n = 0;
  for (let v = byte; v !== 0; v &= v - 1) n++;
  return n;
}

export function bitmapsEqual(a: Uint8Array, b: Uint8Array): boolean {
  // Native memcmp: this runs for every PING/PONG received.
  return Buffer.compare(a.subarray(0, SLOT_BYTES), b.subarray(0, SLOT_BYTES)) === 0;
}

/** Valid node id: exactly 40 characters of [a-z0-9], as Redis's verifyClusterNodeId. */
export function validNodeId(id: string): boolean {
  return /^[a-z0-9]{40}$/.test(id);
}

export class ClusterNode {
  ip = '';
  port = 0;
  cport = 0;
  pport = 0;
  hostname = '';
  configEpoch = 0;
  readonly slots = new Uint8Array(SLOT_BYTES);
  numslots = 0;
  slaveof: ClusterNode | null = null;
  replicas: ClusterNode[] = [];
  pingSent = 0;
  pongReceived = 0;
  dataReceived = 0;
  failTime = 0;
  votedTime = 0;
  replOffset = 0;
  replOffsetTime = 0;
  orphanedTime = 0;
  /** Reporter id -> time of its latest report that this node is failing. */
  failReports = new Map<string, number>();
  /** Our outbound link id ("to"), null when none. */
  link: number | null = null;
  /** The peer's connection to us ("from"), null when none. */
  inboundLink: number | null = null;
  readonly ctime: number;

  constructor(
    public id: string,
    public flags: number,
    now: number,
  ) {
    this.ctime = now;
  }

  has(flag: number): boolean {
    return (this.flags & flag) !== 0;
  }

  get isMaster(): boolean {
    return this.has(NodeFlag.MASTER);
  }

  get isReplica(): boolean {
    return this.has(NodeFlag.SLAVE);
  }

  get failing(): boolean {
    return this.has(NodeFlag.PFAIL | NodeFlag.FAIL);
  }

  ownsSlot(slot: number): boolean {
    return testBit(this.slots, slot);
  }

  addReplica(r: ClusterNode): void {
    if (this.replicas.includes(r)) return;
    this.replicas.push(r);
    this.flags |= NodeFlag.MIGRATE_TO;
  }

  removeReplica(r: ClusterNode): void {
    const i = this.replicas.indexOf(r);
    if (i >= 0) this.replicas.splice(i, 1);
    if (this.replicas.length === 0) this.flags &= ~NodeFlag.MIGRATE_TO;
  }
}
