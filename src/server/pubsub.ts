/**
 * The pub/sub registry of one server: channel -> subscribers, pattern -> subscribers and shard
 * channel -> subscribers, each client's own subscriptions, and message delivery.
 *
 * Subscriber sets keep insertion order, so a message reaches a channel's subscribers in the
 * order they subscribed, then the pattern subscribers (as Redis 7.0 does). A client is in the
 * pub/sub state (`kind === 'pubsub'`, flag P, the RESP2 subscribed context) from its first
 * (P|S)SUBSCRIBE until it holds no subscription of any of the three kinds.
 */
import type { Client } from './client.js';
import type { Server } from './server.js';
import { globMatch } from '../util/glob.js';

export type SubKind = 'channel' | 'pattern' | 'shard';

/** One client's subscriptions, by kind. */
export interface ClientSubs {
  channel: Set<string>;
  pattern: Set<string>;
  shard: Set<string>;
}

/** The confirmation words of each kind: [subscribe, unsubscribe]. */
const WORDS: Record<SubKind, [string, string]> = {
  channel: ['subscribe', 'unsubscribe'],
  pattern: ['psubscribe', 'punsubscribe'],
  shard: ['ssubscribe', 'sunsubscribe'],
};

function bulk(s: string): string {
  return `$${s.length}\r\n${s}\r\n`;
}

export class PubSub {
  /** Global registries: name -> subscribers in subscription order. */
  readonly registry: Record<SubKind, Map<string, Set<Client>>> = {
    channel: new Map(),
    pattern: new Map(),
    shard: new Map(),
  };
  private readonly clients = new WeakMap<Client, ClientSubs>();

  constructor(private readonly server: Server) {
    server.clientClosedHooks.push((c) => this.dropAll(c));
    // RESET unsubscribes from everything without confirmations.
    server.clientResetHooks.push((c) => this.dropAll(c));
  }

  subsOf(c: Client): ClientSubs | undefined {
    return this.clients.get(c);
  }

  /** What (P)SUBSCRIBE / (P)UNSUBSCRIBE confirmations count: channels plus patterns. */
  private countFor(subs: ClientSubs | undefined, kind: SubKind): number {
    if (!subs) return 0;
    return kind === 'shard' ? subs.shard.size : subs.channel.size + subs.pattern.size;
  }

  private confirm(c: Client, word: string, name: string | null, count: number): void {
    const r = c.reply;
    r.push(3);
    r.bulk(word);
    if (name === null) r.nil();
    else r.bulk(name);
    r.integer(count);
  }

  subscribe(c: Client, kind: SubKind, names: readonly string[]): void {
    let subs = this.clients.get(c);
    if (!subs) {
      subs = { channel: new Set(), pattern: new Set(), shard: new Set() };
      this.clients.set(c, subs);
    }
    const mine = subs[kind];
    const reg = this.registry[kind];
    for (const name of names) {
      if (!mine.has(name)) {
        mine.add(name);
        let set = reg.get(name);
        if (!set) {
          set = new Set();
          reg.set(name, set);
        }
        set.add(c);
      }
      this.confirm(c, WORDS[kind][0], name, this.countFor(subs, kind));
    }
    if (c.kind === 'normal') c.kind = 'pubsub';
  }

  /** Unsubscribes from `names`, or from everything of that kind when `names` is empty. */
  unsubscribe(c: Client, kind: SubKind, names: readonly string[]): void {
    const subs = this.clients.get(c);
    const word = WORDS[kind][1];
    const list = names.length > 0 ? names : subs ? [...subs[kind]] : [];
    if (list.length === 0) {
      this.confirm(c, word, null, this.countFor(subs, kind));
    }
    for (const name of list) {
      if (subs) this.remove(c, subs, kind, name);
      this.confirm(c, word, name, this.countFor(subs, kind));
    }
    this.leaveIfIdle(c, subs);
  }

  private remove(c: Client, subs: ClientSubs, kind: SubKind, name: string): void {
    if (!subs[kind].delete(name)) return;
    const reg = this.registry[kind];
    const set = reg.get(name);
    if (!set) return;
    set.delete(c);
    if (set.size === 0) reg.delete(name);
  }

  private leaveIfIdle(c: Client, subs: ClientSubs | undefined): void {
    if (subs && subs.channel.size + subs.pattern.size + subs.shard.size > 0) return;
    if (subs) this.clients.delete(c);
    if (c.kind === 'pubsub') c.kind = 'normal';
  }

  /**
   * Unsubscribes every client from a shard channel, each told with an SUNSUBSCRIBE push (a
   * cluster node whose shard no longer serves the channel's slot).
   */
  dropShardChannel(name: string): void {
    const set = this.registry.shard.get(name);
    if (!set) return;
    for (const c of [...set]) {
      const subs = this.clients.get(c);
      if (!subs) continue;
      this.remove(c, subs, 'shard', name);
      this.confirm(c, WORDS.shard[1], name, subs.shard.size);
      this.leaveIfIdle(c, subs);
      this.server.scheduleFlush(c);
    }
  }

  /** Disconnect, RESET, CLIENT KILL: drop every subscription silently. */
  dropAll(c: Client): void {
    const subs = this.clients.get(c);
    if (!subs) return;
    for (const kind of ['channel', 'pattern', 'shard'] as const) {
      for (const name of [...subs[kind]]) this.remove(c, subs, kind, name);
    }
    this.leaveIfIdle(c, subs);
  }

  /**
   * Delivers a PUBLISH (or, with `shard`, an SPUBLISH) to this server's subscribers and returns
   * how many received it.
   */
  publish(channel: string, message: string, shard: boolean): number {
    let n = 0;
    const tail = bulk(channel) + bulk(message);
    if (shard) {
      const set = this.registry.shard.get(channel);
      if (set) n += this.sendAll(set, 3, bulk('smessage') + tail);
      return n;
    }
    const set = this.registry.channel.get(channel);
    if (set) n += this.sendAll(set, 3, bulk('message') + tail);
    for (const [pattern, subs] of this.registry.pattern) {
      if (!globMatch(pattern, channel)) continue;
      n += this.sendAll(subs, 4, bulk('pmessage') + bulk(pattern) + tail);
    }
    return n;
  }

  /** Appends one message frame to each subscriber's output; returns the receiver count. */
  private sendAll(set: Set<Client>, len: number, body: string): number {
    const resp2 = `*${len}\r\n${body}`;
    const resp3 = `>${len}\r\n${body}`;
    for (const c of set) {
      // Messages reach clients even under CLIENT REPLY OFF, as in Redis 7.0.
      if (c.closed || this.closing.has(c)) continue;
      const frame = c.reply.resp === 3 ? resp3 : resp2;
      if (c.mutedPushes !== null) c.mutedPushes += frame;
      else c.reply.out += frame;
      if (this.overLimit(c)) this.closeSlow(c);
      else this.toFlush.add(c);
    }
    if (this.toFlush.size > 0 && !this.flushQueued) {
      this.flushQueued = true;
      setImmediate(this.flushSubscribers);
    }
    return set.size;
  }

  /**
   * Subscribers with messages to write. They are written once per event-loop turn, after every
   * read of that turn, as Redis writes in beforeSleep: a subscriber of a channel that fifty
   * clients publish to gets one write for the fifty messages, not fifty writes.
   */
  private readonly toFlush = new Set<Client>();
  private flushQueued = false;
  private readonly flushSubscribers = (): void => {
    this.flushQueued = false;
    const list = [...this.toFlush];
    this.toFlush.clear();
    for (const c of list) this.server.flush(c);
  };

  /** Subscribers past their output buffer limit, closed on the next loop turn. */
  private readonly closing = new WeakSet<Client>();
  /** When (unix seconds) a subscriber went over the soft limit, while it stays over. */
  private readonly softSince = new WeakMap<Client, number>();

  /**
   * The `client-output-buffer-limit pubsub` check (Redis's checkClientOutputBufferLimits): over
   * the hard limit, or over the soft limit for longer than its seconds. What counts is the
   * pending output, ours and the socket's.
   */
  private overLimit(c: Client): boolean {
    if (c.kind !== 'pubsub') return false;
    const lim = this.server.config.get('client-output-buffer-limit').pubsub;
    const used = c.reply.size + (c.socket?.writableLength ?? 0);
    if (lim.hard > 0 && used >= lim.hard) return true;
    if (lim.soft > 0 && used >= lim.soft) {
      const now = Math.floor(Date.now() / 1000);
      const since = this.softSince.get(c);
      if (since === undefined) this.softSince.set(c, now);
      return since !== undefined && now - since > lim.softSeconds;
    }
    this.softSince.delete(c);
    return false;
  }

  /** Closes a subscriber that cannot keep up, outside the command that overflowed it. */
  private closeSlow(c: Client): void {
    this.closing.add(c);
    c.reply.clear();
    this.server.log.warning(
      `Client id=${c.id} addr=${c.addr} laddr=${c.laddr} name=${c.name} scheduled to be closed ASAP for overcoming of output buffer limits.`,
    );
    setImmediate(() => this.server.closeClient(c));
  }

  /** Names of one kind's active channels that match `pattern` (all when null). */
  names(kind: 'channel' | 'shard', pattern: string | null): string[] {
    const out: string[] = [];
    for (const name of this.registry[kind].keys()) {
      if (pattern === null || globMatch(pattern, name)) out.push(name);
    }
    return out;
  }

  subscribers(kind: SubKind, name: string): number {
    return this.registry[kind].get(name)?.size ?? 0;
  }
}

const registries = new WeakMap<Server, PubSub>();

/** The pub/sub registry of a server, created on first use. */
export function pubsubOf(s: Server): PubSub {
  let p = registries.get(s);
  if (!p) {
    p = new PubSub(s);
    registries.set(s, p);
  }
  return p;
}
