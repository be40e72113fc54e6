/** REPLCONF, SYNC, PSYNC, WAIT, ROLE, REPLICAOF / SLAVEOF. */
import type { Handler } from './table.js';
import { parseLong } from '../util/parse.js';
import { setMaster, unsetMaster } from '../replication/replication.js';

const replicaof: Handler = (c, argv) => {
  const s = c.server;
  if (s.config.get('cluster-enabled')) {
    c.reply.err('REPLICAOF not allowed in cluster mode.');
    return;
  }
  if (argv[1].toLowerCase() === 'no' && argv[2].toLowerCase() === 'one') {
    unsetMaster(s);
    c.reply.ok();
    return;
  }
  if (c.kind === 'replica') {
    c.reply.err('Command is not valid when client is a replica.');
    return;
  }
  const port = parseLong(argv[2]);
  if (port === null || port < 0 || port > 65535) {
    c.reply.err('Invalid master port');
    return;
  }
  const r = s.replica;
  if (r && r.host.toLowerCase() === argv[1].toLowerCase() && r.port === port) {
    s.log.notice(
      'REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.',
    );
    c.reply.simple('OK Already connected to specified master');
    return;
  }
  setMaster(s, argv[1], port);
  c.reply.ok();
};

export const replicationCommands: Record<string, Handler> = {
  replconf(c, argv) {
    c.server.master.replconf(c, argv);
  },

  sync(c, argv) {
    c.server.master.sync(c, argv);
  },

  psync(c, argv) {
    c.server.master.sync(c, argv);
  },

  wait(c, argv) {
    const s = c.server;
    if (s.isReplica()) {
      c.reply.err(
        'WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.',
      );
      return;
    }
    const n = parseLong(argv[1]);
    if (n === null) {
      c.reply.err('value is not an integer or out of range');
      return;
    }
    const t = parseLong(argv[2]);
    if (t === null) {
      c.reply.err('timeout is not an integer or out of range');
      return;
    }
    if (t < 0) {
      c.reply.err('timeout is negative');
      return;
    }
    s.master.wait(c, n, t);
  },

  role(c) {
    const s = c.server;
    const r = s.replica;
    if (r) {
      c.reply.array(5);
      c.reply.bulk('slave');
      c.reply.bulk(r.host);
      c.reply.integer(r.port);
      const state =
        r.linkState === 'connected'
          ? 'connected'
          : r.linkState === 'sync'
            ? 'sync'
            : r.linkState === 'handshake'
              ? 'handshake'
              : r.linkState;
      c.reply.bulk(state);
      c.reply.integer(r.linkState === 'connected' ? r.reploff : -1);
      return;
    }
    const m = s.master;
    c.reply.array(3);
    c.reply.bulk('master');
    c.reply.integer(m.offset);
    const online = m.replicas.filter((l) => l.state === 'online');
    c.reply.array(online.length);
    for (const l of online) {
      c.reply.array(3);
      c.reply.bulk(l.ipAddress ?? l.client.socket?.remoteAddress?.replace(/^::ffff:/, '') ?? '');
      c.reply.bulk(String(l.listeningPort));
      c.reply.bulk(String(l.ackOffset));
    }
  },

  replicaof,
  slaveof: replicaof,
};
