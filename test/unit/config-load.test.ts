/**
 * Loading redis.conf and the command line, in process: quoting, units, aliases, include, the
 * order lines apply in, Redis's quirks (save, --save, hz), and the exact error reports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, ConfigError, type Config } from '../../src/config/config.js';
import { OPTIONS, lookupOption } from '../../src/config/registry.js';
import { globMatch } from '../../src/util/glob.js';
import { parseMemory } from '../../src/config/text.js';
import { tempDir } from '../helpers/procs.js';

function withFile(text: string, args: string[] = []): Config {
  const dir = tempDir('keyshard-conf-');
  const file = join(dir, 'redis.conf');
  writeFileSync(file, text, 'latin1');
  return loadConfig([file, ...args]);
}

function failure(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  assert.fail('expected a ConfigError');
}

test('defaults are redis-server 7.0.15 defaults', () => {
  const c = loadConfig([]);
  assert.equal(c.configFile, null);
  assert.equal(c.get('port'), 6379);
  assert.deepEqual(c.get('bind'), ['*', '-::*']);
  assert.equal(c.get('protected-mode'), true);
  assert.equal(c.get('maxmemory'), 0);
  assert.equal(c.get('maxmemory-policy'), 'noeviction');
  assert.equal(c.get('proto-max-bulk-len'), 536870912);
  assert.equal(c.get('client-query-buffer-limit'), 1073741824);
  assert.deepEqual(c.get('save'), [
    [3600, 1],
    [300, 100],
    [60, 10000],
  ]);
  assert.equal(c.get('client-output-buffer-limit').replica.hard, 268435456);
  assert.equal(c.get('replicaof'), null);
  assert.equal(c.get('requirepass'), '');
  assert.equal(c.get('list-max-listpack-size'), -2);
  assert.equal(c.get('shutdown-on-sigterm'), 'default');
});

test('the registry has every option once, aliases resolve to their primary', () => {
  assert.equal(OPTIONS.length, 178);
  assert.equal(new Set(OPTIONS.map((d) => d.name)).size, OPTIONS.length);
  assert.equal(lookupOption('SLAVE-READ-ONLY')?.name, 'replica-read-only');
  assert.equal(lookupOption('slaveof')?.name, 'replicaof');
  assert.equal(lookupOption('hash-max-ziplist-entries')?.name, 'hash-max-listpack-entries');
  assert.equal(lookupOption('lua-time-limit')?.name, 'busy-reply-threshold');
  assert.equal(lookupOption('nosuch'), undefined);
});

test('quoting, case, units, aliases and later lines winning', () => {
  const c = withFile(
    [
      '# comment',
      '   ',
      'PORT 7001',
      'Protected-Mode NO',
      'maxmemory 2Gb',
      'hash-max-ziplist-value 1k',
      'requirepass "p w\\x41\\"\\n"',
      "masterauth 'it\\'s'",
      'slave-read-only no',
      'loglevel WARNING',
      'tcp-keepalive 10',
      'tcp-keepalive 20',
      'client-output-buffer-limit replica 1mb 2mb 3 pubsub 0 0 0',
      'notify-keyspace-events KEA',
      'maxmemory-clients 10%',
      'list-max-ziplist-entries 5',
    ].join('\n'),
    ['--tcp-keepalive', '30', '--bind', '127.0.0.1', '::1'],
  );
  assert.equal(c.get('port'), 7001);
  assert.equal(c.get('protected-mode'), false);
  assert.equal(c.get('maxmemory'), 2 * 1024 ** 3);
  assert.equal(c.get('hash-max-listpack-value'), 1000);
  assert.equal(c.get('requirepass'), 'p wA"\n');
  assert.equal(c.get('masterauth'), "it's");
  assert.equal(c.get('replica-read-only'), false);
  assert.equal(c.get('loglevel'), 'warning');
  assert.equal(c.get('tcp-keepalive'), 30);
  assert.deepEqual(c.get('bind'), ['127.0.0.1', '::1']);
  assert.deepEqual(c.get('client-output-buffer-limit').replica, {
    hard: 1048576,
    soft: 2097152,
    softSeconds: 3,
  });
  assert.equal(c.get('client-output-buffer-limit').pubsub.hard, 0);
  assert.equal(c.get('notify-keyspace-events'), 'AKE');
  assert.equal(c.get('maxmemory-clients'), -10);
});

test('save: the first line replaces the defaults, later lines append, "" clears', () => {
  assert.deepEqual(withFile('save 900 1\nsave 300 10\n').get('save'), [
    [900, 1],
    [300, 10],
  ]);
  assert.deepEqual(withFile('save 900 1\nsave ""\nsave 300 10\n').get('save'), [[300, 10]]);
  assert.deepEqual(withFile('save 900 1\n', ['--save', '60', '5']).get('save'), [
    [900, 1],
    [60, 5],
  ]);
  assert.deepEqual(withFile('save 900 1\n', ['--save', '']).get('save'), []);
  // A bare --save (last, or followed by another option) means save "".
  assert.deepEqual(loadConfig(['--save']).get('save'), []);
  // One quoted value of a multi-argument option is split again.
  assert.deepEqual(loadConfig(['--save', '60 5 70 6']).get('save'), [
    [60, 5],
    [70, 6],
  ]);
  assert.deepEqual(loadConfig(['--bind', '127.0.0.1 -::1']).get('bind'), ['127.0.0.1', '-::1']);
  const c = loadConfig(['--save', '--port', '7002']);
  assert.deepEqual(c.get('save'), []);
  assert.equal(c.get('port'), 7002);
});

test('hz is capped to 1..500, a watchdog period to two ticks', () => {
  assert.equal(loadConfig(['--hz', '0']).get('hz'), 1);
  assert.equal(loadConfig(['--hz', '100000']).get('hz'), 500);
  assert.equal(loadConfig(['--watchdog-period', '1', '--hz', '100']).get('watchdog-period'), 20);
});

test('include reads files relative to the working directory, wildcards expand', () => {
  const dir = tempDir('keyshard-inc-');
  writeFileSync(join(dir, 'a.conf'), 'hz 11\n');
  writeFileSync(join(dir, 'b.conf'), 'hz 12\ntimeout 5\n');
  writeFileSync(
    join(dir, 'main.conf'),
    `include ${join(dir, '*.conf.d')}\ninclude ${dir}/?.conf\n`,
  );
  const c = loadConfig([join(dir, 'main.conf')]);
  assert.equal(c.get('hz'), 12);
  assert.equal(c.get('timeout'), 5);
});

test('rename-command lines are kept lowercased, user lines as written', () => {
  const c = withFile('rename-command FLUSHALL ""\nuser default on nopass ~* &* +@all\n');
  assert.deepEqual(c.renamedCommands, [['flushall', '']]);
  assert.deepEqual(c.users, [['default', 'on', 'nopass', '~*', '&*', '+@all']]);
  // The default user's password is requirepass.
  assert.equal(withFile('user default on >s3cret ~* +@all\n').get('requirepass'), 's3cret');
  assert.equal(withFile('requirepass x\nuser default on nopass\n').get('requirepass'), '');
});

test('errors are reported as redis-server reports them', () => {
  const e1 = failure(() => withFile('port 6379\nport 99999\n'));
  assert.equal(
    e1.message,
    "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'port 99999'\nargument must be between 0 and 65535 inclusive\n",
  );
  assert.equal(e1.report, 'stderr');
  assert.equal(e1.exitCode, 1);
  const e2 = failure(() => loadConfig(['--port', '1', '--maxmemory', '1zb']));
  assert.match(e2.message, /at line 3\n>>> 'maxmemory "1zb"'\nargument must be a memory value\n$/);
  const e3 = failure(() => loadConfig(['--nosuch', 'x']));
  assert.match(e3.message, /Bad directive or wrong number of arguments\n$/);
  const e4 = failure(() => loadConfig(['/nonexistent/redis.conf']));
  assert.equal(e4.report, 'log');
  assert.equal(
    e4.message,
    "Fatal error, can't open config file '/nonexistent/redis.conf': No such file or directory",
  );
  const e5 = failure(() => loadConfig(['--version']));
  assert.equal(e5.report, 'stdout');
  assert.equal(e5.exitCode, 0);
});

test('memory values and the glob matcher follow Redis', () => {
  assert.equal(parseMemory('1kb'), 1024n);
  assert.equal(parseMemory('1K'), 1000n);
  assert.equal(parseMemory('3GB'), 3n * 1024n ** 3n);
  assert.equal(parseMemory(''), 0n);
  assert.equal(parseMemory('99999999999999999999999'), (1n << 64n) - 1n);
  assert.equal(parseMemory('+5'), null);
  assert.equal(parseMemory('1.5mb'), null);
  assert.equal(parseMemory('5 '), null);
  assert.ok(globMatch('h[xz]', 'hz'));
  assert.ok(globMatch('*MAX*', 'maxmemory', true));
  assert.ok(!globMatch('*MAX*', 'maxmemory', false));
  assert.ok(globMatch('repl-?imeout', 'repl-timeout'));
  assert.ok(globMatch('[^a-c]*', 'hz'));
  assert.ok(!globMatch('[^a-z]*', 'hz'));
  assert.ok(globMatch('a\\*', 'a*'));
  assert.ok(!globMatch('a\\*', 'ab'));
});
