/** Seeded generators of request streams for the protocol fuzz tests: valid, then mutated. */
import { pick } from '../helpers/diff.js';

export type Rng = () => number;

export function int(r: Rng, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

/** Random bytes as a latin1 string, biased towards protocol-significant characters. */
export function bytes(r: Rng, n: number): string {
  const special = ['\r', '\n', '\0', ' ', '"', "'", '\\', '*', '$', '\t', '\v', 'x'];
  let s = '';
  for (let i = 0; i < n; i++) {
    const k = r();
    if (k < 0.15) s += pick(r, special);
    else if (k < 0.6) s += String.fromCharCode(int(r, 0x61, 0x7a));
    else s += String.fromCharCode(int(r, 0, 255));
  }
  return s;
}

/** An argument: mostly short text, sometimes binary, empty, or (rarely) bigger than 32 KB. */
export function arg(r: Rng, allowBig: boolean): string {
  const k = r();
  if (k < 0.5) return pick(r, ['a', 'hello', 'key:1', 'PING', 'x y', '']);
  if (k < 0.9) return bytes(r, int(r, 0, 20));
  if (k < 0.97 || !allowBig) return 'v'.repeat(int(r, 100, 3000));
  return 'B'.repeat(int(r, 32768, 70000));
}

export function multibulk(argv: string[]): string {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${a.length}\r\n${a}\r\n`;
  return s;
}

/** Commands whose replies depend only on their arguments (safe to run on two servers). */
export function statelessCommand(r: Rng, allowBig: boolean): string[] {
  const k = r();
  if (k < 0.35) return r() < 0.5 ? ['PING'] : ['PING', arg(r, allowBig)];
  if (k < 0.7) return ['ECHO', arg(r, allowBig)];
  if (k < 0.8) return ['echo', arg(r, false), arg(r, false)]; // arity error
  // Unknown commands echo their arguments back in the error text.
  const n = int(r, 0, 4);
  const argv = [pick(r, ['NOSUCH', 'x', bytes(r, int(r, 1, 8))])];
  for (let i = 0; i < n; i++) argv.push(arg(r, false));
  return argv;
}

/** An inline form of argv when one exists with plain words; null otherwise. */
export function inline(argv: string[]): string | null {
  if (argv.some((a) => a === '' || /[\s"'\0\\]/.test(a) || /[^\x20-\x7e]/.test(a))) return null;
  // Keep clear of the 64 KB inline limit, where Redis's outcome depends on its read sizes.
  if (argv.join(' ').length > 60000) return null;
  const first = argv[0].toLowerCase();
  if (first === 'post' || first === 'host:' || argv[0].startsWith('*')) return null;
  return argv.join(' ') + (argv.length % 2 ? '\r\n' : '\n');
}

/** A stream of valid requests and the commands it encodes. */
export function validStream(
  r: Rng,
  n: number,
  allowBig: boolean,
): { data: string; argvs: string[][] } {
  let data = '';
  const argvs: string[][] = [];
  for (let i = 0; i < n; i++) {
    const argv = statelessCommand(r, allowBig);
    const line = r() < 0.25 ? inline(argv) : null;
    data += line ?? multibulk(argv);
    argvs.push(argv);
  }
  return { data, argvs };
}

/** Small, targeted damage: the kinds of broken input a parser must survive. */
export function mutate(r: Rng, data: string, live = false): string {
  const at = () => int(r, 0, data.length);
  const cut = (i: number, del: number, ins: string) => data.slice(0, i) + ins + data.slice(i + del);
  const times = int(r, 1, 3);
  for (let t = 0; t < times; t++) {
    const k = int(r, 0, 11);
    const i = at();
    switch (k) {
      case 0: // flip a byte
        data = cut(i, 1, String.fromCharCode(int(r, 0, 255)));
        break;
      case 1: // drop bytes (often a CR or LF)
        data = cut(i, int(r, 1, 3), '');
        break;
      case 2: // truncate
        data = data.slice(0, i);
        break;
      case 3: // a huge or out-of-range multibulk count
        data = cut(
          i,
          0,
          `*${pick(r, ['99999999999', '2147483648', '2147483647', '-1', '-0', '01', '+3', '', '9223372036854775808', '-9223372036854775809', '1000000'])}\r\n`,
        );
        break;
      case 4: // a bad bulk length
        data = cut(
          i,
          0,
          `$${pick(r, ['-5', '-1', 'abc', '', '536870913', '99999999999999999999', '1 '])}\r\n`,
        );
        break;
      case 5: // inline garbage, quotes included
        data = cut(
          i,
          0,
          pick(r, [
            '"unbalanced\r\n',
            "ECHO 'a\\'b'\r\n",
            'ECHO "\\x41\\x4g"\r\n',
            'ECHO "a"b\r\n',
            '  \t\r\n',
            'PING \v x\r\n',
            bytes(r, int(r, 1, 30)) + '\n',
          ]),
        );
        break;
      case 6: // a NUL where a line end is looked for
        data = cut(i, 0, '\0');
        break;
      case 7: // a CR without LF, or LF without CR
        data = cut(i, 0, pick(r, ['\r', '\n', '\r\r', '\n\r']));
        break;
      case 8: {
        // A long line (the 64 KB limits). Redis checks them after each read(2), and how much
        // it reads depends on its buffer's history, so a long line that does end somewhere has
        // no fixed outcome; live servers get long lines only at the end of the stream.
        const long =
          pick(r, ['*', '$', 'a', '*1\r\n$']) + 'z'.repeat(pick(r, [1000, 65000, 70000, 100000]));
        data = live ? data.slice(0, i) + long : cut(i, 0, long);
        break;
      }
      case 9: // a bulk length that does not match its payload
        data = cut(i, 0, `*2\r\n$4\r\nECHO\r\n$${int(r, 0, 8)}\r\nabc\r\n`);
        break;
      case 10: // duplicate a slice of the stream
        data = cut(i, 0, data.slice(at(), at()));
        break;
      default: // a stray '*' or '$' at a line start
        data = cut(i, 0, pick(r, ['*', '$', '*\r\n', '$\r\n']));
    }
  }
  return data;
}

/** Splits data into random chunks (sizes 1 .. max) to feed a streaming parser. */
export function chunks(r: Rng, data: Buffer, max: number): Buffer[] {
  const out: Buffer[] = [];
  for (let p = 0; p < data.length;) {
    const n = int(r, 1, max);
    out.push(data.subarray(p, p + n));
    p += n;
  }
  return out;
}
