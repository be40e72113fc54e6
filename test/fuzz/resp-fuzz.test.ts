/**
 * Protocol fuzzing. Seeded valid request streams, and the same streams damaged (bytes flipped,
 * dropped, truncated, huge counts, bad lengths, missing CRLF, NULs, inline garbage), go
 * (1) to the parser in-process, split into random chunks, where every outcome must equal the
 *     reference model (test/fuzz/model.ts) whatever the chunking, and
 * (2) to a live keyshard and a live redis-server over TCP, where the reply bytes and whether the
 *     connection was closed must be identical.
 * A failure names its seed; FUZZ_SEED=<n> replays just that one.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import {
  RequestParser,
  ProtocolError,
  splitArgs,
  type ParserLimits,
} from '../../src/resp/parser.js';
import { modelParse, type ModelResult } from './model.js';
import { chunks, int, mutate, validStream } from './gen.js';
import { rng } from '../helpers/diff.js';
import {
  hasRedisServer,
  redisServerOrSkip,
  startKeyshard,
  startRedis,
  type ServerProc,
} from '../helpers/procs.js';

const only = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : null;
const seeds = (n: number, base: number): number[] =>
  only !== null ? [only] : Array.from({ length: n }, (_, i) => base + i);

/** Feeds the chunks one by one, draining commands after each, as the server does. */
function runParser(parts: Buffer[], limits: ParserLimits): ModelResult {
  const p = new RequestParser();
  const commands: string[][] = [];
  for (const part of parts) {
    p.feed(part);
    for (let guard = 0; ; guard++) {
      assert.ok(guard < 1e6, 'parser keeps returning commands without consuming input');
      const r = p.next(limits);
      if (r === null) break;
      if (r instanceof ProtocolError) return { commands, error: r.message };
      if (r.length > 0) commands.push(r);
    }
  }
  return { commands, error: null };
}

function input(seed: number, live: boolean): { data: Buffer; argvs: string[][] | null } {
  const r = rng(seed);
  const { data, argvs } = validStream(r, int(r, 1, 20), !live && r() < 0.15);
  if (r() < 0.35) return { data: Buffer.from(data, 'latin1'), argvs };
  return { data: Buffer.from(mutate(r, data, live), 'latin1'), argvs: null };
}

test('parser: valid and damaged streams, in random pieces, give the reference outcome', () => {
  for (const seed of seeds(250, 1)) {
    const { data, argvs } = input(seed, false);
    const r = rng(seed * 7919);
    for (const unauthenticated of [false, true]) {
      const limits = { unauthenticated, maxBulkLen: 512 * 1024 * 1024 };
      if (argvs && !unauthenticated) {
        const whole = modelParse(data, splitArgs, limits);
        assert.deepEqual(whole, { commands: argvs, error: null }, `seed ${seed}: model`);
      }
      // Tiny pieces only for small inputs: the model re-scans per piece, which is quadratic.
      const sizes = data.length < 3000 ? [1, 3, 100] : data.length < 30000 ? [100] : [];
      for (const max of [...sizes, 5000, 1 << 20]) {
        const parts = chunks(r, data, max);
        const pieces = parts.map((p) => p.length);
        const expected = modelParse(data, splitArgs, limits, pieces);
        let got: ModelResult;
        try {
          got = runParser(parts, limits);
        } catch (e) {
          assert.fail(`seed ${seed} (pieces <= ${max}): parser threw ${(e as Error).stack}`);
        }
        if (JSON.stringify(got) !== JSON.stringify(expected)) {
          assert.fail(
            `seed ${seed}, pieces <= ${max}, unauthenticated ${unauthenticated}: ` +
              `got ${JSON.stringify(got).slice(0, 2000)}, expected ${JSON.stringify(expected).slice(0, 2000)}`,
          );
        }
      }
    }
  }
});

interface Outcome {
  out: string;
  closed: boolean;
}

/**
 * Sends `data` on a fresh connection and collects replies until the server closes it or stays
 * quiet for `idleMs(out)` (the caller can wait longer while it still expects more bytes).
 */
function exchange(port: number, data: Buffer, idleMs: (out: string) => number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const sock = connect({ port, host: '127.0.0.1' });
    let out = '';
    let closed = false;
    let timer: NodeJS.Timeout | null = null;
    const giveUp = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no quiet moment on port ${port} within 10 s`));
    }, 10000);
    const finish = () => {
      if (timer) clearTimeout(timer);
      clearTimeout(giveUp);
      sock.destroy();
      resolve({ out, closed });
    };
    const arm = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(finish, idleMs(out));
    };
    sock.on('connect', () => {
      sock.write(data);
      arm();
    });
    sock.on('data', (b: Buffer) => {
      out += b.toString('latin1');
      arm();
    });
    sock.on('close', () => {
      closed = true;
      finish();
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      // A reset after the server closed on a protocol error counts as closed.
      if (e.code === 'ECONNRESET' || e.code === 'EPIPE') return;
      reject(e);
    });
  });
}

/** Damage can turn an argument such as "hello" into a command: HELLO's client id differs. */
function normalize(out: string): string {
  return out.replace(/\$2\r\nid\r\n:\d+\r\n/g, '$2\r\nid\r\n:<id>\r\n');
}

let ks: ServerProc | null = null;
let redis: ServerProc | null = null;
let ksAuth: ServerProc | null = null;
let redisAuth: ServerProc | null = null;
before(async () => {
  if (!hasRedisServer() && !process.env.CI) return;
  const auth = ['--requirepass', 'fuzz-secret'];
  [ks, redis, ksAuth, redisAuth] = await Promise.all([
    startKeyshard(),
    startRedis(),
    startKeyshard({ args: auth }),
    startRedis({ args: auth }),
  ]);
});
after(async () => {
  await Promise.all([ks?.stop(), redis?.stop(), ksAuth?.stop(), redisAuth?.stop()]);
});

/**
 * Replays one input on both servers. redis-server sets the expectation; keyshard gets longer
 * while it is still short of it. `patience` scales the quiet periods, for a retry when a busy
 * machine made a server pause mid-answer.
 */
async function replay(ksPort: number, redisPort: number, data: Buffer, patience: number) {
  const b = await exchange(redisPort, data, () => 150 * patience);
  const a = await exchange(ksPort, data, (out) =>
    out.length < b.out.length ? 2000 * patience : 150 * patience,
  );
  return {
    a: { ...a, out: normalize(a.out) },
    b: { ...b, out: normalize(b.out) },
  };
}

async function compareLive(ksPort: number, redisPort: number, list: number[]): Promise<void> {
  const batch = 24;
  for (let i = 0; i < list.length; i += batch) {
    const group = list.slice(i, i + batch);
    const results = await Promise.all(
      group.map(async (seed) => {
        const { data } = input(seed, true);
        return { seed, data, ...(await replay(ksPort, redisPort, data, 1)) };
      }),
    );
    for (const r of results) {
      let { a, b } = r;
      if (a.out === b.out && a.closed === b.closed) continue;
      ({ a, b } = await replay(ksPort, redisPort, r.data, 8));
      if (a.out === b.out && a.closed === b.closed) continue;
      assert.deepEqual(
        a,
        b,
        `seed ${r.seed}: keyshard (actual) vs redis (expected) for input ${JSON.stringify(r.data.toString('latin1').slice(0, 600))}`,
      );
    }
  }
}

test('live: keyshard and redis-server answer damaged streams byte for byte alike', async (t) => {
  if (!redisServerOrSkip(t)) return;
  await compareLive(ks!.port, redis!.port, seeds(240, 100000));
});

test('live: the same before authentication (tighter limits, NOAUTH)', async (t) => {
  if (!redisServerOrSkip(t)) return;
  await compareLive(ksAuth!.port, redisAuth!.port, seeds(80, 200000));
});
