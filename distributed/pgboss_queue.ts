// The builder queue on PostgreSQL, through pg-boss (12.x: job heartbeats, attempt-scoped
// settling). Two queues: `argo-builders` (one job per builder, policy `exclusive`, so a key
// has at most one queued-or-active job: a restarted coordinator cannot enqueue twice) and
// `argo-claims` (a small note per attempt naming the worker's host, for the state mirror).
// Loaded when a queue opens, not with the module: the execution handler and stop_workflow
// are bundles (scripts/bundle.mjs) holding this module for the postgres back-end, and a
// static import would load pg-boss in every start of theirs (≈ 100 ms of CPU).
import type { PgBoss } from 'pg-boss';
import type { BuilderJob, BuilderQueue, BuilderResult, Claim, JobSnapshot, JobState, QueueTimings } from './backend.js';
import { DEFAULT_TIMINGS } from './backend.js';

export const BUILDER_QUEUE = 'argo-builders';
export const CLAIM_QUEUE = 'argo-claims';
const SCHEMA = 'pgboss';

export interface PgBossQueueOptions {
  databaseUrl: string;
  timings?: Partial<QueueTimings>;
  /** Called with pg-boss's own errors (lost connections…), which it otherwise throws at the process. */
  onError?: (e: Error) => void;
  /** Connection pool size. */
  max?: number;
}

const STATES: Record<string, JobState> = {
  created: 'queued',
  retry: 'queued',
  active: 'active',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
};

/** pg-boss keeps what fail() was given, or the error it failed the job with (expiry…). */
function failureReason(output: unknown): string {
  const o = (output ?? {}) as { reason?: unknown; message?: unknown };
  return String(o.reason ?? o.message ?? 'no reason recorded');
}

function affected(r: unknown): number {
  return Number((r as { affected?: number } | null)?.affected ?? 0);
}

export class PgBossQueue implements BuilderQueue {
  private constructor(
    private boss: PgBoss,
    private timings: QueueTimings,
  ) {}

  static async open(o: PgBossQueueOptions): Promise<PgBossQueue> {
    const timings = { ...DEFAULT_TIMINGS, ...o.timings };
    const { PgBoss } = await import('pg-boss');
    const make = (createSchema: boolean) => {
      const boss = new PgBoss({
        connectionString: o.databaseUrl,
        max: o.max ?? 4,
        connectionTimeoutMillis: 5000,
        schedule: false,
        createSchema,
        superviseIntervalSeconds: timings.monitorSeconds,
        monitorIntervalSeconds: timings.monitorSeconds,
        application_name: 'argo',
      });
      boss.on('error', (e: Error) => o.onError?.(e));
      return boss;
    };
    let boss = make(true);
    try {
      await boss.start();
    } catch (e) {
      // PostgreSQL checks CREATE on the database even for CREATE SCHEMA IF NOT EXISTS: a role
      // without it (docs/DISTRIBUTED.md) works in a schema someone else created.
      if (!/permission denied for database/.test((e as Error).message)) throw e;
      await boss.stop({ graceful: false, close: true }).catch(() => undefined);
      boss = make(false);
      await boss.start();
    }
    const q = new PgBossQueue(boss, timings);
    await q.ensureQueues();
    return q;
  }

  private async ensureQueues(): Promise<void> {
    const t = this.timings;
    for (const [name, options] of [
      [BUILDER_QUEUE, { policy: 'exclusive', heartbeatSeconds: t.heartbeatSeconds, retryLimit: t.retryLimit, expireInSeconds: 24 * 3600 /* pg-boss maximum; heartbeats catch dead workers far sooner */ }],
      // Notes are only read, never worked: pg-boss deletes them after a week.
      [CLAIM_QUEUE, { policy: 'standard', retryLimit: 0, retentionSeconds: 7 * 24 * 3600 }],
    ] as const) {
      if (await this.boss.getQueue(name)) continue;
      try {
        await this.boss.createQueue(name, { ...options });
      } catch (e) {
        if (!(await this.boss.getQueue(name))) throw e; // not a lost race with another process
      }
    }
  }

  async enqueue(key: string, data: BuilderJob): Promise<string> {
    const id = await this.boss.send(BUILDER_QUEUE, { ...data }, { singletonKey: key, ...(data.job_id ? { id: data.job_id } : {}) });
    if (id) return id;
    const live = (await this.boss.findJobs(BUILDER_QUEUE, { key })).filter((j) => ['created', 'retry', 'active'].includes(j.state));
    if (live.length === 0) throw new Error(`pg-boss refused job ${key} and holds no live job for it`);
    return live[live.length - 1]!.id;
  }

  async claim(): Promise<Claim | undefined> {
    const [job] = await this.boss.fetch<BuilderJob>(BUILDER_QUEUE, { batchSize: 1 });
    // A row anyone wrote: its data may be anything (the worker checks it before it uses it).
    return job ? { id: job.id, attempt: job.retryCount, data: (job.data ?? {}) as BuilderJob } : undefined;
  }

  async announce(claim: Claim, host: string): Promise<void> {
    await this.boss.send(CLAIM_QUEUE, { workflow: claim.data.workflow, job: claim.id, attempt: claim.attempt, host }, { singletonKey: `${claim.id}:${claim.attempt}` });
  }

  async heartbeat(claim: Claim): Promise<boolean> {
    return affected(await this.boss.touch(BUILDER_QUEUE, { id: claim.id, retryCount: claim.attempt })) > 0;
  }

  async complete(claim: Claim, result: BuilderResult): Promise<boolean> {
    return affected(await this.boss.complete(BUILDER_QUEUE, { id: claim.id, retryCount: claim.attempt }, { ...result })) > 0;
  }

  async fail(claim: Claim, reason: string): Promise<boolean> {
    return affected(await this.boss.fail(BUILDER_QUEUE, { id: claim.id, retryCount: claim.attempt }, { reason })) > 0;
  }

  async refuse(claim: Claim, reason: string): Promise<boolean> {
    // pg-boss has no "fail without retry" for a fetched job: spend the retries of this attempt first.
    await this.boss.getDb().executeSql(
      `UPDATE ${SCHEMA}.job SET retry_limit = retry_count WHERE name = $1 AND id = $2 AND retry_count = $3 AND state = 'active'`,
      [BUILDER_QUEUE, claim.id, claim.attempt],
    );
    return this.fail(claim, reason);
  }

  async cancel(ids: string[]): Promise<number> {
    return ids.length > 0 ? affected(await this.boss.cancel(BUILDER_QUEUE, ids)) : 0;
  }

  async jobs(workflow: string): Promise<JobSnapshot[]> {
    const [jobs, notes] = await Promise.all([
      this.boss.findJobs<BuilderJob>(BUILDER_QUEUE, { data: { workflow }, limit: 100_000 }),
      this.boss.findJobs<{ job: string; attempt: number; host: string }>(CLAIM_QUEUE, { data: { workflow }, limit: 100_000 }),
    ]);
    const hosts = new Map<string, { attempt: number; host: string }>();
    for (const n of notes) {
      const seen = hosts.get(n.data.job);
      if (!seen || seen.attempt <= n.data.attempt) hosts.set(n.data.job, { attempt: n.data.attempt, host: n.data.host });
    }
    return jobs.map((j) => {
      const output = j.state === 'completed' && j.output && typeof j.output === 'object' && 'exit_code' in j.output ? (j.output as unknown as BuilderResult) : null;
      const note = hosts.get(j.id);
      return {
        id: j.id,
        key: j.singletonKey ?? '',
        builder: j.data.builder,
        state: STATES[j.state] ?? 'queued',
        attempt: j.retryCount,
        output,
        host: output?.host ?? (note && note.attempt === j.retryCount ? note.host : null),
        ...(j.state === 'failed' ? { error: failureReason(j.output) } : {}),
      };
    });
  }

  private closing?: Promise<void>;
  close(): Promise<void> {
    this.closing ??= this.boss.stop({ graceful: false, close: true, timeout: 5000 }).catch(() => undefined);
    return this.closing;
  }
}
