// The one place a worker runs a builder: agents/build.ts, the function the local
// execution phase runs its builders with, so the CI choice (a word, a command line or
// an agent preset), the time limit, stall detection, usage and cost, the verify gate and
// the commit of leftover work are the same on every machine. Here the job's data becomes
// that function's setup, and the worker's folders its I/O.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Env } from '../core/context.js';
import { utcTimestamp } from '../core/time.js';
import { buildComponent, type BuildEnding, type BuildSetup } from '../agents/build.js';
import { choiceFromSpec } from '../agents/select.js';
import { deadlinePassed, timeLeft, TIME_LIMIT_REASON } from '../workflow/limits.js';
import type { BuilderJob } from './backend.js';
import { readWorktreeConfig } from '../agents/worktree_config.js';

/** The job's setup as agents/build.ts takes it (pure; throws on an agent unknown here). */
export function jobSetup(d: BuilderJob): BuildSetup {
  const seconds = (n: number | null | undefined) => (typeof n === 'number' && n > 0 ? n * 1000 : 0);
  // The job's worktree settings are data: checked here as the coordinator checked its config.
  const wt = readWorktreeConfig({ worktree: d.worktree ?? null }, `the job of builder ${d.builder}`, (d.builder_index ?? 0) + 1);
  if (!wt.ok) throw new Error(wt.error);
  return {
    worktree: wt.config,
    choice: d.ci ? choiceFromSpec(d.ci, `the job of builder ${d.builder}`) : { kind: 'word', tool: d.tool, source: 'the job' },
    limits: {
      builderTimeoutMs: seconds(d.limits ? d.limits.builder_timeout_seconds : d.timeoutSeconds),
      stallMs: seconds(d.limits?.builder_stall_seconds),
      verifyRetries: d.limits?.verify_retries ?? 0,
    },
    verify: d.verify ?? null,
    pricing: d.pricing,
  };
}

/** The session a job resumes (its data is signed, but still only a string counts). */
function resumedSession(d: BuilderJob): string | null {
  const id = d.resume?.session_id;
  return typeof id === 'string' && id !== '' ? id : null;
}

export interface WorkerBuild {
  worktree: string;
  /** The attempt's own folder: agent output, prompt files (never in the worktree). */
  scratch: string;
  logFile: string;
  env: Env;
  /** Cancel, lost claim, the worker's stop: the builder's whole process group ends. */
  signal: AbortSignal;
}

export async function runJobBuilder(d: BuilderJob, w: WorkerBuild): Promise<{ ending: BuildEnding; wallSeconds: number }> {
  const started = Date.now();
  mkdirSync(w.scratch, { recursive: true });
  let setup: BuildSetup;
  try {
    setup = jobSetup(d);
  } catch (e) {
    const message = (e as Error).message;
    writeFileSync(w.logFile, `ERROR: ${message}\n`, { flag: 'a' });
    return { ending: { kind: 'ended', code: 1, failed: { failure: 'agent_error', message }, record: {} }, wallSeconds: 0 };
  }
  // The lines a local builder's log gets (store/logs.ts), in the attempt's log.
  const log = (event: string, message: string) => writeFileSync(w.logFile, `[${utcTimestamp()}] ${event} - ${message}\n`, { flag: 'a' });
  const ending = await buildComponent(
    setup,
    // After a wait on a limit: the session of its last attempt, resumed when this machine's agent has it.
    // A fix run the merge gate asked for (merge_fix): the target merged in first, its session resumed with the fix prompt.
    { id: d.builder, branch: d.branch, worktree: w.worktree, prompt: d.prompt, sessionId: resumedSession(d), retryOf: d.merge_fix ? { failure: 'merge_verify' } : null, afterLimit: d.resume != null && !d.merge_fix, index: d.builder_index ?? 0, design: d.design ?? null, copyFrom: null, mergeFix: d.merge_fix ?? null },
    {
      env: w.env,
      logFile: w.logFile,
      setupLogFile: w.logFile.replace(/(\.log)?$/, '.setup.log'),
      outputFile: join(w.scratch, 'agent.out'),
      writePrompt: (text) => {
        const file = join(w.scratch, 'prompt.txt');
        writeFileSync(file, text);
        return file;
      },
      log,
      signal: w.signal,
      timeLimit: (ms) => timeLeft(ms, d.deadline, Date.now()),
      timeoutFailure: () => (deadlinePassed(d.deadline, Date.now()) ? { failure: 'time_limit', message: TIME_LIMIT_REASON } : null),
    },
  );
  return { ending, wallSeconds: (Date.now() - started) / 1000 };
}
