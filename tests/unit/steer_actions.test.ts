// retry and "merge again" change the relay in one write, and refuse what makes no sense.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeAgain, retryBuilders } from '../../steer/actions.js';
import { tempDir } from './helpers.js';

function project(state: Record<string, unknown>): string {
  const dir = tempDir();
  mkdirSync(join(dir, '.argo-project', 'logs'), { recursive: true });
  writeFileSync(join(dir, '.argo-project', 'state.json'), JSON.stringify({ project_name: 'p', phase: 'merge_build', action_owner: 'user', action_needed: 'review_merge', last_update: 'T0', ...state }));
  return dir;
}
const read = (dir: string) => JSON.parse(readFileSync(join(dir, '.argo-project', 'state.json'), 'utf8'));

const builders = [
  { id: 'a', status: 'completed', exit_code: 0 },
  { id: 'b', status: 'failed', exit_code: 3, failure: 'timeout', pid: '12', completed: 'T' },
  { id: 'c', status: 'failed', exit_code: 1 },
];

describe('retryBuilders', () => {
  it('named failed builders go back to pending, the rest is kept, spawn_builders to code', async () => {
    const dir = project({ execution: { builders } });
    expect(await retryBuilders(dir, ['b'])).toEqual(['b']);
    const s = read(dir);
    expect(s.execution.builders).toEqual([builders[0], { id: 'b', status: 'pending', exit_code: null, failure: null, pid: null, completed: null }, builders[2]]);
    expect([s.phase, s.action_needed, s.action_owner]).toEqual(['execution', 'spawn_builders', 'code']);
    expect(s.last_update).not.toBe('T0');
    expect(readFileSync(join(dir, '.argo-project', 'logs', 'workflow.log'), 'utf8')).toMatch(/\[RETRY\] Retrying builders: b\n$/);
  });

  it('no ids: every failed builder', async () => {
    const dir = project({ execution: { builders } });
    expect(await retryBuilders(dir, [])).toEqual(['b', 'c']);
  });

  it.each([
    [['a'], /builder 'a' has not failed \(status: completed\)/],
    [['zz'], /no builder 'zz' \(builders: a, b, c\)/],
  ])('refuses %o and changes nothing', async (ids, why) => {
    const dir = project({ execution: { builders } });
    const before = readFileSync(join(dir, '.argo-project', 'state.json'), 'utf8');
    await expect(retryBuilders(dir, ids)).rejects.toThrow(why);
    expect(readFileSync(join(dir, '.argo-project', 'state.json'), 'utf8')).toBe(before);
  });

  it('nothing has run yet', async () => {
    await expect(retryBuilders(project({ execution: null }), [])).rejects.toThrow(/no builders in .*state.json/);
  });
});

describe('mergeAgain', () => {
  it('merge_branches to code in one write', async () => {
    const dir = project({ action_owner: 'ci', action_needed: 'resolve_conflicts', merge_conflicts: ['b'], execution: { builders } });
    await mergeAgain(dir);
    const s = read(dir);
    expect([s.phase, s.action_needed, s.action_owner]).toEqual(['merge_build', 'merge_branches', 'code']);
    expect(s.merge_conflicts).toEqual(['b']); // merge_build decides what is left
  });

  it('refuses when nothing was built', async () => {
    await expect(mergeAgain(project({ execution: null }))).rejects.toThrow(/nothing to merge/);
  });
});
