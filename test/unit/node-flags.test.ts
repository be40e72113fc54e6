import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configuredFlag, nodeFlagWarnings } from '../../src/server/node-flags.js';

const POOL = '--v8-pool-size';
const OLD = '--initial-old-space-size';
const FULL = ['--v8-pool-size=0', '--initial-old-space-size=64'];

test('a flag is read from the command line and NODE_OPTIONS, the command line last', () => {
  assert.equal(configuredFlag(POOL, [], ''), null);
  assert.equal(configuredFlag(POOL, ['--v8-pool-size=0'], ''), 0);
  assert.equal(configuredFlag(POOL, ['--v8-pool-size', '3'], ''), 3);
  assert.equal(configuredFlag(POOL, [], ' --max-old-space-size=100  --v8-pool-size=2 '), 2);
  assert.equal(configuredFlag(POOL, ['--v8-pool-size=1'], '--v8-pool-size=6'), 1);
  assert.equal(configuredFlag(POOL, ['--v8-pool-size=x'], ''), null);
  assert.equal(configuredFlag(POOL, ['--v8-pool-size'], ''), null);
  assert.equal(configuredFlag(POOL, ['--v8-pool-size='], ''), null);
  // V8 takes underscores for dashes; a longer flag with the same start is another flag.
  assert.equal(configuredFlag(OLD, ['--initial_old_space_size=128'], ''), 128);
  assert.equal(configuredFlag(OLD, ['--initial-old-space-size-x=128'], ''), null);
});

test('a pool with more threads than spare CPUs is warned about, naming the flags', () => {
  const pool = (cpus: number, argv: string[], env = '') =>
    nodeFlagWarnings(cpus, [...argv, '--initial-old-space-size=64'], env);
  // Node's default of 4 threads.
  assert.deepEqual(pool(2, []).length, 1);
  assert.match(
    pool(2, [])[0],
    /has 4 threads on a machine with 2 CPUs.*'node --v8-pool-size=0 --initial-old-space-size=64'/,
  );
  assert.match(pool(4, [])[0], /has 4 threads on a machine with 4 CPUs/);
  assert.deepEqual(pool(5, []), []);
  // 0 sizes the pool to the machine, whatever it is.
  for (const cpus of [1, 2, 3, 8, 64]) assert.deepEqual(pool(cpus, ['--v8-pool-size=0']), []);
  assert.deepEqual(pool(2, ['--v8-pool-size=1']), []);
  assert.match(pool(2, ['--v8-pool-size=2'])[0], /has 2 threads/);
  assert.deepEqual(pool(1, [], '--v8-pool-size=1'), []);
});

test('an old generation started below 64 MB is warned about, naming the flags', () => {
  const old = (argv: string[], env = '') => nodeFlagWarnings(2, ['--v8-pool-size=0', ...argv], env);
  assert.deepEqual(nodeFlagWarnings(2, FULL, ''), []);
  assert.match(
    old([])[0],
    /old generation starts at its default size.*'node --v8-pool-size=0 --initial-old-space-size=64'/,
  );
  assert.match(old(['--initial-old-space-size=32'])[0], /starts at 32 MB/);
  assert.deepEqual(old(['--initial-old-space-size=256']), []);
  assert.deepEqual(old([], '--initial-old-space-size=64'), []);
  // Both missing: both named.
  assert.equal(nodeFlagWarnings(2, [], '').length, 2);
});
