/** Moving slots between masters (§2.5) and planning which slots move (§5 step 6). */
import { type ClusterNode, ManagerError } from './node.js';
import { error, out, warn } from './log.js';
import type { Auth } from './node.js';

export interface MoveOptions {
  timeout: number;
  pipeline: number;
  replace: boolean;
  auth: Auth;
  /** Print the "Moving slot" line and a dot per key. */
  verbose: boolean;
}

/** Migrates every key of `slot` from source to target in batches of MIGRATE ... KEYS. */
async function migrateKeys(
  source: ClusterNode,
  target: ClusterNode,
  slot: number,
  o: MoveOptions,
  onKeys: (n: number) => void,
): Promise<void> {
  let replace = o.replace;
  for (;;) {
    const r = await source.must('CLUSTER', 'GETKEYSINSLOT', String(slot), String(o.pipeline));
    const keys = r.t === 'array' ? r.items.map((k) => (k.t === 'bulk' ? k.s : '')) : [];
    if (keys.length === 0) return;
    const argv = ['MIGRATE', target.host, String(target.port), '', '0', String(o.timeout)];
    if (replace) argv.push('REPLACE');
    if (o.auth.pass !== null) {
      if (o.auth.user) argv.push('AUTH2', o.auth.user, o.auth.pass);
      else argv.push('AUTH', o.auth.pass);
    }
    argv.push('KEYS', ...keys);
    const res = await source.call(...argv);
    if (res.t === 'error') {
      if (res.s.includes('BUSYKEY')) {
        warn('\n*** Target key exists');
        if (!replace && !(await sameValues(source, target, keys))) {
          throw new ManagerError(res.s);
        }
        warn('*** Replacing target keys...');
        replace = true;
        continue;
      }
      error(`Node ${source.addr} replied with error:\n${res.s}`);
      throw new ManagerError(res.s);
    }
    if (o.verbose) out('.'.repeat(keys.length));
    onKeys(keys.length);
  }
}

/** DEBUG DIGEST-VALUE on both nodes; prints redis-cli's report when values differ. */
async function sameValues(
  source: ClusterNode,
  target: ClusterNode,
  keys: string[],
): Promise<boolean> {
  out('*** Checking key values on both nodes...\n');
  const a = await source.call('DEBUG', 'DIGEST-VALUE', ...keys);
  const b = await target.call('DEBUG', 'DIGEST-VALUE', ...keys);
  if (a.t !== 'array' || b.t !== 'array') {
    const e = a.t === 'error' ? a : b;
    error(`Node replied with error:\n${e.t === 'error' ? e.s : 'unexpected reply'}`);
    return false;
  }
  const zero = '0'.repeat(40);
  const differ: string[] = [];
  keys.forEach((k, i) => {
    const x = a.items[i];
    const y = b.items[i];
    const dx = x?.t === 'bulk' || x?.t === 'simple' ? x.s : '';
    const dy = y?.t === 'bulk' || y?.t === 'simple' ? y.s : '';
    if (dx !== zero && dy !== zero && dx !== dy) differ.push(k);
  });
  if (differ.length === 0) return true;
  error(
    `*** Found ${differ.length} key(s) in both source node and target node having different values.`,
  );
  error(`    Source node: ${source.addr}\n    Target node: ${target.addr}\n    Keys(s):`);
  for (const k of differ) error(`    - ${k}`);
  error(
    'Please fix the above key(s) manually and try again or relaunch the command \nwith --cluster-replace option to force key overriding.',
  );
  return false;
}

export async function moveSlot(
  source: ClusterNode,
  target: ClusterNode,
  slot: number,
  masters: ClusterNode[],
  o: MoveOptions,
  onKeys: (n: number) => void = () => undefined,
): Promise<void> {
  if (o.verbose) out(`Moving slot ${slot} from ${source.addr} to ${target.addr}: `);
  await target.must('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', source.id);
  await source.must('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', target.id);
  await migrateKeys(source, target, slot, o, onKeys);
  await target.must('CLUSTER', 'SETSLOT', String(slot), 'NODE', target.id);
  const r = await source.call('CLUSTER', 'SETSLOT', String(slot), 'NODE', target.id);
  if (r.t === 'error' && !r.s.includes('Please use SETSLOT only with masters')) {
    error(`Node ${source.addr} replied with error:\n${r.s}`);
    throw new ManagerError(r.s);
  }
  for (const m of masters) {
    if (m === source || m === target || m.isReplica) continue;
    await m.must('CLUSTER', 'SETSLOT', String(slot), 'NODE', target.id);
  }
  source.slots.delete(slot);
  target.slots.add(slot);
  if (o.verbose) out('\n');
}

export interface PlannedMove {
  source: ClusterNode;
  slot: number;
}

/** §5 step 6: biggest sources first, proportional shares (first rounded up, others down). */
export function computeReshardTable(sources: ClusterNode[], count: number): PlannedMove[] {
  const sorted = [...sources].sort((a, b) => b.slots.size - a.slots.size);
  const total = sorted.reduce((t, n) => t + n.slots.size, 0);
  const plan: PlannedMove[] = [];
  sorted.forEach((n, i) => {
    const share = (count * n.slots.size) / total;
    const k = i === 0 ? Math.ceil(share) : Math.floor(share);
    const slots = [...n.slots].sort((a, b) => a - b).slice(0, k);
    for (const slot of slots) {
      if (plan.length >= count) break;
      plan.push({ source: n, slot });
    }
  });
  return plan;
}
