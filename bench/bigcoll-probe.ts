/**
 * The stall probe of bench/bigcoll.ts, run in a worker thread so the bench's own work (building
 * commands, scanning big replies) does not delay it: sends PING every 10 ms on its own
 * connection and tracks the worst round trip. Message 'take' answers with the worst latency in
 * ms since the previous 'take' (counting a PING still unanswered by its age) and resets it.
 */
import { connect } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

const { port } = workerData as { port: number };
const sent: number[] = [];
let worst = 0;

const sock = connect({ port, host: '127.0.0.1' }, () => {
  sock.setNoDelay(true);
  const timer = setInterval(() => {
    sent.push(performance.now());
    sock.write('PING\r\n');
  }, 10);
  parentPort!.on('message', (m: string) => {
    if (m === 'stop') {
      clearInterval(timer);
      sock.destroy();
      parentPort!.close();
      return;
    }
    const pending = sent.length > 0 ? performance.now() - sent[0] : 0;
    parentPort!.postMessage(Math.max(worst, pending));
    worst = 0;
  });
  parentPort!.postMessage('ready');
});

sock.on('data', (b: Buffer) => {
  const now = performance.now();
  // Every reply is `+PONG\r\n`: one LF per answered PING.
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) {
    const t = sent.shift();
    if (t !== undefined) worst = Math.max(worst, now - t);
  }
});
