import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configuredPoolSize, threadPoolWarning } from '../../src/server/thread-pool.js';

test('the pool size is read from the command line and NODE_OPTIONS, the command line last', () => {
  assert.equal(configuredPoolSize([], ''), null);
  assert.equal(configuredPoolSize(['--v8-pool-size=0'], ''), 0);
  assert.equal(configuredPoolSize(['--v8-pool-size', '3'], ''), 3);
  assert.equal(configuredPoolSize([], ' --max-old-space-size=100  --v8-pool-size=2 '), 2);
  assert.equal(configuredPoolSize(['--v8-pool-size=1'], '--v8-pool-size=6'), 1);
  assert.equal(configuredPoolSize(['--v8-pool-size=x'], ''), null);
  assert.equal(configuredPoolSize(['--v8-pool-size'], ''), null);
});

test('a pool with more threads than spare CPUs is warned about, naming the flag', () => {
  // Node's default of 4 threads.
  assert.match(
    threadPoolWarning(2, [], '')!,
    /has 4 threads on a machine with 2 CPUs.*--v8-pool-size=0/,
  );
  assert.match(threadPoolWarning(4, [], '')!, /has 4 threads on a machine with 4 CPUs/);
  assert.equal(threadPoolWarning(5, [], ''), null);
  // 0 sizes the pool to the machine, whatever it is.
  for (const cpus of [1, 2, 3, 8, 64])
    assert.equal(threadPoolWarning(cpus, ['--v8-pool-size=0'], ''), null);
  assert.equal(threadPoolWarning(2, ['--v8-pool-size=1'], ''), null);
  assert.match(threadPoolWarning(2, ['--v8-pool-size=2'], '')!, /has 2 threads/);
  assert.equal(threadPoolWarning(1, [], '--v8-pool-size=1'), null);
});
