// One builder on this machine, from its claim to its ending: the work the in-process
// worker does for a job of the local back-end (local_backend.ts). A fresh start runs the
// builder through agents/build.ts (the function `argo worker` runs remote builders with);
// a builder an earlier handler left running is watched until it ends (adopted); one that
// ended while nobody watched is judged from its output. The state writes made while it
// runs (running, pid, run token, usage) go through the back-end's `write`; the ending is
// returned, and the back-end records it.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Env } from '../core/context.js';
import { builderLogFile, logBuilder } from '../store/logs.js';
import { deadlinePassed, haltFor, timeLeft, TIME_LIMIT_REASON, type Halting } from '../workflow/limits.js';
import { sleep } from '../core/proc.js';
import { sweepRuns } from '../store/sweep.js';
import { utcTimestamp } from '../core/time.js';
import { builderBranch } from '../workflow/worktrees.js';
import type { AgentUsage } from '../agents/presets/contract.js';
import type { AgentLimit } from '../agents/presets/limit_signals.js';
import { buildComponent, judgeAttempt, usageRecord, type BuildRecord, type BuildSetup, type Failed } from '../agents/build.js';
import { parseOutputFile } from '../agents/run/output_file.js';
import { choiceProgram } from '../agents/select.js';
import { runShare, sumUsage } from '../agents/settings.js';
import { addUsageByAgent, usageByAgentOf, type UsageByAgent } from '../store/usage.js';
import { agentInUse, noFailover, planAttempt, type AttemptPlan, type Failover } from '../agents/failover.js';
import { committedSummary, forkPoint } from '../agents/worktree.js';
import type { BuilderRecord } from '../store/builders.js';
import type { MergeFixBrief } from '../agents/merge_fix.js';
import { argoPaths } from '../store/layout.js';

/** What the local builders of a run work with, decided once when the handler starts. */
export interface LocalSetup extends BuildSetup {
  toolOk: boolean;
  dir: string;
  logs: { logDir: string; workflowLog: string };
  /** The builder's environment (builderEnv in phases/execution.ts). */
  env: Env;
  halting: Halting;
  prompt: (b: BuilderRecord) => string;
  /** The text of every builder's `.argo/design.md` (null: none is written, the original's prompt). */
  design?: string | null;
  /** A builder's 0-based position in execution.builders (absent: 0). */
  index?: (id: string) => number;
  /** `ci.fallback` (agents/failover.ts); absent: every attempt runs `choice`. */
  failover?: Failover;
  /** Whether a program is there to run (a fallback's; `toolOk` says it for `choice`). */
  available?: (program: string) => boolean;
  /** A builder the merge gate sent back (merge_feedback): its fix run's brief; absent or null: none. */
  mergeFix?: (b: BuilderRecord) => MergeFixBrief | null;
  /** Proves a recorded pid still runs one of this project's builders. */
  alive: (pid: number) => boolean;
  say: (line: string) => void;
  complain: (line: string) => void;
}

/** How a local builder's job ended. `extra`: fields recorded with the ending (usage). */
export type LocalEnding =
  | { kind: 'ended'; code: number; failed: Failed | null; extra: BuildRecord; limit?: AgentLimit; reply?: string | null }
  /** The job was cancelled (a halt or a stop) while it ran: the back-end knows why. */
  | { kind: 'canceled'; code: number; extra: BuildRecord };

/** What a job of the local back-end asks: run it, watch a live pid, or judge a result. */
export type LocalWork = { kind: 'start' } | { kind: 'adopt'; pid: number } | { kind: 'result'; code: number };

/** The `.build_result` a builder's CI tool leaves in its worktree. */
export function readResult(worktree: string | null): number | undefined {
  if (!worktree) return undefined;
  try {
    const n = Number(readFileSync(join(worktree, '.build_result'), 'utf8').trim());
    return Number.isInteger(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

export class LocalBuilder {
  constructor(
    private readonly s: LocalSetup,
    /** Writes builder fields (none once the run is stopping); `totals` also sums execution.usage. */
    private readonly write: (id: string, fields: Record<string, unknown>, totals?: boolean) => Promise<void>,
    /** Wakes the engine (the spent usage moved: it checks the budget at once). */
    private readonly wake: () => void = () => {},
  ) {}

  /**
   * The fail-over fields this builder's runs recorded (agent, agent_since_wait, usage_by_agent):
   * a builder run again by the same handler (a resume after a wait) may come with its row as
   * first read, which does not have them yet.
   */
  private readonly recorded = new Map<string, Record<string, unknown>>();

  /** The row the fail-over reads: as read, with the waits the engine counted and what our runs recorded. */
  private rowOf(b: BuilderRecord): Record<string, unknown> {
    const waits = (b as BuilderRecord & { waits?: unknown }).waits;
    return { ...b.raw, ...(waits !== undefined && waits !== null ? { waits } : {}), ...this.recorded.get(b.id) };
  }

  private remember(id: string, fields: Record<string, unknown>): void {
    this.recorded.set(id, { ...this.recorded.get(id), ...fields });
  }

  private get failover(): Failover {
    return this.s.failover ?? noFailover(this.s.choice);
  }

  /** The preset the builder's attempts run with now (fail-over moves it on), if a preset. */
  private presetOf(b: BuilderRecord) {
    const c = agentInUse(this.rowOf(b), this.failover);
    return c.kind === 'preset' ? c : null;
  }

  /** Which agent runs this attempt and how it starts (a fallback takes over: agents/failover.ts). */
  private plan(b: BuilderRecord): AttemptPlan {
    const wt = b.worktree;
    return planAttempt(this.rowOf(b), this.failover, {
      id: b.id,
      prompt: () => this.s.prompt(b),
      summary: () => (wt && existsSync(wt) ? committedSummary(wt, forkPoint(wt, this.s.dir)) : ''),
    }, (c) => this.s.available?.(c.preset.program) ?? true);
  }

  private log(b: BuilderRecord, event: string, message: string): void {
    logBuilder(this.s.logs, b.id, event, message);
  }

  /** Runs the job's work; `signal` fires when the job is cancelled. */
  work(b: BuilderRecord, w: LocalWork, signal: AbortSignal): Promise<LocalEnding> {
    if (w.kind === 'adopt') return this.adopt(b, w.pid, signal);
    if (w.kind === 'result') return this.fromOutput(b, w.code);
    return this.run(b, signal);
  }

  private async run(b: BuilderRecord, signal: AbortSignal): Promise<LocalEnding> {
    if (signal.aborted) return { kind: 'canceled', code: 1, extra: {} };
    // What an earlier run of this builder left running (the handler crashed or was killed) ends first.
    if (b.run_token) await sweepRuns([b.run_token]);
    const spent = await this.spent(b);
    if (spent) this.s.halting.spent.set(b.id, spent);
    // One that waited on a limit is running again: its wait is over (resume_at stays, as the last one).
    await this.write(b.id, { status: 'running', started: utcTimestamp(), pid: null, ...(b.status === 'waiting' ? { waiting_reason: null } : {}) });
    this.log(b, 'starting', `Launching CI tool for builder ${b.id}`);
    const turn = this.plan(b);
    if (turn.choice === this.s.choice ? !this.s.toolOk : !(this.s.available?.(choiceProgram(turn.choice)) ?? true)) {
      const tool = choiceProgram(turn.choice);
      this.s.complain(`ERROR: CI tool not found: ${tool}`);
      this.log(b, 'failed', `CI tool not found: ${tool}`);
      return { kind: 'ended', code: 127, failed: null, extra: {} };
    }
    if (!b.worktree || !existsSync(b.worktree) || !statSync(b.worktree).isDirectory()) {
      this.log(b, 'failed', `No worktree to work in (${b.worktree ?? 'null'})`);
      return { kind: 'ended', code: 1, failed: null, extra: {} };
    }
    if (Object.keys(turn.fields).length > 0) {
      this.remember(b.id, turn.fields);
      await this.write(b.id, turn.fields);
    }
    if (turn.note) this.log(b, 'failover', turn.note);
    const task = { ...this.task(b, b.worktree, spent), priorByAgent: this.spentByAgent(b, spent) };
    const ending = await buildComponent(
      turn.choice === this.s.choice ? this.s : { ...this.s, choice: turn.choice },
      turn.prompt === null ? task : { ...task, prompt: turn.prompt, sessionId: null, retryOf: null },
      this.io(b, spent, signal),
    );
    if (ending.record.usage_by_agent) this.remember(b.id, { usage_by_agent: ending.record.usage_by_agent });
    if (ending.kind === 'canceled') return { kind: 'canceled', code: ending.code, extra: ending.record };
    return { kind: 'ended', code: ending.code, failed: ending.failed, extra: ending.record, ...(ending.limit ? { limit: ending.limit } : {}), ...(ending.reply ? { reply: ending.reply } : {}) };
  }

  private task(b: BuilderRecord, worktree: string, spent: AgentUsage | null) {
    const retryOf = b.status === 'failed' ? { failure: b.failure } : null;
    return {
      id: b.id, branch: builderBranch(b.id), worktree, prompt: this.s.prompt(b), sessionId: b.session_id, retryOf, afterLimit: b.status === 'waiting', priorUsage: spent,
      index: this.s.index?.(b.id) ?? 0, design: this.s.design ?? null, copyFrom: this.s.dir, mergeFix: this.s.mergeFix?.(b) ?? null,
    };
  }

  private io(b: BuilderRecord, spent: AgentUsage | null, signal: AbortSignal) {
    const { halting } = this.s;
    return {
      env: this.s.env,
      logFile: builderLogFile(this.s.logs, b.id),
      outputFile: this.outputFile(b.id),
      writePrompt: (text: string) => this.promptFile(b.id, text),
      log: (event: string, message: string) => this.log(b, event, message),
      signal,
      timeLimit: (ms: number) => timeLeft(ms, halting.deadline, Date.now()),
      onRunToken: (token: string) => this.write(b.id, { run_token: token }),
      onSpawn: (pid: number) => {
        void this.write(b.id, { pid: String(pid) });
        this.log(b, 'spawned', `PID: ${pid}`);
      },
      timeoutFailure: () => (deadlinePassed(halting.deadline, Date.now()) ? { failure: 'time_limit' as const, message: TIME_LIMIT_REASON } : null),
      noMoreAttempts: () => signal.aborted || haltFor(halting, Date.now()) !== null,
      onUsage: (usages: AgentUsage[], record: BuildRecord) => {
        // Kept at once, so that a crash before the builder ends loses none of it; and
        // counted at once towards the budget (the engine halts at its next look).
        void this.write(b.id, record, true);
        halting.spent.set(b.id, sumUsage([...(spent ? [spent] : []), ...usages]));
        this.wake();
      },
    };
  }

  /**
   * The usage spent so far per agent: the row's, and what `spent` found beyond it (an
   * interrupted attempt's) under the agent in use — so the per-agent totals add up to `usage`.
   */
  private spentByAgent(b: BuilderRecord, spent: AgentUsage | null): UsageByAgent {
    const by = usageByAgentOf(this.rowOf(b));
    const lost = spent && b.usage ? runShare(spent, [b.usage]) : spent;
    const agent = this.presetOf(b)?.preset.name;
    return lost && agent && Object.values(lost).some((n) => n) ? addUsageByAgent(by, agent, [lost]) : by;
  }

  /**
   * The usage already spent on a builder: what state records for its earlier attempts,
   * plus the attempt of a handler that died before recording it (its output is newer
   * than the attempt's start). Nothing spent is ever dropped by running it again.
   */
  private async spent(b: BuilderRecord): Promise<AgentUsage | null> {
    const list = b.usage ? [b.usage] : [];
    if (b.status === 'running') {
      const lost = await this.interruptedUsage(b);
      if (lost) list.push(lost);
    }
    return list.length > 0 ? sumUsage(list) : null;
  }

  private async interruptedUsage(b: BuilderRecord): Promise<AgentUsage | null> {
    const preset = this.presetOf(b);
    if (!preset || b.started === null) return null;
    const file = this.outputFile(b.id);
    let mtime: number;
    try {
      mtime = statSync(file).mtimeMs;
    } catch {
      return null;
    }
    // Timestamps have whole seconds: an output written in the attempt's first second counts.
    if (!(mtime >= Date.parse(b.started))) return null;
    const { input_tokens, output_tokens, cache_read_tokens, cost_usd } = usageRecord(preset, await parseOutputFile(preset.preset.parser, file, 1), this.s.pricing);
    return { input_tokens, output_tokens, cache_read_tokens, cost_usd };
  }

  /** Where a preset's stdout goes (outside the worktree, so it is never committed). */
  private outputFile(id: string): string {
    return builderLogFile(this.s.logs, id).replace(/\.log$/, '.agent.out');
  }

  private promptFile(id: string, text: string): string {
    const dir = argoPaths(this.s.dir).prompts;
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `builder-${id}.txt`);
    writeFileSync(file, text);
    return file;
  }

  /** Watches a builder started by an earlier run (not our child: its pid is polled). */
  private async adopt(b: BuilderRecord, pid: number, signal: AbortSignal): Promise<LocalEnding> {
    while (!signal.aborted && this.s.alive(pid)) await sleep(200);
    if (signal.aborted) return { kind: 'canceled', code: 1, extra: {} };
    await sweepRuns([b.run_token]); // what the adopted run left behind (a setsid daemon)
    const code = readResult(b.worktree);
    if (code === undefined) {
      this.s.say(`Spawning builder: ${b.id}`);
      return this.run(b, signal); // died without a result: run it again
    }
    return this.fromOutput(b, code);
  }

  /**
   * A builder whose attempt ended without us (adopted, or its handler died): its result
   * and, with a preset, its output decide; that attempt's usage adds to the earlier ones.
   */
  private async fromOutput(b: BuilderRecord, code: number): Promise<LocalEnding> {
    const preset = this.presetOf(b);
    if (!preset) return { kind: 'ended', code, failed: null, extra: {} };
    const outcome = await parseOutputFile(preset.preset.parser, this.outputFile(b.id), code);
    const verdict = judgeAttempt({ code, timedOut: false, stalled: false }, outcome, true, () => true);
    const attempt = usageRecord(preset, outcome, this.s.pricing);
    const usage = { ...attempt, ...sumUsage(b.usage ? [b.usage, attempt] : [attempt]), session_id: attempt.session_id ?? b.session_id };
    const extra = { usage, usage_by_agent: addUsageByAgent(usageByAgentOf(this.rowOf(b)), attempt.agent, [attempt]) };
    if (verdict.ok) return { kind: 'ended', code: 0, failed: null, extra };
    return { kind: 'ended', code: code || 1, failed: verdict, extra, ...(verdict.failure === 'agent_error' && outcome.limit ? { limit: outcome.limit } : {}) };
  }
}
