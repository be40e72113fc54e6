/**
 * Appending to the current AOF file: propagated commands are encoded (with SELECT when the
 * database changes and `#TS:` annotations when enabled) into a buffer that is written before
 * the replies of the same turn go out, then fsynced per `appendfsync`: at once for `always`, by
 * a background fdatasync at most once a second for `everysec`, never explicitly for `no`.
 * A failed write keeps the rest of the buffer for a retry and makes writes answer -MISCONF.
 */
import { closeSync, fdatasync, fdatasyncSync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { Server } from '../../server/server.js';
import { encodeArgv } from '../../replication/backlog.js';

/** The C library's text for the usual write errors (Redis prints strerror()). */
const STRERROR: Record<string, string> = {
  ENOSPC: 'No space left on device',
  EDQUOT: 'Disk quota exceeded',
  EIO: 'Input/output error',
  EFBIG: 'File too large',
  EROFS: 'Read-only file system',
  EBADF: 'Bad file descriptor',
  EACCES: 'Permission denied',
};

function strerror(e: NodeJS.ErrnoException): string {
  return (e.code && STRERROR[e.code]) ?? e.message;
}

export class AofWriter {
  private fd: number | null = null;
  /** Propagated commands not written yet (latin1 bytes). */
  private buf = '';
  private flushQueued = false;
  private selectedDb = -1;
  /** The second of the last `#TS:` annotation (aof-timestamp-enabled). */
  private lastTimestamp = 0;
  /** aof_current_size: the BASE and INCR files plus what this writer appended. */
  size = 0;
  lastWriteOk = true;
  lastWriteError = '';
  private lastWriteErrorLog = 0;
  private unsynced = false;
  private lastFsync = 0;
  fsyncInFlight = false;

  constructor(private readonly s: Server) {}

  get isOpen(): boolean {
    return this.fd !== null;
  }

  /** Bytes waiting to be written (aof_buffer_length). */
  get pending(): number {
    return this.buf.length;
  }

  /** Appends to `path` from now on ('w' starts it empty); the next command carries a SELECT. */
  open(path: string, mode: 'a' | 'w'): void {
    this.fd = openSync(path, mode);
    this.selectedDb = -1;
  }

  /** Writes what is pending, fsyncs and closes (a failed write stays for the next file). */
  close(): void {
    if (this.fd === null) return;
    this.sync();
    closeSync(this.fd);
    this.fd = null;
    this.unsynced = false;
  }

  /** Forgets what was not written (the AOF is switched off or about to be rebuilt). */
  discard(): void {
    this.buf = '';
  }

  /** Writes what is pending and fsyncs (shutdown, switching files). */
  sync(): void {
    if (this.fd === null) return;
    this.flushPending();
    try {
      fsyncSync(this.fd);
    } catch {
      // Nothing more can be done for this file.
    }
  }

  feed(dbId: number, cmds: string[][]): void {
    if (this.fd === null) return;
    let out = '';
    if (this.s.config.get('aof-timestamp-enabled')) {
      // `#TS:<unix seconds>` before the first command of each new second (loaders skip it).
      const sec = Math.floor(Date.now() / 1000);
      if (sec > this.lastTimestamp) {
        out += `#TS:${sec}\r\n`;
        this.lastTimestamp = sec;
      }
    }
    for (const argv of cmds) {
      if (dbId !== this.selectedDb) {
        out += encodeArgv(['SELECT', String(dbId)]);
        this.selectedDb = dbId;
      }
      out += encodeArgv(argv);
    }
    this.buf += out;
    if (!this.flushQueued) {
      // Writes that no client reply follows (expiries, a replica's stream) still go out this turn.
      this.flushQueued = true;
      setImmediate(() => {
        this.flushQueued = false;
        this.flushPending();
      });
    }
  }

  /** Writes the buffer (before replies are sent); fsyncs at once under `appendfsync always`. */
  flushPending(): void {
    if (this.fd === null || this.buf.length === 0) return;
    const data = Buffer.from(this.buf, 'latin1');
    const always = this.s.config.get('appendfsync') === 'always';
    let off = 0;
    try {
      while (off < data.length) off += writeSync(this.fd, data, off, data.length - off);
      if (always) fdatasyncSync(this.fd);
    } catch (e) {
      this.writeFailed(e as NodeJS.ErrnoException, off, always);
      return;
    }
    this.buf = '';
    this.size += data.length;
    if (!always) this.unsynced = true;
    if (!this.lastWriteOk) {
      this.s.log.warning('AOF write error looks solved, Redis can write again.');
      this.lastWriteOk = true;
    }
  }

  private writeFailed(e: NodeJS.ErrnoException, written: number, always: boolean): void {
    const s = this.s;
    const reason = strerror(e);
    // Retried every turn: logged at most every 30 seconds, as Redis does.
    const now = Date.now();
    if (always || now - this.lastWriteErrorLog > 30000) {
      this.lastWriteErrorLog = now;
      s.log.warning(`Error writing to the AOF file: ${reason}`);
    }
    if (always) {
      s.log.warning(
        "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...",
      );
      process.exit(1);
    }
    // The part that reached the file stays; the rest is retried.
    this.buf = Buffer.from(this.buf, 'latin1').subarray(written).toString('latin1');
    this.size += written;
    this.lastWriteOk = false;
    this.lastWriteError = reason;
  }

  /**
   * Everysec: at most one background fdatasync per second, also when no new writes come;
   * `skip` while a snapshot runs under no-appendfsync-on-rewrite.
   */
  maybeFsync(now: number, skip: boolean): void {
    if (!this.unsynced || this.fsyncInFlight || this.fd === null || skip) return;
    if (this.s.config.get('appendfsync') !== 'everysec') return;
    if (now - this.lastFsync < 1000) return;
    this.unsynced = false;
    this.fsyncInFlight = true;
    this.lastFsync = now;
    fdatasync(this.fd, () => {
      this.fsyncInFlight = false;
    });
  }
}
