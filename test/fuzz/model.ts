/**
 * A reference model of how Redis 7.0 reads requests, written for clarity rather than speed and
 * independently of src/resp/parser.ts: it re-parses the pending request from its first byte on
 * every arrival instead of keeping partial state. Limits are checked against everything that has
 * arrived (so where the 64 KB limits trip depends on how the input arrived); line ends are found
 * with strchr, so a NUL byte before the line end hides it.
 */

export interface ModelResult {
  commands: string[][];
  /** The protocol error text that closed the connection, or null if it is still open. */
  error: string | null;
}

export interface ModelLimits {
  unauthenticated?: boolean;
  maxBulkLen?: number;
}

type Step =
  | { kind: 'command'; argv: string[]; next: number }
  | { kind: 'skip'; next: number }
  | { kind: 'error'; message: string }
  | { kind: 'incomplete' };

const MAX_INLINE = 65536;

/** Index of `ch` in data[from, visible), or -1 if absent or a NUL comes first. */
function strchr(data: Buffer, from: number, visible: number, ch: number): number {
  for (let i = from; i < visible; i++) {
    if (data[i] === ch) return i;
    if (data[i] === 0) return -1;
  }
  return -1;
}

/** string2ll as a regular expression plus the 64-bit range check. */
function parseLL(text: string): bigint | null {
  if (!/^(0|-?[1-9][0-9]*)$/.test(text) || text.length > 20) return null;
  const v = BigInt(text);
  if (v > 9223372036854775807n || v < -9223372036854775808n) return null;
  return v;
}

function oneRequest(
  data: Buffer,
  pos: number,
  visible: number,
  limits: ModelLimits,
  split: (line: string) => string[] | null,
): Step {
  const incomplete: Step = { kind: 'incomplete' };
  if (data[pos] !== 0x2a) {
    const nl = strchr(data, pos, visible, 0x0a);
    if (nl < 0) {
      return visible - pos > MAX_INLINE
        ? { kind: 'error', message: 'too big inline request' }
        : incomplete;
    }
    let stop = nl;
    if (stop > pos && data[stop - 1] === 0x0d) stop--;
    const argv = split(data.toString('latin1', pos, stop));
    if (argv === null) return { kind: 'error', message: 'unbalanced quotes in request' };
    return argv.length === 0
      ? { kind: 'skip', next: nl + 1 }
      : { kind: 'command', argv, next: nl + 1 };
  }
  let cr = strchr(data, pos, visible, 0x0d);
  if (cr < 0) {
    return visible - pos > MAX_INLINE
      ? { kind: 'error', message: 'too big mbulk count string' }
      : incomplete;
  }
  if (cr + 1 >= visible) return incomplete;
  const count = parseLL(data.toString('latin1', pos + 1, cr));
  if (count === null || count > 2147483647n) {
    return { kind: 'error', message: 'invalid multibulk length' };
  }
  if (count > 10n && limits.unauthenticated) {
    return { kind: 'error', message: 'unauthenticated multibulk length' };
  }
  let p = cr + 2;
  if (count <= 0n) return { kind: 'skip', next: p };
  const argv: string[] = [];
  for (let i = 0; i < Number(count); i++) {
    cr = strchr(data, p, visible, 0x0d);
    if (cr < 0) {
      return visible - p > MAX_INLINE
        ? { kind: 'error', message: 'too big bulk count string' }
        : incomplete;
    }
    if (cr + 1 >= visible) return incomplete;
    if (data[p] !== 0x24) {
      return { kind: 'error', message: `expected '$', got '${String.fromCharCode(data[p])}'` };
    }
    const len = parseLL(data.toString('latin1', p + 1, cr));
    if (len === null || len < 0n || len > BigInt(limits.maxBulkLen ?? 512 * 1024 * 1024)) {
      return { kind: 'error', message: 'invalid bulk length' };
    }
    if (limits.unauthenticated && len > 16384n) {
      return { kind: 'error', message: 'unauthenticated bulk length' };
    }
    p = cr + 2;
    const n = Number(len);
    if (p + n + 2 > visible) return incomplete;
    argv.push(data.toString('latin1', p, p + n));
    p += n + 2;
  }
  return { kind: 'command', argv, next: p };
}

/** Everything Redis would run (and the error it would close with) when `data` arrives in `pieces`. */
export function modelParse(
  data: Buffer,
  split: (line: string) => string[] | null,
  limits: ModelLimits = {},
  pieces: number[] = [data.length],
): ModelResult {
  const commands: string[][] = [];
  let pos = 0;
  let visible = 0;
  for (const piece of pieces) {
    visible += piece;
    for (;;) {
      if (pos >= visible) break;
      const step = oneRequest(data, pos, visible, limits, split);
      if (step.kind === 'error') return { commands, error: step.message };
      if (step.kind === 'incomplete') break;
      if (step.kind === 'command') commands.push(step.argv);
      pos = step.next;
    }
  }
  return { commands, error: null };
}
