/**
 * The Redis 7.0 cluster bus wire format: a 2256-byte big-endian header followed by a
 * type-specific body (gossip entries and ping extensions, FAIL, PUBLISH, UPDATE, MODULE).
 * encode() builds exact bytes; decode() validates lengths like clusterProcessPacket and returns
 * either a message or the reason it must be dropped.
 */

export const HEADER_LEN = 2256;
export const GOSSIP_LEN = 104;
export const SLOT_BYTES = 2048;
/** Our cap on a packet's total length; 7.0 has none. Beyond it the link is closed. */
export const MAX_PACKET = 2256 + 2 * 512 * 1024 * 1024;

export const MsgType = {
  PING: 0,
  PONG: 1,
  MEET: 2,
  FAIL: 3,
  PUBLISH: 4,
  AUTH_REQUEST: 5,
  AUTH_ACK: 6,
  UPDATE: 7,
  MFSTART: 8,
  MODULE: 9,
  PUBLISHSHARD: 10,
} as const;
export const MSG_TYPE_COUNT = 11;

export const TYPE_NAMES = [
  'ping',
  'pong',
  'meet',
  'fail',
  'publish',
  'auth-req',
  'auth-ack',
  'update',
  'mfstart',
  'module',
  'publishshard',
];

export function typeName(t: number): string {
  return TYPE_NAMES[t] ?? 'unknown';
}

export const MFLAG_PAUSED = 1;
export const MFLAG_FORCEACK = 2;
export const MFLAG_EXT_DATA = 4;
const EXT_HOSTNAME = 0;

export interface Gossip {
  id: string;
  /** Seconds, as on the wire. */
  pingSent: number;
  pongReceived: number;
  ip: string;
  port: number;
  cport: number;
  flags: number;
  pport: number;
}

export interface BusMessage {
  type: number;
  port: number;
  currentEpoch: number;
  configEpoch: number;
  offset: number;
  sender: string;
  /** 2048-byte slot bitmap. */
  myslots: Uint8Array;
  /** Master's id, or '' when the 40 bytes are zero. */
  slaveof: string;
  myip: string;
  pport: number;
  cport: number;
  flags: number;
  /** 0 ok, 1 fail. */
  state: number;
  mflags: number;
  /** PING/PONG/MEET. */
  gossip?: Gossip[];
  /** PING/PONG/MEET: announced hostname, '' when the packet carries none. */
  hostname?: string;
  /** FAIL: the node declared failing. */
  failId?: string;
  /** PUBLISH/PUBLISHSHARD. */
  channel?: string;
  message?: string;
  /** UPDATE. */
  update?: { configEpoch: number; id: string; slots: Uint8Array };
  /** Extension records we did not understand (type codes), for logging. */
  unknownExt?: number[];
}

function putStr(buf: Buffer, off: number, s: string, max: number): void {
  buf.write(s.slice(0, max), off, 'latin1');
}

/** A fixed-size string field: up to the first NUL, never past the field. */
function getStr(buf: Buffer, off: number, size: number): string {
  let end = off;
  const lim = off + size;
  while (end < lim && buf[end] !== 0) end++;
  return buf.toString('latin1', off, end);
}

function isZero(buf: Buffer, off: number, size: number): boolean {
  for (let i = off; i < off + size; i++) if (buf[i] !== 0) return false;
  return true;
}

function pingExtLen(hostname: string): number {
  return hostname ? 8 + ((hostname.length + 1 + 7) & ~7) : 0;
}

/** The exact bytes of `m`. */
export function encode(m: BusMessage): Buffer {
  let bodyLen = 0;
  let hostLen = 0;
  switch (m.type) {
    case MsgType.PING:
    case MsgType.PONG:
    case MsgType.MEET:
      hostLen = pingExtLen(m.hostname ?? '');
      bodyLen = GOSSIP_LEN * (m.gossip?.length ?? 0) + hostLen;
      break;
    case MsgType.FAIL:
      bodyLen = 40;
      break;
    case MsgType.PUBLISH:
    case MsgType.PUBLISHSHARD:
      bodyLen = 8 + (m.channel?.length ?? 0) + (m.message?.length ?? 0);
      break;
    case MsgType.UPDATE:
      bodyLen = 8 + 40 + SLOT_BYTES;
      break;
  }
  const total = HEADER_LEN + bodyLen;
  const b = Buffer.alloc(total);
  b.write('RCmb', 0, 'latin1');
  b.writeUInt32BE(total, 4);
  b.writeUInt16BE(1, 8);
  b.writeUInt16BE(m.port, 10);
  b.writeUInt16BE(m.type, 12);
  b.writeUInt16BE(m.gossip?.length ?? 0, 14);
  b.writeBigUInt64BE(BigInt(m.currentEpoch), 16);
  b.writeBigUInt64BE(BigInt(m.configEpoch), 24);
  b.writeBigUInt64BE(BigInt(m.offset), 32);
  putStr(b, 40, m.sender, 40);
  b.set(m.myslots.subarray(0, SLOT_BYTES), 80);
  if (m.slaveof) putStr(b, 2128, m.slaveof, 40);
  putStr(b, 2168, m.myip, 45);
  b.writeUInt16BE(hostLen ? 1 : 0, 2214);
  b.writeUInt16BE(m.pport, 2246);
  b.writeUInt16BE(m.cport, 2248);
  b.writeUInt16BE(m.flags, 2250);
  b[2252] = m.state;
  b[2253] = (m.mflags | (hostLen ? MFLAG_EXT_DATA : 0)) & 0xff;
  let off = HEADER_LEN;
  switch (m.type) {
    case MsgType.PING:
    case MsgType.PONG:
    case MsgType.MEET:
      for (const g of m.gossip ?? []) {
        putStr(b, off, g.id, 40);
        b.writeUInt32BE(g.pingSent >>> 0, off + 40);
        b.writeUInt32BE(g.pongReceived >>> 0, off + 44);
        putStr(b, off + 48, g.ip, 45);
        b.writeUInt16BE(g.port, off + 94);
        b.writeUInt16BE(g.cport, off + 96);
        b.writeUInt16BE(g.flags, off + 98);
        b.writeUInt16BE(g.pport, off + 100);
        off += GOSSIP_LEN;
      }
      if (hostLen) {
        b.writeUInt32BE(hostLen, off);
        b.writeUInt16BE(EXT_HOSTNAME, off + 4);
        putStr(b, off + 8, m.hostname!, hostLen - 9);
      }
      break;
    case MsgType.FAIL:
      putStr(b, off, m.failId ?? '', 40);
      break;
    case MsgType.PUBLISH:
    case MsgType.PUBLISHSHARD: {
      const ch = m.channel ?? '';
      const msg = m.message ?? '';
      b.writeUInt32BE(ch.length, off);
      b.writeUInt32BE(msg.length, off + 4);
      b.write(ch, off + 8, 'latin1');
      b.write(msg, off + 8 + ch.length, 'latin1');
      break;
    }
    case MsgType.UPDATE: {
      const u = m.update!;
      b.writeBigUInt64BE(BigInt(u.configEpoch), off);
      putStr(b, off + 8, u.id, 40);
      b.set(u.slots.subarray(0, SLOT_BYTES), off + 48);
      break;
    }
  }
  return b;
}

export type DecodeResult =
  { ok: true; msg: BusMessage } | { ok: false; reason: string; silent?: boolean };

function u64(b: Buffer, off: number): number {
  return Number(b.readBigUInt64BE(off));
}

/**
 * Decodes one complete packet (framing already checked `RCmb` and totlen). A failure means
 * "drop this packet" (the link stays open), with the log text Redis would print.
 */
export function decode(b: Buffer): DecodeResult {
  const totlen = b.length;
  if (totlen < HEADER_LEN) return { ok: false, reason: 'short packet', silent: true };
  if (b.readUInt16BE(8) !== 1) return { ok: false, reason: 'bad version', silent: true };
  const type = b.readUInt16BE(12);
  const count = b.readUInt16BE(14);
  const mflags = b[2253];
  const name = typeName(type);
  let explen: number;
  const exts: { off: number; len: number; type: number }[] = [];
  if (type === MsgType.PING || type === MsgType.PONG || type === MsgType.MEET) {
    explen = HEADER_LEN + GOSSIP_LEN * count;
    if (mflags & MFLAG_EXT_DATA) {
      const n = b.readUInt16BE(2214);
      for (let i = 0; i < n; i++) {
        if (explen + 8 > totlen) {
          return {
            ok: false,
            reason: `Received invalid ${name} packet with extension data that exceeds total packet length (${totlen})`,
          };
        }
        const len = b.readUInt32BE(explen);
        if (len % 8 !== 0 || len < 8) {
          return {
            ok: false,
            reason: `Received a ${name} packet without proper padding (${len} bytes)`,
          };
        }
        if (totlen - explen < len) {
          return {
            ok: false,
            reason: `Received invalid ${name} packet with extension data that exceeds total packet length (${totlen})`,
          };
        }
        exts.push({ off: explen, len, type: b.readUInt16BE(explen + 4) });
        explen += len;
      }
    }
  } else if (type === MsgType.FAIL) explen = HEADER_LEN + 40;
  else if (type === MsgType.PUBLISH || type === MsgType.PUBLISHSHARD) {
    if (totlen < HEADER_LEN + 8) explen = HEADER_LEN + 8;
    else explen = HEADER_LEN + 8 + b.readUInt32BE(HEADER_LEN) + b.readUInt32BE(HEADER_LEN + 4);
  } else if (
    type === MsgType.AUTH_REQUEST ||
    type === MsgType.AUTH_ACK ||
    type === MsgType.MFSTART
  ) {
    explen = HEADER_LEN;
  } else if (type === MsgType.UPDATE) explen = HEADER_LEN + 8 + 40 + SLOT_BYTES;
  else if (type === MsgType.MODULE) {
    explen =
      totlen < HEADER_LEN + 13 ? HEADER_LEN + 13 : HEADER_LEN + 13 + b.readUInt32BE(HEADER_LEN + 8);
  } else explen = totlen;
  if (totlen !== explen) {
    return {
      ok: false,
      reason: `Received invalid ${name} packet of length ${totlen} but expected length ${explen}`,
    };
  }
  const msg: BusMessage = {
    type,
    port: b.readUInt16BE(10),
    currentEpoch: u64(b, 16),
    configEpoch: u64(b, 24),
    offset: u64(b, 32),
    sender: getStr(b, 40, 40),
    myslots: new Uint8Array(b.subarray(80, 80 + SLOT_BYTES)),
    slaveof: isZero(b, 2128, 40) ? '' : getStr(b, 2128, 40),
    myip: getStr(b, 2168, 46),
    pport: b.readUInt16BE(2246),
    cport: b.readUInt16BE(2248),
    flags: b.readUInt16BE(2250),
    state: b[2252],
    mflags,
  };
  let off = HEADER_LEN;
  if (type === MsgType.PING || type === MsgType.PONG || type === MsgType.MEET) {
    const gossip: Gossip[] = [];
    for (let i = 0; i < count; i++, off += GOSSIP_LEN) {
      gossip.push({
        id: getStr(b, off, 40),
        pingSent: b.readUInt32BE(off + 40),
        pongReceived: b.readUInt32BE(off + 44),
        ip: getStr(b, off + 48, 46),
        port: b.readUInt16BE(off + 94),
        cport: b.readUInt16BE(off + 96),
        flags: b.readUInt16BE(off + 98),
        pport: b.readUInt16BE(off + 100),
      });
    }
    msg.gossip = gossip;
    msg.hostname = '';
    for (const e of exts) {
      if (e.type === EXT_HOSTNAME) msg.hostname = getStr(b, e.off + 8, e.len - 8);
      else (msg.unknownExt ??= []).push(e.type);
    }
  } else if (type === MsgType.FAIL) msg.failId = getStr(b, off, 40);
  else if (type === MsgType.PUBLISH || type === MsgType.PUBLISHSHARD) {
    const cl = b.readUInt32BE(off);
    msg.channel = b.toString('latin1', off + 8, off + 8 + cl);
    msg.message = b.toString('latin1', off + 8 + cl, totlen);
  } else if (type === MsgType.UPDATE) {
    msg.update = {
      configEpoch: u64(b, off),
      id: getStr(b, off + 8, 40),
      slots: new Uint8Array(b.subarray(off + 48, off + 48 + SLOT_BYTES)),
    };
  }
  return { ok: true, msg };
}

/**
 * Splits a link's byte stream into packets. `feed` returns the complete packets, or null when
 * the stream is bad (signature or length) and the link must be closed.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private need = 8;

  constructor(private readonly maxLen = MAX_PACKET) {}

  feed(data: Buffer): Buffer[] | null {
    this.chunks.push(data);
    this.buffered += data.length;
    const out: Buffer[] = [];
    while (this.buffered >= this.need) {
      const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
      this.chunks = [all];
      if (this.need === 8) {
        const totlen = all.readUInt32BE(4);
        if (
          all.toString('latin1', 0, 4) !== 'RCmb' ||
          totlen < HEADER_LEN ||
          totlen > this.maxLen
        ) {
          return null;
        }
        this.need = totlen;
        continue;
      }
      out.push(Buffer.from(all.subarray(0, this.need)));
      const rest = all.subarray(this.need);
      this.chunks = rest.length ? [rest] : [];
      this.buffered = rest.length;
      this.need = 8;
    }
    return out;
  }
}
