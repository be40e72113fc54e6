/**
 * MONITOR: every executed command, after it ran, as one status line per command to each
 * monitoring client: `+<sec>.<usec> [<db> <addr>] "arg" "arg"...`, arguments quoted and escaped
 * as Redis's sdscatrepr. Admin commands and those flagged skip_monitor are not shown.
 */
import { performance } from 'node:perf_hooks';
import type { Client } from './client.js';
import type { Server } from './server.js';
import { redactedArgv } from './redact.js';

/** Quotes a byte string the way Redis's sdscatrepr does. */
function repr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    const code = s.charCodeAt(i);
    if (ch === '\\' || ch === '"') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code === 7) out += '\\a';
    else if (code === 8) out += '\\b';
    else if (code >= 0x20 && code <= 0x7e) out += ch;
    else out += `\\x${code.toString(16).padStart(2, '0')}`;
  }
  return `${out}"`;
}

function wallClockUsec(): string {
  const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  return `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;
}

function origin(c: Client): string {
  if (c.socket === null && c.kind !== 'master') return 'lua';
  return c.addr;
}

/** Feeds MONITOR clients from the dispatcher's call observers (once, at construction). */
export function installMonitorFeed(s: Server): void {
  s.callObservers.push((c, def, argv) => {
    // Nothing is shown while loading the dataset (AOF replay), as in Redis.
    if (s.monitors.size === 0 || s.loading) return;
    const top = def.parent ?? def;
    if (def.admin || top.admin || def.flags.has('skip_monitor') || top.flags.has('skip_monitor')) {
      return;
    }
    const args = redactedArgv(def, argv).map(repr).join(' ');
    const line = `+${wallClockUsec()} [${c.db.id} ${origin(c)}] ${args}\r\n`;
    for (const m of s.monitors) {
      if (m.closed) continue;
      m.reply.raw(line);
      s.scheduleFlush(m);
    }
  });
}
