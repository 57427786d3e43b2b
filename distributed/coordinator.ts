// The execution phase when execution.backend = "postgres": the builders run on
// `argo worker`s. Pushes the base commit to git.remote, enqueues one job per builder that
// is not done (at most limits.max_parallel_builders live at once), mirrors the jobs into
// state.json, and on completion fetches each attempt's ref into argo-builder-<id> so that
// merge_build merges it as today. A restart adopts what the queue already holds.
import { createHash, randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, realpathSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { builderLogFile, logBuilder } from '../store/logs.js';
import type { StatePaths } from '../store/state.js';
import { REMOVE_FIELD, setBuilderFields } from '../store/builders.js';
import { recordReviewAnswer, reviewReplyLine, type MergeFixBrief } from '../agents/merge_fix.js';
import { utcTimestamp } from '../core/time.js';
import type { AgentUsage } from '../agents/presets/contract.js';
import type { Halt, Halting } from '../workflow/limits.js';
import type { BuilderJob, BuilderQueue, JobSnapshot } from './backend.js';
import { Latch } from './local_queue.js';
import { runEngine, type EngineHooks, type EngineOutcome, type LimitedEnding } from '../workflow/engine.js';
import type { WaitSettings } from '../workflow/rate_limits.js';
import { remoteLimitHooks, resumeBase } from './remote_limits.js';
import { gitRemoteEnv } from '../core/git_args.js';
import { baseRef, gitOrThrow } from '../core/git_async.js';
import { signJob } from './job_auth.js';
import { choiceProgram, choiceSpec } from '../agents/select.js';
import type { AttemptPlan } from '../agents/failover.js';
import { addUsageByAgent, type UsageByAgent } from '../store/usage.js';
import { redactUrl } from './config.js';
import type { BuilderRecord } from '../store/builders.js';
import type { MergeProject } from '../workflow/builder_merge.js';
import { waveHooks, wavesOf } from '../workflow/wave_steps.js';
import { endingOf, liveFields, planRemote, reportedAttemptProblem, sameFields, usageAfterAttempt } from './plan.js';

export interface CoordinatorBuilder {
  id: string;
  description: string;
  status: string;
  worktree: string | null;
  branch: string;
  jobId: string | null;
  prompt: string;
  /** Its 0-based position in execution.builders. */
  index?: number;
  /** The failure recorded by an earlier run (cleared when this one succeeds). */
  failure: string | null;
  /** Usage its earlier attempts recorded (an attempt adds to it). */
  usage?: AgentUsage | null;
  /** Its usage per agent so far (`usage_by_agent`; fail-over): an attempt adds to its agent's. */
  usageByAgent?: UsageByAgent;
  /** Ids of the builders it waits for (dependency waves). */
  depends_on?: string[];
  waiting_for?: string[];
  /** Waiting on a limit (issue 19): until when (ISO), how many waits so far. */
  resume_at?: string | null;
  waits?: number | null;
  /** The agent session of its last attempt (a resume after a limit continues it). */
  session_id?: string | null;
  /** Sent back by the merge gate (merge_feedback): the fix run's brief; its job starts from the builder's branch. */
  mergeFix?: MergeFixBrief | null;
}

export type { Halt, Halting };

export type RunSpec = Pick<BuilderJob, 'tool' | 'timeoutSeconds' | 'ci' | 'limits' | 'verify' | 'pricing' | 'deadline' | 'design' | 'worktree'>;

export interface CoordinatorOptions {
  dir: string;
  state: StatePaths;
  logs: { logDir: string; workflowLog: string };
  queue: BuilderQueue;
  remote: string;
  /** The job secret: every job is signed with it (distributed/job_auth.ts). */
  secret: Buffer;
  /** How every builder runs (CI choice, limits, verify, pricing): copied into each job. */
  run: RunSpec;
  limit: number;
  /** limits.max_cost_usd and limits.max_workflow_hours, enforced here as the local runner does. */
  halting?: Halting;
  /** limits.rate_limit_backoff_seconds and limits.rate_limit_max_waits (default 60 s and 8). */
  waits?: WaitSettings;
  signal: AbortSignal;
  pollMs?: number;
  say: (line: string) => void;
  /**
   * Dependency waves: every builder of the workflow as state has it (those this run does not
   * start too) and the project's log files. A dependent's job then starts from its branch
   * brought onto the updated base, pushed to the remote as a base ref (never the user's branch).
   */
  waves?: { all: BuilderRecord[] };
  /**
   * Which agent runs the job about to be queued, and how (ci.fallback: agents/failover.ts);
   * `base` is the commit the job starts from. Absent: every job runs `run.ci` with the builder's prompt.
   */
  attempt?: (b: CoordinatorBuilder, base: string) => Promise<AttemptPlan>;
}

export function projectKey(dir: string): string {
  return createHash('sha256').update(`${hostname()}:${realpathSync(dir)}`).digest('hex').slice(0, 16);
}

/** Brings the completed attempt's commit into argo-builder-<id>, fast-forward only. */
async function takeAttempt(o: CoordinatorOptions, b: CoordinatorBuilder, ref: string, commit: string): Promise<void> {
  const bad = reportedAttemptProblem(ref, commit, b.branch);
  if (bad) throw new Error(bad);
  await gitOrThrow(['fetch', '-q', '--', o.remote, `+${ref}:${ref}`], o.dir, gitRemoteEnv());
  if (b.worktree && existsSync(b.worktree) && statSync(b.worktree).isDirectory()) {
    await gitOrThrow(['merge', '-q', '--ff-only', '--end-of-options', commit], b.worktree);
  } else {
    await gitOrThrow(['branch', '-f', '--', b.branch, commit], o.dir).catch(async () => gitOrThrow(['fetch', '-q', '--', '.', `${commit}:refs/heads/${b.branch}`], o.dir));
  }
}

/**
 * Runs every builder that is not done on the workers; resolves when all have ended, on
 * abort, or when the budget or the workflow's time is spent (the rest then fail with why).
 * The scheduling is the one engine's (workflow/engine.ts); here is what is remote about it:
 * the base commit pushed, the queue's jobs adopted after a restart, and the state fields
 * that mirror a job.
 */
export async function coordinate(o: CoordinatorOptions, builders: CoordinatorBuilder[]): Promise<EngineOutcome> {
  const base = await gitOrThrow(['rev-parse', 'HEAD'], o.dir);
  const workflow = `${projectKey(o.dir)}:${base}`;
  await gitOrThrow(['push', '-q', '--', o.remote, `${base}:${baseRef(base)}`], o.dir, gitRemoteEnv());
  o.say(`Base commit ${base.slice(0, 12)} pushed to ${redactUrl(o.remote)}`);

  const snapshot = await o.queue.jobs(workflow);
  const waiting: CoordinatorBuilder[] = [];
  const following = new Map<CoordinatorBuilder, string>(); // builder -> the job we follow
  const asleep = new Map<CoordinatorBuilder, number>(); // builder -> its resume time (a wait on a limit)
  for (const b of builders) {
    const plan = planRemote(b, snapshot.filter((j) => j.builder === b.id));
    if (plan.kind === 'done') o.say(`Builder ${b.id} already completed`);
    else if (plan.kind === 'enqueue') waiting.push(b);
    else if (plan.kind === 'wait') {
      o.say(`Builder ${b.id} is waiting on a limit until ${b.resume_at ?? 'now'}`);
      asleep.set(b, Date.parse(b.resume_at ?? '') || 0); // unreadable: at once
    }
    else {
      o.say(plan.kind === 'adopt' ? `Builder ${b.id} is already on the queue (job ${plan.jobId}) - following it` : `Builder ${b.id} finished while nobody watched - taking its result`);
      following.set(b, plan.jobId);
    }
  }
  const sleep = new Latch(); // never notified: a poll interval cut short by the abort
  const bases = new Map<string, string>(); // builder → the base its job starts from, when not `base`
  const project = { dir: o.dir, state: o.state, logs: o.logs };
  const waves = o.waves ? await wavesOf(project, o.waves.all, new Set([...waiting, ...following.keys()].map((b) => b.id))) : undefined;
  const hooks = { ...remoteHooks(o, workflow, base, bases), ...remoteLimitHooks(o), wait: (ms: number, signal: AbortSignal) => sleep.wait(ms, signal) };
  const preset = o.run.ci?.kind === 'preset' ? o.run.ci.preset.name : null;
  return runEngine(
    { queue: o.queue, workflow, limit: o.limit, halting: o.halting, signal: o.signal, intervalMs: o.pollMs ?? 250, say: o.say, waiting, following, waves, asleep, waits: o.waits, presetOf: () => preset },
    waves ? { ...hooks, ...remoteWaveHooks(o, project, bases) } : hooks,
  );
}

/** The waves' hooks, remote: a dependent's branch, once on the updated base, is pushed as its job's base. */
function remoteWaveHooks(o: CoordinatorOptions, project: MergeProject, bases: Map<string, string>): ReturnType<typeof waveHooks<CoordinatorBuilder>> {
  const shared = waveHooks<CoordinatorBuilder>({ project, builders: o.waves!.all, say: o.say, signal: o.signal });
  return {
    ...shared,
    baseOn: async (b) => {
      const problem = await shared.baseOn(b);
      if (problem !== null) return problem;
      const tip = await gitOrThrow(['rev-parse', '--verify', '--end-of-options', `refs/heads/${b.branch}`], o.dir);
      try {
        await gitOrThrow(['push', '-q', '--', o.remote, `${tip}:${baseRef(tip)}`], o.dir, gitRemoteEnv());
      } catch (e) {
        return `could not push the base of ${b.branch} to ${redactUrl(o.remote)}: ${(e as Error).message}`;
      }
      bases.set(b.id, tip);
      return null;
    },
  };
}

/**
 * The tip of a builder's branch, pushed to the remote as a base ref (never the user's
 * branch) so a worker's job starts from the work already brought home; `from` when the
 * branch is there already or cannot be read.
 */
async function pushTip(o: CoordinatorOptions, branch: string, from: string): Promise<string> {
  const tip = await gitOrThrow(['rev-parse', '--verify', '--end-of-options', `refs/heads/${branch}`], o.dir).catch(() => from);
  if (tip === from) return from;
  await gitOrThrow(['push', '-q', '--', o.remote, `${tip}:${baseRef(tip)}`], o.dir, gitRemoteEnv());
  return tip;
}

/** A fix run's job base: the builder's branch tip, and the gate's commit pushed as a base ref so the worker can merge it. */
async function fixBase(o: CoordinatorOptions, b: CoordinatorBuilder, from: string): Promise<string> {
  const target = b.mergeFix!.feedback.base;
  await gitOrThrow(['push', '-q', '--', o.remote, `${target}:${baseRef(target)}`], o.dir, gitRemoteEnv());
  return pushTip(o, b.branch, from);
}

/** What the remote back-end records when the engine decides. */
function remoteHooks(o: CoordinatorOptions, workflow: string, base: string, bases: Map<string, string>): Omit<EngineHooks<CoordinatorBuilder, JobSnapshot>, 'wait'> {
  const mirrored = new Map<string, Record<string, unknown>>();
  return {
    enqueue: async (b, resume) => {
      // A resume after a limit starts from the work the limited attempt left.
      const tip = resume ? await resumeBase(o, b) : null;
      if (tip) bases.set(b.id, tip);
      let from = bases.get(b.id) ?? base;
      // A fix run (issue 20) continues the builder's own work, with the gate's commit beside it on the remote.
      if (b.mergeFix) from = await fixBase(o, b, from);
      const turn = await o.attempt?.(b, from);
      // A take-over continues the work on the builder's branch: the job starts from its tip.
      if (turn?.fresh) from = await pushTip(o, b.branch, from);
      const agent = turn ? { ci: choiceSpec(turn.choice), tool: choiceProgram(turn.choice), prompt: turn.prompt ?? b.prompt } : {};
      const data: BuilderJob = {
        ...o.run, workflow, project: projectKey(o.dir), builder: b.id, prompt: b.prompt, remote: o.remote, base: from, branch: b.branch,
        ...(b.index !== undefined ? { builder_index: b.index } : {}), ...((resume || b.mergeFix) && !turn?.fresh ? { resume: { session_id: b.session_id ?? null } } : {}), ...agent,
        ...(b.mergeFix ? { merge_fix: b.mergeFix } : {}),
      };
      if (turn?.note) logBuilder(o.logs, b.id, 'failover', turn.note);
      // The id is chosen here so that the signature covers it: a copy in another row is refused.
      const id = await o.queue.enqueue(`${projectKey(o.dir)}/${b.id}`, signJob(data, randomUUID(), o.secret));
      o.say(`Queued builder: ${b.id} (job ${id})`);
      const fields = { status: 'pending', job_id: id, job_state: 'queued', attempt: 0, worker: null, started: utcTimestamp(), pid: null, ...turn?.fields };
      mirrored.set(b.id, fields);
      await setBuilderFields(o.state, b.id, fields);
      logBuilder(o.logs, b.id, 'queued', `Job ${id} queued for a worker`);
      return id;
    },
    finish: (b, j) => finishRemote(o, b, j),
    live: async (b, j) => {
      const fields = liveFields(j);
      if (sameFields(mirrored.get(b.id), fields)) return;
      if (j.state === 'active' && mirrored.get(b.id)?.job_state !== 'active') {
        logBuilder(o.logs, b.id, 'spawned', `Running on ${j.host ?? 'a worker'} (job ${j.id}, attempt ${j.attempt})`);
      }
      mirrored.set(b.id, fields);
      await setBuilderFields(o.state, b.id, fields);
    },
    halted: async (b, h) => {
      await setBuilderFields(o.state, b.id, { status: 'failed', exit_code: 1, failure: h.failure, completed: utcTimestamp() });
      logBuilder(o.logs, b.id, 'failed', `${h.failure}: ${h.reason}`);
      o.say(`Builder ${b.id} failed (${h.failure})`);
    },
  };
}

/** A job has ended: its attempt's commit brought home, its log tail kept, its ending recorded. */
async function finishRemote(o: CoordinatorOptions, b: CoordinatorBuilder, j: JobSnapshot): Promise<boolean | LimitedEnding> {
  const end = endingOf(j);
  let code = end.code;
  let why = end.why;
  if (j.output?.ref && j.output.commit) {
    try {
      await takeAttempt(o, b, j.output.ref, j.output.commit);
    } catch (e) {
      code = code === 0 ? 1 : code;
      why = `Could not bring ${j.output.ref} into ${b.branch}: ${(e as Error).message}`;
    }
  }
  if (j.output?.log_tail) appendFileSync(builderLogFile(o.logs, b.id), `--- worker ${j.output.host}, job ${j.id}, attempt ${j.attempt} (last lines) ---\n${j.output.log_tail}\n`);
  const ok = code === 0 && end.failure === null;
  // An agent preset's usage counts into execution.usage, as a local builder's does.
  const agentRun = typeof j.output?.usage?.agent === 'string';
  const usage = agentRun ? usageAfterAttempt(b.usage ?? null, j.output!.usage) : undefined;
  if (agentRun) b.usageByAgent = addUsageByAgent(b.usageByAgent ?? {}, j.output!.usage.agent as string, [j.output!.usage as Partial<AgentUsage>]);
  if (usage) o.halting?.spent.set(b.id, usage as Partial<AgentUsage>);
  // A limit, its work brought home: the engine decides (the builder's fields are written by remoteLimitHooks).
  if (j.state === 'completed' && j.output?.limit && code !== 0 && why === end.why) {
    if (usage) b.usage = usage as unknown as AgentUsage;
    const session = j.output.usage?.session_id;
    if (typeof session === 'string' && session !== '') b.session_id = session;
    return { limited: j.output.limit };
  }
  await setBuilderFields(o.state, b.id, { ...end.fields, ...(usage ? { usage, usage_by_agent: b.usageByAgent } : {}), status: ok ? 'completed' : 'failed', exit_code: code, completed: utcTimestamp(), ...(ok ? { progress: 100 } : {}), ...(ok && b.failure !== null ? { failure: null } : {}), ...(ok && b.mergeFix ? { merge_feedback: REMOVE_FIELD } : {}) }, agentRun);
  if (ok && b.mergeFix?.feedback.kind === 'review') {
    const reply = typeof j.output?.reply === 'string' ? j.output.reply : null;
    await recordReviewAnswer(o.state, b.id, reply);
    logBuilder(o.logs, b.id, 'review_reply', reviewReplyLine(reply));
  }
  logBuilder(o.logs, b.id, ok ? 'completed' : 'failed', why);
  o.say(ok ? `Builder ${b.id} completed on ${j.host ?? 'a worker'}` : end.failure ? `Builder ${b.id} failed (${end.failure}) on ${j.host ?? 'a worker'}` : `Builder ${b.id} failed (${why})`);
  return ok;
}
