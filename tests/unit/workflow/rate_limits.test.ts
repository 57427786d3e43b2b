// Limits an agent reports (issue 19): the pure back-off, wait and quota decisions by table,
// and the engine (workflow/engine.ts) over the in-process queue with an injected clock — a
// limited job frees its slot, its builder waits and is queued again as a resume after its
// resume time, fails `rate_limited` after the last wait, and a preset's quota holds back
// and steps down.
import { describe, expect, it } from 'vitest';
import { until } from '../helpers.js';
import type { BuilderJob, BuilderResult, Claim, JobSnapshot } from '../../../distributed/backend.js';
import { LocalQueue } from '../../../distributed/local_queue.js';
import { LocalWorker } from '../../../distributed/local_worker.js';
import type { Halting } from '../../../workflow/limits.js';
import { runEngine, type EngineHooks, type EngineRun, type LimitedStep } from '../../../workflow/engine.js';
import { backoffMs, decideLimited, freshQuota, quotaAfterLimit, quotaAfterSuccess, quotaAt, quotaRoom, quotaView, type LimitSignal } from '../../../workflow/rate_limits.js';

const T0 = Date.parse('2026-12-03T15:00:00Z');
const rate: LimitSignal = { kind: 'rate_limit', reset_at: null, message: 'API Error: Request rejected (429)' };

describe('backoffMs (pure)', () => {
  it.each([
    [60, 0, 60_000],
    [60, 1, 120_000],
    [60, 3, 480_000],
    [60, 5, 1_800_000], // 32 min: held at 30
    [60, 20, 1_800_000],
    [1, 0, 1000],
    [0.05, 2, 200],
  ])('base %s s after %i waits: %i ms', (base, waits, want) => expect(backoffMs(base, waits)).toBe(want));
});

describe('decideLimited (pure)', () => {
  const s = { backoffSeconds: 60, maxWaits: 8 };
  it.each([
    ['no stated reset: the back-off', rate, 0, { kind: 'wait', reason: 'rate_limit', resumeAt: T0 + 60_000, waits: 1 }],
    ['the back-off doubles per wait', rate, 2, { kind: 'wait', reason: 'rate_limit', resumeAt: T0 + 240_000, waits: 3 }],
    ['a stated reset ahead wins', { ...rate, kind: 'usage_limit', reset_at: '2026-12-03T18:00:00Z' }, 0, { kind: 'wait', reason: 'usage_limit', resumeAt: Date.parse('2026-12-03T18:00:00Z'), waits: 1 }],
    ['a stated reset already passed: the back-off', { ...rate, reset_at: '2026-12-03T14:00:00Z' }, 0, { kind: 'wait', reason: 'rate_limit', resumeAt: T0 + 60_000, waits: 1 }],
    ['overloaded waits as a rate limit', { ...rate, kind: 'overloaded' }, 0, { kind: 'wait', reason: 'rate_limit', resumeAt: T0 + 60_000, waits: 1 }],
    ['a stated reset with milliseconds: the next whole second', { ...rate, reset_at: '2026-12-03T15:00:10.250Z' }, 0, { kind: 'wait', reason: 'rate_limit', resumeAt: T0 + 11_000, waits: 1 }],
  ] as const)('%s', (_n, limit, waits, want) => expect(decideLimited(limit, waits, s, T0)).toEqual(want));

  it('after limits.rate_limit_max_waits waits it fails, naming the limit and the agent\'s words', () => {
    expect(decideLimited(rate, 8, s, T0)).toEqual({ kind: 'fail', message: 'still limited after 8 wait(s) (limits.rate_limit_max_waits is 8): API Error: Request rejected (429)' });
    expect(decideLimited(rate, 0, { ...s, maxWaits: 0 }, T0).kind).toBe('fail');
    expect(decideLimited(rate, 7, s, T0).kind).toBe('wait');
  });
});

describe('the preset quota (pure)', () => {
  it.each([
    ['10 running, one limited: 5 at once', { cap: 10, limitedUntil: null }, 10, { cap: 5, limitedUntil: T0 + 60_000 }],
    ['3 running of a cap of 10: 1', { cap: 10, limitedUntil: null }, 3, { cap: 1, limitedUntil: T0 + 60_000 }],
    ['never below 1', { cap: 1, limitedUntil: null }, 1, { cap: 1, limitedUntil: T0 + 60_000 }],
    ['an earlier hold still ahead and sooner stays', { cap: 4, limitedUntil: T0 + 30_000 }, 4, { cap: 2, limitedUntil: T0 + 30_000 }],
    ['an earlier hold already passed is replaced', { cap: 4, limitedUntil: T0 - 1 }, 4, { cap: 2, limitedUntil: T0 + 60_000 }],
  ])('quotaAfterLimit: %s', (_n, q, running, want) => expect(quotaAfterLimit(q, running, T0 + 60_000, T0)).toEqual(want));

  it.each([
    [{ cap: 2, limitedUntil: null }, 10, 3],
    [{ cap: 10, limitedUntil: null }, 10, 10],
    [{ cap: 3, limitedUntil: T0 }, 4, 4],
  ])('quotaAfterSuccess(%o, max %i): cap %i', (q, max, cap) => expect(quotaAfterSuccess(q, max).cap).toBe(cap));

  it.each([
    ['held: none', { cap: 5, limitedUntil: T0 + 1 }, 0, 0],
    ['hold over: the room left', { cap: 5, limitedUntil: T0 }, 2, 3],
    ['full', { cap: 2, limitedUntil: null }, 2, 0],
    ['over the cap (it stepped down): none, never negative', { cap: 1, limitedUntil: null }, 3, 0],
    ['fresh', freshQuota(10), 0, 10],
  ])('quotaRoom: %s', (_n, q, running, want) => expect(quotaRoom(q, running, T0)).toBe(want));

  it('quotaAt lifts a passed hold (a new object) and keeps a live one (the same object); the view is ISO', () => {
    const held = { cap: 2, limitedUntil: T0 + 1000 };
    expect(quotaAt(held, T0)).toBe(held);
    expect(quotaAt(held, T0 + 1000)).toEqual({ cap: 2, limitedUntil: null });
    expect(quotaView(new Map([['claude', held], ['codex', freshQuota(3)]]))).toEqual({ claude: { cap: 2, limited_until: '2026-12-03T15:00:01Z' }, codex: { cap: 3, limited_until: null } });
  });
});

// ---- the engine ----

const LIMITED = 75; // the stand-in worker's exit status for "the agent hit a limit"
const job = (builder: string): BuilderJob => ({ workflow: 'wf', project: 'p', builder, prompt: '', tool: '', remote: '', base: '', branch: '', timeoutSeconds: null });
const result = (code: number): BuilderResult => ({ exit_code: code, ref: null, commit: null, host: 'here', attempt: 0, usage: { wall_seconds: 0 }, timed_out: false, log_tail: '' });

/** Resolves once `cond` holds; fails the test after `ms`. */
/** The engine gets there within 3 s (looked at every 2 ms). */
const soon = (cond: () => boolean) => until('the engine to get there', cond, 3000, 2);

/** The engine's outcome, or a failure after `ms` (an engine that never ends fails the test, it does not hang it). */
function within<T>(p: Promise<T>, ms = 3000): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('the engine did not end in time')), ms).unref())]);
}

type B = { id: string; waits?: number | null };

/** A queue, a worker whose jobs end when the test says, a clock the test moves, and hooks that record what the engine decided. */
function rig() {
  const queue = new LocalQueue(0);
  const running = new Map<string, (code: number) => void>();
  const worker = new LocalWorker(queue, (claim: Claim, signal) => {
    const id = claim.data.builder;
    return new Promise<BuilderResult>((resolve) => {
      running.set(id, (code) => (running.delete(id), resolve(result(code))));
      signal.addEventListener('abort', () => (running.delete(id), resolve(result(143))), { once: true });
    });
  });
  const clock = { now: T0 };
  const events: string[] = [];
  const steps: LimitedStep[] = [];
  const quotas: unknown[] = [];
  const hooks: EngineHooks<B, JobSnapshot> = {
    enqueue: (b, resume) => (events.push(`${resume ? 'resume' : 'enqueue'} ${b.id}`), queue.enqueue(`p/${b.id}`, job(b.id))),
    finish: async (b, j) => {
      if (j.output?.exit_code === LIMITED) return { limited: rate };
      events.push(`finish ${b.id} ${j.output?.exit_code}`);
      return j.output?.exit_code === 0;
    },
    limited: async (b, step) => (steps.push(step), void events.push(step.kind === 'wait' ? `wait ${b.id} ${step.waits} +${(step.resumeAt - clock.now) / 1000}s` : `rate_limited ${b.id}`)),
    quota: async (view) => void quotas.push(view),
    halted: async (b, h, jobId) => void events.push(`halted ${b.id} ${h.failure} ${jobId ? 'live' : 'not live'}`),
    wait: (ms, signal) => queue.changed.wait(ms, signal),
  };
  /** Moves the clock and wakes the engine. */
  const tick = (ms: number) => ((clock.now += ms), queue.changed.notify());
  const run = (over: Partial<EngineRun<B, JobSnapshot>>): EngineRun<B, JobSnapshot> => ({
    queue, workflow: 'wf', limit: 1, signal: new AbortController().signal, intervalMs: 60_000, say: () => {}, waiting: [], now: () => clock.now, waits: { backoffSeconds: 60, maxWaits: 8 }, ...over,
  });
  return { queue, worker, running, events, steps, quotas, hooks, clock, tick, run };
}

describe('runEngine: a limited builder waits, it does not fail', () => {
  it('a limited job frees its slot at once, its builder waits until resume_at and is then queued again as a resume', async () => {
    const r = rig();
    const done = runEngine(r.run({ waiting: [{ id: 'a' }, { id: 'b' }] }), r.hooks);
    await soon(() => r.running.has('a'));
    r.running.get('a')!(LIMITED);
    await soon(() => r.running.has('b')); // the slot (limit 1) went to b while a waits
    expect(r.events).toEqual(['enqueue a', 'wait a 1 +60s', 'enqueue b']);
    r.running.get('b')!(0);
    await soon(() => r.events.includes('finish b 0'));
    r.tick(59_000); // not yet
    await new Promise((res) => setImmediate(res));
    expect(r.events).not.toContain('resume a');
    r.tick(1_000);
    await soon(() => r.running.has('a'));
    expect(r.events).toEqual(['enqueue a', 'wait a 1 +60s', 'enqueue b', 'finish b 0', 'resume a']);
    r.running.get('a')!(0);
    expect(await within(done)).toBe('finished');
    expect(r.events.at(-1)).toBe('finish a 0');
    await r.worker.stop();
  });

  it('still limited after limits.rate_limit_max_waits waits: it fails (rate_limited); the back-off doubled each time', async () => {
    const r = rig();
    const done = runEngine(r.run({ waiting: [{ id: 'a' }], waits: { backoffSeconds: 10, maxWaits: 2 } }), r.hooks);
    for (const wait of [10, 20]) {
      await soon(() => r.running.has('a'));
      r.running.get('a')!(LIMITED);
      await soon(() => r.events.at(-1)?.startsWith('wait') === true);
      r.tick(wait * 1000);
    }
    await soon(() => r.running.has('a'));
    r.running.get('a')!(LIMITED);
    expect(await within(done)).toBe('finished');
    expect(r.events).toEqual(['enqueue a', 'wait a 1 +10s', 'resume a', 'wait a 2 +20s', 'resume a', 'rate_limited a']);
    expect(r.steps.at(-1)).toMatchObject({ kind: 'fail', message: expect.stringContaining('limits.rate_limit_max_waits is 2') });
    await r.worker.stop();
  });

  it('the waits an earlier run recorded count (a restarted builder does not start over at 0)', async () => {
    const r = rig();
    const done = runEngine(r.run({ waiting: [{ id: 'a', waits: 2 }], waits: { backoffSeconds: 10, maxWaits: 3 } }), r.hooks);
    await soon(() => r.running.has('a'));
    r.running.get('a')!(LIMITED);
    await soon(() => r.events.length === 2);
    expect(r.events).toEqual(['enqueue a', 'wait a 3 +40s']);
    r.tick(40_000);
    await soon(() => r.running.has('a'));
    r.running.get('a')!(LIMITED);
    expect(await within(done)).toBe('finished');
    expect(r.events.at(-1)).toBe('rate_limited a');
    await r.worker.stop();
  });

  it('a restart: a builder an earlier run left waiting is not started before its resume time, then resumes', async () => {
    const r = rig();
    const a = { id: 'a', waits: 1 };
    const done = runEngine(r.run({ asleep: new Map([[a, T0 + 30_000]]), waiting: [{ id: 'b' }], limit: 2 }), r.hooks);
    await soon(() => r.running.has('b'));
    expect(r.events).toEqual(['enqueue b']);
    r.tick(30_000);
    await soon(() => r.running.has('a'));
    expect(r.events).toEqual(['enqueue b', 'resume a']);
    r.running.get('a')!(0);
    r.running.get('b')!(0);
    expect(await within(done)).toBe('finished');
    await r.worker.stop();
  });

  it('the workflow deadline reached while a builder waits: it is halted (time_limit), not resumed', async () => {
    const r = rig();
    const halting: Halting = { maxCostUsd: null, deadline: T0 + 30_000, spent: new Map() };
    const done = runEngine(r.run({ waiting: [{ id: 'a' }], halting }), r.hooks);
    await soon(() => r.running.has('a'));
    r.running.get('a')!(LIMITED);
    await soon(() => r.events.length === 2);
    r.tick(30_000);
    expect(await within(done)).toEqual({ halted: expect.objectContaining({ failure: 'time_limit' }) });
    expect(r.events).toEqual(['enqueue a', 'wait a 1 +60s', 'halted a time_limit not live']);
    await r.worker.stop();
  });

  it('a stop while a builder waits: aborted, and nothing is recorded for it (its wait stays in state)', async () => {
    const r = rig();
    const stop = new AbortController();
    const done = runEngine(r.run({ waiting: [{ id: 'a' }], signal: stop.signal }), r.hooks);
    await soon(() => r.running.has('a'));
    r.running.get('a')!(LIMITED);
    await soon(() => r.events.length === 2);
    stop.abort();
    expect(await within(done)).toBe('aborted');
    expect(r.events).toEqual(['enqueue a', 'wait a 1 +60s']);
    await r.worker.stop();
  });
});

describe('runEngine: parallelism that follows the quota', () => {
  it('one builder of a preset limited: none of that preset starts before the earliest resume time, then half as many run at once, one more after each success', async () => {
    const r = rig();
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    const done = runEngine(r.run({ waiting: ids.map((id) => ({ id })), limit: 4, presetOf: () => 'claude' }), r.hooks);
    await soon(() => r.running.size === 4);
    r.running.get('a')!(LIMITED);
    await soon(() => r.quotas.length === 1);
    expect(r.quotas[0]).toEqual({ claude: { cap: 2, limited_until: '2026-12-03T15:01:00Z' } });
    r.running.get('b')!(0); // a slot frees, but the preset is held
    await soon(() => r.events.includes('finish b 0'));
    await new Promise((res) => setImmediate(res));
    expect(r.running.size).toBe(2);
    expect(r.quotas.at(-1)).toEqual({ claude: { cap: 3, limited_until: '2026-12-03T15:01:00Z' } });
    r.tick(60_000); // the hold is over: a resumes first; cap 3 with c, d running: just a
    await soon(() => r.running.has('a'));
    expect(r.quotas.at(-1)).toEqual({ claude: { cap: 3, limited_until: null } });
    expect([...r.running.keys()].sort()).toEqual(['a', 'c', 'd']);
    r.running.get('c')!(0); // cap 4 now: e and f start
    await soon(() => r.running.has('e') && r.running.has('f'));
    for (const id of ['a', 'd', 'e', 'f']) r.running.get(id)!(0);
    expect(await within(done)).toBe('finished');
    await r.worker.stop();
  });

  it('a builder of another preset (or of none) is not held back by a preset\'s hold', async () => {
    const r = rig();
    const done = runEngine(r.run({ waiting: ['a', 'x'].map((id) => ({ id })), limit: 1, presetOf: (b) => (b.id === 'x' ? 'codex' : 'claude') }), r.hooks);
    await soon(() => r.running.has('a'));
    r.running.get('a')!(LIMITED);
    await soon(() => r.running.has('x'));
    r.running.get('x')!(0);
    await soon(() => r.events.includes('finish x 0'));
    r.tick(60_000);
    await soon(() => r.running.has('a'));
    r.running.get('a')!(0);
    expect(await within(done)).toBe('finished');
    await r.worker.stop();
  });
});
