/**
 * ACL, read-only part: keyshard has only the `default` user (password from requirepass), so
 * WHOAMI, USERS, LIST and CAT answer from that and from the command table's categories.
 */
import { createHash } from 'node:crypto';
import type { Handler } from './table.js';
import { replyHelp, subcommandSyntaxError } from './introspection.js';

/** Redis's ACL categories, in the order ACL CAT lists them. */
const CATEGORIES = [
  'keyspace',
  'read',
  'write',
  'set',
  'sortedset',
  'list',
  'hash',
  'string',
  'bitmap',
  'hyperloglog',
  'geo',
  'stream',
  'pubsub',
  'admin',
  'fast',
  'slow',
  'blocking',
  'dangerous',
  'connection',
  'transaction',
  'scripting',
];

const HELP = [
  'ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CAT [<category>]',
  '    List all commands that belong to <category>, or all command categories',
  '    when no category is specified.',
  'DELUSER <username> [<username> ...]',
  '    Delete a list of users.',
  'DRYRUN <username> <command> [<arg> ...]',
  '    Returns whether the user can execute the given command without executing the command.',
  'GETUSER <username>',
  "    Get the user's details.",
  'GENPASS [<bits>]',
  '    Generate a secure 256-bit user password. The optional `bits` argument can',
  '    be used to specify a different size.',
  'LIST',
  '    Show users details in config file format.',
  'LOAD',
  '    Reload users from the ACL file.',
  'LOG [<count> | RESET]',
  '    Show the ACL log entries.',
  'SAVE',
  '    Save the current config to the ACL file.',
  'SETUSER <username> <attribute> [<attribute> ...]',
  '    Create or modify a user with the specified attributes.',
  'USERS',
  '    List all the registered usernames.',
  'WHOAMI',
  '    Return the current connection username.',
  'HELP',
  '    Prints this help.',
];

export const aclCommands: Record<string, Handler> = {
  'acl|whoami'(c) {
    c.reply.bulk(c.user);
  },

  'acl|users'(c) {
    c.reply.bulkArray(['default']);
  },

  'acl|list'(c) {
    const pass = c.server.config.get('requirepass');
    const auth =
      pass === '' ? 'nopass' : `#${createHash('sha256').update(pass, 'latin1').digest('hex')}`;
    c.reply.bulkArray([`user default on ${auth} ~* &* +@all`]);
  },

  'acl|cat'(c, argv) {
    if (argv.length > 3) {
      subcommandSyntaxError(c, argv);
      return;
    }
    if (argv.length === 2) {
      c.reply.bulkArray(CATEGORIES);
      return;
    }
    const cat = argv[2].toLowerCase();
    if (!CATEGORIES.includes(cat)) {
      c.reply.err(`Unknown category '${argv[2]}'`);
      return;
    }
    const names: string[] = [];
    for (const def of c.server.table.all()) {
      if (def.json.acl_categories.includes(`@${cat}`)) names.push(def.name);
    }
    c.reply.bulkArray(names);
  },

  'acl|help'(c) {
    replyHelp(c, HELP);
  },
};
