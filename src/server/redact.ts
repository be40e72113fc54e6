/**
 * Secrets never reach MONITOR or the slow log: Redis replaces passwords in the arguments of
 * AUTH, HELLO ... AUTH, MIGRATE ... AUTH/AUTH2 and CONFIG SET of requirepass/masterauth with
 * "(redacted)" before showing a command.
 */
import type { CommandDef } from '../commands/table.js';

const REDACTED = '(redacted)';
const SENSITIVE_CONFIGS = new Set(['requirepass', 'masterauth']);

/** The arguments as MONITOR and SLOWLOG show them. */
export function redactedArgv(def: CommandDef, argv: string[]): string[] {
  const hide: number[] = [];
  const opt = (i: number): string => argv[i].toLowerCase();
  switch (def.name) {
    case 'auth':
      for (let i = 1; i < argv.length; i++) hide.push(i);
      break;
    case 'hello':
      for (let i = 2; i < argv.length;) {
        if (opt(i) === 'auth' && i + 2 < argv.length) {
          hide.push(i + 1, i + 2);
          i += 3;
        } else if (opt(i) === 'setname' && i + 1 < argv.length) i += 2;
        else break;
      }
      break;
    case 'migrate':
      for (let i = 6; i < argv.length; i++) {
        const o = opt(i);
        if (o === 'copy' || o === 'replace') continue;
        if (o === 'auth' && i + 1 < argv.length) hide.push(++i);
        else if (o === 'auth2' && i + 2 < argv.length) {
          hide.push(i + 1, i + 2);
          i += 2;
        } else break;
      }
      break;
    case 'config|set':
      for (let i = 2; i + 1 < argv.length; i += 2) {
        if (SENSITIVE_CONFIGS.has(opt(i))) hide.push(i + 1);
      }
      break;
    default:
      return argv;
  }
  if (hide.length === 0) return argv;
  const out = [...argv];
  for (const i of hide) out[i] = REDACTED;
  return out;
}
