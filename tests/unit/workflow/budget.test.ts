// The budget as a person meets it (workflow/budget.ts, steer/budget.ts's pure halves): the
// spend per agent counted as the budget counts it, --raise read and decided, the command line.
import { describe, expect, it } from 'vitest';
import { budgetHalt, recordedUsage } from '../../../workflow/limits.js';
import { budgetHalted, budgetLimit, decideRaise, parseRaise, spendSoFar, suggestedLimit } from '../../../workflow/budget.js';
import { budgetArgs, budgetLines } from '../../../steer/budget.js';
import { fromPlain, JsonObject } from '../../../core/json_doc.js';
import { readBuilders } from '../../../store/builders.js';

const use = (cost: number | null, agent?: string, i = 10, o = 5) => ({ input_tokens: i, output_tokens: o, cache_read_tokens: 0, cost_usd: cost, session_id: 's', ...(agent ? { agent } : {}), model: null });

/** A workflow halted by the budget: claude designed (0.05), two claude builders and a codex one spent. */
function halted(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    phase: 'execution',
    action_owner: 'user',
    action_needed: 'review_budget',
    limits: { max_parallel_builders: 10, max_cost_usd: 0.4 },
    design: { summary: 's', usage: use(0.05, 'claude') },
    execution: {
      halt_reason: 'the cost so far (0.41 USD) reached limits.max_cost_usd (0.4 USD)',
      builders: [
        { id: 'a', status: 'completed', usage: use(0.2, 'claude') },
        { id: 'b', status: 'failed', failure: 'budget', usage: use(0.1, 'claude') },
        { id: 'c', status: 'failed', failure: 'budget', usage: use(0.06, 'codex', 7, 3) },
        { id: 'd', status: 'failed', failure: 'budget' },
        { id: 'e', status: 'failed', failure: 'agent_error' },
      ],
    },
    ...extra,
  };
}

describe('spendSoFar: the spend per agent', () => {
  it('sums each agent\'s runs (the design with the builders) and the total the budget counts', () => {
    const s = spendSoFar(halted());
    expect(s.by_agent).toEqual([
      { agent: 'claude', cost_usd: 0.35, input_tokens: 30, output_tokens: 15, runs: ['a', 'b', 'design'] },
      { agent: 'codex', cost_usd: 0.06, input_tokens: 7, output_tokens: 3, runs: ['c'] },
    ]);
    expect(s.total_usd).toBe(0.41);
  });

  it('its total is exactly what budgetHalt compares (recordedUsage of the same document)', () => {
    const state = halted();
    const doc = fromPlain(state) as JsonObject;
    const counted = [...recordedUsage(doc, readBuilders(state)).values()];
    expect(budgetHalt(counted, 0.41)?.reason).toContain(`(${spendSoFar(state).total_usd} USD)`);
  });

  it('a repeated builder id counts once (its last row), a run without agent is `unknown`, no cost stays null', () => {
    const s = spendSoFar({ execution: { builders: [{ id: 'x', usage: use(1, 'claude') }, { id: 'x', usage: use(2, 'claude') }, { id: 'y', usage: use(null) }] } });
    expect(s.by_agent).toEqual([
      { agent: 'claude', cost_usd: 2, input_tokens: 10, output_tokens: 5, runs: ['x'] },
      { agent: 'unknown', cost_usd: null, input_tokens: 10, output_tokens: 5, runs: ['y'] },
    ]);
    expect(s.total_usd).toBe(2);
    expect(spendSoFar({})).toEqual({ total_usd: null, by_agent: [] });
    const odd = spendSoFar({ design: { usage: { cost_usd: 1, agent: '' } }, execution: { builders: [{ id: 'z', usage: { cost_usd: 2, agent: 7 } }] } });
    expect(odd.by_agent).toEqual([{ agent: 'unknown', cost_usd: 3, input_tokens: null, output_tokens: null, runs: ['z', 'design'] }]);
  });
});

describe('spendSoFar with a fail-over (usage_by_agent)', () => {
  it('a builder that ran on two agents counts towards each with its share; the total is its usage', () => {
    const state = {
      execution: {
        builders: [
          { id: 'ui', usage: { cost_usd: 0.3, input_tokens: 30, output_tokens: 3, agent: 'codex' }, usage_by_agent: { claude: { cost_usd: 0.1, input_tokens: 10, output_tokens: 1 }, codex: { cost_usd: 0.2, input_tokens: 20, output_tokens: 2 } } },
          { id: 'core', usage: { cost_usd: 0.05, input_tokens: 5, output_tokens: 1, agent: 'claude' } },
        ],
      },
    };
    const spend = spendSoFar(state);
    expect(spend.total_usd).toBeCloseTo(0.35, 10);
    expect(spend.by_agent.map((a) => [a.agent, a.cost_usd, a.runs])).toEqual([
      ['claude', 0.15, ['ui', 'core']],
      ['codex', 0.2, ['ui']],
    ]);
  });
});

describe('parseRaise: the new total limit', () => {
  it.each([
    ['25', 25],
    ['0.5', 0.5],
    ['.5', 0.5],
    [' 12. ', 12],
  ])('%j is %d USD', (text, usd) => expect(parseRaise(text)).toEqual({ usd }));
  it.each([
    ['+5', /increment/],
    ['abc', /not a number/],
    ['-5', /not a number/],
    ['$5', /not a number/],
    ['5 USD', /not a number/],
    ['1e3', /not a number/],
    ['', /not a number/],
    ['0', /not a positive/],
    ['0.000', /not a positive/],
  ])('%j is refused', (text, why) => expect((parseRaise(text) as { why: string }).why).toMatch(why));
});

describe('decideRaise (pure)', () => {
  it('waiting on review_budget: raises in state.json (where the limit comes from) and runs again only the builders the budget stopped', () => {
    expect(decideRaise(halted(), {}, '1')).toEqual({ kind: 'raise', usd: 1, from: 0.4, where: '.argo-project/state.json', spent: 0.41, resume: { ids: ['b', 'c', 'd'] } });
  });

  it('config.json sets the limit: it wins, so the raise is written there', () => {
    const d = decideRaise(halted(), { limits: { max_cost_usd: 0.4 } }, '2');
    expect(d).toMatchObject({ kind: 'raise', where: '.argo-project/config.json', from: 0.4 });
  });

  it('no limit set (or null in config.json): the new one goes to state.json; not waiting: nothing continues', () => {
    const state = { ...halted({ action_needed: 'merge_branches', action_owner: 'code' }), limits: {} };
    expect(decideRaise(state, { limits: { max_cost_usd: null } }, '5')).toMatchObject({ kind: 'raise', from: null, where: '.argo-project/state.json', resume: null });
  });

  it.each([
    ['0.41', /--raise "0.41" for limits.max_cost_usd: not above the spend so far; spent so far: 0.41 USD; accepted: the new total limit in US dollars, a plain number \(e.g. 0.82\) above the spend so far \(0.41 USD\)$/],
    ['0.3', /not above the spend so far; spent so far: 0.41 USD/],
    ['abc', /^--raise "abc" for limits.max_cost_usd: not a number of US dollars; spent so far: 0.41 USD; accepted: /],
    ['+1', /^--raise "\+1" for limits.max_cost_usd: an increment \(\+N\) is not taken: give the new total limit; spent so far: 0.41 USD/],
  ])('refuses %j with one sentence naming the key, the value, the spend and what is accepted', (text, want) => {
    const d = decideRaise(halted(), {}, text);
    expect(d.kind).toBe('refuse');
    expect((d as { message: string }).message).toMatch(want);
  });

  it('never lowers a limit above the spend; accepts the limit in force itself (continue after a halt on it)', () => {
    const state = halted({ limits: { max_cost_usd: 5 } });
    const d = decideRaise(state, {}, '3');
    expect((d as { message: string }).message).toMatch(/below the limit in force \(5 USD in .argo-project\/state.json\): --raise never lowers the budget.*accepted: .*above the spend so far \(0.41 USD\) and not below the limit in force \(5 USD\)/);
    expect(decideRaise(state, {}, '5')).toMatchObject({ kind: 'raise', usd: 5 });
  });

  it('a bad budget is replaced where it is written; another bad limit refuses the raise (the workflow could not go on)', () => {
    expect(decideRaise(halted(), { limits: { max_cost_usd: '$1' } }, '2')).toMatchObject({ kind: 'raise', where: '.argo-project/config.json', from: null });
    const d = decideRaise(halted(), { limits: { max_parallel_builders: 0 } }, '2');
    expect((d as { message: string }).message).toMatch(/another limit is bad \(limits.max_parallel_builders is 0 in .argo-project\/config.json; accepted: .*\); fix it first/);
    // a state `limits` that is no object is not replaced by the raise: refused
    expect((decideRaise(halted({ limits: 'abc' }), {}, '2') as { message: string }).message).toMatch(/another limit is bad \(limits is "abc" in .argo-project\/state.json/);
    expect(decideRaise(halted({ limits: 'null' }), {}, '2')).toMatchObject({ kind: 'raise', where: '.argo-project/state.json', from: null });
  });
});

describe('the budget\'s pieces', () => {
  it('budgetLimit says where the limit in force comes from, or why it is bad', () => {
    expect(budgetLimit(halted(), {})).toEqual({ usd: 0.4, source: '.argo-project/state.json', problem: null });
    expect(budgetLimit(halted(), { limits: { max_cost_usd: 3 } })).toMatchObject({ usd: 3, source: '.argo-project/config.json' });
    expect(budgetLimit({}, {})).toEqual({ usd: null, source: 'default', problem: null });
    expect(budgetLimit({ limits: { max_cost_usd: 'abc' } }, {}).problem).toMatch(/limits.max_cost_usd is "abc"/);
    // another limit's problem is not the budget's
    expect(budgetLimit({ limits: { max_cost_usd: 2, max_parallel_builders: 0 } }, {})).toEqual({ usd: 2, source: '.argo-project/state.json', problem: null });
  });
  it('budgetHalted: failed with failure budget, each id once', () => {
    expect(budgetHalted(halted())).toEqual(['b', 'c', 'd']);
    expect(budgetHalted({})).toEqual([]);
  });
  it('suggestedLimit: twice the limit or the spend, in cents, rounded up', () => {
    expect(suggestedLimit(0.4, 0.41)).toBe(0.82);
    expect(suggestedLimit(20, 3)).toBe(40);
    expect(suggestedLimit(null, 0)).toBe(10);
  });
});

describe('argo budget: the command line and what it prints', () => {
  it.each([
    [[], { project: undefined, raise: null, fromHere: false }],
    [['/p'], { project: '/p', raise: null, fromHere: false }],
    [['/p', '--raise', '25'], { project: '/p', raise: '25', fromHere: false }],
    [['--raise=+5', '/p'], { project: '/p', raise: '+5', fromHere: false }],
    [['--raise', '-5'], { project: undefined, raise: '-5', fromHere: false }],
    [['--env-from-here', '--raise', '3'], { project: undefined, raise: '3', fromHere: true }],
  ])('%j', (args, want) => expect(budgetArgs(args)).toEqual(want));
  it.each([
    [['--raise'], /--raise needs the new total limit of limits.max_cost_usd in US dollars/],
    [['--raise='], /--raise needs/],
    [['--raise', '1', '--raise', '2'], /given twice/],
    [['--rise', '1'], /unknown option '--rise'/],
    [['/a', '/b'], /one project folder only/],
  ])('%j is refused', (args, want) => expect((budgetArgs(args) as { error: string }).error).toMatch(want));

  it('shows the limit, the spend per agent and, waiting on review_budget, how to continue', () => {
    expect(budgetLines(halted(), {}, '/p')).toEqual([
      'Budget (limits.max_cost_usd): 0.4 USD (.argo-project/state.json)',
      'Spent so far: 0.41 USD',
      '  claude: 0.35 USD, tokens 30 in / 15 out (a, b, design)',
      '  codex: 0.06 USD, tokens 7 in / 3 out (c)',
      'The workflow waits on review_budget: argo budget /p --raise 0.82 (the new total limit in USD) continues it',
    ]);
    expect(budgetLines({}, {}, '/p')).toEqual(['Budget (limits.max_cost_usd): no limit', 'Spent so far: unknown']);
  });
});
