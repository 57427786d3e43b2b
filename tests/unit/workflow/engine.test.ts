// The one execution engine (workflow/engine.ts): its pure decisions by table, and its loop
// over the in-process queue (distributed/local_queue.ts) with a stand-in worker whose jobs
// end only when the test ends them — the rules both back-ends now share.
import { describe, expect, it } from 'vitest';
import type { BuilderJob, BuilderResult, Claim, JobSnapshot } from '../../../distributed/backend.js';
import { LocalQueue } from '../../../distributed/local_queue.js';
import { LocalWorker } from '../../../distributed/local_worker.js';
import type { Halt, Halting } from '../../../workflow/limits.js';
import { jobEnded, nextStep, runEngine, waitMs, type EngineHooks } from '../../../workflow/engine.js';

const budget: Halt = { failure: 'budget', reason: 'spent' };

describe('nextStep (pure)', () => {
  it.each([
    ['a stop wins over everything', { aborted: true, halt: budget, waiting: 3, live: 1, limit: 2 }, { kind: 'stop' }],
    ['a halt wins over a start', { aborted: false, halt: budget, waiting: 3, live: 0, limit: 2 }, { kind: 'halt', halt: budget }],
    ['a halt with nothing left still halts (the user decides)', { aborted: false, halt: budget, waiting: 0, live: 0, limit: 2 }, { kind: 'halt', halt: budget }],
    ['nothing waiting, nothing live: finished', { aborted: false, halt: null, waiting: 0, live: 0, limit: 2 }, { kind: 'finished' }],
    ['free slots: as many starts as slots', { aborted: false, halt: null, waiting: 5, live: 0, limit: 2 }, { kind: 'start', count: 2 }],
    ['fewer waiting than slots: all of them', { aborted: false, halt: null, waiting: 1, live: 0, limit: 10 }, { kind: 'start', count: 1 }],
    ['one slot left', { aborted: false, halt: null, waiting: 5, live: 2, limit: 3 }, { kind: 'start', count: 1 }],
    ['full: wait', { aborted: false, halt: null, waiting: 5, live: 3, limit: 3 }, { kind: 'wait' }],
    ['adopted jobs beyond the limit: wait, never a negative start', { aborted: false, halt: null, waiting: 2, live: 4, limit: 3 }, { kind: 'wait' }],
    ['only live jobs: wait', { aborted: false, halt: null, waiting: 0, live: 1, limit: 3 }, { kind: 'wait' }],
  ])('%s', (_n, s, want) => expect(nextStep(s)).toEqual(want));

  it.each([
    ['queued', false],
    ['active', false],
    ['completed', true],
    ['failed', true],
    ['cancelled', true],
  ] as const)('jobEnded(%s) is %s', (state, want) => expect(jobEnded({ state })).toBe(want));

  it.each([
    ['no deadline: the interval', 1000, null, 0, 1000],
    ['a deadline sooner than the interval cuts the wait', 1000, 300, 100, 200],
    ['a passed deadline: no wait', 1000, 50, 100, 0],
    ['a later deadline: the interval', 250, 10_000, 0, 250],
  ])('waitMs: %s', (_n, interval, deadline, now, want) => expect(waitMs(interval, deadline, now)).toBe(want));
});

const job = (builder: string): BuilderJob => ({ workflow: 'wf', project: 'p', builder, prompt: '', tool: '', remote: '', base: '', branch: '', timeoutSeconds: null });
const result = (code: number): BuilderResult => ({ exit_code: code, ref: null, commit: null, host: 'here', attempt: 0, usage: { wall_seconds: 0 }, timed_out: false, log_tail: '' });
const settle = () => new Promise((r) => setTimeout(r, 20));

/** A queue, a worker whose jobs end when the test says, and hooks that record what the engine decided. */
function rig(opts: { failFirst?: string } = {}) {
  const queue = new LocalQueue(opts.failFirst ? 1 : 0);
  const running = new Map<string, { end: (code: number) => void; signal: AbortSignal }>();
  const started: string[] = [];
  let max = 0;
  const worker = new LocalWorker(queue, (claim: Claim, signal) => {
    const id = claim.data.builder;
    if (opts.failFirst === id && claim.attempt === 0) return Promise.reject(new Error('lost the machine'));
    started.push(id);
    return new Promise<BuilderResult>((resolve) => {
      running.set(id, { end: (code) => (running.delete(id), resolve(result(code))), signal });
      max = Math.max(max, running.size);
      signal.addEventListener('abort', () => (running.delete(id), resolve(result(143))), { once: true });
    });
  });
  const events: string[] = [];
  const hooks: EngineHooks<{ id: string }, JobSnapshot> = {
    enqueue: (b) => (events.push(`enqueue ${b.id}`), queue.enqueue(`p/${b.id}`, job(b.id))),
    finish: async (b, j: JobSnapshot) => void events.push(`finish ${b.id} ${j.state} ${j.output?.exit_code ?? '-'} attempt ${j.attempt}`),
    halted: async (b, h, jobId) => void events.push(`halted ${b.id} ${h.failure} ${jobId ? 'live' : 'waiting'}`),
    wait: (ms, signal) => queue.changed.wait(ms, signal),
  };
  const builders = (...ids: string[]) => ids.map((id) => ({ id }));
  return { queue, worker, running, started, events, hooks, builders, max: () => max };
}

describe('runEngine over the in-process queue', () => {
  it.each([
    [5, 2],
    [3, 1],
    [4, 4],
    [2, 10],
  ])('%i builders, at most %i at once: exactly that many start, the next only when one ends', async (n, limit) => {
    const r = rig();
    const ids = Array.from({ length: n }, (_, i) => `b${i}`);
    const done = runEngine({ queue: r.queue, workflow: 'wf', limit, signal: new AbortController().signal, intervalMs: 5_000, say: () => {}, waiting: r.builders(...ids) }, r.hooks);
    await settle();
    const first = Math.min(n, limit);
    expect(r.started).toHaveLength(first);
    for (let ended = 1; ended <= n; ended++) {
      r.running.get(`b${ended - 1}`)!.end(0);
      await settle();
      expect(r.started).toHaveLength(Math.min(n, first + ended));
      expect(r.running.size).toBe(Math.min(limit, n - ended));
    }
    expect(await done).toBe('finished');
    expect(r.max()).toBe(Math.min(n, limit));
    expect(r.started).toEqual(ids); // each once, in order
    await r.worker.stop();
  });

  it('the budget reached while builders run: live jobs cancelled, every builder not done halted, none finished twice', async () => {
    const r = rig();
    const halting: Halting = { maxCostUsd: 1, deadline: null, spent: new Map() };
    const lines: string[] = [];
    const done = runEngine({ queue: r.queue, workflow: 'wf', limit: 2, halting, signal: new AbortController().signal, intervalMs: 5_000, say: (l) => lines.push(l), waiting: r.builders('a', 'b', 'c') }, r.hooks);
    await settle();
    r.running.get('a')!.end(0);
    await settle();
    halting.spent.set('b', { cost_usd: 1 }); // what a running builder's onUsage does …
    r.queue.changed.notify(); // … and the wake-up it gives the engine
    expect(await done).toEqual({ halted: { failure: 'budget', reason: 'the cost so far (1 USD) reached limits.max_cost_usd (1 USD)' } });
    expect(r.events).toEqual(['enqueue a', 'enqueue b', 'finish a completed 0 attempt 0', 'enqueue c', 'halted b budget live', 'halted c budget live']);
    expect(lines).toEqual(['Stopping the builders: the cost so far (1 USD) reached limits.max_cost_usd (1 USD)']);
    await settle();
    expect(r.running.size).toBe(0); // their attempts' signals fired
    await r.worker.stop();
  });

  it('a deadline already passed: nothing starts, every builder is halted with time_limit', async () => {
    const r = rig();
    const halting: Halting = { maxCostUsd: null, deadline: Date.now() - 1, spent: new Map() };
    const out = await runEngine({ queue: r.queue, workflow: 'wf', limit: 2, halting, signal: new AbortController().signal, intervalMs: 5_000, say: () => {}, waiting: r.builders('a', 'b') }, r.hooks);
    expect(out).toMatchObject({ halted: { failure: 'time_limit' } });
    expect(r.events).toEqual(['halted a time_limit waiting', 'halted b time_limit waiting']);
    expect(r.started).toEqual([]);
    await r.worker.stop();
  });

  it('the deadline coming while a builder runs wakes the engine at it (no poll interval to wait out)', async () => {
    const r = rig();
    const halting: Halting = { maxCostUsd: null, deadline: Date.now() + 150, spent: new Map() };
    const t0 = Date.now();
    const out = await runEngine({ queue: r.queue, workflow: 'wf', limit: 1, halting, signal: new AbortController().signal, intervalMs: 60_000, say: () => {}, waiting: r.builders('a') }, r.hooks);
    expect(out).toMatchObject({ halted: { failure: 'time_limit' } });
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(r.events).toEqual(['enqueue a', 'halted a time_limit live']);
    await r.worker.stop();
  });

  it('a stop: the live jobs are cancelled and nothing is finished or halted', async () => {
    const r = rig();
    const stop = new AbortController();
    const done = runEngine({ queue: r.queue, workflow: 'wf', limit: 1, signal: stop.signal, intervalMs: 60_000, say: () => {}, waiting: r.builders('a', 'b') }, r.hooks);
    await settle();
    const { signal } = r.running.get('a')!;
    stop.abort();
    expect(await done).toBe('aborted');
    expect(signal.aborted).toBe(true);
    expect(r.events).toEqual(['enqueue a']);
    expect((await r.queue.jobs('wf')).map((j) => j.state)).toEqual(['cancelled']);
    await r.worker.stop();
  });

  it('an attempt that fails is retried by the queue; the engine follows the job to its last attempt and finishes it once', async () => {
    const r = rig({ failFirst: 'a' });
    const done = runEngine({ queue: r.queue, workflow: 'wf', limit: 1, signal: new AbortController().signal, intervalMs: 60_000, say: () => {}, waiting: r.builders('a') }, r.hooks);
    await settle();
    r.running.get('a')!.end(0);
    expect(await done).toBe('finished');
    expect(r.events).toEqual(['enqueue a', 'finish a completed 0 attempt 1']);
    await r.worker.stop();
  });

  it('jobs already on the queue (adopted) count towards the limit', async () => {
    const r = rig();
    const adopted = { id: 'old' };
    const following = new Map([[adopted, await r.queue.enqueue('p/old', job('old'))]]);
    const done = runEngine({ queue: r.queue, workflow: 'wf', limit: 1, signal: new AbortController().signal, intervalMs: 60_000, say: () => {}, waiting: r.builders('new'), following }, r.hooks);
    await settle();
    expect(r.started).toEqual(['old']);
    r.running.get('old')!.end(0);
    await settle();
    expect(r.started).toEqual(['old', 'new']);
    r.running.get('new')!.end(1);
    expect(await done).toBe('finished');
    expect(r.events).toEqual(['finish old completed 0 attempt 0', 'enqueue new', 'finish new completed 1 attempt 0']);
    await r.worker.stop();
  });
});

describe('runEngine with dependency waves', () => {
  /** The rig's hooks plus the waves' hooks, recording in the same event list. */
  function wavesRig(conflict: string | null = null) {
    const r = rig();
    const hooks: EngineHooks<{ id: string; depends_on?: string[]; waiting_for?: string[] }, JobSnapshot> = {
      ...r.hooks,
      finish: async (b, j) => (r.events.push(`finish ${b.id} ${j.output?.exit_code}`), j.output?.exit_code === 0),
      integrate: async (id) => (r.events.push(`integrate ${id}`), conflict),
      baseOn: async (b) => (r.events.push(`baseOn ${b.id}`), null),
      waitingFor: async (b, ids) => void r.events.push(`waitingFor ${b.id} [${ids.join(',')}]`),
      blocked: async (b, message) => void r.events.push(`blocked ${b.id}: ${message}`),
    };
    return { ...r, hooks };
  }
  const run = (r: ReturnType<typeof wavesRig>, limit: number, waiting: { id: string; depends_on?: string[]; waiting_for?: string[] }[], lines: string[] = []) =>
    runEngine({ queue: r.queue, workflow: 'wf', limit, signal: new AbortController().signal, intervalMs: 60_000, say: (l) => lines.push(l), waiting, waves: { outside: [], merged: new Set() } }, r.hooks);

  it('a dependent starts only after its dependency completed and was integrated; independent ones run in parallel up to the limit', async () => {
    const r = wavesRig();
    const lines: string[] = [];
    const done = run(r, 2, [{ id: 'ui', depends_on: ['core'] }, { id: 'core' }, { id: 'x' }, { id: 'y' }], lines);
    await settle();
    expect(r.started).toEqual(['core', 'x']); // ui waits; the two slots go to independent builders
    r.running.get('x')!.end(0);
    await settle();
    expect(r.started).toEqual(['core', 'x', 'y']); // a free slot goes to y, not to ui
    r.running.get('core')!.end(0);
    await settle();
    expect(r.started).toEqual(['core', 'x', 'y', 'ui']);
    r.running.get('y')!.end(0);
    r.running.get('ui')!.end(0);
    expect(await done).toBe('finished');
    expect(r.events).toEqual([
      'waitingFor ui [core]', 'enqueue core', 'enqueue x', 'finish x 0', 'enqueue y',
      'finish core 0', 'integrate core', 'waitingFor ui []', 'baseOn ui', 'enqueue ui', 'finish y 0', 'finish ui 0',
    ]);
    expect(lines).toContain('Builder ui waits for: core');
    await r.worker.stop();
  });

  it('a dependency that fails: its dependents fail with the reason and never start, nothing is integrated', async () => {
    const r = wavesRig();
    const done = run(r, 3, [{ id: 'core' }, { id: 'ui', depends_on: ['core'] }, { id: 'docs', depends_on: ['ui'] }]);
    await settle();
    r.running.get('core')!.end(1);
    expect(await done).toBe('finished');
    expect(r.started).toEqual(['core']);
    expect(r.events).toEqual(['waitingFor ui [core]', 'waitingFor docs [ui]', 'enqueue core', 'finish core 1', 'blocked ui: dependency core failed', 'blocked docs: dependency ui cannot start (dependency core failed)']);
    await r.worker.stop();
  });

  it('a conflict while integrating: the dependents fail naming it', async () => {
    const r = wavesRig('conflict in shared.txt');
    const done = run(r, 2, [{ id: 'core' }, { id: 'ui', depends_on: ['core'] }]);
    await settle();
    r.running.get('core')!.end(0);
    expect(await done).toBe('finished');
    expect(r.started).toEqual(['core']);
    expect(r.events.slice(-2)).toEqual(['integrate core', 'blocked ui: dependency core could not be merged into the base branch: conflict in shared.txt']);
    await r.worker.stop();
  });

  it('a cycle and an unknown id: the cycle fails at once, the unknown id is ignored with a WARNING', async () => {
    const r = wavesRig();
    const lines: string[] = [];
    const done = run(r, 2, [{ id: 'a', depends_on: ['b'] }, { id: 'b', depends_on: ['a'] }, { id: 'c', depends_on: ['ghost'] }], lines);
    await settle();
    expect(r.started).toEqual(['c']);
    r.running.get('c')!.end(0);
    expect(await done).toBe('finished');
    expect(r.events.filter((e) => e.startsWith('blocked'))).toEqual(['blocked a: dependency cycle: a -> b -> a', 'blocked b: dependency cycle: b -> a -> b']);
    expect(lines).toEqual(['WARNING: builder c depends on ghost, which is not a builder of this workflow - ignored']);
    await r.worker.stop();
  });

  it('a dependency merged by an earlier run: the dependent starts at once, nothing integrated again', async () => {
    const r = wavesRig();
    const done = runEngine(
      { queue: r.queue, workflow: 'wf', limit: 2, signal: new AbortController().signal, intervalMs: 60_000, say: () => {}, waiting: [{ id: 'ui', depends_on: ['core'] }], waves: { outside: [{ id: 'core', depends_on: [], status: 'completed' }], merged: new Set(['core']) } },
      r.hooks,
    );
    await settle();
    r.running.get('ui')!.end(0);
    expect(await done).toBe('finished');
    expect(r.events).toEqual(['baseOn ui', 'enqueue ui', 'finish ui 0']);
    await r.worker.stop();
  });

  it('a halt: nothing is merged early any more, the waiting builders are halted', async () => {
    const r = wavesRig();
    const halting: Halting = { maxCostUsd: null, deadline: Date.now() - 1, spent: new Map() };
    const out = await runEngine(
      { queue: r.queue, workflow: 'wf', limit: 2, halting, signal: new AbortController().signal, intervalMs: 60_000, say: () => {}, waiting: [{ id: 'ui', depends_on: ['core'] }], waves: { outside: [{ id: 'core', depends_on: [], status: 'completed' }], merged: new Set() } },
      r.hooks,
    );
    expect(out).toMatchObject({ halted: { failure: 'time_limit' } });
    expect(r.events).toEqual(['halted ui time_limit waiting']);
    await r.worker.stop();
  });

  it('a builder an earlier run recorded as waiting: cleared when it starts, not written again while it still waits for the same', async () => {
    const r = wavesRig();
    const done = run(r, 2, [{ id: 'core' }, { id: 'ui', depends_on: ['core'], waiting_for: ['core'] }, { id: 'x', waiting_for: ['gone'] }]);
    await settle();
    r.running.get('core')!.end(0);
    await settle();
    r.running.get('x')!.end(0);
    r.running.get('ui')!.end(0);
    expect(await done).toBe('finished');
    expect(r.events.filter((e) => e.startsWith('waitingFor'))).toEqual(['waitingFor x []', 'waitingFor ui []']);
  });
});
