/**
 * What a replica does with the RDB of a full sync besides loading it (Redis's
 * repl-diskless-load): by default the payload becomes the node's own RDB file, written to a
 * temp file, fsynced and renamed over `dbfilename`, so a restarted replica finds the master's
 * data set and its replication offset there and can continue with a partial resync.
 */
import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from '../server/server.js';
import { fsyncDir } from '../util/fsync-dir.js';
import { writeSynced } from '../util/write-synced.js';

/** on-empty-db and swapdb parse the payload without a file (on-empty-db only with no keys). */
export function useDisklessLoad(s: Server): boolean {
  const mode = s.config.get('repl-diskless-load');
  if (mode === 'swapdb') return true;
  return mode === 'on-empty-db' && s.keyspace.dbs.every((db) => db.dict.size === 0);
}

/** Whether this node saves its data set itself (Redis's allPersistenceDisabled, negated). */
export function persistenceEnabled(s: Server): boolean {
  return s.config.get('save').length > 0 || s.config.get('appendonly');
}

/** Makes `rdb` this node's RDB file; throws (after a Redis-style log line) when it cannot. */
export function keepSyncFile(s: Server, rdb: Buffer): void {
  const dir = s.config.get('dir');
  const tmp = join(dir, `temp-${Math.floor(Date.now() / 1000)}.${process.pid}.rdb`);
  try {
    writeSynced(tmp, rdb);
  } catch (e) {
    rmSync(tmp, { force: true });
    s.log.warning(
      `Write error or short write writing to the DB dump file needed for MASTER <-> REPLICA synchronization: ${(e as Error).message}`,
    );
    throw new Error('sync file write failed');
  }
  try {
    renameSync(tmp, s.rdb.path);
  } catch (e) {
    rmSync(tmp, { force: true });
    s.log.warning(
      `Failed trying to rename the temp DB into ${s.config.get('dbfilename')} in MASTER <-> REPLICA synchronization: ${(e as Error).message}`,
    );
    throw new Error('sync file rename failed');
  }
  fsyncDir(dir);
}
