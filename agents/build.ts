// One builder from its first attempt to its ending: the command for the CI choice, the
// wrapper that commits what the agent left uncommitted, the runner (time limit, stall,
// cancel), the preset's parser (usage, cost, session), and the verify gate whose
// failures go back to the agent by resuming its session. The local execution phase and
// `argo worker` both run builders through here, so a builder on another machine runs
// exactly as one on this machine. What depends on the whole workflow (a stop, the
// budget, the workflow's deadline) comes in through the hooks of BuildIO.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Env } from '../core/context.js';
import { builderWrapperArgv } from './ci_tool.js';
import { errorMessage } from '../core/errors.js';
import { RUN_TOKEN_VAR } from '../store/processes.js';
import { newRunToken, sweepRuns } from '../store/sweep.js';
import { emptyUsage, type AgentOutcome, type AgentUsage } from './presets/contract.js';
import type { AgentLimit } from './presets/limit_signals.js';
import { LIMIT_RESUME_PROMPT } from '../workflow/rate_limits.js';
import { invocationFor } from './invocation.js';
import { agentFailureMessage, STDERR_TAIL_BYTES } from './run/failure_message.js';
import { parseOutputFile, sizeOf, textSince } from './run/output_file.js';
import { runAgent, type RunResult } from './run/runner.js';
import type { CiChoice } from './select.js';
import { runShare, sumUsage, withCost, type AgentLimits } from './settings.js';
import { addUsageByAgent, type UsageByAgent } from '../store/usage.js';
import { runVerify } from './verify.js';
import { gitCommonDir, gitDir, headOf, worktreeChanged } from './worktree.js';
import { NO_WORKTREE_CONFIG, type WorktreeConfig } from './worktree_config.js';
import { builderVars, commitExclusions, copyIntoWorktree, excludeFromCommits, runSetup, writeDesignFile } from './worktree_prep.js';
import { conflictLeft, mergeFixPrompt, mergeTargetInto, type MergeFixBrief } from './merge_fix.js';

/** Why a builder failed (state field `failure`); absent for the original's plain exit codes. */
export type Failure = 'timeout' | 'stalled' | 'no_changes' | 'verify' | 'agent_error' | 'budget' | 'time_limit' | 'setup' | 'rate_limited';

export interface Failed {
  failure: Failure;
  message: string;
}

/** What a run works with, the same for every builder of a workflow. */
export interface BuildSetup {
  choice: CiChoice;
  limits: Pick<AgentLimits, 'builderTimeoutMs' | 'stallMs' | 'verifyRetries'>;
  verify: string | null;
  pricing: unknown;
  /** `worktree.*` (setup, copy, port blocks); absent: none of them. */
  worktree?: WorktreeConfig;
}

export interface BuildTask {
  id: string;
  branch: string;
  worktree: string;
  /** The first attempt's prompt. */
  prompt: string;
  /** The agent session of the builder's last attempt, if any. */
  sessionId: string | null;
  /** The builder failed before (`argo retry`): why; its session is resumed when the agent can. */
  retryOf: { failure: string | null } | null;
  /** Its last attempt ended on a limit and it waited (issue 19): its session is resumed with a short "continue" prompt. */
  afterLimit?: boolean;
  /** Usage of the builder's earlier attempts (an earlier run, a retry): this run adds to it, never replaces it. */
  priorUsage?: Partial<AgentUsage> | null;
  /** The same per agent (`usage_by_agent`, fail-over): absent, all of priorUsage is this run's agent's. */
  priorByAgent?: UsageByAgent | null;
  /** Its 0-based position in execution.builders (ARGO_BUILDER_INDEX, its port block). */
  index?: number;
  /** The text of `.argo/design.md`, written into the worktree before the agent starts; null: none. */
  design?: string | null;
  /** The main checkout `worktree.copy` copies from; null (a worker): nothing is copied. */
  copyFrom?: string | null;
  /** Sent back by the merge gate (issue 20, `merge_feedback`): the target is merged in first, the fix prompt told. */
  mergeFix?: MergeFixBrief | null;
}

export interface BuildIO {
  /** The builder's environment (the state and log paths its CI tool writes to). */
  env: Env;
  /** Where the wrapper's output goes (and a plain tool's stdout). */
  logFile: string;
  /** Where a preset's stdout goes, outside the worktree so it is never committed. */
  outputFile: string;
  /** Where worktree.setup's output goes (default: the log file's name with .setup.log). */
  setupLogFile?: string;
  writePrompt: (text: string) => string;
  log: (event: string, message: string) => void;
  /** Ends the agent (and a verify run) at once: a stop, a lost claim, the budget. */
  signal: AbortSignal;
  /** The time an attempt may take (a workflow deadline may cut the builder's limit short). */
  timeLimit?: (limitMs: number) => number;
  onSpawn?: (pid: number) => void;
  /** The run's token (ARGO_RUN_TOKEN), before anything starts: recorded so a later stop can sweep too. */
  onRunToken?: (token: string) => Promise<void> | void;
  /** A run that hit its time limit: the workflow's own end, when that is what ended it. */
  timeoutFailure?: () => Failed | null;
  /** No further verify retry (the budget is spent …). */
  noMoreAttempts?: () => boolean;
  /**
   * After an attempt, before a verify retry: this run's attempts so far (to check a budget)
   * and the builder's record with them (to keep in state, so a crash loses none of it).
   */
  onUsage?: (usages: AgentUsage[], record: BuildRecord) => void;
}

/** The builder's usage record (state field `usage`): presets only. */
export type BuildRecord = { usage?: AgentUsage & { session_id: string | null; agent: string; model: string | null }; usage_by_agent?: UsageByAgent };

export type BuildEnding =
  /** The signal ended it: the caller knows why (a stop, a halt, a lost claim). */
  | { kind: 'canceled'; code: number; record: BuildRecord }
  | { kind: 'ended'; code: number; failed: Failed | null; record: BuildRecord; limit?: AgentLimit; reply?: string | null };

/** One run's usage record of a preset (state field `usage`): its usage priced, the session, the agent, the model. */
export function usageRecord(choice: CiChoice & { kind: 'preset' }, outcome: Pick<AgentOutcome, 'usage' | 'session_id' | 'model'>, pricing: unknown): NonNullable<BuildRecord['usage']> {
  const model = choice.model ?? outcome.model ?? null;
  return { ...withCost(outcome.usage, model, pricing, choice.preset.inputIncludesCache), session_id: outcome.session_id, agent: choice.preset.name, model };
}

/** How a finished attempt ends the builder (pure: result, parsed output, worktree probe). */
export function judgeAttempt(
  run: Pick<RunResult, 'code' | 'timedOut' | 'stalled'>,
  outcome: Pick<AgentOutcome, 'ok' | 'error'>,
  preset: boolean,
  changed: () => boolean,
): { ok: true } | ({ ok: false } & Failed) {
  if (run.timedOut) return { ok: false, failure: 'timeout', message: 'the time limit (limits.builder_timeout_seconds) ended it' };
  if (run.stalled) return { ok: false, failure: 'stalled', message: 'no output and no file change for limits.builder_stall_seconds' };
  if (run.code !== 0) return { ok: false, failure: 'agent_error', message: outcome.error ?? `exit status ${run.code}` };
  if (!outcome.ok) return { ok: false, failure: 'agent_error', message: outcome.error ?? 'the agent reported an error' };
  if (preset && !changed()) return { ok: false, failure: 'no_changes', message: 'the agent changed nothing in its worktree' };
  return { ok: true };
}

export function retryPrompt(id: string, why: string, tail: string): string {
  return [
    `Your work on the '${id}' component is not finished: ${why}.`,
    '',
    ...(tail ? ['The end of the output:', '```', tail.trim(), '```', ''] : []),
    'Fix it, make every test pass, and commit your changes.',
  ].join('\n');
}

/**
 * Runs the builder with a fresh ARGO_RUN_TOKEN in its environment and, however it
 * ends (done, failed, time limit, stall, stop), ends what it left running: a daemon
 * that left the builder's process group (setsid) still carries the token (store/sweep.ts).
 */
export async function buildComponent(setup: BuildSetup, task: BuildTask, io: BuildIO): Promise<BuildEnding> {
  const token = newRunToken();
  await io.onRunToken?.(token);
  const vars = builderVars(task.id, task.index ?? 0, setup.worktree ?? NO_WORKTREE_CONFIG);
  const run = { ...io, env: { ...io.env, [RUN_TOKEN_VAR]: token, ...vars } };
  try {
    const fix = await fixStart(task, run);
    if ('kind' in fix) return fix;
    return (await prepare(setup, task, run)) ?? (await buildAttempts(setup, task, run, fix));
  } finally {
    const swept = await sweepRuns([token]);
    if (swept.ended.length > 0) io.log('swept', `Ended ${swept.ended.length} process(es) the builder left running (PIDs ${swept.ended.join(' ')})`);
  }
}

/** How the attempts start: a fix run's prompt and conflicted files, and the commit its changes count from. */
interface FixStart {
  fix: { prompt: string; conflicted: string[] } | null;
  base: string | null;
}

/**
 * A builder the merge gate sent back: the target at the gate's commit is merged into its
 * branch before anything else (a conflict is left in progress for the agent). The head
 * before that merge is where its changes count from (the merge alone may be the fix).
 */
async function fixStart(task: BuildTask, io: BuildIO): Promise<FixStart | BuildEnding> {
  const base = headOf(task.worktree);
  if (!task.mergeFix) return { fix: null, base };
  const merged = await mergeTargetInto(task.worktree, task.branch, task.mergeFix.feedback);
  if (merged.kind === 'failed') {
    io.log('setup_failed', merged.message);
    return { kind: 'ended', code: 1, failed: { failure: 'setup', message: merged.message }, record: {} };
  }
  io.log('merge_fix', merged.message);
  return { fix: { prompt: mergeFixPrompt(task.id, task.mergeFix, merged.conflicted), conflicted: merged.conflicted }, base };
}

/** The paths the wrapper's commit leaves out: the design folder and the copied files, when there are any. */
function exclusionsOf(setup: BuildSetup, task: BuildTask): string[] {
  const copy = task.copyFrom ? (setup.worktree?.copy ?? []) : [];
  return task.design != null ? commitExclusions(copy) : copy;
}

/**
 * Before the first attempt (a retry starts here again): the design file, the copied files
 * and their info/exclude block, then worktree.setup. null: ready; else how the builder ends.
 */
async function prepare(setup: BuildSetup, task: BuildTask, io: BuildIO): Promise<BuildEnding | null> {
  const wt = setup.worktree ?? NO_WORKTREE_CONFIG;
  const copy = task.copyFrom ? wt.copy : [];
  const failed = (code: number, message: string): BuildEnding => ({ kind: 'ended', code, failed: { failure: 'setup', message }, record: {} });
  try {
    if (task.design != null || copy.length > 0) excludeFromCommits(task.worktree, copy);
    if (task.design != null) writeDesignFile(task.worktree, task.design);
    if (copy.length > 0) {
      const { copied, tracked, unmatched } = copyIntoWorktree(task.copyFrom!, task.worktree, copy);
      const notes = [tracked.length > 0 ? `left as tracked: ${tracked.join(', ')}` : '', unmatched.length > 0 ? `no match for ${unmatched.join(', ')}` : ''].filter(Boolean);
      io.log('copied', `worktree.copy: ${copied.length > 0 ? copied.join(', ') : 'nothing'}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`);
    }
  } catch (e) {
    io.log('setup_failed', errorMessage(e));
    return failed(1, errorMessage(e));
  }
  if (!wt.setup) return null;
  io.log('setup', `Running worktree.setup: ${wt.setup}`);
  const r = await runSetup(wt, task.worktree, io.env, io.signal, io.setupLogFile ?? io.logFile.replace(/(\.log)?$/, '.setup.log'), io.timeLimit);
  if (r.kind === 'ok') return null;
  if (r.kind === 'canceled') return { kind: 'canceled', code: r.code, record: {} };
  io.log('setup_failed', r.message);
  return failed(r.code, r.message);
}

/** What the attempts of one build add up to: each attempt's usage, the agent session, the model. */
class Tally {
  readonly usages: AgentUsage[] = [];
  private readonly prior: Partial<AgentUsage>[];
  session: string | null;
  model: string | null;

  constructor(
    private readonly preset: Extract<BuildSetup['choice'], { kind: 'preset' }> | null,
    private readonly task: BuildTask,
  ) {
    this.prior = task.priorUsage ? [task.priorUsage] : [];
    this.session = task.sessionId;
    this.model = preset?.model ?? null;
  }

  record(): BuildRecord {
    const p = this.preset;
    if (!p) return {};
    const agent = p.preset.name;
    const earlier = this.task.priorByAgent ?? (this.task.priorUsage ? { [agent]: sumUsage([this.task.priorUsage]) } : {});
    return { usage: { ...sumUsage([...this.prior, ...this.usages]), session_id: this.session, agent, model: this.model }, usage_by_agent: addUsageByAgent(earlier, agent, this.usages) };
  }

  /** One preset attempt's outcome: its session, its model, and its own share of the usage. */
  add(inv: ReturnType<typeof invocationFor>, outcome: AgentOutcome, pricing: BuildSetup['pricing']): void {
    this.session = outcome.session_id ?? this.session;
    this.model = this.model ?? outcome.model ?? null;
    // An agent that reports the whole session on resume would count earlier attempts twice.
    // On `argo retry` the resumed thread (the builder's last session) also holds the usage
    // recorded before this run (`prior`): that comes off too.
    const sameSession = this.session === this.task.sessionId ? this.prior : [];
    const own = inv.resumed && inv.preset!.resumeReportsSessionTotal ? runShare(outcome.usage, [...sameSession, ...this.usages]) : outcome.usage;
    this.usages.push(withCost(own, this.model, pricing, inv.preset!.inputIncludesCache));
  }
}

/** The first attempt's prompt: a fresh start gets its task (and a fix run's brief after it); a resume only what is new. */
export function firstPrompt(task: Pick<BuildTask, 'id' | 'prompt' | 'afterLimit' | 'retryOf'>, resume: boolean, fix: string | null): string {
  if (!resume) return fix ? `${task.prompt}\n\n${fix}` : task.prompt;
  if (fix) return fix;
  return task.afterLimit ? LIMIT_RESUME_PROMPT : retryPrompt(task.id, `the last attempt failed (${task.retryOf?.failure ?? 'error'})`, '');
}

async function buildAttempts(setup: BuildSetup, task: BuildTask, io: BuildIO, start: FixStart): Promise<BuildEnding> {
  const { choice } = setup;
  const preset = choice.kind === 'preset' ? choice : null;
  const { worktree } = task;
  const timeLimit = io.timeLimit ?? ((ms: number) => ms);
  const { base, fix } = start;
  const tally = new Tally(preset, task);
  // A failed or limited builder with a session resumes it when its agent can; else it starts afresh.
  let kind: 'builder' | 'resume' = (task.retryOf || task.afterLimit || fix) && tally.session && preset?.preset.resume != null ? 'resume' : 'builder';
  let prompt = firstPrompt(task, kind === 'resume', fix?.prompt ?? null);
  // The agent's last answer (its outcome's text): a review's fix run keeps it as review.reply.
  let reply: string | null = null;
  const ended = (code: number, failed: Failed | null = null): Extract<BuildEnding, { kind: 'ended' }> => ({ kind: 'ended', code, failed, record: tally.record(), ...(reply !== null ? { reply } : {}) });

  for (let attempt = 0; ; attempt++) {
    let inv: ReturnType<typeof invocationFor>;
    try {
      inv = invocationFor(choice, kind, { prompt, worktree, sessionId: tally.session, gitCommonDir: () => gitCommonDir(worktree), gitDir: () => gitDir(worktree), writePrompt: io.writePrompt }, io.env);
    } catch (e) {
      // An argv override needing a value we do not have, an unwritable prompt file …
      return ended(1, { failure: 'agent_error', message: `cannot build the command: ${errorMessage(e)}` });
    }
    if (inv.resumed) io.log('resuming', `Resuming agent session ${tally.session}`);
    const { r, outcome } = await runAttempt(setup, task, io, inv, timeLimit);
    if (preset) {
      tally.add(inv, outcome, setup.pricing);
      reply = outcome.text.trim() || reply;
      for (const w of outcome.warnings ?? []) io.log('warning', w);
    }
    if (r.canceled) return { kind: 'canceled', code: r.code, record: tally.record() };
    if (r.startError) io.log('error', `Could not start ${inv.argv[0]}: ${r.startError}`);
    const theirs = r.timedOut ? (io.timeoutFailure?.() ?? null) : null;
    if (theirs) return ended(r.code, theirs);
    const verdict = judgeAttempt(r, outcome, !!preset, () => worktreeChanged(worktree, base));
    if (!verdict.ok) {
      // A plain CI tool's exit status is its verdict, as in the original.
      if (!preset && verdict.failure === 'agent_error') return ended(r.code);
      const limited = verdict.failure === 'agent_error' ? outcome.limit : undefined;
      // A limit is no verdict on the work: the engine decides whether the builder waits (workflow/rate_limits.ts).
      if (limited) return { ...ended(r.code || 1, { failure: 'agent_error', message: verdict.message }), limit: limited };
      return ended(r.code || 1, { failure: verdict.failure, message: verdict.message });
    }
    const unresolved = fix ? conflictLeft(worktree, fix.conflicted) : null;
    if (unresolved) return ended(1, { failure: 'agent_error', message: unresolved });
    if (!setup.verify) return ended(0);
    io.log('verifying', `Running verify.command: ${setup.verify}`);
    const v = await runVerify(setup.verify, worktree, io.env, { timeoutMs: timeLimit(setup.limits.builderTimeoutMs), signal: io.signal, logFile: io.logFile });
    if (v.canceled) return { kind: 'canceled', code: v.code, record: tally.record() };
    if (v.ok) {
      io.log('verified', 'verify.command passed');
      return ended(0);
    }
    const why = v.timedOut ? 'verify.command ran out of time' : `verify.command failed with exit status ${v.code}`;
    io.log('verify_failed', why);
    const canResume = inv.preset?.resume != null && tally.session !== null;
    if (attempt >= setup.limits.verifyRetries || !canResume || io.noMoreAttempts?.()) return ended(v.code || 1, { failure: 'verify', message: why });
    kind = 'resume';
    prompt = retryPrompt(task.id, why, v.tail);
    io.log('retrying', `Feeding the verify failure back to the agent (attempt ${attempt + 2} of ${setup.limits.verifyRetries + 1})`);
    io.onUsage?.(tally.usages, tally.record());
  }
}

/** One run of the agent in the worktree, and what it amounted to (a failed preset run says why in the agent's own words). */
async function runAttempt(setup: BuildSetup, task: BuildTask, io: BuildIO, inv: ReturnType<typeof invocationFor>, timeLimit: (ms: number) => number) {
  const preset = setup.choice.kind === 'preset' ? setup.choice : null;
  const { worktree } = task;
  // A result left by an earlier attempt must not be taken for this one's.
  rmSync(join(worktree, '.build_result'), { force: true });
  if (preset) writeFileSync(io.outputFile, '');
  // The agent's stderr goes to the builder log: where this run's part starts.
  const logFrom = sizeOf(io.logFile);
  const r = await runAgent({
    argv: builderWrapperArgv(inv.argv, { id: task.id, branch: task.branch, exclude: exclusionsOf(setup, task) }),
    cwd: worktree,
    env: inv.env,
    signal: io.signal,
    timeoutMs: timeLimit(setup.limits.builderTimeoutMs),
    stallMs: setup.limits.stallMs,
    watchDir: worktree,
    stdoutFile: preset ? io.outputFile : io.logFile,
    stderrFile: io.logFile,
    onSpawn: io.onSpawn,
  });
  const parsed: AgentOutcome = preset
    ? await parseOutputFile(inv.preset!.parser, io.outputFile, r.code)
    : { ok: r.code === 0, text: '', usage: emptyUsage(), session_id: null, error: null };
  const outcome: AgentOutcome =
    preset && (!parsed.ok || r.code !== 0)
      ? { ...parsed, error: agentFailureMessage(inv.argv[0] ?? preset.preset.program, r, parsed, textSince(io.logFile, logFrom, STDERR_TAIL_BYTES)) }
      : parsed;
  return { r, outcome };
}
