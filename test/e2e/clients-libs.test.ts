/**
 * Real client libraries and tools against keyshard: ioredis (RESP3 default and RESP2),
 * @redis/client (RESP3 default and RESP2) and redis-cli (plain, --no-raw, pipe mode, and the
 * interactive prompt, which loads COMMAND DOCS at start and asserts its reply types).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { createClient } from '@redis/client';
import { startKeyshard, type ServerProc } from '../helpers/procs.js';

let srv: ServerProc;

before(async () => {
  srv = await startKeyshard();
});

after(async () => {
  await srv.stop();
});

function hasRedisCli(): boolean {
  return spawnSync('redis-cli', ['--version']).status === 0;
}

function cli(args: string[], input?: string): string {
  const r = spawnSync('redis-cli', ['-p', String(srv.port), ...args], {
    input,
    timeout: 10000,
    encoding: 'latin1',
  });
  assert.equal(r.status, 0, `redis-cli ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

for (const protocol of [3, 2] as const) {
  test(`ioredis (protocol ${protocol}) connects, passes its INFO ready check and runs commands`, async () => {
    const r = new Redis({
      port: srv.port,
      host: '127.0.0.1',
      protocol,
      connectionName: `ioredis-${protocol}`,
      maxRetriesPerRequest: 1,
      lazyConnect: true,
    });
    try {
      await r.connect();
      assert.equal(r.status, 'ready');
      assert.equal(await r.set(`io${protocol}`, 'v'), 'OK');
      assert.equal(await r.get(`io${protocol}`), 'v');
      assert.equal(await r.client('GETNAME'), `ioredis-${protocol}`);
      const info = await r.info('server');
      assert.match(info, /redis_version:7\.0\.15/);
      assert.match(await r.info(), /loading:0/);
      const id = (await r.client('ID')) as number;
      const me = (await r.client('INFO')) as string;
      assert.match(me, new RegExp(`^id=${id} .* name=ioredis-${protocol} .* resp=${protocol}\\n$`));
      const time = (await r.time()) as unknown as string[];
      assert.equal(time.length, 2);
      assert.ok(Number(time[0]) > 1.6e9);
      const cmd = (await r.command('INFO', 'get')) as unknown[][];
      assert.equal(cmd[0][0], 'get');
      assert.equal(cmd[0][1], 2);
      await assert.rejects(
        r.call('CLIENT', 'SETINFO', 'LIB-NAME', 'x'),
        /unknown subcommand 'SETINFO'/,
      );
      assert.equal(await r.ping(), 'PONG');
    } finally {
      r.disconnect();
    }
  });
}

for (const RESP of [3, 2] as const) {
  test(`@redis/client (RESP${RESP}) connects and runs server and client commands`, async () => {
    const c = createClient({
      socket: { host: '127.0.0.1', port: srv.port, reconnectStrategy: false },
      RESP,
      name: `node-redis-${RESP}`,
    });
    c.on('error', () => undefined);
    await c.connect();
    try {
      assert.equal(await c.set(`nr${RESP}`, 'v'), 'OK');
      assert.equal(await c.get(`nr${RESP}`), 'v');
      assert.equal(await c.clientGetName(), `node-redis-${RESP}`);
      const id = await c.clientId();
      assert.ok(id > 0);
      const list = await c.clientList();
      assert.ok(list.some((e) => Number(e.id) === id && e.name === `node-redis-${RESP}`));
      const info = await c.info('persistence');
      assert.match(String(info), /loading:0/);
      assert.ok(Number(await c.sendCommand(['DBSIZE'])) >= 1);
      const count = await c.commandCount();
      assert.ok(count > 50);
      assert.equal(await c.ping(), 'PONG');
    } finally {
      c.destroy();
    }
  });
}

test('redis-cli: plain, --no-raw, pipe mode and piped commands', (t) => {
  if (!hasRedisCli()) {
    if (process.env.CI) throw new Error('redis-cli is required in CI');
    t.skip('redis-cli not installed');
    return;
  }
  assert.equal(cli(['SET', 'cli:k', 'hello']), 'OK\n');
  assert.equal(cli(['GET', 'cli:k']), 'hello\n');
  assert.equal(cli(['--no-raw', 'GET', 'cli:k']), '"hello"\n');
  assert.equal(cli(['--no-raw', 'CLIENT', 'GETNAME']), '(nil)\n');
  assert.match(cli(['INFO', 'server']), /^# Server\r\nredis_version:7\.0\.15\r\n/);
  assert.match(
    cli(['--no-raw', 'COMMAND', 'INFO', 'get']),
    /1\)\s+1\) "get"\n\s+2\) \(integer\) 2\n/,
  );
  const pipe = cli(['--pipe'], 'SET cli:a 1\r\nSET cli:b 2\r\nINCR cli:a\r\n');
  assert.match(pipe, /errors: 0, replies: 3/);
  assert.equal(cli(['GET', 'cli:a']), '2\n');
  // Commands read from standard input, one per line.
  assert.equal(
    cli([], 'SET cli:c 3\nGET cli:c\nCLIENT SETINFO x y\n'),
    "OK\n3\nERR unknown subcommand 'SETINFO'. Try CLIENT HELP.\n\n",
  );
});

/**
 * Runs interactive redis-cli on a pseudo-terminal. Each step types a line once the output
 * (escape sequences removed) matches what the previous step waits for, so a slow start or a
 * loaded machine only makes it slower.
 */
async function interactive(
  steps: [string, RegExp][],
): Promise<{ code: number | null; out: string }> {
  // A window size, or linenoise asks the (absent) terminal for the cursor position and waits.
  const proc = spawn(
    'script',
    ['-qec', `stty cols 200 rows 50; redis-cli -p ${srv.port}`, '/dev/null'],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let raw = '';
  const text = (): string => raw.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  proc.stdout.on('data', (b: Buffer) => (raw += b.toString('latin1')));
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => resolve(code)),
  );
  const timer = setTimeout(() => proc.kill('SIGKILL'), 30000);
  let from = 0;
  let expect = new RegExp(`127\\.0\\.0\\.1:${srv.port}> `);
  for (const [line, next] of steps) {
    for (let i = 0; i < 500 && !expect.test(text().slice(from)); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    from = text().length;
    proc.stdin.write(`${line}\r`);
    expect = next;
  }
  const code = await exited;
  clearTimeout(timer);
  return { code, out: text() };
}

test('interactive redis-cli on a pseudo-terminal loads COMMAND DOCS and shows replies', async (t) => {
  if (!hasRedisCli() || spawnSync('script', ['--version']).status !== 0) {
    if (process.env.CI) throw new Error('redis-cli and script are required in CI');
    t.skip('redis-cli or script not installed');
    return;
  }
  const { code, out } = await interactive([
    ['SET tty:k v1', /OK\r\n/],
    ['GET tty:k', /"v1"/],
    ['CLIENT ID', /\(integer\) \d+/],
    ['HELP GET', /group: string/],
    ['QUIT', /$/],
  ]);
  assert.equal(code, 0, `interactive redis-cli exited with ${code}: ${out}`);
  assert.doesNotMatch(out, /Assertion|Segmentation|Aborted/);
  assert.match(out, /OK\r\n/);
  assert.match(out, /"v1"/);
  assert.match(out, /\(integer\) \d+/);
  // HELP text comes from COMMAND DOCS: the argument syntax, since and group (keyshard does
  // not ship Redis's prose summaries).
  assert.match(out, /GET key\r\r\n/);
  assert.match(out, /since: 1\.0\.0/);
  assert.match(out, /group: string/);
});
