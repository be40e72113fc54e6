/**
 * The memory of a deleted big value comes back by itself: its blocks are outside V8's count
 * (src/util/offheap.ts), and the server tells V8 of them once they grew past its limit and
 * allocation paused. No MEMORY PURGE here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEYSHARD_BIN, freePort, launch, tempDir } from '../helpers/procs.js';
import { NODE_FLAGS } from '../../src/server/node-flags.js';
import { RawConn, encodeCommand } from '../helpers/raw.js';

test('used_memory falls back after the DEL of an 80 MB hash, without MEMORY PURGE', async () => {
  const port = await freePort();
  // V8's memory reducer also collects once a process goes quiet (after some seconds): off
  // here, so only the server's own word to V8 can free the hash.
  const node = [...NODE_FLAGS, '--no-memory-reducer', KEYSHARD_BIN];
  const args = [...node, '--port', String(port), '--bind', '127.0.0.1', '--save', ''];
  const srv = await launch(process.execPath, args, port, tempDir(), /Ready to accept/);
  try {
    const c = await RawConn.open(srv.port);
    const used = async (): Promise<number> =>
      Number(/used_memory:(\d+)/.exec(await c.call('INFO', 'memory'))![1]);
    const before = await used();
    const value = 'v'.repeat(1000);
    const hset = (k: number): string[] => {
      const args = ['HSET', 'big'];
      for (let i = 0; i < 1000; i++) args.push(`f:${k}:${i}`, value);
      return args;
    };
    const commands = 80;
    for (let k = 0; k < commands - 1; k++) assert.equal(await c.call(...hset(k)), ':1000\r\n');
    // The last write and the DEL in one go: the blocks die before allocation has paused.
    c.write(Buffer.concat([encodeCommand(hset(commands - 1)), encodeCommand(['DEL', 'big'])]));
    assert.equal(await c.readReply(), ':1000\r\n');
    assert.equal(await c.readReply(), ':1\r\n');
    const deleted = (await used()) - before;
    assert.ok(deleted > 80_000_000, `the deleted hash still counts ${deleted} bytes`);
    let now = deleted;
    for (let i = 0; i < 50 && now > 20_000_000; i++) {
      await new Promise((r) => setTimeout(r, 100));
      now = (await used()) - before;
    }
    assert.ok(now < 20_000_000, `${now} bytes above the start 5 s after the DEL`);
    c.close();
  } finally {
    await srv.stop();
  }
});
