/**
 * Log lines in Redis's format: `pid:role dd Mon yyyy hh:mm:ss.mmm <level-char> message`, where
 * role is M (master), S (replica), C (child) or X (sentinel) and the level characters are
 * `.` debug, `-` verbose, `*` notice, `#` warning.
 */
import { appendFileSync } from 'node:fs';

export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning' | 'nothing';

const LEVELS: Record<LogLevel, number> = {
  debug: 0,
  verbose: 1,
  notice: 2,
  warning: 3,
  nothing: 4,
};
const MARKS = ['.', '-', '*', '#'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

export function timestamp(d: Date): string {
  return (
    `${pad(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
  );
}

export class Logger {
  level: LogLevel = 'notice';
  /** Empty: standard output. */
  file = '';
  role: 'M' | 'S' | 'C' | 'X' = 'M';

  private write(lvl: number, msg: string): void {
    if (lvl < LEVELS[this.level]) return;
    const line = `${process.pid}:${this.role} ${timestamp(new Date())} ${MARKS[lvl]} ${msg}\n`;
    if (this.file === '') {
      process.stdout.write(line);
      return;
    }
    try {
      appendFileSync(this.file, line);
    } catch {
      // Like Redis, a log that cannot be written is silently skipped.
    }
  }

  /** A line without the prefix (the startup banner). */
  raw(text: string): void {
    if (this.file === '') process.stdout.write(text);
    else {
      try {
        appendFileSync(this.file, text);
      } catch {
        // see write()
      }
    }
  }

  debug(msg: string): void {
    this.write(0, msg);
  }
  verbose(msg: string): void {
    this.write(1, msg);
  }
  notice(msg: string): void {
    this.write(2, msg);
  }
  warning(msg: string): void {
    this.write(3, msg);
  }
}
