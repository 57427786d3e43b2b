// The seam between phases/execution.ts and the coordinator: execution hands its builders
// here when execution.backend = "postgres". Opens the queue, runs until done or until the
// handler's termination signal aborts, and returns the engine's outcome: execution hands
// on from it exactly as for builders run here.
import { signalStatus } from '../core/proc.js';
import type { Project } from '../store/project.js';
import { complain, say } from '../core/cli.js';
import { builderBranchOf, readBuilders, type BuilderRecord } from '../store/builders.js';
import { readStateDoc } from '../store/state.js';
import { usageByAgentOf } from '../store/usage.js';
import { planAttempt, type Failover } from '../agents/failover.js';
import { committedSummary } from '../agents/worktree.js';
import type { EngineOutcome } from '../workflow/engine.js';
import type { MergeFixBrief } from '../agents/merge_fix.js';
import { distinctBuilders } from '../workflow/builder_plan.js';
import { redactUrl } from './config.js';
import type { WaitSettings } from '../workflow/rate_limits.js';
import { readJobSecret } from './job_auth.js';
import { coordinate, type CoordinatorBuilder, type Halting, type RunSpec } from './coordinator.js';
import { PgBossQueue } from './pgboss_queue.js';

export interface RemoteRun {
  project: Project;
  builders: BuilderRecord[];
  limit: number;
  /** How each builder runs on the workers: what a local builder of this workflow would get. */
  run: RunSpec;
  halting: Halting;
  backend: { databaseUrl: string; remote: string };
  /** The handler's stop (its entry point's onTermination): cancels the jobs. */
  signal: AbortSignal;
  /** Every builder of the workflow (the dependency waves need those this run leaves alone too). */
  all?: BuilderRecord[];
  /** A builder's first prompt, told that its directory is `worktree` (phases/execution.ts). */
  prompt: (b: BuilderRecord, worktree: string) => string;
  /** A builder's 0-based position in execution.builders. */
  index: (id: string) => number;
  /** limits.rate_limit_backoff_seconds and limits.rate_limit_max_waits. */
  waits?: WaitSettings;
  /** `ci.fallback` (agents/failover.ts); absent: every job runs `run.ci`. */
  failover?: Failover;
  /** A builder the merge gate sent back: its fix run's brief (agents/merge_fix.ts); absent or null: none. */
  mergeFix?: (b: BuilderRecord) => MergeFixBrief | null;
}

/**
 * The agent of a builder's next job, from its row as state holds it now (its waits, the
 * agent in use); a take-over's summary is the builder's branch here since the job's base.
 */
function attemptOf(r: RemoteRun, f: Failover) {
  return async (b: CoordinatorBuilder, base: string) => {
    const row = readBuilders(await readStateDoc(r.project.state.stateFile)).find((x) => x.id === b.id);
    return planAttempt(row?.raw ?? {}, f, { id: b.id, prompt: () => b.prompt, summary: () => committedSummary(r.project.dir, base, `refs/heads/${b.branch}`) });
  };
}

function view(r: RemoteRun, b: BuilderRecord): CoordinatorBuilder {
  const description = b.description ?? 'null';
  return {
    id: b.id,
    description,
    status: b.status ?? 'null',
    worktree: b.worktree,
    branch: builderBranchOf(b),
    jobId: b.job_id,
    failure: b.failure,
    usage: b.usage,
    usageByAgent: usageByAgentOf(b.raw),
    depends_on: b.depends_on,
    waiting_for: b.waiting_for,
    resume_at: b.resume_at,
    waits: b.waits,
    session_id: b.session_id,
    prompt: r.prompt({ ...b, description }, '. (the current directory)'),
    index: r.index(b.id),
    mergeFix: r.mergeFix?.(b) ?? null,
  };
}

/** The engine's outcome, or the exit status when it could not run or was stopped. */
export async function runRemote(r: RemoteRun): Promise<number | Exclude<EngineOutcome, 'aborted'>> {
  const builders = distinctBuilders(r.builders).map((b) => view(r, b));
  // Workers run only jobs signed with the secret they share with us: no secret, no jobs.
  const secret = readJobSecret(process.env);
  if (!secret.ok) {
    complain(`ERROR: execution.backend is "postgres" but ${secret.message}`);
    return 1;
  }
  let queue: PgBossQueue;
  try {
    queue = await PgBossQueue.open({
      databaseUrl: r.backend.databaseUrl,
      timings: { heartbeatSeconds: Number(process.env.ARGO_WORKER_HEARTBEAT_SECONDS) || undefined },
      onError: (e) => complain(`WARNING: database: ${e.message}`),
    });
  } catch (e) {
    complain(`ERROR: cannot open the job queue at ${redactUrl(r.backend.databaseUrl)}: ${(e as Error).message}`);
    return 1;
  }
  say(`Running ${builders.length} builders on workers (queue at ${redactUrl(r.backend.databaseUrl)}, at most ${r.limit} at once)`);
  let outcome: Awaited<ReturnType<typeof coordinate>>;
  try {
    outcome = await coordinate(
      { dir: r.project.dir, state: r.project.state, logs: r.project.logs, queue, remote: r.backend.remote, secret: secret.key, run: r.run, limit: r.limit, halting: r.halting, waits: r.waits, signal: r.signal, say, waves: r.all ? { all: r.all } : undefined, ...(r.failover ? { attempt: attemptOf(r, r.failover) } : {}) },
      builders,
    );
  } catch (e) {
    complain(`ERROR: ${(e as Error).message}`);
    return 1;
  } finally {
    await queue.close();
  }
  if (outcome === 'aborted') {
    say('Stopped: the builders\' jobs were cancelled');
    return signalStatus(r.signal.reason);
  }
  return outcome;
}
