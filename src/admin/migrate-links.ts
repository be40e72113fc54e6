/**
 * MIGRATE's cached connections to target nodes, one per "host:port" as Redis keeps them: reused
 * while in use, closed after 10 s idle, at most 64 at a time (the oldest idle one goes first).
 * `lastDb` remembers the database the target connection has SELECTed (-1 = unknown), so a
 * repeated MIGRATE to the same db sends no SELECT. Uses of one link are serialized.
 */
import { Connection } from './connection.js';

const IDLE_MS = 10_000;
const MAX_LINKS = 64;

export interface MigrateLink {
  conn: Connection;
  lastDb: number;
  lastUse: number;
  idleTimer: NodeJS.Timeout | null;
}

const links = new Map<string, MigrateLink>();

function armIdle(key: string, link: MigrateLink): void {
  if (link.idleTimer) clearTimeout(link.idleTimer);
  link.idleTimer = setTimeout(() => {
    if (links.get(key) === link) closeLink(key);
  }, IDLE_MS);
  link.idleTimer.unref();
}

/** Returns the cached link to host:port, connecting (bounded by timeoutMs) when there is none. */
export async function getLink(host: string, port: number, timeoutMs: number): Promise<MigrateLink> {
  const key = `${host}:${port}`;
  const cached = links.get(key);
  if (cached && !cached.conn.closed) {
    cached.lastUse = Date.now();
    armIdle(key, cached);
    return cached;
  }
  if (cached) closeLink(key);
  if (links.size >= MAX_LINKS) {
    let oldest: string | null = null;
    let t = Infinity;
    for (const [k, l] of links)
      if (l.lastUse < t) {
        t = l.lastUse;
        oldest = k;
      }
    if (oldest) closeLink(oldest);
  }
  const conn = await Connection.open(host, port, timeoutMs);
  const link: MigrateLink = {
    conn,
    lastDb: -1,
    lastUse: Date.now(),
    idleTimer: null,
  };
  // A concurrent MIGRATE may have connected first; keep one link.
  const raced = links.get(key);
  if (raced && !raced.conn.closed) {
    conn.close();
    return raced;
  }
  links.set(key, link);
  armIdle(key, link);
  return link;
}

export function closeLink(key: string): void {
  const l = links.get(key);
  if (!l) return;
  links.delete(key);
  if (l.idleTimer) clearTimeout(l.idleTimer);
  l.conn.close();
}

/** Runs fn with exclusive use of the link for host:port (connections are sequential streams). */
const queues = new Map<string, Promise<void>>();
export function serialized<T>(host: string, port: number, fn: () => Promise<T>): Promise<T> {
  const key = `${host}:${port}`;
  const prev = queues.get(key) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  queues.set(key, tail);
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return run;
}
