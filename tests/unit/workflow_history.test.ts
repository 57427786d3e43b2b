// A new start moves the previous workflow's records to .argo-project/history/.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromPlain, toPlain } from '../../core/json_doc.js';
import { initStateFile, initialState, mutateState, projectStatePaths } from '../../store/state.js';
import { archivePreviousWorkflow, historyDir, previousWorkflow } from '../../store/history.js';
import { tempDir } from './helpers.js';

describe('previousWorkflow', () => {
  it('a fresh project has nothing to keep', () => {
    expect(previousWorkflow(toPlain(initialState('p')) as Record<string, unknown>, 'T')).toBeNull();
  });
  it('a used one: its query, where it stood, design, builders, merge, conflicts and last error', () => {
    const s = { user_query: 'q', phase: 'storage', execution: { builders: [{ id: 'a' }] }, merge: { merged: ['a'] }, merge_conflicts: ['b'], design: null, error_recovery: { last_error: 'x' } };
    expect(previousWorkflow(s, 'T')).toEqual({ archived: 'T', user_query: 'q', phase: 'storage', design: null, execution: s.execution, merge: s.merge, merge_conflicts: ['b'], error_recovery: s.error_recovery });
  });
});

describe('archivePreviousWorkflow', () => {
  it('writes the history file, then resets the state members (the rest untouched)', async () => {
    const dir = tempDir();
    await initStateFile('p', dir);
    const paths = projectStatePaths(dir, {});
    const builders = [{ id: 'a', status: 'completed', usage: { cost_usd: 1 } }];
    await mutateState(paths, (d) => {
      d.set('execution', fromPlain({ builders }));
      d.set('merge', fromPlain({ merged: ['a'] }));
      d.set('merge_conflicts', fromPlain([]));
      d.set('user_query', 'old');
    });
    const file = await archivePreviousWorkflow(dir, paths);
    expect(file).toMatch(/history\/workflow-\d{8}T\d{6}Z\.json$/);
    expect(JSON.parse(readFileSync(file!, 'utf8'))).toMatchObject({ user_query: 'old', execution: { builders }, merge: { merged: ['a'] } });
    const state = JSON.parse(readFileSync(paths.stateFile, 'utf8'));
    expect(state).toMatchObject({ design: null, execution: null, merge: null, user_query: 'old', error_recovery: { last_error: null, retry_count: 0, recovery_action: null } });
    expect('merge_conflicts' in state).toBe(false);
    expect(state.limits).toEqual({ max_parallel_builders: 10, max_builder_retries: 5, max_workflow_hours: 48, checkpoint_retention_days: 30 });
    // nothing more to keep: no second file
    expect(await archivePreviousWorkflow(dir, paths)).toBeNull();
    expect(readdirSync(historyDir(dir))).toHaveLength(1);
  });
});

describe('a review workflow (workflow.kind "review", issue 22)', () => {
  it('its reviews are archived with it and removed from the state, so the next workflow does not show them', async () => {
    const dir = tempDir();
    await initStateFile('p', dir);
    const paths = projectStatePaths(dir, {});
    const reviews = { range: 'main..feature', reviewers: [{ id: 'r1', findings: 2 }] };
    await mutateState(paths, (d) => void d.set('reviews', fromPlain(reviews)));
    const file = await archivePreviousWorkflow(dir, paths);
    expect(JSON.parse(readFileSync(file!, 'utf8'))).toMatchObject({ reviews });
    expect('reviews' in JSON.parse(readFileSync(paths.stateFile, 'utf8'))).toBe(false);
  });
  it("so are a bugfix run's evidence and a best-of-n run's candidates", async () => {
    const dir = tempDir();
    await initStateFile('p', dir);
    const paths = projectStatePaths(dir, {});
    const bugfix = { red: { passed: false }, green: { passed: true } };
    const bestOfN = { winner: 'candidate-2', candidates: [{ id: 'candidate-1' }, { id: 'candidate-2' }] };
    await mutateState(paths, (d) => {
      d.set('bugfix', fromPlain(bugfix));
      d.set('best_of_n', fromPlain(bestOfN));
    });
    const file = await archivePreviousWorkflow(dir, paths);
    expect(JSON.parse(readFileSync(file!, 'utf8'))).toMatchObject({ bugfix, best_of_n: bestOfN });
    const after = JSON.parse(readFileSync(paths.stateFile, 'utf8'));
    expect('bugfix' in after || 'best_of_n' in after).toBe(false);
  });
});
