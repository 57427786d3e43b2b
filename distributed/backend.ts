// The builder queue contract: what the coordinator and `argo worker` need from a
// distributed engine, and nothing more. pgboss_queue.ts is the PostgreSQL adapter.
// An attempt is one claim of a job; every call that settles or extends a job names
// the attempt, so a superseded attempt (a paused worker that wakes up) cannot touch it.
import type { CiSpec } from '../agents/select.js';
import type { MergeFixBrief } from '../agents/merge_fix.js';

/** What a worker needs to run one builder somewhere else (the job's data). */
export interface BuilderJob {
  /** Which workflow run of which project this builder belongs to. */
  workflow: string;
  project: string;
  builder: string;
  prompt: string;
  tool: string;
  /** Git remote (URL or path) holding the base commit; attempts are pushed back here. */
  remote: string;
  base: string;
  branch: string;
  timeoutSeconds: number | null;
  /**
   * How the builder runs, as a local builder of this workflow would: the CI choice
   * (a word, a command line or an agent preset), its limits, verify.command and the
   * price table. Absent in jobs of an older coordinator: `tool` alone, no stall limit.
   */
  ci?: CiSpec;
  limits?: { builder_timeout_seconds: number | null; builder_stall_seconds: number | null; verify_retries: number };
  verify?: string | null;
  pricing?: unknown;
  /** The workflow's end (limits.max_workflow_hours), ms since the epoch. */
  deadline?: number | null;
  /** The text of the builder's `.argo/design.md` (null: none is written). */
  design?: string | null;
  /** `worktree.*` that a worker honours (worktree.copy never travels: it stays on the coordinator's host). */
  worktree?: { setup: string | null; setup_timeout_seconds: number; port_base: number; port_block: number };
  /** The builder's 0-based position in execution.builders (ARGO_BUILDER_INDEX, its port block). */
  builder_index?: number;
  /** The id the queue gives this job, chosen by the coordinator so that the signature covers it. */
  job_id?: string;
  /** After a wait on a limit (issue 19): the builder's agent session to resume (null: a fresh run), with the short "continue" prompt. */
  resume?: { session_id: string | null };
  /** Sent back by the merge gate (issue 20): the target's commit (pushed as a base ref) is merged in first, the fix prompt told. */
  merge_fix?: MergeFixBrief;
  /** HMAC-SHA256 of everything above with the job secret (distributed/job_auth.ts). */
  signature?: string;
}

export interface Claim {
  id: string;
  attempt: number;
  data: BuilderJob;
}

/** Wall time, and for an agent preset what a local builder records (tokens, cost, session …). */
export interface BuilderUsage {
  wall_seconds: number;
  [key: string]: unknown;
}

/** A finished attempt, as the worker reports it in the job's output. */
export interface BuilderResult {
  exit_code: number;
  /** The attempt-specific ref the worker pushed (null when nothing could be pushed). */
  ref: string | null;
  commit: string | null;
  host: string;
  attempt: number;
  usage: BuilderUsage;
  timed_out: boolean;
  log_tail: string;
  /** Why it failed, as a local builder's `failure` (timeout, stalled, no_changes, verify …); absent: its exit status says. */
  failure?: string;
  failure_message?: string;
  /** The agent's last answer (≤ 4 KB): a review's fix run keeps it as review.reply (issue 21). */
  reply?: string;
  /** The agent reported a limit (agents/presets/limit_signals.ts): the coordinator's engine makes the builder wait. */
  limit?: { kind: 'rate_limit' | 'usage_limit' | 'overloaded'; reset_at: string | null; message: string };
}

export type JobState = 'queued' | 'active' | 'completed' | 'failed' | 'cancelled';

export interface JobSnapshot {
  id: string;
  key: string;
  builder: string;
  state: JobState;
  attempt: number;
  output: BuilderResult | null;
  /** The host that announced the current attempt, when one did. */
  host: string | null;
  /** Why the engine gave the job up (a failed job: the last attempt's reason). */
  error?: string;
}

export interface BuilderQueue {
  /** One live job per key: returns the live job's id when there already is one. `data.job_id`, when set, is the new job's id. */
  enqueue(key: string, data: BuilderJob): Promise<string>;
  claim(): Promise<Claim | undefined>;
  /** Tells the engine the worker holding `claim` is host `host` (for the coordinator's view). */
  announce(claim: Claim, host: string): Promise<void>;
  /** false: the attempt is no longer ours (cancelled, expired, handed to another worker). */
  heartbeat(claim: Claim): Promise<boolean>;
  /** false: the result was ignored because the attempt had been superseded. */
  complete(claim: Claim, result: BuilderResult): Promise<boolean>;
  fail(claim: Claim, reason: string): Promise<boolean>;
  /** Fails the attempt for good (no retry): a job this worker will not run. */
  refuse(claim: Claim, reason: string): Promise<boolean>;
  /** How many of them were still live and are now cancelled. */
  cancel(ids: string[]): Promise<number>;
  /** Every job of one workflow run, newest attempt's view. */
  jobs(workflow: string): Promise<JobSnapshot[]>;
  close(): Promise<void>;
}

/** Timings shared by both sides; tests shorten them. */
export interface QueueTimings {
  /** A claim not heartbeated for this long is handed to another worker (pg-boss: >= 10). */
  heartbeatSeconds: number;
  /** pg-boss supervise/monitor interval: how soon an expired claim is noticed. */
  monitorSeconds: number;
  retryLimit: number;
}

export const DEFAULT_TIMINGS: QueueTimings = { heartbeatSeconds: 10, monitorSeconds: 1, retryLimit: 5 };
