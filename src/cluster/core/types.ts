/**
 * What the sans-I/O cluster core needs from its host (clock, randomness, settings, key counts)
 * and what it asks the host to do (effects). The real server and the simulator both implement
 * this boundary.
 */

import type { BusMessage } from '../bus/codec.js';

export interface CoreSettings {
  /** cluster-node-timeout in ms. */
  nodeTimeout: number;
  requireFullCoverage: boolean;
  allowReplicaMigration: boolean;
  /**
   * cluster-migration-barrier: replicas my master keeps (counting me) before I may migrate;
   * Redis's default 1 when the host leaves it out.
   */
  migrationBarrier?: number;
  /** cluster-announce-ip, '' when unset. */
  announceIp: string;
  /** cluster-announce-hostname, '' when unset. */
  announceHostname: string;
  /** Announced client port, plaintext port (0 unless TLS) and bus port. */
  port: number;
  pport: number;
  cport: number;
  /** cluster-replica-validity-factor (0: a replica's data is never too old to fail over). */
  replicaValidityFactor: number;
  /** repl-ping-replica-period in seconds (part of the data-age limit). */
  replPingPeriod: number;
  /** cluster-replica-no-failover: myself never starts an automatic election. */
  replicaNoFailover: boolean;
}

export interface CoreEnv {
  /** Current time in ms (Unix epoch in a real process, virtual in the simulator). */
  now(): number;
  /** Uniform random number in [0, 1). */
  random(): number;
  settings(): CoreSettings;
  /** Keys stored in `slot` on this node (0 in the simulator). */
  keysInSlot(slot: number): number;
  /** This node's replication offset for bus headers. */
  replOffset(): number;
  /**
   * Age in ms of the replica's data: since the last interaction with the master while the link
   * is up, since the link went down otherwise (second granularity, as Redis's data-age check).
   */
  masterDataAge(): number;
}

export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning';

export type Effect =
  /** Open a TCP connection for outbound link `link`; report linkConnected / linkClosed. */
  | { kind: 'connect'; link: number; ip: string; port: number }
  /**
   * Write bytes on a link (queue them while it is still connecting). With `decodedSends` on
   * (simulator only) `data` is empty and `msg` carries the message itself.
   */
  | { kind: 'send'; link: number; data: Buffer; msg?: BusMessage }
  | { kind: 'close'; link: number }
  /** Persist nodes.conf (the host reads the content from the core). */
  | { kind: 'save'; fsync: boolean }
  | { kind: 'log'; level: LogLevel; text: string }
  | { kind: 'state'; ok: boolean }
  /** Slots this node lost while still holding keys: delete those keys locally. */
  | { kind: 'deleteKeysInSlots'; slots: number[] }
  /** Myself became a replica of `master` in the cluster table (the replication layer acts). */
  | { kind: 'becomeReplica'; master: string }
  /** Myself turned from replica into master (the replication layer promotes itself). */
  | { kind: 'becomeMaster' }
  /** Manual failover on the master: hold write commands until `until` (ms). */
  | { kind: 'pauseWrites'; until: number }
  /** The manual failover ended (done, timed out, or the master was demoted). */
  | { kind: 'unpauseWrites' }
  | { kind: 'publish'; shard: boolean; channel: string; message: string };
