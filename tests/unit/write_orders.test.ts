// COMPAT §2.6's hand-off orders, written down once (store/write_orders.ts): the table says
// the original's orders, and writeInOrder makes one update_state call per entry, in order.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WRITE_ORDERS, writeInOrder } from '../../store/write_orders.js';
import { projectStatePaths } from '../../store/state.js';
import { tempDir } from './helpers.js';

describe('WRITE_ORDERS: the orders of COMPAT §2.6', () => {
  it.each([
    ['start', WRITE_ORDERS.start('q'), 'user_query=q phase=init action_owner=code action_needed=design_program'],
    ['designed', WRITE_ORDERS.designed(), 'phase=design action_owner=ci action_needed=approve_design'],
    ['builders_ready', WRITE_ORDERS.builders_ready(), 'phase=execution action_needed=spawn_builders'],
    ['builders_done', WRITE_ORDERS.builders_done(), 'phase=merge_build execution.status=completed action_needed=merge_branches'],
    ['conflicts', WRITE_ORDERS.conflicts(), 'action_needed=resolve_conflicts action_owner=ci'],
    ['merged', WRITE_ORDERS.merged(), 'phase=storage action_owner=user action_needed=none'],
    ['nothing_to_merge', WRITE_ORDERS.nothing_to_merge(), 'phase=storage action_owner=user'],
  ])('%s', (_name, writes, expected) => {
    expect(writes.map(([k, v]) => `${k}=${v}`).join(' ')).toBe(expected);
  });

  it('writeInOrder: one update_state per entry, in order: a failing write stops the ones after it', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, '.argo-project'), { recursive: true });
    const file = join(dir, '.argo-project', 'state.json');
    writeFileSync(file, JSON.stringify({ project_name: 'p', phase: 'init', action_owner: 'ci', action_needed: 'x', execution: 'not an object', last_update: 'T' }, null, 2) + '\n');
    const state = () => JSON.parse(readFileSync(file, 'utf8'));
    // execution.status cannot be set inside a string: the phase is written, the action is not.
    await expect(writeInOrder(projectStatePaths(dir), WRITE_ORDERS.builders_done())).rejects.toThrow();
    expect([state().phase, state().action_needed]).toEqual(['merge_build', 'x']);
    expect(state().last_update).not.toBe('T');
    await writeInOrder(projectStatePaths(dir), WRITE_ORDERS.merged());
    expect([state().phase, state().action_owner, state().action_needed]).toEqual(['storage', 'user', 'none']);
  });
});
