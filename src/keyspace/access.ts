/**
 * Last-access bookkeeping behind OBJECT IDLETIME and OBJECT FREQ (Redis keeps both in the 24 LRU
 * bits of every object).
 *
 * Keeping a timestamp for every key costs about 29 bytes per key in a JS Map (measured: 85 ->
 * 115 bytes per small string key), a third more memory, for a feature few deployments read. So a
 * database starts tracking only when first asked (OBJECT IDLETIME / FREQ on it), and from then on
 * every access and write through Db records its time. A key never touched since tracking began
 * reports the time since the server started (its last access is unknown but not earlier than
 * that), the same answer Redis gives for keys loaded at startup and not read since.
 *
 * Times are whole seconds since `base`, small integers that V8 stores unboxed. The LFU counter
 * follows Redis's scheme: an 8-bit logarithmic counter (LFU_INIT_VAL 5 for new keys) that grows
 * with probability 1/((counter-5)*lfu-log-factor+1) per access and decays by one every
 * lfu-decay-time minutes without access.
 */

const LFU_INIT_VAL = 5;

export interface LfuParams {
  logFactor: number;
  decayMinutes: number;
}

export class AccessTracker {
  /** key -> seconds since `base` of the last access. */
  private readonly times = new Map<string, number>();
  /** key -> (minutes since `base` << 8) | counter; only once OBJECT FREQ has been used. */
  private lfu: Map<string, number> | null = null;
  private lfuParams: LfuParams = { logFactor: 10, decayMinutes: 1 };

  /**
   * @param base ms timestamp before which no access can have happened (server start)
   * @param now clock in ms
   */
  constructor(
    private readonly base: number,
    private readonly now: () => number,
  ) {}

  private seconds(): number {
    return Math.floor((this.now() - this.base) / 1000);
  }

  private minutes(): number {
    return Math.floor((this.now() - this.base) / 60000);
  }

  /** Records an access (read or write) to `key`; `created` when the key was just added. */
  touch(key: string, created = false): void {
    this.times.set(key, this.seconds());
    const lfu = this.lfu;
    if (lfu === null) return;
    let counter = LFU_INIT_VAL;
    if (!created) {
      const packed = lfu.get(key);
      counter = this.logIncr(packed === undefined ? LFU_INIT_VAL : this.decayed(packed));
    }
    lfu.set(key, (this.minutes() << 8) | counter);
  }

  forget(key: string): void {
    this.times.delete(key);
    this.lfu?.delete(key);
  }

  /** Idle time of `key` in whole seconds (Redis reports OBJECT IDLETIME in seconds). */
  idleSeconds(key: string): number {
    return this.seconds() - (this.times.get(key) ?? 0);
  }

  /** Starts LFU counting (idempotent) with the current configuration. */
  enableLfu(params: LfuParams): void {
    this.lfuParams = params;
    if (this.lfu === null) this.lfu = new Map();
  }

  /** The decayed LFU counter of `key` (OBJECT FREQ), without counting an access. */
  frequency(key: string): number {
    const packed = this.lfu?.get(key);
    return packed === undefined ? LFU_INIT_VAL : this.decayed(packed);
  }

  private decayed(packed: number): number {
    const counter = packed & 0xff;
    const d = this.lfuParams.decayMinutes;
    if (d <= 0) return counter;
    const periods = Math.floor((this.minutes() - (packed >>> 8)) / d);
    return periods >= counter ? 0 : counter - periods;
  }

  private logIncr(counter: number): number {
    if (counter >= 255) return 255;
    const base = Math.max(0, counter - LFU_INIT_VAL);
    const p = 1 / (base * this.lfuParams.logFactor + 1);
    return Math.random() < p ? counter + 1 : counter;
  }
}
