/**
 * keyshard-cli's command mode: one command from the command line, commands read from a piped
 * stdin, or the interactive prompt (`127.0.0.1:6379>`), printing replies as redis-cli does and,
 * with -c, following MOVED / ASK redirections (ASKING first for ASK).
 */
import { createInterface } from 'node:readline';
import { existsSync, readFileSync, appendFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Connection } from './connection.js';
import { formatRaw, formatTTY } from './format.js';
import type { RespValue } from './resp-reader.js';
import { splitArgs } from '../resp/parser.js';

export interface SessionOptions {
  host: string;
  port: number;
  user: string | null;
  pass: string | null;
  db: number;
  cluster: boolean;
  resp3: boolean;
  /** true = raw, false = standard, null = raw unless stdout is a terminal. */
  raw: boolean | null;
}

export class Session {
  private conn: Connection | null = null;
  host: string;
  port: number;
  db: number;

  constructor(readonly opts: SessionOptions) {
    this.host = opts.host;
    this.port = opts.port;
    this.db = opts.db;
  }

  /** Connects to host:port and replays AUTH, SELECT and HELLO 3 as redis-cli does. */
  async connect(host = this.host, port = this.port): Promise<void> {
    this.conn?.close();
    this.conn = null;
    try {
      this.conn = await Connection.open(host, port);
    } catch (e) {
      throw new Error(`Could not connect to Redis at ${host}:${port}: ${describe(e as Error)}`);
    }
    this.host = host;
    this.port = port;
    const o = this.opts;
    if (o.pass !== null) {
      const r = await this.conn.call(o.user ? ['AUTH', o.user, o.pass] : ['AUTH', o.pass]);
      if (r.t === 'error') process.stderr.write(`AUTH failed: ${r.s}\n`);
    }
    if (this.db !== 0) {
      const r = await this.conn.call(['SELECT', String(this.db)]);
      if (r.t === 'error') {
        process.stderr.write(`SELECT ${this.db} failed: ${r.s}\n`);
        this.db = 0;
      }
    }
    if (o.resp3) {
      const r = await this.conn.call(['HELLO', '3']);
      if (r.t === 'error') process.stderr.write(`HELLO 3 failed: ${r.s}\n`);
    }
  }

  close(): void {
    this.conn?.close();
    this.conn = null;
  }

  /** Runs one command, following redirections in cluster mode. */
  async run(argv: string[], interactive: boolean): Promise<RespValue> {
    if (!this.conn || this.conn.closed) await this.connect();
    let asking = false;
    for (let hops = 0; ; hops++) {
      if (asking) await this.conn!.call(['ASKING']);
      const r = await this.conn!.call(argv);
      if (!this.opts.cluster || r.t !== 'error' || hops >= 16) {
        if (argv[0].toLowerCase() === 'select' && r.t !== 'error') this.db = Number(argv[1]);
        return r;
      }
      const m = /^(MOVED|ASK) (\d+) (.+):(\d+)$/.exec(r.s);
      if (!m) return r;
      asking = m[1] === 'ASK';
      if (interactive)
        process.stdout.write(`-> Redirected to slot [${m[2]}] located at ${m[3]}:${m[4]}\n`);
      await this.connect(m[3], Number(m[4]));
    }
  }

  format(r: RespValue, tty: boolean): string {
    const raw = this.opts.raw ?? !tty;
    return raw ? formatRaw(r) + '\n' : formatTTY(r);
  }

  prompt(): string {
    return `${this.host}:${this.port}${this.db !== 0 ? `[${this.db}]` : ''}> `;
  }
}

function describe(e: Error): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return 'Connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'Name or service not known';
  return e.message;
}

/** Runs the command given on the command line; the exit code follows redis-cli. */
export async function runOnce(s: Session, argv: string[]): Promise<number> {
  try {
    const r = await s.run(argv, false);
    process.stdout.write(s.format(r, process.stdout.isTTY === true), 'latin1');
    return 0;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 1;
  } finally {
    s.close();
  }
}

/** Commands from a non-terminal stdin, one per line. */
export async function runPiped(s: Session): Promise<number> {
  const text = readFileSync(0).toString('latin1');
  try {
    for (const line of text.split('\n')) {
      const argv = splitArgs(line);
      if (argv === null) {
        process.stderr.write('Invalid argument(s)\n');
        continue;
      }
      if (argv.length === 0) continue;
      const r = await s.run(argv, false);
      process.stdout.write(s.format(r, process.stdout.isTTY === true), 'latin1');
    }
    return 0;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 1;
  } finally {
    s.close();
  }
}

function historyFile(): string {
  return process.env.REDISCLI_HISTFILE ?? join(homedir(), '.rediscli_history');
}

/** The interactive prompt: line editing and history from node:readline. */
export async function runInteractive(s: Session): Promise<number> {
  let connected = true;
  try {
    await s.connect();
  } catch (e) {
    process.stdout.write(`${(e as Error).message}\n`);
    connected = false;
  }
  const histPath = historyFile();
  let history: string[] = [];
  try {
    if (existsSync(histPath))
      history = readFileSync(histPath, 'utf8').split('\n').filter(Boolean).reverse();
  } catch {
    history = [];
  }
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    history,
    historySize: 100,
  });
  const prompt = (): void => {
    rl.setPrompt(connected ? s.prompt() : 'not connected> ');
    rl.prompt();
  };
  prompt();
  for await (const line of rl) {
    const argv = splitArgs(line);
    if (argv === null) {
      process.stdout.write('Invalid argument(s)\n');
      prompt();
      continue;
    }
    if (argv.length > 0) {
      try {
        appendFileSync(histPath, line + '\n');
      } catch {
        // History is a convenience; an unwritable file does not stop the session.
      }
      const name = argv[0].toLowerCase();
      if (name === 'quit' || name === 'exit') break;
      if (name === 'clear') process.stdout.write('\x1b[H\x1b[2J');
      else if (name === 'connect' && argv.length >= 3) {
        try {
          await s.connect(argv[1], Number(argv[2]));
          connected = true;
        } catch (e) {
          process.stdout.write(`${(e as Error).message}\n`);
          connected = false;
        }
      } else await issue(s, argv);
      connected = true;
    }
    prompt();
  }
  rl.close();
  s.close();
  return 0;
}

/** One interactive command, with redis-cli's optional repeat count prefix (`3 INCR x`). */
async function issue(s: Session, argv: string[]): Promise<void> {
  let times = 1;
  if (argv.length > 1 && /^[1-9]\d*$/.test(argv[0])) {
    times = Number(argv[0]);
    argv = argv.slice(1);
  }
  for (let i = 0; i < times; i++) {
    try {
      const r = await s.run(argv, true);
      process.stdout.write(s.format(r, true), 'latin1');
    } catch (e) {
      process.stdout.write(`${(e as Error).message}\n`);
      return;
    }
  }
}
