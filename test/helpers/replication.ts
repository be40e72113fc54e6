/** A real redis-server replicating from a keyshard master, for tests of what keyshard propagates. */
import { startKeyshard, startRedis, type ServerProc } from './procs.js';
import type { RawConn } from './raw.js';

export async function startKeyshardWithRedisReplica(): Promise<{
  master: ServerProc;
  replica: ServerProc;
}> {
  const master = await startKeyshard({ args: ['--repl-diskless-sync-delay', '0'] });
  const replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
  return { master, replica };
}

/** Waits (bounded) until the replica behind `c` reports its master link up. */
export async function waitLinkUp(c: RawConn): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if ((await c.call('INFO', 'replication')).includes('master_link_status:up')) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('replica never connected');
}
