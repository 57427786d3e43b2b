// "merge again" changes the relay in one write, and refuses when nothing was built.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeAgain } from '../../steer/actions.js';
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
