// The view model is a pure function: state documents in, what a person sees out.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildView, shellWord, VIEW_VERSION, type ViewInput } from '../../view/model.js';
import { tempDir } from './helpers.js';
import { statusText } from '../../view/text.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');

function input(state: Record<string, unknown>, over: Partial<ViewInput> = {}): ViewInput {
  return {
    path: '/p',
    state: { project_name: 'demo', phase: 'init', action_owner: 'ci', action_needed: 'gather_requirements', ...state },
    orchestrator: { pidFile: true, pid: 42, alive: true },
    workflowLog: [],
    builderLogs: {},
    now: NOW,
    argo: 'argo',
    ...over,
  };
}

const ONE_COMPONENT = { summary: 'S', components: [{ id: 'a', description: 'A' }], approved: false };
const usage = (i: number, o: number, cost: number) => ({ input_tokens: i, output_tokens: o, cache_read_tokens: 1, cost_usd: cost, session_id: 's', agent: 'claude', model: 'm' });

describe('buildView: who acts next', () => {
  const cases: [string, Record<string, unknown>, Partial<ViewInput>, { who: string; what: RegExp; command?: RegExp }][] = [
    ['fresh project', {}, {}, { who: 'ci', what: /Start a workflow/, command: /^argo start / }],
    ['design waits for approval', { phase: 'design', action_needed: 'approve_design', design: { summary: 'S', components: [{ id: 'a', description: 'A' }], approved: false } }, {}, { who: 'ci', what: /approve it/, command: /^argo approve \/p$/ }],
    ['approval without an orchestrator also offers resume', { phase: 'design', action_needed: 'approve_design' }, { orchestrator: { pidFile: false, pid: null, alive: false } }, { who: 'ci', what: /approve/, command: /argo resume \/p/ }],
    ['code owns it and runs', { phase: 'execution', action_owner: 'code', action_needed: 'spawn_builders' }, {}, { who: 'code', what: /running spawn_builders/ }],
    ['code owns it, nothing runs', { phase: 'execution', action_owner: 'code', action_needed: 'spawn_builders' }, { orchestrator: { pidFile: true, pid: 9, alive: false } }, { who: 'user', what: /not running/, command: /^argo resume \/p$/ }],
    ['conflicts', { phase: 'merge_build', action_needed: 'resolve_conflicts', merge_conflicts: ['b1'] }, {}, { who: 'ci', what: /conflicts of b1/, command: /^argo merge \/p$/ }],
    ['review after a failed builder', { phase: 'merge_build', action_owner: 'user', action_needed: 'review_merge', execution: { builders: [{ id: 'x', status: 'failed', exit_code: 3 }] } }, {}, { who: 'user', what: /failed: x/, command: /^argo retry \/p x$/ }],
    ['budget reached', { phase: 'execution', action_owner: 'user', action_needed: 'review_budget', execution: { halt_reason: 'cost $5.10 reached limits.max_cost_usd $5', builders: [] } }, {}, { who: 'user', what: /^cost \$5.10 reached .*raise limits.max_cost_usd in .argo-project\/state.json with argo budget --raise/, command: /^argo budget \/p --raise 10$/ }],
    ['time limit reached', { phase: 'execution', action_owner: 'user', action_needed: 'review_time_limit', execution: { builders: [] } }, {}, { who: 'user', what: /^A limit was reached: raise limits.max_workflow_hours/, command: /^argo retry \/p$/ }],
    ['handler errors hand to user', { phase: 'design', action_owner: 'user', action_needed: 'design_program', error_recovery: { last_error: 'CI tool not available', retry_count: 5, recovery_action: 'fix it' } }, {}, { who: 'user', what: /Fix the cause/, command: /state update action_owner code/ }],
    ['finished', { phase: 'storage', action_owner: 'user', action_needed: 'none' }, {}, { who: 'nobody', what: /finished/ }],
  ];
  it.each(cases)('%s', (_name, state, over, want) => {
    const v = buildView(input(state, over));
    expect(v.version).toBe(VIEW_VERSION);
    expect(v.next.who).toBe(want.who);
    expect(v.next.what).toMatch(want.what);
    if (want.command) expect(v.next.commands.some((c) => want.command!.test(c))).toBe(true);
  });
});

describe('buildView: limits the agents reported (issue 19)', () => {
  it('a builder waiting on a limit shows its reason, resume time and waits; each preset its running, cap and hold (text and --json)', () => {
    const prev = process.env.TZ;
    process.env.TZ = 'UTC';
    try {
      const builders = [
        { id: 'a', status: 'waiting', waiting_reason: 'rate_limit', resume_at: '2026-11-25T15:02:30Z', waits: 2, usage: usage(1, 1, 0.1) },
        { id: 'b', status: 'running', started: '2026-11-25T11:59:00Z', usage: usage(1, 1, 0.1) },
        { id: 'c', status: 'running', started: '2026-11-25T11:59:00Z' },
        { id: 'd', status: 'waiting', waiting_for: ['a'] },
      ];
      const v = buildView(input({ phase: 'execution', execution: { builders, quota: { claude: { cap: 3, limited_until: '2026-11-25T15:02:30Z' } } } }));
      expect(v.builders[0]).toMatchObject({ status: 'waiting', waiting_reason: 'rate_limit', resume_at: '2026-11-25T15:02:30Z', waits: 2 });
      expect(v.builders[3]).toMatchObject({ waiting_reason: null, resume_at: null, waits: null });
      expect(v.quota).toEqual({ claude: { cap: 3, limited_until: '2026-11-25T15:02:30Z', running: 2, builders: 4 } });
      const text = statusText(v);
      expect(text).toContain('\nLimits:\n  claude: 2 of 4 running (at most 3 at once), rate-limited until 15:02\n');
      // the builder's own wait is in its STATUS cell, once
      expect(text.match(/waiting \(rate_limit\) until Nov 25 15:02, wait 2 of 8/g)).toHaveLength(1);
      expect(text).not.toContain('d: waiting (');
    } finally {
      if (prev === undefined) delete process.env.TZ;
      else process.env.TZ = prev;
    }
  });

  it('no quota recorded: none shown', () => {
    const v = buildView(input({ phase: 'execution', execution: { builders: [{ id: 'a', status: 'running' }] } }));
    expect(v.quota).toEqual({});
    expect(statusText(v)).not.toContain('Limits:');
  });
});

describe('buildView: dependency waves', () => {
  const builders = [
    { id: 'core', status: 'completed', depends_on: [] },
    { id: 'ui', status: 'pending', depends_on: ['core', 'api'], waiting_for: ['api'] },
    { id: 'api', status: 'running', depends_on: ['core'], started: '2026-11-25T11:59:00Z' },
    { id: 'docs', status: 'failed', depends_on: ['ui'], exit_code: 1, failure: 'dependency', failure_message: 'dependency ui cannot start (dependency api failed)' },
  ];
  it('a waiting builder is shown waiting, with what it waits for and each builder\'s wave; a blocked one with why', () => {
    const v = buildView(input({ phase: 'execution', execution: { builders } }));
    const row = (id: string) => v.builders.find((b) => b.id === id)!;
    expect(row('ui')).toMatchObject({ status: 'waiting', waiting_for: ['api'], wave: 3 });
    expect([row('core').wave, row('api').wave, row('docs').wave]).toEqual([1, 2, 4]);
    expect(row('core').waiting_for).toEqual([]);
    const text = statusText(v);
    expect(text).toContain('\nWaves: 1: core | 2: api | 3: ui | 4: docs\n');
    expect(text).toContain('\n  ui: waiting for: api\n');
    expect(text).toContain('\n  docs: dependency ui cannot start (dependency api failed)');
  });

  it('no depends_on anywhere: no waves, nothing waits, pending stays pending', () => {
    const v = buildView(input({ phase: 'execution', execution: { builders: [{ id: 'a', status: 'pending' }, { id: 'b', status: 'pending', waiting_for: [] }] } }));
    expect(v.builders.map((b) => [b.status, b.wave, b.waiting_for])).toEqual([['pending', null, []], ['pending', null, []]]);
    expect(statusText(v)).not.toContain('Waves:');
  });
});

describe('buildView: builders', () => {
  it('elapsed time, exit, failure, usage and the last log line', () => {
    const v = buildView(
      input(
        {
          phase: 'execution',
          execution: {
            builders: [
              { id: 'a', status: 'completed', started: '2026-11-25T11:00:00Z', completed: '2026-11-25T11:01:30Z', exit_code: 0, usage: usage(100, 20, 0.5) },
              { id: 'b', status: 'running', started: '2026-11-25T11:59:00Z', pid: '7' },
              { id: 'c', status: 'failed', exit_code: 124, failure: 'timeout', usage: usage(10, 2, 0.25) },
              { id: 'd', status: 'failed', exit_code: 3 },
              { id: 'e', status: 'pending' },
            ],
          },
        },
        { builderLogs: { a: 'done', c: 'killed' } },
      ),
    );
    const [a, b, c, d, e] = v.builders;
    expect(a).toMatchObject({ id: 'a', status: 'completed', elapsed_seconds: 90, exit_code: 0, failure: null, agent: 'claude', model: 'm', session_id: 's', last_log_line: 'done' });
    expect(a!.usage).toEqual({ input_tokens: 100, output_tokens: 20, cache_read_tokens: 1, cost_usd: 0.5 });
    expect(b).toMatchObject({ status: 'running', elapsed_seconds: 60, exit_code: null, usage: null, last_log_line: null });
    expect(c).toMatchObject({ failure: 'timeout', exit_code: 124, last_log_line: 'killed' });
    expect(d).toMatchObject({ failure: 'exit', failure_message: 'exit status 3' });
    expect(e).toMatchObject({ status: 'pending', elapsed_seconds: null, failure: null });
    expect(v.totals).toEqual({ builders: 5, by_status: { completed: 1, running: 1, failed: 2, pending: 1 }, input_tokens: 110, output_tokens: 22, cache_read_tokens: 2, cost_usd: 0.75, by_agent: { claude: { input_tokens: 110, output_tokens: 22, cache_read_tokens: 2, cost_usd: 0.75 } }, by_merge: { merged: 0, conflict: 0, resolved_by_agent: 0, verify_failed: 0, skipped: 0 } });
  });

  it('failure as an object keeps its message', () => {
    const v = buildView(input({ execution: { builders: [{ id: 'a', status: 'failed', failure: { kind: 'verify', message: 'npm test failed' } }] } }));
    expect(v.builders[0]).toMatchObject({ failure: 'verify', failure_message: 'npm test failed' });
  });

  it('failure_message beside a failure kind (the runner, a worker) is the row\'s message; status text lists it', () => {
    const v = buildView(input({ execution: { builders: [{ id: 'a', status: 'failed', exit_code: 1, failure: 'agent_error', failure_message: 'claude exited with status 1: refused' }] } }));
    expect(v.builders[0]).toMatchObject({ failure: 'agent_error', failure_message: 'claude exited with status 1: refused' });
    expect(statusText(v)).toContain('\nFailures:\n  a: claude exited with status 1: refused\n');
  });

  it('totals: design usage plus execution.usage (the builders total) when recorded', () => {
    const v = buildView(input({ design: { summary: '', components: [], approved: true, usage: usage(5, 5, 0.1) }, execution: { usage: usage(50, 50, 1), builders: [{ id: 'a', usage: usage(50, 50, 1) }] } }));
    expect(v.totals).toMatchObject({ input_tokens: 55, output_tokens: 55, cost_usd: 1.1 });
    expect(v.design?.usage?.cost_usd).toBe(0.1);
  });

  it('no usage anywhere: zero tokens and no cost (not $0)', () => {
    const v = buildView(input({ execution: { builders: [{ id: 'a', status: 'completed' }] } }));
    expect(v.totals).toMatchObject({ input_tokens: 0, output_tokens: 0, cost_usd: null });
  });

  it('tolerates what tests and old scripts write: missing fields, strings, null execution', () => {
    expect(buildView(input({ execution: null })).builders).toEqual([]);
    const v = buildView(input({ execution: { builders: [{}, 'junk', { id: 3, progress: '100', exit_code: 'x' }] } }));
    expect(v.builders.map((b) => [b.id, b.status, b.exit_code])).toEqual([['null', 'pending', null], ['null', 'pending', null], ['3', 'pending', null]]);
  });
});

describe('buildView: merge, conflicts, errors, orchestrator', () => {
  it('merge lists, target and per-builder merge outcome', () => {
    const v = buildView(
      input({
        merge: { target: 'main', merged: ['a'], conflicts: ['b'], skipped: [], missing: [], failed: [], completed: 'T' },
        merge_conflicts: ['b'],
        execution: { builders: [{ id: 'a', status: 'completed' }, { id: 'b', status: 'completed' }, { id: 'c', status: 'completed', merge: { status: 'merged' } }] },
      }),
    );
    expect(v.merge).toMatchObject({ target: 'main', merged: ['a'], conflicts: ['b'] });
    expect(v.builders.map((b) => b.merge)).toEqual(['merged', 'conflict', 'merged']);
    expect(v.conflicts).toEqual(['b']);
  });

  it('the specific error and the recovery hint', () => {
    const v = buildView(input({ error_recovery: { last_error: 'Not a git repository', retry_count: 5, recovery_action: 'Handler merge_build failed…' } }));
    expect(v.error).toEqual({ last_error: 'Not a git repository', recovery_action: 'Handler merge_build failed…', retry_count: 5, hint: 'Handler merge_build failed…' });
    expect(buildView(input({ error_recovery: { last_error: null, retry_count: 0, recovery_action: null } })).error).toBeNull();
  });

  it.each([
    [{ pidFile: true, pid: 5, alive: true }, true, 'Running (PID 5)'],
    [{ pidFile: true, pid: 5, alive: false }, false, 'Not running (stale PID file)'],
    [{ pidFile: true, pid: null, alive: false }, false, 'Not running (stale PID file)'],
    [{ pidFile: false, pid: null, alive: false }, false, 'Not running'],
  ])('orchestrator %o', (orch, running, textOut) => {
    const v = buildView(input({}, { orchestrator: orch }));
    expect(v.orchestrator.running).toBe(running);
    expect(v.orchestrator.text).toBe(textOut);
  });

  it('rejected components of the design are shown with their reasons', () => {
    const v = buildView(input({ phase: 'design', action_needed: 'approve_design', design: { summary: 's', components: [{ id: 'ok', description: 'd' }], approved: false, rejected_components: [{ id: 'a b', reason: 'answer: invalid id' }, { id: null, reason: 'answer: no id' }] } }));
    expect(v.design?.rejected).toEqual([{ id: 'a b', reason: 'answer: invalid id' }, { id: null, reason: 'answer: no id' }]);
    expect(buildView(input({ design: { summary: '', components: [] } })).design?.rejected).toEqual([]);
  });

  it('a design without a component list: said so, and only the editor is offered (never the plain approve that fails)', () => {
    for (const design of [{ summary: 'prose', components: [], approved: false, plan_followup: true }, undefined]) {
      const v = buildView(input({ phase: 'design', action_needed: 'approve_design', design }));
      expect(v.next.what).toMatch(/^The design has no component list.*: add the components in the editor \(the dashboard's component editor, or a file components.json holding a JSON list such as \[\{"id": "core"/);
      expect(v.next.commands).toEqual(['argo approve --components components.json /p']);
      const text = statusText(v);
      expect(text).toContain('The design has no component list');
      expect(text).not.toMatch(/^ +argo approve \/p$/m);
    }
    expect(buildView(input({ phase: 'design', action_needed: 'approve_design', design: { components: [], plan_followup: true } })).next.what).toContain('(the CI tool was asked twice)');
  });

  it('a plan with a dependency cycle: named, only the editor offered; plan warnings in the view and the status text', () => {
    const design = { summary: 's', approved: false, components: [{ id: 'a', description: '', depends_on: ['b'] }, { id: 'b', description: '', depends_on: ['a'], paths: ['src/b'], acceptance: 'ok' }], warnings: ['dependency cycle: a → b → a (these components can never start)'] };
    const v = buildView(input({ phase: 'design', action_needed: 'approve_design', design }));
    expect(v.design?.cycles).toEqual(['a → b → a']);
    expect(v.design?.components[1]).toEqual({ id: 'b', description: '', depends_on: ['a'], paths: ['src/b'], acceptance: 'ok' });
    expect(v.next.what).toMatch(/^The plan has a dependency cycle \(a → b → a\), which can never run/);
    expect(v.next.commands).toEqual(['argo approve --components components.json /p']);
    expect(statusText(v)).toContain('Plan warnings (1):\n  dependency cycle: a → b → a (these components can never start)\n');
    const warned = buildView(input({ phase: 'design', action_needed: 'approve_design', design: { ...ONE_COMPONENT, warnings: ['w1', 'w2'] } }));
    expect(warned.next.what).toBe('Review the design (1 components, 2 plan warnings) and approve it.');
    expect(warned.design?.warnings).toEqual(['w1', 'w2']);
    expect(warned.next.commands[0]).toBe('argo approve /p');
  });

  it('paths with spaces are quoted in commands', () => {
    const v = buildView(input({ phase: 'design', action_needed: 'approve_design', design: ONE_COMPONENT }, { path: "/my proj's" }));
    expect(v.next.commands[0]).toBe(`argo approve '/my proj'\\''s'`);
  });
});

/** The words bash reads from `line` (run as `printf '%s\0' <line>`). */
const bashWords = (line: string) => execFileSync('bash', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' }).split('\0').slice(0, -1);

describe('next-step commands: every path is one word to bash', () => {
  it.each([
    ['a plain path stays as it is', '/srv/proj-1/a_b.c', false],
    ['a leading dash (the same word quoted or not)', '-rf', false],
    ['a space', '/my proj', true],
    ['a tab', '/a\tb', true],
    ['a single quote', "/it's", true],
    ['only quotes', "''", true],
    ['a double quote', '/a"b', true],
    ['a dollar', '/$HOME/x', true],
    ['a command substitution', '/$(id)', true],
    ['a backtick', '/`id`', true],
    ['a newline', '/a\nb', true],
    ['a backslash', '/a\\b', true],
    ['glob characters', '/*/?/[ab]', true],
    ['braces', '/{a,b}', true],
    ['a tilde', '~/x', true],
    ['a comment sign', '#x', true],
    ['; | & ( ) < >', '/a;b|c&d(e)<f>g', true],
    ['an exclamation mark', '/wow!', true],
    ['non-ASCII', '/projé', true],
    ['empty', '', true],
  ])('%s', (_n, path, quoted) => {
    const word = shellWord(path);
    expect(word !== path).toBe(quoted);
    expect(bashWords(word)).toEqual([path]);
    expect(bashWords(`${word} ${word}`)).toEqual([path, path]);
  });

  it('the commands shown run as shown: the argo path, the project path and builder ids each one word', () => {
    const dir = join(tempDir(), "argo's install $x");
    mkdirSync(dir);
    const argo = join(dir, 'argo');
    writeFileSync(argo, "#!/bin/bash\nprintf '%s\\0' \"$@\"\n");
    chmodSync(argo, 0o755);
    const path = "/my proj's `x` $y\nz";
    const run = (line: string) => execFileSync('bash', ['-c', line], { encoding: 'utf8' }).split('\0').slice(0, -1);
    const approve = buildView(input({ phase: 'design', action_needed: 'approve_design', design: ONE_COMPONENT }, { path, argo }));
    expect(run(approve.next.commands[0]!)).toEqual(['approve', path]);
    const retry = buildView(input({ phase: 'merge_build', action_owner: 'user', action_needed: 'review_merge', execution: { builders: [{ id: 'x y', status: 'failed', exit_code: 3 }] } }, { path, argo }));
    expect(run(retry.next.commands[0]!)).toEqual(['retry', path, 'x y']);
  });
});

describe('buildView: limits', () => {
  it('a bad limit is shown and hands to the user, naming key, value, file and what is accepted', () => {
    const v = buildView(input({ phase: 'execution', action_owner: 'code', action_needed: 'spawn_builders' }, { config: { limits: { max_cost_usd: '$1' } } }));
    expect(v.limits.problems.map((p) => p.text)).toEqual(['limits.max_cost_usd is "$1" in .argo-project/config.json; accepted: a positive number of US dollars (e.g. 20 or 0.5), or null for no limit']);
    expect(v.next.who).toBe('user');
    expect(v.next.what).toMatch(/^Fix the limits .*limits\.max_cost_usd is "\$1"/);
    expect(v.next.commands).toEqual(['argo doctor /p']);
  });
  it('a bad value in state.json is shown as well; a config that is not JSON is a problem', () => {
    expect(buildView(input({ limits: { max_cost_usd: 0 } })).limits.problems[0]).toMatchObject({ key: 'limits.max_cost_usd', value: 0, source: '.argo-project/state.json' });
    expect(buildView(input({}, { configError: 'config file x is not valid JSON' })).next.what).toMatch(/not valid JSON/);
  });
  it('each limit in force with where it came from; the budget hint names that file', () => {
    const v = buildView(
      input({ phase: 'execution', action_owner: 'user', action_needed: 'review_budget', limits: { max_parallel_builders: 10, max_workflow_hours: 48 }, execution: { builders: [] } }, { config: { limits: { max_cost_usd: 5, max_parallel_builders: 2 } } }),
    );
    expect(v.limits.effective.find((e) => e.key === 'limits.max_parallel_builders')).toMatchObject({ value: 2, source: '.argo-project/config.json' });
    expect(v.limits.effective.find((e) => e.key === 'limits.max_workflow_hours')).toMatchObject({ value: 48, source: '.argo-project/state.json' });
    expect(v.next.what).toMatch(/raise limits\.max_cost_usd in \.argo-project\/config\.json/);
  });
});

describe('buildView: the budget and the spend per agent', () => {
  const halted = {
    phase: 'execution',
    action_owner: 'user',
    action_needed: 'review_budget',
    limits: { max_cost_usd: 0.4 },
    design: { usage: usage(1, 1, 0.05) },
    execution: {
      halt_reason: 'the cost so far (0.41 USD) reached limits.max_cost_usd (0.4 USD)',
      builders: [
        { id: 'a', status: 'completed', usage: usage(1, 1, 0.3) },
        { id: 'b', status: 'failed', failure: 'budget', usage: { ...usage(2, 2, 0.06), agent: 'codex' } },
        { id: 'c', status: 'failed', failure: 'budget' },
      ],
    },
  };
  it('--json: the limit, where it comes from, the spend in total and per agent (design and builders)', () => {
    const v = buildView(input(halted));
    expect(v.budget).toEqual({
      limit_usd: 0.4,
      source: '.argo-project/state.json',
      spent_usd: 0.41,
      by_agent: [
        { agent: 'claude', cost_usd: 0.35, input_tokens: 2, output_tokens: 2, runs: ['a', 'design'] },
        { agent: 'codex', cost_usd: 0.06, input_tokens: 2, output_tokens: 2, runs: ['b'] },
      ],
    });
    expect(v.next).toMatchObject({ who: 'user', commands: ['argo budget /p --raise 0.82', 'argo budget /p'] });
    expect(v.next.what).toMatch(/raise limits.max_cost_usd in .argo-project\/state.json with argo budget --raise <new total USD> to continue/);
  });
  it('the text shows the budget and each agent\'s spend when a budget is set or the workflow waits on it, not otherwise', () => {
    const text = statusText(buildView(input(halted)));
    expect(text).toContain('Budget: $0.4100 spent of $0.4000 (limits.max_cost_usd, .argo-project/state.json)\n  claude: $0.3500 (a, design)\n  codex: $0.0600 (b)\n');
    const noBudget = { ...halted, action_needed: 'merge_branches', limits: {} };
    expect(statusText(buildView(input(noBudget)))).not.toContain('Budget:');
    expect(statusText(buildView(input({ ...noBudget, action_needed: 'review_budget' })))).toContain('Budget: $0.4100 spent of no limit');
    expect(buildView(input(noBudget)).budget).toMatchObject({ limit_usd: null, source: 'default', spent_usd: 0.41 });
  });
});

describe('buildView: a stopped workflow', () => {
  const running = (extra: Record<string, unknown> = {}) => ({ phase: 'execution', action_owner: 'code', action_needed: 'spawn_builders', execution: { builders: [{ id: 'a', status: 'running', started: '2026-11-25T11:00:00Z', pid: '7', ...extra }] } });
  const stoppedOrchestrator = { orchestrator: { pidFile: false, pid: null, alive: false } };
  it('its running builders read interrupted, their time ending at the recorded stop', () => {
    const v = buildView(input(running({ stopped: '2026-11-25T11:02:00Z' }), stoppedOrchestrator));
    expect(v.builders[0]).toMatchObject({ status: 'interrupted', elapsed_seconds: 120 });
    expect(v.totals.by_status).toEqual({ interrupted: 1 });
  });
  it('without a recorded stop (a crash): interrupted when neither orchestrator nor builder runs, time ending at its log\'s last write', () => {
    const v = buildView(input(running(), { ...stoppedOrchestrator, builderLogTimes: { a: Date.parse('2026-11-25T11:00:30Z') } }));
    expect(v.builders[0]).toMatchObject({ status: 'interrupted', elapsed_seconds: 30 });
  });
  it('still running: the orchestrator runs, or the builder\'s own process is there; a stop before a restart does not count', () => {
    expect(buildView(input(running())).builders[0]).toMatchObject({ status: 'running', elapsed_seconds: 3600 });
    expect(buildView(input(running(), { ...stoppedOrchestrator, builderAlive: { a: true } })).builders[0]!.status).toBe('running');
    expect(buildView(input(running({ stopped: '2026-11-25T10:00:00Z' }))).builders[0]!.status).toBe('running');
  });
});
