/**
 * The cluster bus over TCP: the listener on the bus port and one socket per link, framed by
 * FrameReader. It knows nothing about cluster logic; it reports accepts, connects, packets and
 * closes to its owner by link id.
 */
import { createServer, connect, type Server as NetServer, type Socket } from 'node:net';
import { FrameReader } from './codec.js';

export interface BusEvents {
  accepted(peerIp: string, localIp: string): number;
  connected(link: number, localIp: string): void;
  packet(link: number, data: Buffer): void;
  /** The socket closed or failed; `bad` when we closed it for a malformed stream. */
  closed(link: number, reason: string, bad: boolean): void;
}

interface Conn {
  sock: Socket;
  reader: FrameReader;
  /** Sends queued while an outbound connect is in progress. */
  queue: Buffer[] | null;
  ctime: number;
}

function plainIp(addr: string | undefined): string {
  if (!addr) return '';
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}

export class BusTransport {
  private readonly conns = new Map<number, Conn>();
  private readonly listeners: NetServer[] = [];

  constructor(
    private readonly events: BusEvents,
    private readonly keepAliveMs: () => number,
  ) {}

  async listen(hosts: string[], port: number): Promise<void> {
    for (const host of hosts) {
      const srv = createServer({ noDelay: true }, (sock) => this.accept(sock));
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen({ port, host, ipv6Only: host.includes(':'), backlog: 511 }, () => {
          srv.off('error', reject);
          resolve();
        });
      });
      srv.on('error', () => undefined);
      this.listeners.push(srv);
    }
  }

  private accept(sock: Socket): void {
    sock.setNoDelay(true);
    sock.setKeepAlive(true, this.keepAliveMs());
    const link = this.events.accepted(plainIp(sock.remoteAddress), plainIp(sock.localAddress));
    this.attach(link, sock, null);
  }

  private attach(link: number, sock: Socket, queue: Buffer[] | null): void {
    const conn: Conn = { sock, reader: new FrameReader(), queue, ctime: Date.now() };
    this.conns.set(link, conn);
    sock.on('data', (data: Buffer) => {
      if (this.conns.get(link) !== conn) return;
      const packets = conn.reader.feed(data);
      if (packets === null) {
        this.drop(link, conn);
        this.events.closed(link, 'bad message length or signature', true);
        return;
      }
      for (const p of packets) {
        if (this.conns.get(link) !== conn) return;
        this.events.packet(link, p);
      }
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      if (this.conns.get(link) !== conn) return;
      this.conns.delete(link);
      this.events.closed(link, conn.queue ? 'Connection refused' : 'EOF', false);
    });
  }

  connect(link: number, ip: string, port: number): void {
    const sock = connect({ host: ip, port });
    this.attach(link, sock, []);
    sock.once('connect', () => {
      const conn = this.conns.get(link);
      if (!conn || conn.sock !== sock) return;
      sock.setNoDelay(true);
      sock.setKeepAlive(true, this.keepAliveMs());
      const queued = conn.queue ?? [];
      conn.queue = null;
      this.events.connected(link, plainIp(sock.localAddress));
      for (const b of queued) sock.write(b);
    });
  }

  send(link: number, data: Buffer): void {
    const conn = this.conns.get(link);
    if (!conn) return;
    if (conn.queue) conn.queue.push(data);
    else conn.sock.write(data);
  }

  close(link: number): void {
    const conn = this.conns.get(link);
    if (conn) this.drop(link, conn);
  }

  private drop(link: number, conn: Conn): void {
    this.conns.delete(link);
    conn.sock.destroy();
  }

  /** Bytes queued on a link (CLUSTER LINKS send-buffer-used). */
  pending(link: number): number {
    const conn = this.conns.get(link);
    if (!conn) return 0;
    if (conn.queue) return conn.queue.reduce((a, b) => a + b.length, 0);
    return conn.sock.writableLength;
  }

  createTime(link: number): number {
    return this.conns.get(link)?.ctime ?? 0;
  }

  closeAll(): void {
    for (const [link, conn] of [...this.conns]) this.drop(link, conn);
    for (const l of this.listeners) l.close();
  }
}
