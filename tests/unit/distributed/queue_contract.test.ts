// The builder queue contract (distributed/backend.ts), one suite over any `BuilderQueue`:
// the pg-boss adapter on a real PostgreSQL (its own server for this file, a database per
// test) and the in-process adapter the local builders run on (distributed/local_queue.ts),
// so both back-ends of the execution engine are held to the same rules.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BuilderJob, BuilderQueue } from '../../../distributed/backend.js';
import { LocalQueue } from '../../../distributed/local_queue.js';
import { PgBossQueue } from '../../../distributed/pgboss_queue.js';
import { sharedPostgres, type PgServer } from './pg_harness.js';

const job = (builder: string, workflow = 'wf1'): BuilderJob => ({
  workflow,
  project: 'p',
  builder,
  prompt: `build '${builder}'`,
  tool: 'ci',
  remote: '/r.git',
  base: 'abc',
  branch: `argo-builder-${builder}`,
  timeoutSeconds: null,
});
const result = (attempt: number, host: string) => ({ exit_code: 0, ref: `refs/argo/attempts/x/${attempt}`, commit: 'c', host, attempt, usage: { wall_seconds: 1 }, timed_out: false, log_tail: 'ok' });

function contract(name: string, open: () => Promise<BuilderQueue>) {
  describe(name, () => {
    const opened: BuilderQueue[] = [];
    const queue = async () => {
      const q = await open();
      opened.push(q);
      return q;
    };
    afterEach(async () => {
      for (const q of opened.splice(0)) await q.close();
    });

    it('one live job per key: enqueuing again returns the same job', async () => {
      const q = await queue();
      const id = await q.enqueue('p/a', job('a'));
      expect(await q.enqueue('p/a', job('a'))).toBe(id);
      expect(await q.enqueue('p/b', job('b'))).not.toBe(id);
      expect((await q.jobs('wf1')).map((j) => [j.builder, j.state]).sort()).toEqual([['a', 'queued'], ['b', 'queued']]);
    });

    it('claim, announce, heartbeat, complete: the result is the job output', async () => {
      const q = await queue();
      const id = await q.enqueue('p/a', job('a'));
      const claim = (await q.claim())!;
      expect(claim).toMatchObject({ id, attempt: 0, data: { builder: 'a', base: 'abc' } });
      expect(await q.claim()).toBeUndefined();
      await q.announce(claim, 'w1');
      expect(await q.jobs('wf1')).toMatchObject([{ id, state: 'active', attempt: 0, host: 'w1' }]);
      expect(await q.heartbeat(claim)).toBe(true);
      expect(await q.complete(claim, result(0, 'w1'))).toBe(true);
      expect(await q.jobs('wf1')).toMatchObject([{ id, state: 'completed', output: { exit_code: 0, host: 'w1' }, host: 'w1' }]);
      expect(await q.heartbeat(claim)).toBe(false);
    });

    it('cancel: the holder learns it at its next heartbeat, and its result is ignored', async () => {
      const q = await queue();
      const id = await q.enqueue('p/a', job('a'));
      const claim = (await q.claim())!;
      expect(await q.cancel([id])).toBe(1);
      expect(await q.heartbeat(claim)).toBe(false);
      expect(await q.complete(claim, result(0, 'w1'))).toBe(false);
      expect(await q.jobs('wf1')).toMatchObject([{ id, state: 'cancelled', output: null }]);
      expect(await q.cancel([id])).toBe(0);
      // A cancelled job does not block a new one for the same key.
      expect(await q.enqueue('p/a', job('a'))).not.toBe(id);
    });

    it('a failed attempt is retried as a new attempt; the old one can no longer settle the job', async () => {
      const q = await queue();
      const id = await q.enqueue('p/a', job('a'));
      const first = (await q.claim())!;
      expect(await q.fail(first, 'clone failed')).toBe(true);
      const second = (await q.claim())!;
      expect(second).toMatchObject({ id, attempt: 1 });
      expect(await q.complete(first, result(0, 'stale'))).toBe(false);
      expect(await q.heartbeat(first)).toBe(false);
      expect(await q.complete(second, result(1, 'w2'))).toBe(true);
      expect(await q.jobs('wf1')).toMatchObject([{ state: 'completed', attempt: 1, output: { host: 'w2' } }]);
    });

    it('a job that fails its last attempt is failed, with the reason', async () => {
      const q = await queue();
      await q.enqueue('p/a', job('a'));
      for (let attempt = 0; attempt <= 3; attempt++) {
        const claim = (await q.claim())!;
        expect(claim.attempt).toBe(attempt);
        await q.fail(claim, `clone failed (${attempt})`);
      }
      expect(await q.claim()).toBeUndefined();
      expect(await q.jobs('wf1')).toMatchObject([{ state: 'failed', error: 'clone failed (3)' }]);
    });

    it('refuse: the job fails for good at once, with the reason; no other attempt follows', async () => {
      const q = await queue();
      await q.enqueue('p/a', job('a'));
      const claim = (await q.claim())!;
      expect(await q.refuse(claim, 'the job is not signed')).toBe(true);
      expect(await q.claim()).toBeUndefined();
      expect(await q.jobs('wf1')).toMatchObject([{ state: 'failed', attempt: 0, error: 'the job is not signed' }]);
    });

    it('a job id chosen by the enqueuer (data.job_id) is the job id', async () => {
      const q = await queue();
      const id = '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f';
      expect(await q.enqueue('p/a', { ...job('a'), job_id: id })).toBe(id);
      expect((await q.claim())!.id).toBe(id);
    });

    it('jobs() sees only its workflow', async () => {
      const q = await queue();
      await q.enqueue('p/a', job('a', 'wf1'));
      await q.enqueue('q/a', job('a', 'wf2'));
      expect((await q.jobs('wf2')).map((j) => j.key)).toEqual(['q/a']);
    });
  });
}

describe('on PostgreSQL', () => {
  let server: PgServer;
  beforeAll(async () => {
    server = await sharedPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });
  contract('PgBossQueue', async () => PgBossQueue.open({ databaseUrl: await server.createDatabase(), timings: { heartbeatSeconds: 10, monitorSeconds: 1, retryLimit: 3 } }));
});

contract('LocalQueue', async () => new LocalQueue(3));

describe('LocalQueue beyond the contract (what its in-process worker and the engine rely on)', () => {
  it('an attempt\'s signal fires when it is cancelled, superseded or the queue closes; a stale claim\'s is aborted already', async () => {
    const q = new LocalQueue(1);
    await q.enqueue('p/a', job('a'));
    const first = (await q.claim())!;
    const s1 = q.attemptSignal(first);
    expect(s1.aborted).toBe(false);
    await q.fail(first, 'x');
    expect(s1.aborted).toBe(true);
    expect(q.attemptSignal(first).aborted).toBe(true);
    const second = (await q.claim())!;
    const s2 = q.attemptSignal(second);
    await q.cancel([second.id]);
    expect(s2.aborted).toBe(true);
    await q.enqueue('p/b', job('b'));
    const third = (await q.claim())!;
    const s3 = q.attemptSignal(third);
    await q.close();
    expect(s3.aborted).toBe(true);
    expect(await q.claim()).toBeUndefined();
  });
  it('a change is never missed: a notify before the wait ends the next wait at once', async () => {
    const q = new LocalQueue();
    await q.enqueue('p/a', job('a')); // notifies with nobody waiting
    const t0 = Date.now();
    await q.changed.wait(5_000);
    expect(Date.now() - t0).toBeLessThan(1_000);
    const waiting = q.changed.wait(5_000);
    await q.claim();
    await waiting; // woken by the claim, not the 5 s timer
    expect(Date.now() - t0).toBeLessThan(1_000);
  });
});
