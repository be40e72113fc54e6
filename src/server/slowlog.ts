/**
 * The slow log: commands that took at least slowlog-log-slower-than microseconds (negative
 * disables, 0 logs everything), newest first, at most slowlog-max-len entries. Fed from the
 * dispatcher's call observers, so commands run by EXEC are logged one by one and EXEC itself
 * (skip_slowlog) is not.
 */
import type { Client } from './client.js';
import type { Server } from './server.js';
import { redactedArgv } from './redact.js';

export interface SlowlogEntry {
  id: number;
  /** Unix time in seconds when the command ran. */
  time: number;
  usec: number;
  argv: string[];
  addr: string;
  name: string;
}

/** Redis keeps at most 32 arguments and 128 bytes of each. */
const MAX_ARGC = 32;
const MAX_ARG_LEN = 128;

function trimArgv(argv: string[]): string[] {
  const n = Math.min(argv.length, MAX_ARGC);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i === MAX_ARGC - 1 && argv.length > MAX_ARGC) {
      out.push(`... (${argv.length - MAX_ARGC + 1} more arguments)`);
      break;
    }
    const a = argv[i];
    out.push(
      a.length > MAX_ARG_LEN
        ? `${a.slice(0, MAX_ARG_LEN)}... (${a.length - MAX_ARG_LEN} more bytes)`
        : a,
    );
  }
  return out;
}

export class Slowlog {
  /** Newest first. */
  entries: SlowlogEntry[] = [];
  private nextId = 0;

  constructor(private readonly server: Server) {}

  get threshold(): number {
    return this.server.config.get('slowlog-log-slower-than');
  }

  get maxLen(): number {
    return this.server.config.get('slowlog-max-len');
  }

  /** Adds an entry; the caller checked the threshold. */
  record(c: Client, argv: string[], usec: number): void {
    this.entries.unshift({
      id: this.nextId++,
      time: Math.floor(Date.now() / 1000),
      usec,
      argv: trimArgv(argv),
      addr: c.addr,
      name: c.name,
    });
    const max = this.maxLen;
    if (this.entries.length > max) this.entries.length = Math.max(0, max);
  }

  reset(): void {
    this.entries = [];
  }
}

const logs = new WeakMap<Server, Slowlog>();

/** Attaches a slow log to `s`: at construction, so every command is observed. */
export function installSlowlog(s: Server): Slowlog {
  const log = new Slowlog(s);
  logs.set(s, log);
  let threshold = log.threshold;
  s.config.onChange('slowlog-log-slower-than', (v) => (threshold = v));
  s.callObservers.push((c, def, argv, usec) => {
    if (threshold < 0 || usec < threshold) return;
    if (def.flags.has('skip_slowlog') || (def.parent?.flags.has('skip_slowlog') ?? false)) return;
    log.record(c, redactedArgv(def, argv), usec);
  });
  return log;
}

export function slowlogOf(s: Server): Slowlog {
  return logs.get(s) ?? installSlowlog(s);
}
