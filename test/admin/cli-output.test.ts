import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  KEYSHARD_CLI,
  hasRedisServer,
  redisServerOrSkip,
  startRedis,
  type ServerProc,
} from '../helpers/procs.js';
import { runOnTty } from './tty.js';

let rs: ServerProc | null = null;
before(async () => {
  if (hasRedisServer()) rs = await startRedis({ args: ['--save', ''] });
});
after(async () => {
  await rs?.stop();
});

function run(cmd: string, args: string[], input?: string): { out: string; err: string } {
  const r = spawnSync(cmd, args, { input, encoding: 'latin1', timeout: 10000 });
  return { out: r.stdout, err: r.stderr };
}

/** Replies of every shape: status, error, integer, bulk with escapes, nil, arrays, maps, sets. */
const COMMANDS: string[][] = [
  ['PING'],
  ['SET', 's', 'a"b\\c\n\x01\xff'],
  ['GET', 's'],
  ['GET', 'nokey'],
  ['INCR', 'n'],
  ['RPUSH', 'l', ...'abcdefghijkl'.split('')],
  ['LRANGE', 'l', '0', '-1'],
  ['LRANGE', 'nokey', '0', '-1'],
  ['HSET', 'h', 'f1', 'v1', 'f2', 'v2'],
  ['HGETALL', 'h'],
  ['HGETALL', 'nokey'],
  ['SADD', 'set', 'x'],
  ['SMEMBERS', 'set'],
  ['SMEMBERS', 'nokey'],
  ['ZADD', 'z', '1.5', 'm'],
  ['ZSCORE', 'z', 'm'],
  ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
  ['NOSUCHCOMMAND'],
  ['COMMAND', 'INFO', 'get'],
  ['CONFIG', 'GET', 'maxmemory*'],
];

/** redis-cli's quoting for one argument of a piped script. */
function quote(a: string): string {
  let out = '"';
  for (const ch of a) {
    const code = ch.charCodeAt(0);
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (code < 0x20 || code > 0x7e) out += '\\x' + code.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

test('replies print byte for byte like redis-cli (raw, tty-style, RESP2, RESP3)', (t) => {
  if (!redisServerOrSkip(t) || !rs) return;
  const base = ['-p', String(rs.port)];
  // One-shot mode for a few commands (argv path), piped mode for the whole list.
  for (const c of [['GET', 's'], ['NOSUCHCOMMAND'], ['SET', 's', 'a\xff']]) {
    for (const mode of [[], ['--no-raw']]) {
      const theirs = run('redis-cli', [...base, ...mode, ...c]).out;
      assert.equal(run(process.execPath, [KEYSHARD_CLI, ...base, ...mode, ...c]).out, theirs);
    }
  }
  const script = ['FLUSHALL', ...COMMANDS.map((c) => c.map(quote).join(' '))].join('\n') + '\n';
  for (const mode of [[], ['--no-raw'], ['--raw']])
    for (const proto of [[], ['-3']]) {
      const args = [...base, ...mode, ...proto];
      const theirs = run('redis-cli', args, script).out;
      const ours = run(process.execPath, [KEYSHARD_CLI, ...args], script).out;
      assert.equal(ours, theirs, `${mode.join(' ')} ${proto.join(' ')}`);
    }
});

test('commands piped on stdin print like redis-cli', (t) => {
  if (!redisServerOrSkip(t) || !rs) return;
  const base = ['-p', String(rs.port)];
  const script = 'FLUSHALL\nSET a "x y"\nGET a\nLRANGE nokey 0 -1\nbad command\n';
  const theirs = run('redis-cli', base, script).out;
  const ours = run(process.execPath, [KEYSHARD_CLI, ...base], script).out;
  assert.equal(ours, theirs);
});

test('a refused connection prints redis-cli error text on stderr', async (t) => {
  if (!redisServerOrSkip(t)) return;
  const r = run(process.execPath, [KEYSHARD_CLI, '-p', '1', 'PING']);
  assert.equal(r.err, 'Could not connect to Redis at 127.0.0.1:1: Connection refused\n');
});

test('the interactive prompt shows host:port[db]> and formats replies for a terminal', (t) => {
  if (!redisServerOrSkip(t) || !rs) return;
  const out = runOnTty(['-p', String(rs.port)], 'set a 1\n2 incr n\nselect 2\nping\nquit\n');
  if (out === null) return t.skip('no script(1) for a pseudo-terminal');
  assert.ok(out.includes(`127.0.0.1:${rs.port}> `), out);
  assert.ok(out.includes(`127.0.0.1:${rs.port}[2]> `), out);
  assert.match(out, /\(integer\) 1\r\n/);
  assert.match(out, /\(integer\) 2\r\n/);
  assert.match(out, /PONG\r\n/);
});
