// `argo run`'s pure parts (issue 23): the decision taken from a view of the state (exit
// codes, the approval policy), the progress lines, the RunReport built from state, the
// JUnit text (escaped), and the command line.
import { describe, expect, it } from 'vitest';
import { buildView, type View, type ViewInput } from '../../../view/model.js';
import { decide, planRefusal } from '../../../cicd/outcome.js';
import { ProgressPrinter, progressLines } from '../../../cicd/progress.js';
import { agentSummary, buildRunReport, resultLine, type ReportInput } from '../../../cicd/run_report.js';
import { junitXml, xmlText } from '../../../cicd/junit.js';
import { defaultBranch, parseRunArgs } from '../../../cicd/run_args.js';
import { RUN_EXIT } from '../../../cicd/report.js';

const NOW = Date.parse('2026-12-03T12:00:00Z');

function view(state: Record<string, unknown>, over: Partial<ViewInput> = {}): View {
  return buildView({
    path: '/p',
    state: { project_name: 'demo', phase: 'init', action_owner: 'code', action_needed: 'design_program', ...state },
    orchestrator: { pidFile: true, pid: 42, alive: true },
    workflowLog: [],
    builderLogs: {},
    now: NOW,
    argo: 'argo',
    ...over,
  });
}

const AUTO = { approve: 'auto' as const, maxComponents: 10 };
const components = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `c${i + 1}`, description: `C${i + 1}` }));
const atApproval = (design: Record<string, unknown>) => view({ phase: 'design', action_owner: 'ci', action_needed: 'approve_design', design: { summary: 'S', approved: false, ...design } });
const builder = (id: string, extra: Record<string, unknown> = {}) => ({ id, description: `the ${id}`, status: 'completed', ...extra });

describe('decide: the exit code is a function of the state the workflow ended in', () => {
  const cases: [string, Record<string, unknown>, Partial<ViewInput>, string, RegExp][] = [
    ['storage: done', { phase: 'storage', action_owner: 'user', action_needed: 'none' }, {}, 'done', /finished/],
    ['storage with a failed builder: failed', { phase: 'storage', action_owner: 'user', action_needed: 'none', execution: { builders: [builder('a', { status: 'failed' })] } }, {}, 'failed', /failed builders: a/],
    ['review_merge after a failed builder: failed', { phase: 'merge_build', action_owner: 'user', action_needed: 'review_merge', execution: { builders: [builder('x', { status: 'failed', exit_code: 3 })] } }, {}, 'failed', /failed: x/],
    ['review_merge after a verify gate failed: failed', { phase: 'merge_build', action_owner: 'user', action_needed: 'review_merge', execution: { builders: [builder('x', { merge: { status: 'verify_failed', attempts: 2 } })] } }, {}, 'failed', /not merged/],
    ['review_merge with conflicts only: a person', { phase: 'merge_build', action_owner: 'user', action_needed: 'review_merge', execution: { builders: [builder('x', { merge: { status: 'conflict', files: ['a'] } })] } }, {}, 'needs_person', /not merged/],
    ['conflicts: a person', { phase: 'merge_build', action_owner: 'ci', action_needed: 'resolve_conflicts', merge_conflicts: ['b1'] }, {}, 'needs_person', /conflicts of b1/],
    ['review gate: a person', { phase: 'merge_build', action_owner: 'user', action_needed: 'review_builder' }, {}, 'needs_person', /./],
    ['budget: limit', { phase: 'execution', action_owner: 'user', action_needed: 'review_budget', execution: { halt_reason: 'the cost so far (0.03 USD) reached limits.max_cost_usd (0.02 USD)', builders: [] } }, {}, 'limit', /reached limits.max_cost_usd/],
    ['time limit: limit', { phase: 'execution', action_owner: 'user', action_needed: 'review_time_limit', execution: { builders: [] } }, {}, 'limit', /limit/],
    ['a bad limit: set-up error', { limits: { max_cost_usd: 'lots' } }, {}, 'setup_error', /limits/],
  ];
  for (const [name, state, over, status, reason] of cases) {
    it(name, () => {
      const d = decide(view(state, over), AUTO);
      expect(d).toMatchObject({ kind: 'end', status });
      if (d.kind === 'end') expect(d.reason).toMatch(reason);
      expect(RUN_EXIT[status as keyof typeof RUN_EXIT]).toBeGreaterThanOrEqual(0);
    });
  }

  it('code running: wait; code with no orchestrator: failed, but only once it held (settle)', () => {
    expect(decide(view({ phase: 'execution', action_needed: 'spawn_builders' }), AUTO)).toEqual({ kind: 'wait' });
    const gone = decide(view({ phase: 'execution', action_needed: 'spawn_builders' }, { orchestrator: { pidFile: false, pid: null, alive: false } }), AUTO);
    expect(gone).toMatchObject({ kind: 'end', status: 'failed', settle: true });
  });

  it('resolve_conflicts read before merge_conflicts was written: needs a person, but only once it held (settle)', () => {
    expect(decide(view({ phase: 'merge_build', action_owner: 'ci', action_needed: 'resolve_conflicts' }), AUTO)).toMatchObject({ kind: 'end', status: 'needs_person', settle: true });
    const listed = decide(view({ phase: 'merge_build', action_owner: 'ci', action_needed: 'resolve_conflicts', merge_conflicts: ['a'] }), AUTO);
    expect(listed).toMatchObject({ kind: 'end', status: 'needs_person', reason: expect.stringContaining('Resolve the merge conflicts of a ') });
    expect(listed).not.toHaveProperty('settle');
  });

  it('storage read before merge_build wrote action_owner user: done, but only once it held (settle)', () => {
    expect(decide(view({ phase: 'storage', action_owner: 'code', action_needed: 'merge_branches' }), AUTO)).toEqual({ kind: 'end', status: 'done', reason: 'the workflow is finished (phase storage)', settle: true });
    expect(decide(view({ phase: 'storage', action_owner: 'user', action_needed: 'none' }), AUTO)).not.toHaveProperty('settle');
  });

  it('between two writes of one hand-off (owner ci, action_needed still the handler): an end that must settle', () => {
    expect(decide(view({ phase: 'design', action_owner: 'ci', action_needed: 'design_program' }), AUTO)).toMatchObject({ kind: 'end', settle: true });
    const failedHandler = decide(view({ phase: 'design', action_owner: 'user', action_needed: 'design_program', error_recovery: { last_error: 'CI tool not available', retry_count: 5 } }), AUTO);
    expect(failedHandler).toMatchObject({ kind: 'end', status: 'failed', reason: 'CI tool not available', settle: true });
  });
});

describe('the approval policy', () => {
  it('auto approves a clean plan of at most --max-components; once', () => {
    expect(decide(atApproval({ components: components(3) }), AUTO)).toEqual({ kind: 'approve', count: 3 });
    expect(decide(atApproval({ components: components(3) }), { ...AUTO, maxComponents: 3 })).toEqual({ kind: 'approve', count: 3 });
    expect(decide(atApproval({ components: components(3) }), AUTO, true)).toMatchObject({ kind: 'end', status: 'needs_person' });
  });

  it('auto refuses a larger plan, a cycle, rejected components, warnings, no components: a person is needed', () => {
    expect(decide(atApproval({ components: components(3) }), { ...AUTO, maxComponents: 2 })).toMatchObject({ kind: 'end', status: 'needs_person', reason: expect.stringMatching(/3 components, more than --max-components 2/) });
    const cyc = [{ id: 'a', description: 'A', depends_on: ['b'] }, { id: 'b', description: 'B', depends_on: ['a'] }];
    expect(planRefusal(atApproval({ components: cyc }).design, 10)).toMatch(/dependency cycle \(a → b → a\)/);
    expect(planRefusal(atApproval({ components: components(1), rejected_components: [{ id: 'x', reason: 'no description' }] }).design, 10)).toMatch(/1 component\(s\) of the design were rejected \(x: no description\)/);
    expect(planRefusal(atApproval({ components: components(1), warnings: ['paths overlap'] }).design, 10)).toMatch(/warns: paths overlap/);
    expect(planRefusal(atApproval({ components: [] }).design, 10)).toMatch(/no usable component list/);
  });

  it('never stops at the plan, naming the command', () => {
    expect(decide(atApproval({ components: components(2) }), { ...AUTO, approve: 'never' })).toEqual({ kind: 'end', status: 'needs_person', reason: '--approve never: the plan (2 components) waits for a person: argo approve /p' });
  });
});

describe('progress lines: one per event', () => {
  it('the hand-off, the design, each builder status and merge, once each', () => {
    const a = view({ phase: 'execution', action_needed: 'spawn_builders', design: { components: components(2) }, execution: { builders: [builder('c1', { status: 'running' }), builder('c2', { status: 'running' })] } });
    const b = view({ phase: 'execution', action_needed: 'spawn_builders', design: { components: components(2) }, execution: { builders: [builder('c1', { usage: { cost_usd: 0.5, input_tokens: 1, output_tokens: 2 } }), builder('c2', { status: 'failed', failure: 'verify', failure_message: 'verify.command failed with exit status 1' })] } });
    expect(progressLines(null, a)).toEqual(['phase execution: code → spawn_builders', 'design: 2 component(s): c1, c2', 'builder c1: running', 'builder c2: running']);
    expect(progressLines(a, b)).toEqual(['builder c1: completed (0.5 USD)', 'builder c2: failed (verify: verify.command failed with exit status 1)']);
    expect(progressLines(b, b)).toEqual([]);
  });

  it('a value from state stays on its line and never becomes a CI log command', () => {
    const v = view({ execution: { builders: [builder('x\n::error::owned')] } });
    const lines = progressLines(null, v);
    expect(lines).toContain('builder x\\n::error::owned: completed');
    expect(lines.every((l) => !l.includes('\n'))).toBe(true);
  });

  it('GitHub Actions: a group per phase, closed before the next and at the end', () => {
    const out: string[] = [];
    const p = new ProgressPrinter((l) => out.push(l), true);
    const init = view({});
    const design = view({ phase: 'design', action_owner: 'ci', action_needed: 'approve_design' });
    p.show(null, init);
    p.show(init, init); // no event: nothing, no group
    p.show(init, design);
    p.close();
    expect(out).toEqual(['::group::argo: init', 'argo: phase init: code → design_program', '::endgroup::', '::group::argo: design', 'argo: phase design: ci → approve_design', '::endgroup::']);
    const plain: string[] = [];
    new ProgressPrinter((l) => plain.push(l), false).show(null, init);
    expect(plain).toEqual(['argo: phase init: code → design_program']);
  });
});

const INPUT: ReportInput = {
  status: 'failed',
  reason: 'Some builders were not merged',
  query: 'Build <it> & "ship"',
  template: null,
  branch: 'argo/build-it-abc123',
  started: '2026-12-03T12:00:00.000Z',
  ended: '2026-12-03T12:01:30.500Z',
  rerun: "argo run 'Build' /p",
  verifyCommand: 'npm test',
  gateCommand: null,
  diffstats: { a: '1 file changed, 2 insertions(+)' },
  logTails: { a: '[2026-12-03T12:00:01Z] starting - Launching\nAll done: added a.txt\n[2026-12-03T12:00:02Z] completed - ok' },
};

function endedView(): View {
  return view({
    phase: 'merge_build',
    action_owner: 'user',
    action_needed: 'review_merge',
    user_query: 'Build it',
    design: { components: [{ id: 'a', description: 'A', paths: ['src/a'], depends_on: [] }, { id: 'b', description: 'B <b>' }], usage: { input_tokens: 10, output_tokens: 5, cost_usd: 0.1 } },
    execution: {
      builders: [
        builder('a', { usage: { input_tokens: 100, output_tokens: 50, cost_usd: 0.25 }, merge: { status: 'merged', commit: 'abc1234', attempts: 0 } }),
        builder('b', { status: 'failed', failure: 'verify', failure_message: 'verify.command failed with exit status 1', usage: { input_tokens: 1, output_tokens: 2, cost_usd: 0.05 } }),
      ],
    },
  });
}

describe('buildRunReport: state → RunReport', () => {
  it('plan, builders with verify, cost, tokens, diff stat and the agent summary; the branch when something was merged', () => {
    const r = buildRunReport(endedView(), INPUT);
    expect(r).toMatchObject({ status: 'failed', exit_code: 1, project: '/p', query: INPUT.query, phase: 'merge_build', action_needed: 'review_merge', branch: 'argo/build-it-abc123', pr_url: null, rerun: INPUT.rerun });
    expect(r.plan).toEqual([{ id: 'a', description: 'A', paths: ['src/a'], depends_on: [] }, { id: 'b', description: 'B <b>', paths: [], depends_on: [] }]);
    expect(r.builders[0]).toEqual({ id: 'a', description: 'the a', status: 'merged', failure: null, verify: { command: 'npm test', passed: true, output_tail: '' }, cost_usd: 0.25, tokens: { input: 100, output: 50 }, diffstat: '1 file changed, 2 insertions(+)', summary: 'All done: added a.txt' });
    expect(r.builders[1]).toMatchObject({ status: 'failed', failure: 'verify: verify.command failed with exit status 1', verify: { command: 'npm test', passed: false, output_tail: 'verify.command failed with exit status 1' } });
    expect(r.cost_usd).toBeCloseTo(0.4);
    expect(r.tokens).toEqual({ input: 111, output: 57 });
  });

  it('nothing merged: no branch; no verify command: no verify', () => {
    const v = view({ phase: 'design', action_owner: 'ci', action_needed: 'approve_design', design: { components: components(1) } });
    const r = buildRunReport(v, { ...INPUT, status: 'needs_person', verifyCommand: null });
    expect(r).toMatchObject({ branch: null, exit_code: 2, builders: [], tokens: null, cost_usd: null });
  });

  it("the merge gate's verdict wins over the builder's own check", () => {
    const v = view({ execution: { builders: [builder('g', { merge: { status: 'verify_failed', attempts: 2, message: 'gate failed' } })] } });
    const r = buildRunReport(v, { ...INPUT, gateCommand: 'make check', gateTails: { g: 'FAIL: x' } });
    expect(r.builders[0]!.verify).toEqual({ command: 'make check', passed: false, output_tail: 'FAIL: x' });
  });

  it('resultLine: the builders by status, the cost, the branch', () => {
    expect(resultLine(buildRunReport(endedView(), INPUT))).toBe('result: 2 builder(s): 1 merged, 1 failed; cost 0.4 USD; branch argo/build-it-abc123');
    expect(resultLine(buildRunReport(view({}), INPUT))).toBe('result: no builders; branch (nothing merged)');
  });

  it("agentSummary keeps the agent's lines only", () => {
    expect(agentSummary('[2026-12-03T12:00:01Z] starting - x\n[2026-12-03T12:00:02Z] done - y')).toBeNull();
    expect(agentSummary(undefined)).toBeNull();
    expect(agentSummary('one\n[2026-12-03T12:00:01Z] x - y\ntwo\n')).toBe('one\ntwo');
  });
});

describe('junitXml', () => {
  it('a case per builder with its verify result and cost, one for the workflow; failures counted', () => {
    const xml = junitXml(buildRunReport(endedView(), INPUT));
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="argo run" tests="3" failures="2" time="90.500">/);
    expect(xml).toContain('<testsuite name="argo" tests="3" failures="2" errors="0" time="90.500" timestamp="2026-12-03T12:00:00.000Z">');
    expect(xml).toContain('<property name="query" value="Build &lt;it&gt; &amp; &quot;ship&quot;"/>');
    expect(xml).toContain('<testcase classname="argo" name="a: the a">');
    expect(xml).toContain('<property name="cost_usd" value="0.25"/>');
    expect(xml).toContain('<property name="verify_passed" value="true"/>');
    expect(xml).toContain('<failure message="verify failed: npm test" type="verify">verify: verify.command failed with exit status 1</failure>');
    expect(xml).toContain('<testcase classname="argo" name="workflow">\n      <failure message="Some builders were not merged" type="failed">exit 1 (failed): Some builders were not merged</failure>');
    expect(xml).toContain('<system-out>summary: All done: added a.txt</system-out>');
    expect(xml.match(/<testcase /g)).toHaveLength(3);
  });

  it('a done run has no failure at all', () => {
    const v = view({ phase: 'storage', action_owner: 'user', action_needed: 'none', execution: { builders: [builder('a')] } });
    const xml = junitXml(buildRunReport(v, { ...INPUT, status: 'done', reason: 'finished' }));
    expect(xml).toContain('tests="2" failures="0"');
    expect(xml).not.toContain('<failure');
  });

  it('xmlText escapes markup and drops the characters XML 1.0 forbids', () => {
    expect(xmlText(`a<b>&"c"'d'\u0000\u001b\u0007e\tf\n`)).toBe('a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;e\tf\n');
    expect(xmlText('\ud83d\ude00 ok \ufffe')).toBe('\ud83d\ude00 ok ');
  });
});

describe('the command line', () => {
  it('defaults and every option', () => {
    expect(parseRunArgs(['Build it'])).toEqual({ args: { query: 'Build it', project: '.', approve: 'auto', maxComponents: 10, branch: null, template: null, report: null, junit: null, push: false, pr: false, remote: null } });
    const r = parseRunArgs(['--approve', 'never', 'q', '/x', '--max-components=3', '--branch', 'argo/x', '--template', 'bugfix', '--report', 'r.json', '--junit', 'j.xml', '--push', '--pr', '--remote', 'up']);
    expect(r).toEqual({ args: { query: 'q', project: '/x', approve: 'never', maxComponents: 3, branch: 'argo/x', template: 'bugfix', report: 'r.json', junit: 'j.xml', push: true, pr: true, remote: 'up' } });
  });

  it('after --, everything is an operand: a query that starts with -- is the query, never an option', () => {
    expect(parseRunArgs(['--push', '--', '--remote=evil', '/p'])).toMatchObject({ args: { query: '--remote=evil', project: '/p', push: true, remote: null } });
    expect(parseRunArgs(['--', '--pr'])).toMatchObject({ args: { query: '--pr', project: '.', pr: false } });
    expect(parseRunArgs(['--', 'q', '--', 'x'])).toEqual({ problems: ['unexpected argument(s) "x"; accepted: "<query>" [project_path]'] });
  });

  it('each bad value is one problem naming the option, the value and what is accepted', () => {
    expect(parseRunArgs(['q', '--approve', 'maybe'])).toEqual({ problems: ['--approve is "maybe"; accepted: auto, never'] });
    expect(parseRunArgs(['q', '--max-components', '-1'])).toEqual({ problems: ['--max-components is "-1"; accepted: a whole number from 1 to 9999'] });
    for (const b of ['main', 'master', 'feature/x', 'argo/..', 'argo/a.lock', '-x']) {
      expect(parseRunArgs(['q', '--branch', b])).toEqual({ problems: [expect.stringMatching(/^--branch is ".*"; accepted: a branch name "argo\/<slug>" .*\(never the default branch main\/master\)$/)] });
    }
    expect(parseRunArgs(['q', '--template', '../x'])).toEqual({ problems: ['--template is "../x"; accepted: a name of letters, digits, ".", "_", "-"'] });
    expect(parseRunArgs(['q', '--bogus'])).toMatchObject({ problems: [expect.stringMatching(/^unknown option "--bogus"/)] });
    expect(parseRunArgs(['q', '--report'])).toEqual({ problems: ['--report needs a value'] });
    expect(parseRunArgs([])).toEqual({ problems: ['the query is missing; accepted: what to build, as one argument'] });
    expect(parseRunArgs(['q', '/p', 'extra'])).toEqual({ problems: ['unexpected argument(s) "extra"; accepted: "<query>" [project_path]'] });
  });

  it('the default branch: argo/<slug>-<short id>, a valid merge.target for any query', () => {
    expect(defaultBranch('Build a REST API for todos!', 'a1b2c3')).toBe('argo/build-a-rest-api-for-todos-a1b2c3');
    expect(defaultBranch('Ünïcode — ..lock', 'ff0011')).toBe('argo/unicode-lock-ff0011');
    expect(defaultBranch('!!!', '000000')).toBe('argo/run-000000');
    expect(defaultBranch('x'.repeat(100), 'abcdef')).toBe(`argo/${'x'.repeat(40)}-abcdef`);
    for (const q of ['Build a REST API', '..', 'a.lock', '--x', 'main']) expect(parseRunArgs(['q', '--branch', defaultBranch(q, 'abc123')])).toHaveProperty('args');
  });
});

describe('the call into publishing', () => {
  it('without the publishing module: --push/--pr are refused up front, GitHub files only warned about', async () => {
    const { publishAfterRun, publishModulesProblem, githubEnv } = await import('../../../cicd/publish_call.js');
    expect(publishModulesProblem({ push: false, pr: false })).toBeNull();
    expect(publishModulesProblem({ push: true, pr: false })).toMatch(/^--push\/--pr need cicd\/publish.js, which this install does not have \(.*publish\.js\); nothing was started$/);
    expect(githubEnv({ GITHUB_ACTIONS: 'true' })).toBe(true);
    expect(githubEnv({ GITHUB_OUTPUT: '/tmp/o' })).toBe(true);
    expect(githubEnv({})).toBe(false);
    const said: string[] = [];
    const report = buildRunReport(endedView(), INPUT);
    const args = { ...(parseRunArgs(['q']) as { args: Parameters<typeof publishAfterRun>[1] }).args };
    const r = await publishAfterRun(report, args, '/p', { GITHUB_ACTIONS: 'true' }, (l) => said.push(l));
    expect(r).toEqual({ report, problems: [] });
    expect(said).toEqual(['WARNING: the GitHub step summary and outputs are not written: this install has no cicd/github_env.js']);
  });
});
