// The pure decisions around agent runs: how an attempt ends a builder, which builders
// a retry runs, the workflow's deadline.
import { describe, expect, it } from 'vitest';
import { planBuilder, retryOnly } from '../../../phases/execution.js';
import { builderRecord } from '../../../store/builders.js';
import { workflowDeadline } from '../../../workflow/limits.js';
import { judgeAttempt } from '../../../agents/build.js';
import { retryPlan } from '../../../steer/retry.js';
import { fromPlain, type JsonObject } from '../../../core/json_doc.js';

const run = (code: number, extra: Partial<{ timedOut: boolean; stalled: boolean }> = {}) => ({ code, timedOut: false, stalled: false, ...extra });
const good = { ok: true, error: null };

describe('judgeAttempt', () => {
  it.each([
    ['timeout wins over everything', run(143, { timedOut: true }), good, true, true, 'timeout'],
    ['stall', run(143, { stalled: true }), good, true, true, 'stalled'],
    ['non-zero exit', run(1), good, true, true, 'agent_error'],
    ['error reported with exit 0', run(0), { ok: false, error: 'boom' }, true, true, 'agent_error'],
    ['a preset that changed nothing', run(0), good, true, false, 'no_changes'],
  ] as const)('%s', (_n, r, outcome, preset, changed, failure) => {
    expect(judgeAttempt(r, outcome, preset, () => changed)).toMatchObject({ ok: false, failure });
  });
  it('success: exit 0, no error, changes (or no preset: the original tool is not judged on changes)', () => {
    expect(judgeAttempt(run(0), good, true, () => true)).toEqual({ ok: true });
    expect(judgeAttempt(run(0), good, false, () => false)).toEqual({ ok: true });
  });
  it('carries the agent\'s own error message', () => {
    expect(judgeAttempt(run(0), { ok: false, error: 'claude reported an error (error_max_turns)' }, true, () => true)).toMatchObject({ message: 'claude reported an error (error_max_turns)' });
  });
});

const view = (id: string, status: string) => builderRecord({ id, description: 'd', status, worktree: '/w', pid: null, branch: `argo-builder-${id}` });
const dead = () => false;
const none = () => undefined;

describe('planBuilder with a retry list', () => {
  it('a failed builder not in the list is skipped; listed, pending and running ones are not', () => {
    const only = new Set(['b']);
    expect(planBuilder(view('a', 'failed'), dead, none, only)).toEqual({ kind: 'skip' });
    expect(planBuilder(view('b', 'failed'), dead, none, only)).toEqual({ kind: 'start' });
    expect(planBuilder(view('c', 'pending'), dead, none, only)).toEqual({ kind: 'start' });
    expect(planBuilder(view('a', 'failed'), dead, none, null)).toEqual({ kind: 'start' });
  });
  it('a builder waiting on a limit is planned as a wait until its recorded resume_at (an unreadable one: at once), not a fresh start', () => {
    const waiting = (resume_at: unknown) => builderRecord({ id: 'w', status: 'waiting', worktree: '/w', waiting_reason: 'rate_limit', resume_at, waits: 2 });
    expect(planBuilder(waiting('2026-12-03T15:02:00Z'), dead, none, null)).toEqual({ kind: 'wait', resumeAt: Date.parse('2026-12-03T15:02:00Z') });
    expect(planBuilder(waiting('2026-12-03T15:02:00Z'), dead, none, new Set(['other']))).toMatchObject({ kind: 'wait' });
    expect(planBuilder(waiting('soon'), dead, none, null)).toEqual({ kind: 'wait', resumeAt: 0 });
    expect(waiting('2026-12-03T15:02:00Z')).toMatchObject({ waiting_reason: 'rate_limit', resume_at: '2026-12-03T15:02:00Z', waits: 2 });
  });
  it('execution.retry_only → the set; absent → null', () => {
    expect(retryOnly({ retry_only: ['x', 3] })).toEqual(new Set(['x']));
    expect(retryOnly({})).toBeNull();
  });
});

describe('retryPlan (argo retry)', () => {
  const builders = [{ id: 'a', status: 'failed' }, { id: 'b', status: 'completed' }, { id: 'c', status: 'failed' }];
  it('no ids: every failed builder; ids: those, each of which must have failed', () => {
    expect(retryPlan(builders, [])).toEqual({ ids: ['a', 'c'] });
    expect(retryPlan(builders, ['c', 'c'])).toEqual({ ids: ['c'] });
  });
  it.each([
    [['b'], "builder 'b' has not failed (status: completed)"],
    [['zz'], "no builder 'zz' (builders: a, b, c)"],
  ])('refuses %j', (ids, error) => expect(retryPlan(builders, ids)).toEqual({ error }));
  it('nothing failed: nothing to retry', () => {
    expect(retryPlan([{ id: 'b', status: 'completed' }], [])).toEqual({ error: 'no failed builders to retry' });
  });
});

describe('workflowDeadline', () => {
  it('the design\'s creation + max_workflow_hours; none without a limit', () => {
    const doc = fromPlain({ design: { created: '2026-01-01T00:00:00Z' } }) as JsonObject;
    expect(workflowDeadline(doc, 2)).toBe(Date.parse('2026-01-01T02:00:00Z'));
    expect(workflowDeadline(doc, null)).toBeNull();
  });
});
