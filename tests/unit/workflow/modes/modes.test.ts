// workflow.kind bugfix and best_of_n (issue 22): the pure decisions, by table — the bugfix
// stages and its red/green judgement, best_of_n's settings, the winner, the judge's answer,
// the per-row agent (Failover.pinned) and the status lines.
import { describe, expect, it } from 'vitest';
import { FIX_ID, TEST_ID, bugfixBuilderVerify, bugfixCommand, bugfixPlan, bugfixStage, judgeGreen, judgeRed } from '../../../../workflow/modes/bugfix.js';
import { bestOfNPlan, chooseWinner, judgePick, judgePrompt, keptRef, verifyPassed, workflowIdOf, type Candidate } from '../../../../workflow/modes/best_of_n.js';
import { readBestOfN } from '../../../../phases/modes/best_of_n_config.js';
import { modePinned, modeVerify } from '../../../../phases/modes/execution_modes.js';
import { agentInUse, nextAttemptAgent, type Failover } from '../../../../agents/failover.js';
import { chooseCi } from '../../../../agents/select.js';
import { bestOfNOf, bugfixOf, modeLines, modeNextStep } from '../../../../view/modes.js';

describe('bugfix: the plan, the command, the stages', () => {
  it('a fixed two-step plan: the test (no fix), then the fix; both carry the bug', () => {
    const plan = bugfixPlan('the parser crashes on empty input');
    expect(plan.map((c) => c.id)).toEqual([TEST_ID, FIX_ID]);
    expect(plan[0]!.description).toContain('Do NOT fix the bug');
    for (const c of plan) expect(c.description).toContain('the parser crashes on empty input');
    expect(plan[1]!.depends_on).toBeUndefined(); // not a wave: that would merge the test before the fix
  });
  it.each([
    [{ bugfix: { test_command: 'npm test -- bug' }, verify: { command: 'npm test' } }, { command: 'npm test -- bug', key: 'bugfix.test_command' }],
    [{ verify: { command: 'npm test' } }, { command: 'npm test', key: 'verify.command' }],
    [{ bugfix: null, verify: { command: 'make check' } }, { command: 'make check', key: 'verify.command' }],
  ])('the command judging red and green: %j', (config, want) => {
    expect(bugfixCommand(config)).toEqual(want);
  });
  it.each([
    [{}, /^workflow.kind is "bugfix" but neither bugfix.test_command nor verify.command is set/],
    [{ bugfix: { test_command: '' } }, /^bugfix.test_command is "" in config.json; accepted: a non-empty shell command/],
    [{ bugfix: { test_command: ['npm'] } }, /^bugfix.test_command is \["npm"\]/],
    [{ bugfix: 'npm test' }, /^bugfix is "npm test" in config.json; accepted: an object/],
  ])('refuses %j, naming the key, the value and what is accepted', (config, re) => {
    const r = bugfixCommand(config);
    expect('problem' in r && r.problem).toMatch(re);
  });
  it.each([
    [[{ id: TEST_ID, status: 'completed' }], { kind: 'red', test: TEST_ID }],
    [[{ id: TEST_ID, status: 'failed' }], { kind: 'stopped', reason: `the test builder ${TEST_ID} did not complete (status: failed); nothing merged` }],
    [[{ id: TEST_ID, status: 'completed' }, { id: FIX_ID, status: 'completed' }], { kind: 'green', fix: FIX_ID }],
    [[{ id: TEST_ID, status: 'completed' }, { id: FIX_ID, status: 'failed' }], { kind: 'stopped', reason: `the fix builder ${FIX_ID} did not complete (status: failed); nothing merged` }],
    [[{ id: 'other', status: 'completed' }], { kind: 'stopped', reason: `the bugfix workflow has no ${TEST_ID} builder` }],
  ])('stage of %j', (rows, want) => {
    expect(bugfixStage(rows)).toEqual(want);
  });
  it('no builder verify gate while only the test is built; verify.command once the fix is there', () => {
    expect(bugfixBuilderVerify('npm test', [{ id: TEST_ID }])).toBeNull();
    expect(bugfixBuilderVerify('npm test', [{ id: TEST_ID }, { id: FIX_ID }])).toBe('npm test');
    expect(modeVerify({ workflow: { kind: 'bugfix' } }, [{ id: TEST_ID }], 'npm test')).toBeNull();
    expect(modeVerify({ workflow: { kind: 'feature' } }, [{ id: TEST_ID }], 'npm test')).toBe('npm test');
    expect(modeVerify({}, [{ id: TEST_ID }], 'npm test')).toBe('npm test');
  });
  it.each([
    ['red: the command fails on the base with the test', judgeRed, false, false, true],
    ['red refused: the test passes on the base (it proves nothing)', judgeRed, true, false, false],
    ['red refused: out of time is no evidence', judgeRed, false, true, false],
    ['green: the command passes with the fix', judgeGreen, true, false, true],
    ['green refused: still failing', judgeGreen, false, false, false],
  ] as const)('%s', (_n, judge, passed, timedOut, ok) => {
    const v = judge({ passed, exit_code: passed ? 0 : 1, command: 'npm test' }, timedOut);
    expect(v.ok).toBe(ok);
    if (!v.ok) expect(v.reason).toMatch(/nothing merged|no evidence/);
  });
  it('the refusal of a test that never failed says why and that nothing is merged', () => {
    const v = judgeRed({ passed: true, exit_code: 0, command: 'true' });
    expect(v).toEqual({ ok: false, reason: `the test written by ${TEST_ID} does not fail on the base (true passed), so it does not reproduce the bug: the fix is refused, nothing merged` });
  });
});

describe('best_of_n: settings', () => {
  it.each([
    [{ best_of_n: { builders: ['claude', 'codex'] } }, { agents: ['claude', 'codex'], judge: null }],
    [{ best_of_n: { builders: ['codex', 'codex', 'gemini'], judge: 'claude' } }, { agents: ['codex', 'codex', 'gemini'], judge: 'claude' }],
    [{ best_of_n: { count: 3 } }, { agents: [null, null, null], judge: null }],
    [{}, { agents: [null, null], judge: null }],
  ])('%j', (config, want) => {
    expect(readBestOfN(config)).toEqual(want);
  });
  it.each([
    [{ best_of_n: [] }, /^best_of_n is \[\] in config.json; accepted: an object/],
    [{ best_of_n: { builders: ['claude'] } }, /^best_of_n.builders is \["claude"\] in config.json; accepted: a list of 2 to 8 agent preset names \(known: claude, codex/],
    [{ best_of_n: { builders: ['claude', 'gpt'] } }, /^best_of_n.builders is \["claude","gpt"\]/],
    [{ best_of_n: { builders: 'claude' } }, /^best_of_n.builders is "claude"/],
    [{ best_of_n: { count: 1 } }, /^best_of_n.count is 1 in config.json; accepted: a whole number from 2 to 8/],
    [{ best_of_n: { count: 2.5 } }, /^best_of_n.count is 2.5/],
    [{ best_of_n: { count: 9 } }, /^best_of_n.count is 9/],
    [{ best_of_n: { count: 2, builders: ['claude', 'codex'] } }, /^best_of_n.builders and best_of_n.count are both set/],
    [{ best_of_n: { judge: 'gpt' } }, /^best_of_n.judge is "gpt" in config.json; accepted: an agent preset name/],
  ])('refuses %j, naming the key, the value and what is accepted', (config, re) => {
    const r = readBestOfN(config);
    expect('problem' in r && r.problem).toMatch(re);
  });
  it('the plan: the same task to each, the agent in the id', () => {
    const plan = bestOfNPlan('add a greeting', { agents: ['claude', 'codex'], judge: null });
    expect(plan.map((c) => [c.id, c.agent, c.description])).toEqual([
      ['candidate-1-claude', 'claude', 'add a greeting'],
      ['candidate-2-codex', 'codex', 'add a greeting'],
    ]);
    expect(bestOfNPlan('t', { agents: [null, null], judge: null }).map((c) => c.id)).toEqual(['candidate-1', 'candidate-2']);
  });
});

const cand = (id: string, over: Partial<Candidate> = {}): Candidate => ({ id, agent: null, status: 'completed', verify_passed: true, diff_lines: 10, cost_usd: 0.01, ...over });

describe('best_of_n: the winner', () => {
  it.each([
    ['verify first: the only one that passed wins, however large', [cand('a', { verify_passed: false, status: 'failed', diff_lines: 1 }), cand('b', { diff_lines: 500 })], null, 'b', 'the only candidate that passed verify; 1 did not pass (a)'],
    ['the smallest diff among those that passed', [cand('a', { diff_lines: 30 }), cand('b', { diff_lines: 12 }), cand('c', { verify_passed: false, status: 'failed', diff_lines: 1 })], null, 'b', 'the smallest diff (12 lines) among the 2 that passed verify; 1 did not pass (c)'],
    ['a tie in size: the cheaper', [cand('a', { cost_usd: 0.5 }), cand('b', { cost_usd: 0.1 })], null, 'b', 'the smallest diff (10 lines) among the 2 that passed verify'],
    ['a full tie: the first', [cand('a'), cand('b')], null, 'a', 'the smallest diff (10 lines) among the 2 that passed verify'],
    ['the judge decides among those that passed', [cand('a', { diff_lines: 5 }), cand('b', { diff_lines: 50 })], { preset: 'claude', pick: 'b', why: 'cleaner' }, 'b', 'chosen by the judge (claude) among the 2 that passed verify: cleaner'],
    ['a judge naming a candidate that failed verify is not followed', [cand('a', { diff_lines: 5 }), cand('b', { diff_lines: 9 }), cand('c', { verify_passed: false, status: 'failed' })], { preset: 'claude', pick: 'c' }, 'a', 'the smallest diff (5 lines) among the 2 that passed verify (the judge claude named "c", not one of them); 1 did not pass (c)'],
    ['no verify.command: completed candidates compete', [cand('a', { verify_passed: null, diff_lines: 3 }), cand('b', { verify_passed: null })], null, 'a', 'the smallest diff (3 lines) among the 2 that completed (no verify.command)'],
    ['none passed: no winner', [cand('a', { verify_passed: false, status: 'failed' }), cand('b', { status: 'failed', verify_passed: null })], null, null, 'no candidate completed and passed verify (a: failed, b: failed)'],
  ] as const)('%s', (_n, cands, judge, winner, reason) => {
    expect(chooseWinner(cands as Candidate[], judge)).toEqual({ winner, reason });
  });
  it.each([
    [{ status: 'completed', failure: null }, true, true],
    [{ status: 'completed', failure: null }, false, null],
    [{ status: 'failed', failure: 'verify' }, true, false],
    [{ status: 'failed', failure: 'agent_error' }, true, null],
  ])('verify_passed of %j (verify set: %s) is %s', (row, verify, want) => {
    expect(verifyPassed(row, verify)).toBe(want);
  });
  it.each([
    ['WINNER: candidate-2-codex\nWHY: smaller and tested', { pick: 'candidate-2-codex', why: 'smaller and tested' }],
    ['winner: `candidate-1-claude`', { pick: 'candidate-1-claude', why: null }],
    ['I prefer candidate-1-claude.', { pick: 'candidate-1-claude', why: null }],
    ['candidate-1-claude or candidate-2-codex, both fine', { pick: null, why: null }],
    ['WINNER: candidate-9', { pick: null, why: null }],
    ['', { pick: null, why: null }],
  ])('the judge answering %j', (answer, want) => {
    expect(judgePick(answer, ['candidate-1-claude', 'candidate-2-codex'])).toEqual(want);
  });
  it('the judge is asked with each diff and the answer format', () => {
    const p = judgePrompt('add a greeting', [{ id: 'a', agent: 'claude', diff: '+hello' }, { id: 'b', agent: null, diff: '' }]);
    expect(p).toContain('<candidate id="a" agent="claude">\n+hello\n</candidate>');
    expect(p).toContain('<candidate id="b">\n(no diff)\n</candidate>');
    expect(p).toContain('WINNER: <the id of the best candidate>');
  });
  it('kept refs: refs/argo/kept/<workflow-id>/<builder-id>, the id from the design time', () => {
    expect(workflowIdOf('2026-12-03T13:20:24Z')).toBe('20261203T132024Z');
    expect(workflowIdOf('junk; rm -rf /')).toBe('workflow');
    expect(keptRef('20261203T132024Z', 'candidate-1-claude')).toBe('refs/argo/kept/20261203T132024Z/candidate-1-claude');
  });
});

describe('best_of_n: each candidate runs its own preset (Failover.pinned)', () => {
  const claude = chooseCi({}, { ci: { agent: 'claude' } });
  const config = { workflow: { kind: 'best_of_n' }, ci: { agent: 'claude', agents: { codex: { model: 'gpt-5' } } }, best_of_n: { builders: ['claude', 'codex'] } };
  const f: Failover = { primary: claude, fallback: [], afterWaits: 2, pinned: modePinned(config, claude) };
  const name = (c: ReturnType<typeof agentInUse>) => (c.kind === 'preset' ? `${c.preset.name}:${c.model}` : c.kind);
  it.each([
    [{ agent: 'codex' }, 'codex:gpt-5'],
    [{ agent: 'claude' }, 'claude:null'],
    [{}, 'claude:null'],
    [{ agent: 'gemini' }, 'claude:null'], // not a candidate's preset: the primary
  ])('row %j runs %s', (row, want) => {
    expect(name(agentInUse(row, f))).toBe(want);
    expect(name(nextAttemptAgent(row, f).choice)).toBe(want);
  });
  it('no pins for other kinds, and bad settings throw the ERROR sentence', () => {
    expect(modePinned({ ...config, workflow: { kind: 'feature' } }, claude)).toEqual([]);
    expect(() => modePinned({ ...config, best_of_n: { builders: ['x', 'y'] } }, claude)).toThrow(/^best_of_n.builders is \["x","y"\]/);
    expect(name(agentInUse({ agent: 'codex' }, { ...f, pinned: undefined }))).toBe('claude:null'); // the field the execution hook sets is what makes it codex
  });
});

describe('the status of the modes', () => {
  it('bugfix: red and green with their commands, a refusal', () => {
    const b = bugfixOf({ red: { command: 'npm test', passed: false, exit_code: 1, builder: TEST_ID, at: 'T1' }, green: { command: 'npm test', passed: true, exit_code: 0, builder: FIX_ID, at: 'T2' }, refused: null });
    expect(modeLines({ bugfix: b, best_of_n: null })).toEqual([
      '', 'Bugfix (test first):',
      `  red: npm test failed (exit status 1) in ${TEST_ID} at T1 - as required`,
      `  green: npm test passed in ${FIX_ID} at T2 - as required`,
    ]);
    const refused = bugfixOf({ red: { command: 'true', passed: true, exit_code: 0, builder: TEST_ID }, refused: 'the test … does not reproduce the bug' });
    expect(modeLines({ bugfix: refused, best_of_n: null }).slice(2)).toEqual([`  red: true passed in ${TEST_ID} - NOT as required`, '  refused: the test … does not reproduce the bug']);
  });
  it('best_of_n: each candidate with its verify, diff, cost and where it is', () => {
    const v = bestOfNOf({ winner: 'b', reason: 'the only candidate that passed verify', candidates: [
      { id: 'a', agent: 'claude', status: 'failed', verify_passed: false, diff_lines: 3, cost_usd: 0.0123, kept_ref: 'refs/argo/kept/W/a' },
      { id: 'b', agent: 'codex', status: 'completed', verify_passed: true, diff_lines: 4, cost_usd: null },
    ] });
    expect(modeLines({ bugfix: null, best_of_n: v })).toEqual([
      '', 'Best of 2: b won - the only candidate that passed verify',
      '  a (claude): verify failed, diff 3 lines, cost $0.0123 - kept as refs/argo/kept/W/a',
      '  b (codex): verify passed, diff 4 lines, cost - - merged',
    ]);
    expect(modeLines({ bugfix: bugfixOf(undefined), best_of_n: bestOfNOf('junk') })).toEqual([]);
  });
});

describe('the next step after a mode handed the workflow to the person', () => {
  const withResume = (c: string[]) => [...c, 'argo resume P'];
  const base = { bugfix: null, best_of_n: null, error: { last_error: 'WHY' }, builders: [{ id: TEST_ID, status: 'completed' }] };
  it.each([
    ['red refused: change the test and merge again', { ...base, action_needed: 'review_bugfix' }, /^Bugfix stopped, nothing merged: WHY\. To go on: change the work of bugfix-test in its worktree .* judge red again/, ['argo merge P', 'argo resume P']],
    ['a builder failed: retry it', { ...base, action_needed: 'review_bugfix', builders: [{ id: TEST_ID, status: 'failed' }] }, /retry the failed builder/, ['argo retry P', 'argo resume P']],
    ['green refused: the fix', { ...base, action_needed: 'review_bugfix', bugfix: bugfixOf({ red: { command: 'c', passed: false }, green: { command: 'c', passed: false } }) }, /change the work of bugfix-fix .* judge green again/, ['argo merge P', 'argo resume P']],
    ['no winner', { ...base, action_needed: 'review_best_of_n', builders: [{ id: 'candidate-1', status: 'failed' }] }, /^No candidate can be merged: WHY\./, ['argo retry P', 'argo resume P']],
  ])('%s', (_n, v, what, commands) => {
    const step = modeNextStep(v, 'argo', 'P', withResume)!;
    expect(step.what).toMatch(what);
    expect(step.commands).toEqual(commands);
  });
  it('other actions: none of its business', () => {
    expect(modeNextStep({ ...base, action_needed: 'review_merge' }, 'argo', 'P', withResume)).toBeNull();
  });
});
