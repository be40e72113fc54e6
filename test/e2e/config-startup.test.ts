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
import { KEYSHARD_BIN, redisServerOrSkip, tempDir } from '../helpers/procs.js';

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
