/**
 * The client side of the failover bench: retries `SET key value` about every 10 ms until the node
 * that must serve it accepts it, the way a cluster client does. It follows -MOVED at once; after a
 * refused or lost connection, a -CLUSTERDOWN or a timeout it waits 10 ms and asks the next of the
 * other nodes, which answers -MOVED to whoever owns the slot in its table.
 */
import { RawConn } from '../test/helpers/raw.js';

/** How long one SET may take (a write paused by a manual failover is answered after it ends). */
const REPLY_TIMEOUT_MS = 2000;
const RETRY_MS = 10;

export interface ProbeResult {
  /** When the accepted SET's reply arrived (performance.now()). */
  at: number;
  attempts: number;
  redirects: number;
}

export class WriteProbe {
  private conns = new Map<number, RawConn>();

  /** `ports`: every node a client could ask (dead ones included, as a client would not know). */
  constructor(private readonly ports: number[]) {}

  /**
   * Writes `key` starting at `firstPort` until `accepts(port)` holds for a node that answered
   * +OK; gives up at `deadline` (performance.now() time).
   */
  async firstWrite(
    key: string,
    firstPort: number,
    accepts: (port: number) => boolean,
    deadline: number,
  ): Promise<ProbeResult> {
    let port = firstPort;
    let attempts = 0;
    let redirects = 0;
    let next = 0;
    for (let chain = 0; performance.now() < deadline;) {
      attempts++;
      const reply = await this.set(port, key);
      if (reply.startsWith('+OK') && accepts(port)) {
        return { at: performance.now(), attempts, redirects };
      }
      const moved = /^-MOVED \d+ [^:]+:(\d+)/.exec(reply);
      // A short chain of redirects is followed at once; a loop (tables disagree) waits too.
      if (moved && chain++ < 3) {
        redirects++;
        port = Number(moved[1]);
        continue;
      }
      chain = 0;
      await new Promise((r) => setTimeout(r, RETRY_MS));
      if (!moved && !reply.startsWith('+OK')) {
        // Ask another node where the slot went.
        next = (next + 1) % this.ports.length;
        if (this.ports[next] === port) next = (next + 1) % this.ports.length;
        port = this.ports[next];
      } else if (moved) {
        port = Number(moved[1]);
      }
    }
    throw new Error(`no write of ${key} accepted in time (${attempts} attempts)`);
  }

  /** One SET on a (cached) connection; a connection error or timeout is returned as '-CONN'. */
  private async set(port: number, key: string): Promise<string> {
    let c = this.conns.get(port);
    try {
      if (!c || c.closed) {
        c = await RawConn.open(port);
        this.conns.set(port, c);
      }
      c.send('SET', key, String(Date.now()));
      return await c.readReply(REPLY_TIMEOUT_MS);
    } catch {
      // After a timeout the late reply would pair with the next command: start afresh.
      c?.close();
      this.conns.delete(port);
      return '-CONN';
    }
  }

  close(): void {
    for (const c of this.conns.values()) c.close();
    this.conns.clear();
  }
}
