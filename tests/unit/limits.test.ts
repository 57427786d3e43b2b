import { describe, expect, it } from 'vitest';
import { effectiveText, problemText, readLimits, type LimitsReading } from '../../workflow/limits.js';

const sourceOf = (r: LimitsReading, key: string) => r.effective.find((e) => e.key === key)?.source;
import { MAX_TIMER_MS, timerDelay } from '../../core/timer.js';
import { initialState } from '../../store/state.js';
import { toPlain } from '../../core/json_doc.js';
import { runAgent } from '../../agents/run/runner.js';

const stateDefaults = () => (toPlain(initialState('p')) as { limits: unknown }).limits;

describe('readLimits', () => {
  it('defaults: 10 builders, 5 retries, 3600 s builder, 900 s design, 600 s stall, no cost or workflow bound, 60 s back-off and 8 waits on a limit', () => {
    expect(readLimits(undefined, {}).limits).toEqual({
      maxParallelBuilders: 10,
      maxBuilderRetries: 5,
      maxWorkflowHours: null,
      maxCostUsd: null,
      builderTimeoutMs: 3600_000,
      designTimeoutMs: 900_000,
      stallMs: 600_000,
      verifyRetries: 0,
      fallbackAfterWaits: 2,
      rateLimitBackoffSeconds: 60,
      rateLimitMaxWaits: 8,
    });
  });

  it.each([
    ['rate_limit_backoff_seconds', 0, 'a positive number of seconds'],
    ['rate_limit_backoff_seconds', 'soon', 'a positive number of seconds'],
    ['rate_limit_max_waits', -1, 'a whole number of waits, 0 or more'],
    ['rate_limit_max_waits', 2.5, 'a whole number of waits, 0 or more'],
  ])('limits.%s = %j is refused, naming key, value and what is accepted', (key, value, accepted) => {
    const r = readLimits(undefined, { limits: { [key]: value } });
    expect(r.limits).toBeNull();
    expect(r.problems.map(problemText)).toEqual([expect.stringMatching(new RegExp(`^limits\\.${key} is ${JSON.stringify(JSON.stringify(value)).slice(1, -1).replace(/[.]/g, '\\.')} in .*; accepted: ${accepted}`))]);
  });

  it('the wait limits as given: a back-off of 0.5 s, no waits at all', () => {
    expect(readLimits(undefined, { limits: { rate_limit_backoff_seconds: 0.5, rate_limit_max_waits: 0 } }).limits).toMatchObject({ rateLimitBackoffSeconds: 0.5, rateLimitMaxWaits: 0 });
  });

  it('the initial state.json of COMPAT §2.2 is valid: 48 hours from state, the rest built in', () => {
    const r = readLimits(stateDefaults(), {});
    expect(r.problems).toEqual([]);
    expect(r.limits).toMatchObject({ maxParallelBuilders: 10, maxWorkflowHours: 48 });
    expect(sourceOf(r, 'limits.max_workflow_hours')).toBe('.argo-project/state.json');
    expect(sourceOf(r, 'limits.max_cost_usd')).toBe('default');
  });

  it('one precedence: config.json, then state.json, then the default (config max_parallel_builders beats the state default)', () => {
    const r = readLimits(stateDefaults(), { limits: { max_parallel_builders: 2, builder_timeout_seconds: 9 } });
    expect(r.limits).toMatchObject({ maxParallelBuilders: 2, builderTimeoutMs: 9000, maxWorkflowHours: 48 });
    expect(sourceOf(r, 'limits.max_parallel_builders')).toBe('.argo-project/config.json');
    // only state sets it: the state's value (as COMPAT's initial state has it)
    expect(readLimits({ max_parallel_builders: 3 }, {}).limits?.maxParallelBuilders).toBe(3);
    // null in config: not set there, the state's value counts
    expect(readLimits({ max_cost_usd: 4 }, { limits: { max_cost_usd: null } }).limits?.maxCostUsd).toBe(4);
  });

  it('numbers written as text by update_state count; "null" is unset', () => {
    expect(readLimits({ max_cost_usd: '2.5', max_parallel_builders: '4', max_workflow_hours: 'null' }, {}).limits).toMatchObject({ maxCostUsd: 2.5, maxParallelBuilders: 4, maxWorkflowHours: null });
  });

  for (const bad of [0, -1, 'abc', '$1', '', true, [5], { usd: 5 }]) it(`max_cost_usd ${JSON.stringify(bad)} is refused, never "no limit"`, () => {
    const r = readLimits({}, { limits: { max_cost_usd: bad } });
    expect(r.limits).toBeNull();
    expect(r.problems).toEqual([{ key: 'limits.max_cost_usd', value: bad, source: '.argo-project/config.json', accepted: expect.stringContaining('positive number of US dollars') }]);
  });

  it('bad counts and durations are refused, each naming key, value, file and what is accepted', () => {
    const r = readLimits({ max_parallel_builders: 2.5, builder_stall_seconds: 'soon', design_timeout_seconds: 0, max_builder_retries: -1 }, { verify: { retries: 'twice' } });
    expect(r.limits).toBeNull();
    expect(r.problems.map(problemText)).toEqual([
      'limits.max_parallel_builders is 2.5 in .argo-project/state.json; accepted: a whole number of builders, 1 or more',
      'limits.max_builder_retries is -1 in .argo-project/state.json; accepted: a whole number, 0 or more',
      'limits.design_timeout_seconds is 0 in .argo-project/state.json; accepted: a positive number of seconds (above 2147483.647 the timer holds 2147483.647)',
      'limits.builder_stall_seconds is "soon" in .argo-project/state.json; accepted: a positive number of seconds (above 2147483.647 the timer holds 2147483.647)',
      'verify.retries is "twice" in .argo-project/config.json; accepted: a whole number, 0 or more',
    ]);
  });

  it('a misspelt key or a limits that is no object is refused, not ignored', () => {
    expect(readLimits({}, { limits: { max_cost: 5 } }).problems.map((p) => p.key)).toEqual(['limits.max_cost']);
    expect(readLimits(5, {}).problems.map((p) => p.key)).toEqual(['limits']);
    // the original's unused key is allowed
    expect(readLimits({ checkpoint_retention_days: 30 }, {}).problems).toEqual([]);
  });

  it('durations longer than a timer holds are clamped to 2^31-1 ms, and say so', () => {
    const r = readLimits({}, { limits: { builder_timeout_seconds: 2_200_000, builder_stall_seconds: 1e300, design_timeout_seconds: 2_147_483 } });
    expect(r.limits).toMatchObject({ builderTimeoutMs: MAX_TIMER_MS, stallMs: MAX_TIMER_MS, designTimeoutMs: 2_147_483_000 });
    const timeout = r.effective.find((e) => e.key === 'limits.builder_timeout_seconds')!;
    expect(effectiveText(timeout)).toBe('limits.builder_timeout_seconds = 2147483.647 (.argo-project/config.json) - clamped: a timer holds at most 2147483.647 s');
  });
});

describe('timerDelay', () => {
  it('clamps to what setTimeout holds', () => {
    expect(timerDelay(2 ** 31)).toBe(MAX_TIMER_MS);
    expect(timerDelay(Infinity)).toBe(MAX_TIMER_MS);
    expect(timerDelay(-5)).toBe(0);
    expect(timerDelay(NaN)).toBe(0);
    expect(timerDelay(1500)).toBe(1500);
  });
});

describe('a time limit longer than a timer holds', () => {
  it('does not end the run at once (it used to fire after 1 ms: every builder failed "timeout")', async () => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME };
    const r = await runAgent({ argv: ['bash', '-c', 'sleep 0.3; exit 0'], cwd: '/tmp', env, timeoutMs: 2 ** 31 + 1000 });
    expect(r).toMatchObject({ cause: 'exit', timedOut: false, code: 0 });
  });
});
