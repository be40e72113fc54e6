/**
 * The command table. Metadata (arity, flags, key positions, key specs, ACL categories, tips) is
 * Redis 7.0.15's own, read from command-table.json; handlers come from the family files. The
 * dispatcher, COMMAND INFO/DOCS/GETKEYS, MULTI checks, cluster routing and propagation all read
 * this one table.
 */
import { createRequire } from 'node:module';
import type { Client } from '../server/client.js';

export type Handler = (c: Client, argv: string[]) => void;

export interface KeySpecJson {
  flags: string[];
  begin_search: { type: string; spec: Record<string, number | string> | [] };
  find_keys: { type: string; spec: Record<string, number> | [] };
}

export interface CommandJson {
  name: string;
  arity: number;
  flags: string[];
  first_key: number;
  last_key: number;
  step: number;
  acl_categories: string[];
  tips: string[];
  key_specs: KeySpecJson[];
  subcommands: CommandJson[];
}

export class CommandDef {
  readonly name: string;
  readonly arity: number;
  readonly flags: ReadonlySet<string>;
  readonly write: boolean;
  readonly readonly: boolean;
  readonly denyoom: boolean;
  readonly noAuth: boolean;
  readonly noMulti: boolean;
  readonly loading: boolean;
  readonly stale: boolean;
  readonly admin: boolean;
  readonly blocking: boolean;
  readonly movableKeys: boolean;
  readonly subcommands = new Map<string, CommandDef>();
  handler: Handler | null = null;
  /** Calls, time and failures for INFO commandstats. */
  calls = 0;
  usec = 0;
  rejectedCalls = 0;
  failedCalls = 0;

  constructor(
    readonly json: CommandJson,
    readonly parent: CommandDef | null,
  ) {
    this.name = json.name;
    this.arity = json.arity;
    this.flags = new Set(json.flags);
    this.write = this.flags.has('write');
    this.readonly = this.flags.has('readonly');
    this.denyoom = this.flags.has('denyoom');
    this.noAuth = this.flags.has('no_auth');
    this.noMulti = this.flags.has('no_multi');
    this.loading = this.flags.has('loading');
    this.stale = this.flags.has('stale');
    this.admin = this.flags.has('admin');
    this.blocking = this.flags.has('blocking');
    this.movableKeys = this.flags.has('movablekeys');
  }

  get hasKeys(): boolean {
    return this.json.key_specs.length > 0;
  }
}

const require = createRequire(import.meta.url);
const TABLE_JSON = require('./command-table.json') as CommandJson[];

/** Every top-level command name of Redis 7.0 (what rename-command may name). */
export function redisCommandNames(): string[] {
  return TABLE_JSON.map((cj) => cj.name);
}

/** Names as clients spell them (any case) that lookupName has resolved, up to this many. */
const SPELLINGS_MAX = 4096;

export class CommandTable {
  /**
   * Commands by the name clients call them, after rename-command; each keeps its original
   * `name`, which COMMAND and INFO report, as in Redis.
   */
  readonly commands = new Map<string, CommandDef>();
  /** Spelling as sent -> command: skips lowercasing on the hot path. */
  private readonly spellings = new Map<string, CommandDef>();

  /**
   * Builds the table from every command that has a handler in `families`, then applies the
   * rename-command directives (already validated by the config loader; lowercase).
   */
  constructor(families: Record<string, Handler>[], renames: readonly [string, string][] = []) {
    const handlers = new Map<string, Handler>();
    for (const fam of families) {
      for (const [name, h] of Object.entries(fam)) {
        if (handlers.has(name)) throw new Error(`command ${name} registered twice`);
        handlers.set(name, h);
      }
    }
    const known = new Set<string>();
    for (const cj of TABLE_JSON) {
      const def = new CommandDef(cj, null);
      known.add(cj.name);
      for (const sj of cj.subcommands) {
        known.add(sj.name);
        const h = handlers.get(sj.name);
        if (!h) continue;
        const sub = new CommandDef(sj, def);
        sub.handler = h;
        def.subcommands.set(sj.name.slice(sj.name.indexOf('|') + 1), sub);
      }
      def.handler = handlers.get(cj.name) ?? null;
      if (def.handler || def.subcommands.size > 0) this.commands.set(cj.name, def);
    }
    for (const name of handlers.keys()) {
      if (!known.has(name)) throw new Error(`handler for unknown command ${name}`);
    }
    for (const [from, to] of renames) {
      const def = this.commands.get(from);
      this.commands.delete(from);
      if (def && to !== '') this.commands.set(to, def);
    }
  }

  /** The command named `name` in any letter case, or undefined. */
  lookupName(name: string): CommandDef | undefined {
    let def = this.spellings.get(name);
    if (def !== undefined) return def;
    def = this.commands.get(name.toLowerCase());
    // Only real commands are remembered, so garbage names cannot grow the map.
    if (def !== undefined && this.spellings.size < SPELLINGS_MAX) this.spellings.set(name, def);
    return def;
  }

  /** Every command definition including subcommands. */
  *all(): Iterable<CommandDef> {
    for (const def of this.commands.values()) {
      yield def;
      yield* def.subcommands.values();
    }
  }
}
