// Pure decisions of the coordinator: what to do with one builder given what the state
// file says and what the queue holds, and which state fields mirror a job.
import { isObjectId, isPlainBranch } from '../core/git_args.js';
import type { AgentUsage } from '../agents/presets/contract.js';
import { sumUsage } from '../agents/settings.js';
import type { BuilderResult, BuilderUsage, JobSnapshot } from './backend.js';

export interface RemoteBuilderView {
  id: string;
  status: string;
  jobId: string | null;
}

export type RemotePlan = { kind: 'done' } | { kind: 'adopt'; jobId: string } | { kind: 'result'; jobId: string } | { kind: 'enqueue' } | { kind: 'wait' };

const live = (j: JobSnapshot) => j.state === 'queued' || j.state === 'active';

/**
 * `jobs` are this builder's jobs in this workflow run. A live job is adopted (a restart
 * never enqueues twice); a completed job the state has not recorded yet (the coordinator
 * died in between) is taken; anything else runs again.
 */
export function planRemote(b: RemoteBuilderView, jobs: JobSnapshot[]): RemotePlan {
  if (b.status === 'completed') return { kind: 'done' };
  // Waiting on a limit: its last job's result is taken already; it waits on until resume_at.
  if (b.status === 'waiting') return { kind: 'wait' };
  const running = jobs.find(live);
  if (running) return { kind: 'adopt', jobId: running.id };
  const recorded = b.jobId ? jobs.find((j) => j.id === b.jobId) : undefined;
  if (recorded?.state === 'completed' && recorded.output && b.status !== 'failed') return { kind: 'result', jobId: recorded.id };
  return { kind: 'enqueue' };
}

/** Fields mirrored into the builder's entry while its job is queued or running. */
export function liveFields(j: JobSnapshot): Record<string, unknown> {
  return {
    status: j.state === 'active' ? 'running' : 'pending',
    job_id: j.id,
    job_state: j.state,
    attempt: j.attempt,
    worker: j.host,
  };
}

/** The builder's ending, from its job's ending. */
export function endingOf(j: JobSnapshot): { code: number; fields: Record<string, unknown>; failure: string | null; why: string } {
  const out: BuilderResult | null = j.output;
  const base = { job_id: j.id, job_state: j.state, attempt: j.attempt, worker: j.host };
  if (j.state === 'completed' && out) {
    const failed = out.failure ? { failure: out.failure, failure_message: out.failure_message ?? null } : {};
    return {
      code: out.exit_code,
      fields: { ...base, usage: out.usage, commit: out.commit, attempt_ref: out.ref, ...(out.timed_out ? { timed_out: true } : {}), ...failed },
      failure: out.failure ?? null,
      why: out.failure
        ? `${out.failure}: ${out.failure_message ?? `exit status ${out.exit_code}`}`
        : out.exit_code === 0
          ? 'Builder finished successfully'
          : `Builder exited with status ${out.exit_code}${out.timed_out ? ' (time limit)' : ''}`,
    };
  }
  return { code: 1, fields: { ...base, ...(j.error ? { job_error: j.error } : {}) }, failure: null, why: `Job ${j.id} ended ${j.state} on the queue${j.error ? `: ${j.error}` : ''}` };
}

/**
 * Why the coordinator will not hand a worker's reported ref and commit to git (null: it will).
 * A result is written by whoever holds the worker's database role: data, never an option.
 */
export function reportedAttemptProblem(ref: unknown, commit: unknown, branch: string): string | null {
  if (typeof ref !== 'string' || !/^refs\/argo\/attempts\/[A-Za-z0-9-]+\/[0-9]+$/.test(ref)) return `the worker reported ref ${JSON.stringify(ref)}, not an attempt ref`;
  if (!isObjectId(commit)) return `the worker reported commit ${JSON.stringify(commit)}, not a commit id`;
  if (!isPlainBranch(branch)) return `branch ${JSON.stringify(branch)} is not a plain branch name`;
  return null;
}

export function sameFields(a: Record<string, unknown> | undefined, b: Record<string, unknown>): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

/**
 * A finished attempt's usage as the builder's record: what its earlier attempts spent
 * (state, before this job) plus what this attempt reports; its other fields (session,
 * agent, wall time) are this attempt's. Nothing spent is dropped by a retry.
 */
export function usageAfterAttempt(prior: AgentUsage | null, reported: BuilderUsage): BuilderUsage {
  if (!prior) return reported;
  return { ...reported, ...sumUsage([prior, reported as Partial<AgentUsage>]) };
}
