/**
 * redis-cli --cluster's output: plain lines, plus coloured log lines (only when $TERM contains
 * "xterm", as redis-cli's isColorTerm) and the standard stdin prompts.
 */
import { createInterface, type Interface } from 'node:readline';

const COLOR = (process.env.TERM ?? '').includes('xterm');

/** redis-cli wraps the whole line, newline included. */
function colored(code: string, text: string): string {
  return COLOR ? `\x1b[${code}${text}\x1b[0m` : text;
}

export const out = (s: string): void => void process.stdout.write(s);
export const info = (s: string): void => out(colored('29;1m', s + '\n'));
export const warn = (s: string): void => out(colored('33;1m', s + '\n'));
export const error = (s: string): void => out(colored('31;1m', s + '\n'));
export const success = (s: string): void => out(colored('32;1m', s + '\n'));

/** Lines of stdin, read on demand (prompts of reshard, create, fix). */
let rl: Interface | null = null;
const lines: string[] = [];
const waiters: ((l: string | null) => void)[] = [];
let ended = false;

function reader(): void {
  if (rl) return;
  rl = createInterface({ input: process.stdin, terminal: false });
  rl.on('line', (l) => {
    const w = waiters.shift();
    if (w) w(l);
    else lines.push(l);
  });
  rl.on('close', () => {
    ended = true;
    for (const w of waiters.splice(0)) w(null);
  });
}

/** Prints the question and reads one line (null at end of input). */
export function ask(question: string): Promise<string | null> {
  out(question);
  reader();
  const l = lines.shift();
  if (l !== undefined) return Promise.resolve(l);
  if (ended) return Promise.resolve(null);
  return new Promise((resolve) => waiters.push(resolve));
}

export function closeInput(): void {
  rl?.close();
  rl = null;
}

/** redis-cli's confirmWithYes: only "yes" accepts. */
export async function confirmWithYes(msg: string, yes: boolean): Promise<boolean> {
  if (yes) return true;
  const answer = await ask(`${msg} (type 'yes' to accept): `);
  return answer?.trim() === 'yes';
}
