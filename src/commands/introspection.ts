/**
 * COMMAND and its subcommands: the command table as clients see it. Entries come from the same
 * CommandDef data the dispatcher uses, so only commands that have a handler are listed. COMMAND
 * DOCS come from command-docs.json: the structural part of redis-server 7.0.15's COMMAND DOCS
 * (since, group, flags, arguments). Redis's prose (summaries, complexity, history, key-spec
 * notes) is not reproduced: the docs map may be reduced, and clients read only the structure.
 */
import { createRequire } from 'node:module';
import type { Client } from '../server/client.js';
import type { Reply } from '../resp/reply.js';
import type { CommandDef, Handler, KeySpecJson } from './table.js';
import { getKeys, KeySpecError, sortKeys } from './keys-spec.js';
import { globMatch } from '../util/glob.js';
import { lookupCommand } from '../server/dispatcher.js';

interface ArgDoc {
  name: string;
  type: string;
  key_spec_index?: number;
  token?: string;
  since?: string;
  deprecated_since?: string;
  flags?: string[];
  arguments?: ArgDoc[];
}

interface CommandDoc {
  since?: string;
  group?: string;
  doc_flags?: string[];
  deprecated_since?: string;
  arguments?: ArgDoc[];
  subcommands?: Record<string, CommandDoc>;
}

interface DocsFile {
  docs: Record<string, CommandDoc>;
}

const require = createRequire(import.meta.url);
const DOCS = require('./command-docs.json') as DocsFile;

// --- COMMAND INFO entries ----------------------------------------------------------------------

function writeSpecMap(r: Reply, spec: Record<string, number | string> | []): void {
  const entries = Array.isArray(spec) ? [] : Object.entries(spec);
  r.map(entries.length);
  for (const [k, v] of entries) {
    r.bulk(k);
    if (typeof v === 'number') r.integer(v);
    else r.bulk(v);
  }
}

function writeKeySpec(r: Reply, ks: KeySpecJson): void {
  r.map(3);
  r.bulk('flags');
  r.set(ks.flags.length);
  for (const f of ks.flags) r.simple(f);
  r.bulk('begin_search');
  r.map(2);
  r.bulk('type');
  r.bulk(ks.begin_search.type);
  r.bulk('spec');
  writeSpecMap(r, ks.begin_search.spec);
  r.bulk('find_keys');
  r.map(2);
  r.bulk('type');
  r.bulk(ks.find_keys.type);
  r.bulk('spec');
  writeSpecMap(r, ks.find_keys.spec);
}

/** One 10-element COMMAND INFO entry (subcommands nested, only those with handlers). */
function writeCommandInfo(r: Reply, def: CommandDef): void {
  const j = def.json;
  r.array(10);
  r.bulk(j.name);
  r.integer(j.arity);
  r.set(j.flags.length);
  for (const f of j.flags) r.simple(f);
  r.integer(j.first_key);
  r.integer(j.last_key);
  r.integer(j.step);
  r.set(j.acl_categories.length);
  for (const cat of j.acl_categories) r.simple(cat);
  r.set(j.tips.length);
  for (const t of j.tips) r.bulk(t);
  r.set(j.key_specs.length);
  for (const ks of j.key_specs) writeKeySpec(r, ks);
  // A set in RESP3 (Redis's addReplyCommandSubCommands), an array in RESP2.
  r.set(def.subcommands.size);
  for (const sub of def.subcommands.values()) writeCommandInfo(r, sub);
}

/**
 * Finds `name` or `container|sub` (case-insensitive, by the names clients call them) among the
 * commands that have handlers.
 */
export function findByFullName(c: Client, name: string): CommandDef | undefined {
  const lower = name.toLowerCase();
  const bar = lower.indexOf('|');
  if (bar < 0) return c.server.table.commands.get(lower);
  const parent = c.server.table.commands.get(lower.slice(0, bar));
  return parent?.subcommands.get(lower.slice(bar + 1));
}

// --- COMMAND DOCS --------------------------------------------------------------------------------

/** One field of a docs map, typed as redis-cli expects (it asserts the types). */
function writeDocField(r: Reply, k: string, v: unknown): void {
  r.bulk(k);
  if (k === 'key_spec_index') r.integer(v as number);
  else if (k === 'flags' || k === 'doc_flags') {
    const flags = v as string[];
    r.set(flags.length);
    for (const f of flags) r.simple(f);
  } else if (k === 'arguments') {
    const args = v as ArgDoc[];
    r.array(args.length);
    for (const a of args) writeArgDoc(r, a);
  } else r.bulk(v as string);
}

function writeArgDoc(r: Reply, a: ArgDoc): void {
  const fields = Object.entries(a);
  r.map(fields.length);
  for (const [k, v] of fields) writeDocField(r, k, v);
}

function writeCommandDoc(r: Reply, def: CommandDef): void {
  const doc =
    DOCS.docs[def.name] ??
    (def.parent ? DOCS.docs[def.parent.name]?.subcommands?.[def.name] : undefined) ??
    {};
  const fields = Object.entries(doc).filter(([k]) => k !== 'subcommands');
  const hasSubs = def.subcommands.size > 0;
  r.map(fields.length + (hasSubs ? 1 : 0));
  for (const [k, v] of fields) writeDocField(r, k, v);
  if (hasSubs) {
    r.bulk('subcommands');
    r.map(def.subcommands.size);
    for (const sub of def.subcommands.values()) {
      r.bulk(sub.name);
      writeCommandDoc(r, sub);
    }
  }
}

// --- COMMAND GETKEYS -------------------------------------------------------------------------

/** Whether at least one key spec names real keys (channels of SPUBLISH are not keys). */
function hasKeys(def: CommandDef): boolean {
  return def.json.key_specs.some((ks) => !ks.flags.includes('not_key'));
}

function specsAreComplete(def: CommandDef): boolean {
  return def.json.key_specs.every(
    (ks) => ks.begin_search.type !== 'unknown' && ks.find_keys.type !== 'unknown',
  );
}

interface FoundKey {
  pos: number;
  flags: string[];
}

/**
 * Flags of a key whose access depends on the arguments (specs flagged variable_flags): SET
 * reads the old value only with GET; BITFIELD writes only with SET or INCRBY.
 */
function variableFlags(cmd: string, argv: string[]): string[] {
  // SET's options start after the value, BITFIELD's operations after the key.
  const args = argv.slice(cmd === 'set' ? 3 : 2).map((a) => a.toLowerCase());
  if (cmd === 'set') return args.includes('get') ? ['RW', 'access', 'update'] : ['OW', 'update'];
  const writes = args.some((a) => a === 'set' || a === 'incrby');
  return writes ? ['RW', 'access', 'update'] : ['RO', 'access'];
}

/** Keys of `argv` (argv[0] is the command) with their spec flags, or null when invalid. */
function commandKeys(def: CommandDef, argv: string[]): FoundKey[] | null {
  const top = def.parent ?? def;
  if (!specsAreComplete(def)) {
    if (top.name !== 'sort' && top.name !== 'sort_ro') return null;
    // SORT's STORE target cannot be described by key specs: Redis walks the options itself.
    const keys = top.name === 'sort_ro' ? [{ pos: 1, write: false }] : sortKeys(argv);
    return keys.map((k) => ({ pos: k.pos, flags: k.write ? ['OW', 'update'] : ['RO', 'access'] }));
  }
  const out: FoundKey[] = [];
  // One spec at a time, in spec order (as getKeys walks them), to know each key's flags.
  for (const ks of def.json.key_specs) {
    if (ks.flags.includes('not_key')) continue;
    const flags = ks.flags.includes('variable_flags')
      ? variableFlags(top.name, argv)
      : ks.flags.filter((f) => f !== 'incomplete');
    try {
      for (const ref of getKeys({ json: { key_specs: [ks] } } as CommandDef, argv)) {
        out.push({ pos: ref.pos, flags });
      }
    } catch (e) {
      if (e instanceof KeySpecError) return null;
      throw e;
    }
  }
  return out;
}

function getKeysCommand(c: Client, argv: string[], withFlags: boolean): void {
  const target = argv.slice(2);
  const def = lookupTarget(c, target);
  if (!def) {
    c.reply.err('Invalid command specified');
    return;
  }
  if (!hasKeys(def)) {
    c.reply.err('The command has no key arguments');
    return;
  }
  const argc = target.length;
  if ((def.arity > 0 && def.arity !== argc) || argc < -def.arity) {
    c.reply.err('Invalid number of arguments specified for command');
    return;
  }
  const keys = commandKeys(def, target);
  if (!keys || keys.length === 0) {
    if (def.flags.has('no_mandatory_keys')) c.reply.array(0);
    else c.reply.err('Invalid arguments specified for command');
    return;
  }
  c.reply.array(keys.length);
  for (const k of keys) {
    if (!withFlags) {
      c.reply.bulk(target[k.pos]);
      continue;
    }
    c.reply.array(2);
    c.reply.bulk(target[k.pos]);
    c.reply.set(k.flags.length);
    for (const f of k.flags) c.reply.simple(f);
  }
}

/**
 * The command a GETKEYS argument list names, resolved as the dispatcher resolves a command line
 * (after rename-command; a container to its subcommand).
 */
function lookupTarget(c: Client, target: string[]): CommandDef | undefined {
  const def = lookupCommand(c.server, target);
  return typeof def === 'string' ? undefined : def;
}

// --- COMMAND LIST ----------------------------------------------------------------------------

type ListFilter = (def: CommandDef) => boolean;

function listFilter(c: Client, argv: string[]): ListFilter | null | 'error' {
  if (argv.length === 2) return null;
  if (argv.length !== 5 || argv[2].toLowerCase() !== 'filterby') return 'error';
  const kind = argv[3].toLowerCase();
  const value = argv[4];
  if (kind === 'module') return () => false; // no modules can be loaded
  if (kind === 'aclcat') {
    const cat = `@${value.toLowerCase()}`;
    return (def) => def.json.acl_categories.includes(cat);
  }
  if (kind === 'pattern') return (def) => globMatch(value, def.name, true);
  void c;
  return 'error';
}

const HELP = [
  'COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
  'HELP',
  '    Prints this help.',
];

/** Redis's reply for a subcommand given the wrong arguments (addReplySubcommandSyntaxError). */
export function subcommandSyntaxError(c: Client, argv: string[]): void {
  c.reply.err(
    `unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`,
  );
}

/** A HELP reply: an array of status lines, as Redis's addReplyHelp. */
export function replyHelp(c: Client, lines: readonly string[]): void {
  c.reply.array(lines.length);
  for (const l of lines) c.reply.simple(l);
}

function allCommands(c: Client): void {
  const cmds = c.server.table.commands;
  c.reply.array(cmds.size);
  for (const def of cmds.values()) writeCommandInfo(c.reply, def);
}

export const introspectionCommands: Record<string, Handler> = {
  command(c) {
    allCommands(c);
  },

  'command|count'(c) {
    c.reply.integer(c.server.table.commands.size);
  },

  'command|info'(c, argv) {
    if (argv.length === 2) {
      allCommands(c);
      return;
    }
    c.reply.array(argv.length - 2);
    for (const name of argv.slice(2)) {
      const def = findByFullName(c, name);
      if (def) writeCommandInfo(c.reply, def);
      else c.reply.nil();
    }
  },

  'command|docs'(c, argv) {
    const defs: CommandDef[] = [];
    if (argv.length === 2) defs.push(...c.server.table.commands.values());
    else {
      for (const name of argv.slice(2)) {
        const def = findByFullName(c, name);
        if (def) defs.push(def);
      }
    }
    c.reply.map(defs.length);
    for (const def of defs) {
      c.reply.bulk(def.name);
      writeCommandDoc(c.reply, def);
    }
  },

  'command|list'(c, argv) {
    const filter = listFilter(c, argv);
    if (filter === 'error') {
      c.reply.err('syntax error');
      return;
    }
    const names: string[] = [];
    for (const def of c.server.table.all()) if (!filter || filter(def)) names.push(def.name);
    c.reply.bulkArray(names);
  },

  'command|getkeys'(c, argv) {
    getKeysCommand(c, argv, false);
  },

  'command|getkeysandflags'(c, argv) {
    getKeysCommand(c, argv, true);
  },

  'command|help'(c) {
    replyHelp(c, HELP);
  },
};
