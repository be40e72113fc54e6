/**
 * Startup with a bad configuration: keyshard-server must print what redis-server 7.0.15 prints
 * (the FATAL CONFIG FILE ERROR block on stderr, or a log line on stdout) and exit with the same
 * code. Both binaries run with the same arguments in the same scratch directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import {
  KEYSHARD_BIN,
  freeClusterPort,
  redisServerOrSkip,
  startKeyshard,
  startRedis,
  tempDir,
} from '../helpers/procs.js';
import { RawConn } from '../helpers/raw.js';
import { splitAggregate } from '../helpers/diff.js';

interface Outcome {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a binary to its exit; log lines lose their `pid:C date time` prefix, which differs. */
function run(cmd: string, args: string[], cwd: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString('latin1')));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString('latin1')));
    // A configuration that wrongly starts a server is killed, and the test then fails.
    const timer = setTimeout(() => p.kill('SIGKILL'), 15000);
    p.on('close', (status) => {
      clearTimeout(timer);
      const strip = (s: string): string => s.replace(/^\d+:[CM] \d\d \w{3} \d{4} [\d:.]+ /gm, '');
      resolve({ status, stdout: strip(stdout), stderr: strip(stderr) });
    });
  });
}

const FILES: Record<string, string> = {
  'bad-port.conf': 'port 6379\nport 99999\n',
  'unbalanced.conf': 'port "1\n',
  'spaced.conf': 'port 1\n\n# c\n  hz 5  \n',
  'included.conf': 'hz 5\nhz abc\n',
  'main.conf': 'port 1\ninclude included.conf\n',
  'missing-include.conf': 'include does-not-exist.conf\n',
  'quotes.conf': 'maxmemory-policy \'allkeys-lru\' "x"\n',
  'bad-escape.conf': 'requirepass "a"b\n',
};

const CASES: string[][] = [
  ['bad-port.conf'],
  ['--port', '99999'],
  ['--port', '1', '--nosuch', '5'],
  ['--hz', 'abc'],
  ['--protected-mode', 'maybe'],
  ['--loglevel', 'loud'],
  ['--maxmemory', '12zb'],
  ['--maxmemory', '-1'],
  ['--save', '1'],
  ['--databases', '0'],
  ['--maxclients', '0'],
  ['--maxmemory-clients', '101%'],
  ['--unixsocketperm', '800'],
  ['--proc-title-template', '{x}'],
  ['--dbfilename', 'a/b'],
  ['--appendfilename', ''],
  ['--client-output-buffer-limit', 'master', '1', '1', '1'],
  ['--notify-keyspace-events', 'q'],
  ['--latency-tracking-info-percentiles', '101'],
  ['nonexistent.conf'],
  ['missing-include.conf'],
  ['--port'],
  ['--port', '1', '2'],
  ['unbalanced.conf'],
  ['bad-escape.conf'],
  ['quotes.conf'],
  ['spaced.conf', '--port', '2', '--hz', 'x'],
  ['main.conf'],
  ['--logfile', '/nonexistent/dir/x.log'],
  ['--cluster-enabled', 'yes', '--replicaof', '127.0.0.1', '5'],
  ['--replicaof', '127.0.0.1', '99999'],
  ['--include'],
  ['--list-max-ziplist-entries', '1', '2'],
  ['--user'],
  ['--dir', '/nonexistent'],
  ['--shutdown-on-sigint', 'save', 'nosave'],
  ['--oom-score-adj-values', '1', '2'],
  ['--bind', ...Array.from({ length: 17 }, (_, i) => `127.0.0.${i + 1}`)],
  ['--some.module-option', '1', '--port', 'x'],
  ['-h'],
  ['--help'],
  ['--rename-command', 'nosuchcmd', 'x'],
  ['--rename-command', 'get', 'SET'],
  ['--rename-command', 'get', '', '--rename-command', 'get', 'x'],
  ['--rename-command', 'get'],
];

test('bad configurations fail like redis-server: same text, same stream, exit code 1', async (t) => {
  if (!redisServerOrSkip(t)) return;
  const dir = tempDir('keyshard-config-');
  for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);
  // A few cases at a time: each is two short-lived processes.
  for (let i = 0; i < CASES.length; i += 6) {
    await Promise.all(
      CASES.slice(i, i + 6).map(async (args) => {
        const [redis, ks] = await Promise.all([
          run('redis-server', args, dir),
          run(process.execPath, [KEYSHARD_BIN, ...args], dir),
        ]);
        const what = JSON.stringify(args);
        assert.equal(redis.status, 1, `redis-server should refuse ${what}`);
        assert.equal(ks.stderr, redis.stderr, `stderr for ${what}`);
        assert.equal(ks.stdout, redis.stdout, `stdout for ${what}`);
        assert.equal(ks.status, redis.status, `exit code for ${what}`);
      }),
    );
  }
});

test('the report names the config file by its absolute path', async () => {
  const dir = tempDir('keyshard-config-');
  const r = await run(process.execPath, [KEYSHARD_BIN, 'none.conf'], dir);
  assert.equal(
    r.stdout,
    `# Fatal error, can't open config file '${join(dir, 'none.conf')}': No such file or directory\n`,
  );
  assert.equal(r.status, 1);
});

/** A valid file exercising the syntax: quotes, escapes, case, units, aliases, repeats. */
const VALID = `# comment
\t  # indented comment
MAXMEMORY 10MB
maxmemory-policy "allkeys-lru"
Slave-Read-Only No
hash-max-ziplist-entries 64
zset-max-ziplist-value 1kb
lua-time-limit 100
save 900 1
save 300 10
requirepass ""
masterauth 'it\\'s'
masteruser "a\\x41\\tb"
client-output-buffer-limit slave 1gb 512mb 120 pubsub 0 0 0
notify-keyspace-events KEA
oom-score-adj-values 10 20 30
latency-tracking-info-percentiles 90 99.99
maxmemory-clients 3%
shutdown-on-sigterm nosave force
list-max-ziplist-entries 7
list-max-ziplist-value 8
proc-title-template "{title} {port}"
hz 1000
timeout 5
timeout 6
unixsocketperm 700
`;

test('a valid file loads to the same configuration as in redis-server', async (t) => {
  if (!redisServerOrSkip(t)) return;
  const configs: Map<string, string>[] = [];
  for (const start of [startRedis, startKeyshard]) {
    const dir = tempDir('keyshard-config-');
    writeFileSync(join(dir, 'redis.conf'), VALID);
    // startRedis passes --save '' itself; one quoted value of a multi-argument option splits.
    const args = ['--save', '', '--save', '60 5'];
    const srv = await start({ configFile: join(dir, 'redis.conf'), args });
    try {
      const c = await RawConn.open(srv.port);
      const items = splitAggregate(await c.call('CONFIG', 'GET', '*'))!.items;
      c.close();
      const m = new Map<string, string>();
      for (let i = 0; i < items.length; i += 2) {
        m.set(items[i].split('\r\n')[1], items[i + 1].split('\r\n')[1]);
      }
      m.delete('port');
      m.delete('dir');
      configs.push(m);
    } finally {
      await srv.stop();
    }
  }
  assert.deepEqual(configs[1], configs[0]);
  assert.equal(configs[1].get('save'), '60 5');
});

test('rename-command: clients and COMMAND use the new names, replies show the original ones', async (t) => {
  if (!redisServerOrSkip(t)) return;
  const script: string[][] = [
    ['GET', 'x'],
    ['CONFIG', 'GET', 'hz'],
    ['MyConfig', 'GET', 'hz'],
    ['fetch', 'x'],
    ['COMMAND', 'INFO', 'fetch', 'get', 'del'],
    ['COMMAND', 'GETKEYS', 'myconfig', 'GET', 'hz'],
    ['COMMAND', 'GETKEYS', 'get', 'x'],
    ['COMMAND', 'GETKEYS', 'FETCH', 'x'],
    ['COMMAND', 'DOCS', 'flushall'],
    ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'get'],
    ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'flush*'],
    ['FLUSHALL'],
  ];
  const replies: string[][] = [];
  for (const start of [startRedis, startKeyshard]) {
    const dir = tempDir('keyshard-config-');
    writeFileSync(
      join(dir, 'redis.conf'),
      'rename-command config MYCONFIG\nrename-command get fetch\nrename-command flushall ""\n',
    );
    const srv = await start({ configFile: join(dir, 'redis.conf') });
    try {
      const c = await RawConn.open(srv.port);
      const out: string[] = [];
      for (const cmd of script) out.push(await c.call(...cmd));
      c.close();
      replies.push(out);
    } finally {
      await srv.stop();
    }
  }
  assert.deepEqual(replies[1], replies[0]);
  assert.equal(replies[1][2], '*2\r\n$2\r\nhz\r\n$2\r\n10\r\n');
});

test('a port already taken: the same warning and exit as redis-server, for clients and the cluster bus', async (t) => {
  if (!redisServerOrSkip(t)) return;
  const dir = tempDir('keyshard-config-');
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as AddressInfo).port;
  // The second case takes the bus port of a free client port.
  const busOnly = await freeClusterPort();
  const busTaken = createServer();
  await new Promise<void>((resolve) => busTaken.listen(busOnly + 10000, '127.0.0.1', resolve));
  const warnings = (out: string): string[] =>
    out.split('\n').filter((l) => /Could not create server|Failed listening/.test(l));
  try {
    for (const args of [
      ['--port', String(port), '--bind', '127.0.0.1', '--save', ''],
      ['--port', String(busOnly), '--bind', '127.0.0.1', '--save', '', '--cluster-enabled', 'yes'],
    ]) {
      const redis = await run('redis-server', args, dir);
      const ks = await run(process.execPath, [KEYSHARD_BIN, ...args], dir);
      assert.equal(redis.status, 1);
      assert.equal(warnings(redis.stdout).length, 2, redis.stdout);
      assert.deepEqual(warnings(ks.stdout), warnings(redis.stdout));
      assert.equal(ks.status, 1);
    }
  } finally {
    taken.close();
    busTaken.close();
  }
});
