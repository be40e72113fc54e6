/**
 * DUMP, RESTORE, RESTORE-ASKING and MIGRATE (the payload format is in admin/dump-payload.ts,
 * MIGRATE's transfer in admin/migrate.ts).
 */
import type { Handler } from './table.js';
import type { Client } from '../server/client.js';
import { limitsFromConfig } from '../persistence/rdb/values.js';
import { dumpPayload, loadPayload, payloadValid } from '../admin/dump-payload.js';
import { parseInt64 } from '../util/parse.js';
import { migrateCommand } from '../admin/migrate.js';

const NOT_INT = 'value is not an integer or out of range';

function restore(c: Client, argv: string[]): void {
  const key = argv[1];
  let replace = false;
  let absttl = false;
  for (let j = 4; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    const more = j + 1 < argv.length;
    if (opt === 'replace') replace = true;
    else if (opt === 'absttl') absttl = true;
    else if (opt === 'idletime' && more) {
      const idle = parseInt64(argv[++j]);
      if (idle === null) return c.reply.err(NOT_INT);
      if (idle < 0n) return c.reply.err('Invalid IDLETIME value, must be >= 0');
    } else if (opt === 'freq' && more) {
      const freq = parseInt64(argv[++j]);
      if (freq === null) return c.reply.err(NOT_INT);
      if (freq < 0n || freq > 255n)
        return c.reply.err('Invalid FREQ value, must be >= 0 and <= 255');
    } else return c.reply.err('syntax error');
  }
  const db = c.db;
  if (!replace && db.get(key) !== undefined)
    return c.reply.error('BUSYKEY Target key name already exists.');
  const ttlArg = parseInt64(argv[2]);
  if (ttlArg === null) return c.reply.err(NOT_INT);
  if (ttlArg < 0n) return c.reply.err('Invalid TTL value, must be >= 0');
  const payload = Buffer.from(argv[3], 'latin1');
  if (!payloadValid(payload)) return c.reply.err('DUMP payload version or checksum are wrong');
  const value = loadPayload(payload, limitsFromConfig(c.server.config));
  if (value === null) return c.reply.err('Bad data format');

  const deleted = replace && db.delete(key);
  let ttl = Number(ttlArg);
  if (ttl !== 0 && !absttl) ttl += Date.now();
  // An already past expiry creates nothing (a replica still stores it and waits for the DEL).
  if (ttl !== 0 && ttl <= Date.now() && !c.server.isReplica() && c.kind !== 'master') {
    if (deleted) {
      c.propagateAs = [['DEL', key]];
      c.server.dirty++;
    }
    return c.reply.ok();
  }
  db.set(key, value);
  if (ttl !== 0) {
    db.setExpire(key, ttl);
    // Relative TTLs are replayed as absolute ones, so a replica expires the key at the same time.
    if (!absttl) c.propagateAs = [[...argv.slice(0, 2), String(ttl), ...argv.slice(3), 'ABSTTL']];
  }
  c.server.dirty++;
  c.reply.ok();
}

export const dumpCommands: Record<string, Handler> = {
  dump(c, argv) {
    const v = c.db.get(argv[1]);
    if (v === undefined) return c.reply.nil();
    c.reply.bulk(dumpPayload(v, c.server.config.get('rdbcompression')));
  },
  restore,
  'restore-asking': restore,
  migrate: migrateCommand,
};
