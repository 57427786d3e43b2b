// The budget and the workflow's end (workflow/limits.ts): one rule for the local execution
// engine, the distributed coordinator and a worker's job.
import { describe, expect, it } from 'vitest';
import { budgetHalt, deadlineHalt, deadlinePassed, haltFor, recordedUsage, timeLeft } from '../../workflow/limits.js';
import { fromPlain, type JsonObject } from '../../core/json_doc.js';
import { readBuilders } from '../../store/builders.js';

const costs = (...c: (number | null)[]) => c.map((cost_usd) => ({ cost_usd }));

describe('budgetHalt (limits.max_cost_usd: the builders stop once the cost reaches it)', () => {
  it('exactly the limit halts: "reaches" is >=, not >', () => {
    expect(budgetHalt(costs(0.5, 0.5), 1)).toEqual({ failure: 'budget', reason: 'the cost so far (1 USD) reached limits.max_cost_usd (1 USD)' });
    expect(budgetHalt(costs(2), 2)).toMatchObject({ failure: 'budget' });
    // 0.1 + 0.2 is 0.30000000000000004 in floats: the sum is rounded, so it is the limit, not over it
    expect(budgetHalt(costs(0.1, 0.2), 0.3)).toMatchObject({ failure: 'budget' });
  });
  it('over the limit halts; under it, no limit, or no known cost does not', () => {
    expect(budgetHalt(costs(0.7, 0.5), 1)).toMatchObject({ failure: 'budget' });
    expect(budgetHalt(costs(0.5, 0.49999999), 1)).toBeNull();
    expect(budgetHalt(costs(0.5, null), 1)).toBeNull();
    expect(budgetHalt(costs(100), null)).toBeNull();
    expect(budgetHalt([], 1)).toBeNull();
  });
});

describe('the workflow deadline (limits.max_workflow_hours)', () => {
  it('has passed at the deadline itself, not a millisecond before; never without one', () => {
    expect(deadlinePassed(1000, 1000)).toBe(true);
    expect(deadlinePassed(1000, 999)).toBe(false);
    expect(deadlinePassed(null, 1e15)).toBe(false);
    expect(deadlinePassed(undefined, 1e15)).toBe(false);
    expect(deadlineHalt(1000, 1000)).toEqual({ failure: 'time_limit', reason: 'the workflow time limit (limits.max_workflow_hours) passed' });
    expect(deadlineHalt(1000, 999)).toBeNull();
  });
  it.each([
    ['no deadline: the builder limit', 60_000, null, 0, 60_000],
    ['the deadline first: the time left until it', 60_000, 10_000, 0, 10_000],
    ['the builder limit first: the builder limit', 60_000, 100_000, 0, 60_000],
    ['a deadline 3 s away cuts an hour-long limit to 3 s', 3_600_000, 5_000, 2_000, 3_000],
    ['no builder limit (0): the time left', 0, 10_000, 0, 10_000],
    ['the deadline passed: 1 ms (the run ends at once), never 0 (no limit) or negative', 60_000, 5, 10, 1],
  ])('timeLeft: %s', (_n, limit, deadline, now, want) => {
    expect(timeLeft(limit, deadline, now)).toBe(want);
  });
});

describe('the one timeLeft contract (local and remote builders alike)', () => {
  it('0 means no limit, in and out: no builder limit and no deadline is 0, never a guess', () => {
    expect(timeLeft(0, null, 0)).toBe(0);
    expect(timeLeft(0, undefined, 5)).toBe(0);
  });
});

describe('recordedUsage (what counts towards limits.max_cost_usd when a run starts)', () => {
  it('each builder\'s recorded usage by id, and the design\'s under a key no builder id can be', () => {
    const doc = fromPlain({ design: { usage: { cost_usd: 1 } }, execution: { builders: [{ id: 'a', usage: { cost_usd: '0.5' } }, { id: 'b' }, { id: 'c', usage: null }] } }) as JsonObject;
    const spent = recordedUsage(doc, readBuilders(doc));
    expect([...spent.keys()]).toEqual(['a', '/design']);
    // a hand-edited state's text is read as the number it says, so the budget counts it
    expect(spent.get('a')!.cost_usd).toBe(0.5);
    expect(haltFor({ maxCostUsd: 1.5, deadline: null, spent }, 0)).toMatchObject({ failure: 'budget' });
  });
});
