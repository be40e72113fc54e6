/**
 * nodes.conf: loading Redis's format into a cluster core, saving it in place like Redis 7.0
 * (padded write, fsync, truncate) and a lock file so two processes cannot share one config.
 */
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { SLOTS, type ClusterCore } from './core/cluster.js';
import { ClusterNode, NodeFlag, flagFromWord, validNodeId } from './core/node.js';
import { nodesConfText } from './describe.js';

export class NodesConfError extends Error {}

/** Splits a line into words like Redis's sdssplitargs (double and single quotes). */
export function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i])) i++;
    if (i >= line.length) break;
    let word = '';
    if (line[i] === '"' || line[i] === "'") {
      const q = line[i++];
      while (i < line.length && line[i] !== q) {
        if (q === '"' && line[i] === '\\' && i + 1 < line.length) i++;
        word += line[i++];
      }
      if (i >= line.length) return null;
      i++;
      if (i < line.length && !/\s/.test(line[i])) return null;
    } else {
      while (i < line.length && !/\s/.test(line[i])) word += line[i++];
    }
    out.push(word);
  }
  return out;
}

const U64 = /^\d{1,20}$/;

function parseSlot(s: string): number {
  if (!/^\d{1,5}$/.test(s)) throw new NodesConfError('bad slot');
  const n = Number(s);
  if (n >= SLOTS) throw new NodesConfError('bad slot');
  return n;
}

/**
 * Fills `core` (fresh, knowing only a placeholder myself) from nodes.conf text. Throws
 * NodesConfError for any format error.
 */
export function loadNodesConf(core: ClusterCore, text: string): void {
  const now = core.now();
  const placeholder = core.myself;
  core.nodes.clear();
  let myself: ClusterNode | null = null;
  const getOrCreate = (id: string): ClusterNode => {
    let n = core.nodes.get(id);
    if (!n) {
      n = new ClusterNode(id, 0, now);
      core.nodes.set(id, n);
    }
    return n;
  };
  for (const line of text.split('\n')) {
    if (line === '' || line[0] === '\0') continue;
    const argv = splitArgs(line);
    if (!argv) throw new NodesConfError('unbalanced quotes');
    if (argv.length === 0) continue;
    if (argv[0].toLowerCase() === 'vars') {
      if (argv.length % 2 !== 1) throw new NodesConfError('bad vars line');
      for (let j = 1; j < argv.length; j += 2) {
        const name = argv[j].toLowerCase();
        if (name === 'currentepoch' || name === 'lastvoteepoch') {
          if (!U64.test(argv[j + 1])) throw new NodesConfError('bad epoch');
          const v = Number(argv[j + 1]);
          if (name === 'currentepoch') core.currentEpoch = v;
          else core.lastVoteEpoch = v;
        } else {
          core.log('warning', `Skipping unknown cluster config variable '${argv[j]}'`);
        }
      }
      continue;
    }
    if (argv.length < 8) throw new NodesConfError('too few fields');
    if (!validNodeId(argv[0])) throw new NodesConfError('bad node id');
    const n = getOrCreate(argv[0]);
    let addr = argv[1];
    const comma = addr.indexOf(',');
    if (comma >= 0) {
      n.hostname = addr.slice(comma + 1);
      addr = addr.slice(0, comma);
    }
    const colon = addr.lastIndexOf(':');
    if (colon < 0) throw new NodesConfError('bad address');
    n.ip = addr.slice(0, colon);
    const portPart = addr.slice(colon + 1);
    const at = portPart.indexOf('@');
    const portStr = at >= 0 ? portPart.slice(0, at) : portPart;
    if (!/^\d+$/.test(portStr)) throw new NodesConfError('bad port');
    n.port = Number(portStr);
    if (at >= 0) {
      if (!/^\d+$/.test(portPart.slice(at + 1))) throw new NodesConfError('bad bus port');
      n.cport = Number(portPart.slice(at + 1));
    } else {
      n.cport = n.port + 10000;
    }
    n.flags = 0;
    for (const w of argv[2].split(',')) {
      const bit = flagFromWord(w);
      if (bit === null) throw new NodesConfError(`unknown flag ${w}`);
      if (bit === NodeFlag.MYSELF) {
        if (myself) throw new NodesConfError('two myself lines');
        myself = n;
      }
      if (bit === NodeFlag.FAIL) n.failTime = now;
      n.flags |= bit;
    }
    if (argv[3] !== '-') {
      if (!validNodeId(argv[3])) throw new NodesConfError('bad master id');
      const master = getOrCreate(argv[3]);
      n.slaveof = master;
      master.addReplica(n);
    }
    if (!U64.test(argv[4]) || !U64.test(argv[5]) || !U64.test(argv[6])) {
      throw new NodesConfError('bad number');
    }
    n.pingSent = argv[4] !== '0' ? now : 0;
    n.pongReceived = argv[5] !== '0' ? now : 0;
    n.configEpoch = n.slaveof ? 0 : Number(argv[6]);
    for (let j = 8; j < argv.length; j++) {
      const w = argv[j];
      if (w.startsWith('[')) {
        const m = /^\[(\d+)-([<>])-([a-z0-9]{40})\]$/.exec(w);
        if (!m) throw new NodesConfError('bad slot state');
        const slot = parseSlot(m[1]);
        const other = getOrCreate(m[3]);
        if (m[2] === '>') core.migratingTo.set(slot, other);
        else core.importingFrom.set(slot, other);
        continue;
      }
      const dash = w.indexOf('-');
      const start = parseSlot(dash >= 0 ? w.slice(0, dash) : w);
      const stop = dash >= 0 ? parseSlot(w.slice(dash + 1)) : start;
      for (let s = start; s <= stop; s++) {
        core.delSlot(s);
        core.addSlot(n, s);
      }
    }
  }
  if (!myself) {
    core.nodes.clear();
    core.nodes.set(placeholder.id, placeholder);
    throw new NodesConfError('no myself');
  }
  core.myself = myself;
  core.syncMyself();
  core.currentEpoch = Math.max(core.currentEpoch, core.maxEpoch());
}

/**
 * Rewrites nodes.conf in place, as Redis 7.0 does: the new content, padded with newlines to the
 * old length, in one write at offset 0, then the fsync, then a truncate of the padding (blank
 * lines the loader skips, so a process killed at any point leaves a loadable file). Elections
 * wait for this fsync (a vote or an election start is on disk before its packet leaves): on the
 * file's existing blocks it takes a fraction of a millisecond to a few, where a fresh temp file
 * with rename and directory fsync took 5-30 ms on the same disk, on every step of a failover.
 */
export function writeInPlace(path: string, content: string, fsync: boolean): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT, 0o644);
  try {
    const data = Buffer.from(content, 'latin1');
    const old = fstatSync(fd).size;
    const buf =
      old > data.length ? Buffer.concat([data, Buffer.alloc(old - data.length, '\n')]) : data;
    for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off, buf.length - off, off);
    if (fsync) fsyncSync(fd);
    if (buf.length !== data.length) ftruncateSync(fd, data.length);
  } finally {
    closeSync(fd);
  }
}

export function saveNodesConf(core: ClusterCore, path: string, fsync: boolean): void {
  writeInPlace(path, nodesConfText(core), fsync);
}

/** Reads nodes.conf; null when missing or empty ("no configuration"). */
export function readNodesConf(path: string): string | null {
  if (!existsSync(path)) return null;
  if (statSync(path).size === 0) return null;
  return readFileSync(path, 'latin1');
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `<path>.lock` for this process: a live process holding it means another node uses the
 * same nodes.conf. Returns an error text or null. A stale lock (dead pid) is taken over.
 */
export function lockNodesConf(path: string): string | null {
  const lock = `${path}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return null;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'EEXIST')
        return `Can't open ${path} in order to acquire a lock: ${err.message}`;
    }
    let pid = 0;
    try {
      pid = Number(readFileSync(lock, 'latin1').trim());
    } catch {
      // vanished meanwhile: retry
    }
    if (pid && pid !== process.pid && processAlive(pid)) {
      return `Sorry, the cluster configuration file ${path} is already used by a different Redis Cluster node. Please make sure that different nodes use different cluster configuration files.`;
    }
    try {
      unlinkSync(lock);
    } catch {
      // someone else removed it
    }
  }
  return `Impossible to lock ${path}: lock file busy`;
}

export function unlockNodesConf(path: string): void {
  try {
    const lock = `${path}.lock`;
    if (Number(readFileSync(lock, 'latin1').trim()) === process.pid) unlinkSync(lock);
  } catch {
    // nothing to release
  }
}
