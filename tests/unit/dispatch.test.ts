import { describe, expect, it } from 'vitest';
import { FRESH_BOOK, UNCHANGED_RERUN_MS, decide, handlerCandidates, holdBack, maxRetries, relayOf, retryDelayMs, retryLeft, retryReduce, type RetryBook, type RetryEvent } from '../../workflow/dispatch.js';
import { extractComponents, validateComponents } from '../../workflow/components.js';
import { planBuilder } from '../../phases/execution.js';
import { builderRecord } from '../../store/builders.js';
import { gitignoreAddition } from '../../templates/project_setup.js';

const relay = (phase: string, owner: string, needed: unknown) => relayOf({ phase, action_owner: owner, action_needed: needed });

describe('decide', () => {
  it('stops at storage whoever owns the action', () => {
    expect(decide(relay('storage', 'code', 'x'))).toEqual({ kind: 'stop' });
    expect(decide(relay('storage', 'user', 'none'))).toEqual({ kind: 'stop' });
  });
  it('waits unless code owns the next action', () => {
    for (const owner of ['ci', 'user', '', 'CODE']) expect(decide(relay('design', owner, 'design_build'))).toEqual({ kind: 'wait' });
  });
  it('prefers action_needed, falls back to the phase when it is empty, null or "null"', () => {
    expect(decide(relay('init', 'code', 'design_program'))).toEqual({ kind: 'run', name: 'design_program' });
    for (const empty of [null, '', 'null', undefined]) expect(decide(relay('execution', 'code', empty))).toEqual({ kind: 'run', name: 'execution' });
  });
  it('refuses names that could leave phases/ (D4)', () => {
    for (const bad of ['../../x/y', 'a/b', 'a.b', 'x y', '$(rm)']) expect(decide(relay('init', 'code', bad))).toEqual({ kind: 'refuse', name: bad });
  });
});

describe('handler lookup and retries', () => {
  it('maps the action names without a handler of their own (D2)', () => {
    expect(handlerCandidates('spawn_builders')).toEqual(['spawn_builders', 'execution']);
    expect(handlerCandidates('merge_branches')).toEqual(['merge_branches', 'merge_build']);
    expect(handlerCandidates('design_build')).toEqual(['design_build']);
  });
  it('backs off exponentially up to 30 s and reads the retry limit', () => {
    expect([0, 1, 2, 3, 6, 10].map(retryDelayMs)).toEqual([0, 1000, 2000, 4000, 30000, 30000]);
    expect(maxRetries({ limits: { max_builder_retries: 2 } })).toBe(2);
    expect(maxRetries({ limits: { max_builder_retries: 'x' } })).toBe(5);
    expect(maxRetries({})).toBe(5);
    // one precedence with every limit: config.json before state.json
    expect(maxRetries({ limits: { max_builder_retries: 2 } }, { limits: { max_builder_retries: 0 } })).toBe(0);
  });
});

describe('components', () => {
  it('finds a fenced or bare JSON list in a CI answer', () => {
    const fenced = 'Design\n```json\n[{"id": "core", "description": "c"}, {"id": "cli", "description": "d"}]\n```\n';
    expect(extractComponents(fenced)).toEqual([{ id: 'core', description: 'c' }, { id: 'cli', description: 'd' }]);
    expect(extractComponents('text [{"id":"a","description":"x"}] more')).toEqual([{ id: 'a', description: 'x' }]);
    expect(extractComponents('no list here [1, 2]')).toBeUndefined();
  });
  it('refuses ids unsafe for a branch or folder name, and repeats', () => {
    for (const id of ['../x', 'a/b', '-x', 'x.lock', 'a..b', '']) expect(() => validateComponents([{ id }], 'f')).toThrow(/invalid component id/);
    expect(() => validateComponents([{ id: 'a' }, { id: 'a' }], 'f')).toThrow(/appears twice/);
    expect(validateComponents([{ id: 'ok_1.2-x' }], 'f')).toEqual([{ id: 'ok_1.2-x', description: 'null' }]);
  });
});

describe('execution re-runs (D12)', () => {
  const b = (status: string, pid: number | null = null) => builderRecord({ id: 'a', description: '', status, worktree: '/w', pid });
  it('leaves completed builders, adopts live ones, takes results of dead ones, restarts the rest', () => {
    const alive = (pid: number) => pid === 42;
    expect(planBuilder(b('completed'), alive, () => undefined)).toEqual({ kind: 'done' });
    expect(planBuilder(b('running', 42), alive, () => undefined)).toEqual({ kind: 'adopt', pid: 42 });
    expect(planBuilder(b('running', 7), alive, () => 3)).toEqual({ kind: 'result', code: 3 });
    expect(planBuilder(b('running', 7), alive, () => undefined)).toEqual({ kind: 'start' });
    expect(planBuilder(b('failed'), alive, () => 0)).toEqual({ kind: 'start' });
    expect(planBuilder(b('pending'), alive, () => undefined)).toEqual({ kind: 'start' });
  });
});

describe('project_setup .gitignore (D17)', () => {
  it('adds the line once, never glued to the last line', () => {
    expect(gitignoreAddition(undefined)).toBe('.argo-project/\n');
    expect(gitignoreAddition('node_modules')).toBe('\n.argo-project/\n');
    expect(gitignoreAddition('a\n')).toBe('.argo-project/\n');
    expect(gitignoreAddition('a\n.argo-project/\n')).toBeUndefined();
  });
});

describe('retry bookkeeping (retryReduce, holdBack): the orchestrator\'s memory between looks', () => {
  const book = (b: Partial<RetryBook>): RetryBook => ({ ...FRESH_BOOK, ...b });
  const ok = { name: 'execution', text: 'S', at: 1000 };
  it.each<[string, RetryBook, RetryEvent, Partial<RetryBook>]>([
    ['control handed to us resets the count', book({ failures: 3, previousOwner: 'user' }), { kind: 'seen', owner: 'code' }, { failures: 0, previousOwner: 'code' }],
    ['still ours: the count stays', book({ failures: 3, previousOwner: 'code' }), { kind: 'seen', owner: 'code' }, { failures: 3 }],
    ['another owner: remembered, count kept', book({ failures: 2, previousOwner: 'code' }), { kind: 'seen', owner: 'ci' }, { failures: 2, previousOwner: 'ci' }],
    ['starting another handler than the failed one resets the count', book({ failures: 2, failedName: 'a' }), { kind: 'starting', name: 'b' }, { failures: 0, failedName: 'a' }],
    ['starting the failed one again keeps it', book({ failures: 2, failedName: 'a' }), { kind: 'starting', name: 'a' }, { failures: 2 }],
    ['a success clears the count and remembers the state it left', book({ failures: 2, failedName: 'execution' }), { kind: 'succeeded', ...ok }, { failures: 0, lastOk: ok }],
    ['a first failure: 1, retry after 1 s', book({ lastOk: ok }), { kind: 'failed', name: 'a', at: 5000, retries: 5 }, { failures: 1, failedName: 'a', retryAt: 6000, lastOk: null }],
    ['a third failure of the same: 3, retry after 4 s', book({ failures: 2, failedName: 'a' }), { kind: 'failed', name: 'a', at: 5000, retries: 5 }, { failures: 3, retryAt: 9000 }],
    ['a failure of another handler counts from 1', book({ failures: 4, failedName: 'a' }), { kind: 'failed', name: 'b', at: 5000, retries: 5 }, { failures: 1, failedName: 'b', retryAt: 6000 }],
    ['the last retry (failures = retries) still gets its time', book({ failures: 1, failedName: 'a' }), { kind: 'failed', name: 'a', at: 5000, retries: 2 }, { failures: 2, retryAt: 7000 }],
    ['no retry left: no new retry time', book({ failures: 1, failedName: 'a', retryAt: 77 }), { kind: 'failed', name: 'a', at: 5000, retries: 1 }, { failures: 2, retryAt: 77 }],
    ['given up: the count starts again', book({ failures: 6, failedName: 'a' }), { kind: 'gave-up' }, { failures: 0, failedName: 'a' }],
  ])('%s', (_what, before, event, expected) => {
    const copy = structuredClone(before);
    expect(retryReduce(before, event)).toMatchObject(expected);
    expect(before).toEqual(copy); // pure: the old book is not changed
  });

  it.each<[string, RetryBook, string, string, number, number]>([
    ['nothing remembered: run now', FRESH_BOOK, 'a', 'S', 10_000, 0],
    ['the same success, state unchanged: wait the rest of 5 s', book({ lastOk: ok }), 'execution', 'S', 3000, 1000 + UNCHANGED_RERUN_MS - 3000],
    ['the state changed: run now', book({ lastOk: ok }), 'execution', 'T', 3000, 0],
    ['5 s passed: run again', book({ lastOk: ok }), 'execution', 'S', 1000 + UNCHANGED_RERUN_MS, 0],
    ['a failure backing off: wait until retryAt', book({ failures: 2, failedName: 'a', retryAt: 9000 }), 'a', 'S', 8000, 1000],
    ['back-off over: run', book({ failures: 2, failedName: 'a', retryAt: 9000 }), 'a', 'S', 9000, 0],
    ['another handler is not held by the failure', book({ failures: 2, failedName: 'a', retryAt: 9000 }), 'b', 'S', 8000, 0],
  ])('holdBack: %s', (_what, b, name, text, now, wait) => {
    expect(holdBack(b, name, text, now)).toBe(wait);
  });

  it('retryLeft: failures up to max_builder_retries are retried, the next hands over', () => {
    expect([retryLeft(book({ failures: 5 }), 5), retryLeft(book({ failures: 6 }), 5), retryLeft(book({ failures: 1 }), 0)]).toEqual([true, false, false]);
  });
});
