/**
 * The stall probe of bench/bigcoll.ts, a process of its own: sends PING every 10 ms on its own
 * connection and records each round trip. The message 'take' (over the IPC channel) answers
 * with the worst and the 99th-percentile latency in ms since the previous 'take', counting a
 * PING still unanswered by its age, and starts over; 'stop' ends the process.
 *
 * The parent starts it at real-time priority where the machine allows (`chrt -f`). On two cores
 * shared by the server, the loader and V8's helper threads, a probe of normal priority often
 * waited 2-5 ms for a CPU of its own after the server had answered, and the measure grew with
 * every extra thread the server ran rather than with the time the server kept it waiting.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The real-time priority the probe asks for (SCHED_FIFO; any level preempts normal threads). */
const RT_PRIORITY = '10';

export interface ProbeStats {
  worst: number;
  /**
   * The 99th percentile: a single wait can be the machine's (a VM's CPU taken by its host),
   * and with 40-300 PINGs a phase the worst is one sample; this one moves less between runs.
   */
  p99: number;
}

export class Probe {
  private constructor(private readonly child: ChildProcess) {}

  /** Whether this machine lets us run a process at real-time priority. */
  static realtimeAllowed(): boolean {
    const r = spawnSync('chrt', ['-f', RT_PRIORITY, 'true'], { stdio: 'ignore' });
    return r.status === 0;
  }

  static async start(port: number, realtime: boolean): Promise<Probe> {
    const self = fileURLToPath(import.meta.url);
    const argv = [process.execPath, self, String(port)];
    const [cmd, ...args] = realtime ? ['chrt', '-f', RT_PRIORITY, ...argv] : argv;
    // The IPC channel's descriptor and environment variable pass through chrt's exec.
    const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`stall probe exited (${code})`)));
    });
    child.removeAllListeners('exit');
    return new Probe(child);
  }

  /** Round trips since the previous take, in ms. */
  take(): Promise<ProbeStats> {
    return new Promise((resolve, reject) => {
      const gone = () => reject(new Error('stall probe lost its connection'));
      this.child.once('exit', gone);
      this.child.once('message', (v) => {
        this.child.off('exit', gone);
        resolve(v as ProbeStats);
      });
      this.child.send('take');
    });
  }

  async stop(): Promise<void> {
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.send('stop');
    await exited;
  }
}

function runProbe(port: number): void {
  const sent: number[] = [];
  let waits: number[] = [];
  const sock = connect({ port, host: '127.0.0.1' }, () => {
    sock.setNoDelay(true);
    const timer = setInterval(() => {
      sent.push(performance.now());
      sock.write('PING\r\n');
    }, 10);
    process.on('message', (m) => {
      if (m === 'stop') {
        clearInterval(timer);
        sock.destroy();
        process.disconnect();
        return;
      }
      if (sent.length > 0) waits.push(performance.now() - sent[0]);
      waits.sort((a, b) => a - b);
      const stats: ProbeStats = {
        worst: waits.length > 0 ? waits[waits.length - 1] : 0,
        p99:
          waits.length > 0 ? waits[Math.min(waits.length - 1, Math.floor(waits.length * 0.99))] : 0,
      };
      process.send!(stats);
      waits = [];
    });
    process.send!('ready');
  });
  sock.on('error', () => process.exit(1));
  sock.on('data', (b: Buffer) => {
    const now = performance.now();
    // Every reply is `+PONG\r\n`: one LF per answered PING.
    for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) {
      const t = sent.shift();
      if (t !== undefined) waits.push(now - t);
    }
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) runProbe(Number(process.argv[2]));
