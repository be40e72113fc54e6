/** Every command family the server registers. */
import type { Handler } from './table.js';
import { connectionCommands } from './connection.js';
import { transactionCommands } from './transactions.js';
import { stringCommands } from './strings.js';
import { bitCommands } from './bits.js';
import { keyCommands } from './keys.js';
import { expireCommands } from './expire.js';
import { serverCommands } from './server.js';
import { clientCommands } from './client.js';
import { introspectionCommands } from './introspection.js';
import { configCommands } from './config.js';
import { hashCommands } from './hashes.js';
import { listCommands } from './lists.js';
import { setCommands } from './sets.js';
import { zsetCommands } from './zsets.js';
import { hyperloglogCommands } from './hyperloglog.js';
import { clusterCommands } from './cluster.js';
import { persistenceCommands } from './persistence.js';
import { replicationCommands } from './replication.js';
import { dumpCommands } from './dump.js';
import { pubsubCommands } from './pubsub.js';
import { sortCommands } from './sort.js';

export const families: Record<string, Handler>[] = [
  connectionCommands,
  transactionCommands,
  stringCommands,
  bitCommands,
  keyCommands,
  expireCommands,
  serverCommands,
  clientCommands,
  introspectionCommands,
  configCommands,
  hashCommands,
  listCommands,
  setCommands,
  zsetCommands,
  hyperloglogCommands,
  clusterCommands,
  persistenceCommands,
  replicationCommands,
  dumpCommands,
  pubsubCommands,
  sortCommands,
];
