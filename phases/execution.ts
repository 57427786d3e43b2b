// execution: one CI process per builder, in its worktree, in parallel (at most
// limits.max_parallel_builders at once). Each exit is learnt from the child itself.
// A re-run leaves finished builders alone and adopts ones still running (D12).
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runIfEntry } from '../lib/cli.js';
import type { Env } from '../lib/context.js';
import { ciToolAvailable } from '../lib/ci_tool.js';
import { builderBranch } from '../lib/worktrees.js';
import { JsonObject, fromPlain, toPlain } from '../lib/json_doc.js';
import { builderLogFile, logBuilder, logStateTransition } from '../lib/logging_enhanced.js';
import { builderGroupProof, signalStatus, sleep } from '../lib/process.js';
import { mutateState, updateState } from '../lib/state_file.js';
import { setBuilderFields } from '../store/builders.js';
import type { AgentUsage } from '../agents/contract.js';
import { buildComponent, judgeAttempt, usageRecord, type BuildSetup, type Failure } from '../agents/build.js';
import { parseOutputFile } from '../agents/output_file.js';
import { choiceLabel, choiceProgram, choiceSpec } from '../agents/select.js';
import { recordedUsageOf, sumUsage, type AgentLimits } from '../agents/settings.js';
import { budgetHalt, deadlineHalt, recordedUsage, timeLeft, workflowDeadline } from '../lib/limits.js';
import { builderRecord } from '../store/builders.js';
import { verifyCommand } from '../agents/verify.js';
import { utcTimestamp } from '../lib/time.js';
import { sweepRuns } from '../lib/sweep.js';
import { readCiChoice } from './ci_choice.js';
import { complain, enterProject, limitsOrRefuse, readExecution, say, type Project } from './handler.js';
import { backendOf } from '../distributed/config.js';

export interface BuilderView {
  id: string;
  description: string;
  status: string;
  worktree: string | null;
  pid: number | null;
  branch: string;
  /** The agent session of the last attempt (a retry resumes it). */
  sessionId: string | null;
  failure: string | null;
  /** ARGO_RUN_TOKEN of its last run (lib/sweep.ts), if recorded. */
  runToken: string | null;
  /** Usage recorded for its earlier attempts (null: none). */
  usage: AgentUsage | null;
  /** When its last attempt started (an interrupted attempt's output is newer). */
  started: string | null;
}

export type Plan = { kind: 'done' } | { kind: 'adopt'; pid: number } | { kind: 'result'; code: number } | { kind: 'start' } | { kind: 'skip' };

export function builderPrompt(b: Pick<BuilderView, 'id' | 'description' | 'worktree'>): string {
  return [
    `You are building the '${b.id}' component.`,
    '',
    `Description: ${b.description}`,
    '',
    'Tasks:',
    '1. Implement this component following the design',
    '2. Add tests for it',
    '3. Make sure every test passes',
    '4. Record completion in the workflow state',
    '',
    `Work in the directory: ${b.worktree ?? 'null'}`,
    'Commit your changes when done.',
  ].join('\n');
}

function readResult(worktree: string | null): number | undefined {
  if (!worktree) return undefined;
  try {
    const n = Number(readFileSync(join(worktree, '.build_result'), 'utf8').trim());
    return Number.isInteger(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A recorded builder pid still runs one of this project's builders: the proof
 * stop_workflow uses (our wrapper's marker, its cwd in the project's builders folder,
 * leading its own group). A reused pid, or a look-alike elsewhere, is not adopted.
 */
export function builderAlive(pid: number, project: string): boolean {
  return builderGroupProof(String(pid), project).ours;
}

/** What to do with one builder on this run (pure but for the pid/result probes passed in). */
export function planBuilder(
  b: BuilderView,
  alive: (pid: number) => boolean,
  result: (wt: string | null) => number | undefined,
  only: Set<string> | null = null,
): Plan {
  if (b.status === 'completed') return { kind: 'done' };
  // `argo retry <ids>`: the other failed builders stay as they are.
  if (only !== null && b.status === 'failed' && !only.has(b.id)) return { kind: 'skip' };
  if (b.status === 'running') {
    if (b.pid !== null && alive(b.pid)) return { kind: 'adopt', pid: b.pid };
    const code = result(b.worktree);
    if (code !== undefined) return { kind: 'result', code };
  }
  return { kind: 'start' };
}

function view(v: unknown): BuilderView {
  const o = (v ?? {}) as Record<string, unknown>;
  const text = (x: unknown) => (x === undefined || x === null ? 'null' : String(x));
  const pid = Number(o.pid);
  const usage = (o.usage ?? {}) as Record<string, unknown>;
  return {
    id: text(o.id),
    description: text(o.description),
    status: text(o.status),
    worktree: typeof o.worktree === 'string' && o.worktree !== 'null' ? o.worktree : null,
    pid: Number.isInteger(pid) && pid > 0 ? pid : null,
    branch: typeof o.branch === 'string' && o.branch !== 'null' ? o.branch : `argo-builder-${text(o.id)}`,
    sessionId: typeof usage.session_id === 'string' && usage.session_id !== '' ? usage.session_id : null,
    failure: typeof o.failure === 'string' ? o.failure : null,
    runToken: typeof o.run_token === 'string' ? o.run_token : null,
    usage: recordedUsageOf(o.usage),
    started: typeof o.started === 'string' ? o.started : null,
  };
}


/**
 * A builder works in its worktree, where the libraries' relative defaults
 * (.argo-project/…) point nowhere: point them at the files this handler uses, so
 * the CI tool can record its progress with update_state, log_builder & co.
 */
export function builderEnv(project: Pick<Project, 'state' | 'logs'>, env: Env = process.env): Env {
  return {
    ...env,
    STATE_FILE: project.state.stateFile,
    STATE_LOCK: project.state.lockFile,
    LOG_DIR: project.logs.logDir,
    WORKFLOW_LOG: project.logs.workflowLog,
  };
}

/** What this run works with, decided once when the handler starts. */
export interface RunSetup extends BuildSetup {
  toolOk: boolean;
  limits: AgentLimits;
  /** The workflow's end (limits.max_workflow_hours from its start), ms since the epoch. */
  deadline: number | null;
  /** `argo retry <ids>`: only these failed builders run again. */
  only: Set<string> | null;
}

class Execution {
  private running = new Map<string, Promise<void>>();
  private stopping = false;
  private writes = 0;
  /** Ends every agent run: stop() (signals) and halt() (budget, time limit). */
  private abort = new AbortController();
  /** Why no further builder starts (budget, workflow time limit), once decided. */
  halted: { reason: string; failure: Failure } | null = null;
  private stopped: Promise<void> | null = null;

  constructor(
    private project: Project,
    private setup: RunSetup,
  ) {}

  private get preset() {
    return this.setup.choice.kind === 'preset' ? this.setup.choice : null;
  }

  /** Direct write of builder fields for every builder with that id (no last_update bump). */
  async setBuilder(id: string, fields: Record<string, unknown>, totals = false): Promise<void> {
    if (this.stopping) return; // a stopping handler leaves the state as the signal found it
    this.writes++;
    try {
      await setBuilderFields(this.project.state, id, fields, totals);
    } finally {
      this.writes--;
    }
  }

  async finish(b: BuilderView, code: number, failed?: { failure: Failure; message: string }, extra: Record<string, unknown> = {}): Promise<void> {
    if (this.stopping) return;
    const ok = code === 0 && !failed;
    const fields: Record<string, unknown> = { status: ok ? 'completed' : 'failed', exit_code: code, completed: utcTimestamp(), ...extra };
    if (ok) fields.progress = 100;
    if (failed) {
      fields.failure = failed.failure;
      fields.failure_message = failed.message;
    } else if (b.failure !== null) {
      fields.failure = null;
      fields.failure_message = null;
    }
    await this.setBuilder(b.id, fields, 'usage' in extra);
    if (extra.usage) {
      this.costs.set(b.id, extra.usage as AgentUsage);
      this.checkBudget();
    }
    const why = failed ? `${failed.failure}: ${failed.message}` : `Builder exited with status ${code}`;
    logBuilder(this.project.logs, b.id, ok ? 'completed' : 'failed', ok ? 'Builder finished successfully' : why);
    say(ok ? `Builder ${b.id} completed` : failed ? `Builder ${b.id} failed (${failed.failure})` : `Builder ${b.id} failed (exit status ${code})`);
  }

  /** Runs one builder to its end; resolves when it has finished. */
  start(b: BuilderView): Promise<void> {
    const p = this.run(b).finally(() => this.running.delete(b.id));
    this.running.set(b.id, p);
    return p;
  }

  private async run(b: BuilderView): Promise<void> {
    if (this.stopping) return;
    if (this.halted) return this.finish(b, 1, { failure: this.halted.failure, message: this.halted.reason });
    say(`Spawning builder: ${b.id}`);
    // What an earlier run of this builder left running (the handler crashed or was killed) ends first.
    if (b.runToken) await sweepRuns([b.runToken]);
    const spent = await this.spent(b);
    if (spent) this.costs.set(b.id, spent);
    await this.setBuilder(b.id, { status: 'running', started: utcTimestamp(), pid: null });
    const { choice, toolOk } = this.setup;
    logBuilder(this.project.logs, b.id, 'starting', `Launching CI tool for builder ${b.id}`);
    if (!toolOk) {
      const tool = choiceProgram(choice);
      complain(`ERROR: CI tool not found: ${tool}`);
      logBuilder(this.project.logs, b.id, 'failed', `CI tool not found: ${tool}`);
      return this.finish(b, 127);
    }
    if (!b.worktree || !existsSync(b.worktree) || !statSync(b.worktree).isDirectory()) {
      logBuilder(this.project.logs, b.id, 'failed', `No worktree to work in (${b.worktree ?? 'null'})`);
      return this.finish(b, 1);
    }
    const ending = await buildComponent(
      this.setup,
      {
        id: b.id,
        branch: builderBranch(b.id),
        worktree: b.worktree,
        prompt: builderPrompt(b),
        sessionId: b.sessionId,
        retryOf: b.status === 'failed' ? { failure: b.failure } : null,
        priorUsage: spent,
      },
      {
        env: builderEnv(this.project),
        logFile: builderLogFile(this.project.logs, b.id),
        outputFile: this.outputFile(b.id),
        writePrompt: (text) => this.promptFile(b.id, text),
        log: (event, message) => logBuilder(this.project.logs, b.id, event, message),
        signal: this.abort.signal,
        timeLimit: (ms) => this.timeLeft(ms),
        onRunToken: (token) => this.setBuilder(b.id, { run_token: token }),
        onSpawn: (pid) => {
          void this.setBuilder(b.id, { pid: String(pid) });
          logBuilder(this.project.logs, b.id, 'spawned', `PID: ${pid}`);
        },
        timeoutFailure: () => {
          const late = deadlineHalt(this.setup.deadline, Date.now());
          if (!late) return null;
          this.halt(late);
          return { failure: 'time_limit', message: this.halted!.reason };
        },
        noMoreAttempts: () => this.halted !== null,
        onUsage: (usages, record) => {
          // Kept at once, so that a crash before the builder ends loses none of it.
          void this.setBuilder(b.id, record, true);
          this.checkBudget(usages);
        },
      },
    );
    if (ending.kind === 'canceled') {
      const halted = this.haltedBy();
      if (this.stopping || !halted) return;
      return this.finish(b, ending.code, { failure: halted.failure, message: halted.reason }, ending.record);
    }
    return this.finish(b, ending.code, ending.failed ?? undefined, ending.record);
  }

  /**
   * The usage already spent on a builder: what state records for its earlier attempts,
   * plus the attempt of a handler that died before recording it (its output is newer
   * than the attempt's start). Nothing spent is ever dropped by running it again.
   */
  private async spent(b: BuilderView): Promise<AgentUsage | null> {
    const list = b.usage ? [b.usage] : [];
    if (b.status === 'running') {
      const lost = await this.interruptedUsage(b);
      if (lost) list.push(lost);
    }
    return list.length > 0 ? sumUsage(list) : null;
  }

  private async interruptedUsage(b: BuilderView): Promise<AgentUsage | null> {
    if (!this.preset || b.started === null) return null;
    const file = this.outputFile(b.id);
    let mtime: number;
    try {
      mtime = statSync(file).mtimeMs;
    } catch {
      return null;
    }
    // Timestamps have whole seconds: an output written in the attempt's first second counts.
    if (!(mtime >= Date.parse(b.started))) return null;
    const { input_tokens, output_tokens, cache_read_tokens, cost_usd } = usageRecord(this.preset, await parseOutputFile(this.preset.preset.parser, file, 1), this.setup.pricing);
    return { input_tokens, output_tokens, cache_read_tokens, cost_usd };
  }

  /** Where a preset's stdout goes (outside the worktree, so it is never committed). */
  private outputFile(id: string): string {
    return builderLogFile(this.project.logs, id).replace(/\.log$/, '.agent.out');
  }

  private promptFile(id: string, text: string): string {
    const dir = join(this.project.dir, '.argo-project', 'prompts');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `builder-${id}.txt`);
    writeFileSync(file, text);
    return file;
  }

  /** A builder's time limit, cut short by the workflow's end. */
  private timeLeft(limitMs: number): number {
    return timeLeft(limitMs, this.setup.deadline, Date.now());
  }

  /** (a method, so that TypeScript does not narrow the field across awaits) */
  haltedBy(): { reason: string; failure: Failure } | null {
    return this.halted;
  }

  /** No further starts, and every running agent ends (budget, workflow time limit). */
  halt(h: { reason: string; failure: Failure }): void {
    if (this.halted) return;
    this.halted = h;
    say(`Stopping the builders: ${h.reason}`);
    this.abort.abort();
  }

  /** limits.max_cost_usd: the total so far (recorded builders + this one's attempts). */
  checkBudget(extra: AgentUsage[] = []): void {
    if (this.halted) return;
    const over = budgetHalt([...this.costs.values(), ...extra], this.setup.limits.maxCostUsd);
    if (over) this.halt(over);
  }

  /** Costs of finished builders, by id (fed by the handler after each one). */
  costs = new Map<string, AgentUsage>();

  /** Watches a builder started by an earlier run (not our child: its pid is polled). */
  async adopt(b: BuilderView, pid: number): Promise<void> {
    say(`Builder ${b.id} is still running (PID ${pid}) - waiting for it`);
    while (builderAlive(pid, this.project.dir) && !this.stopping && !this.halted) await sleep(200);
    if (this.stopping) return;
    await sweepRuns([b.runToken]); // what the adopted run left behind (a setsid daemon)
    const code = readResult(b.worktree);
    if (code === undefined) return this.start(b); // died without a result: run it again
    return this.finishFromOutput(b, code);
  }

  /**
   * A builder whose attempt ended without us (adopted, or its handler died): its result
   * and, with a preset, its output decide; that attempt's usage adds to the earlier ones.
   */
  async finishFromOutput(b: BuilderView, code: number): Promise<void> {
    if (!this.preset) return this.finish(b, code);
    const outcome = await parseOutputFile(this.preset.preset.parser, this.outputFile(b.id), code);
    const verdict = judgeAttempt({ code, timedOut: false, stalled: false }, outcome, true, () => true);
    const attempt = usageRecord(this.preset, outcome, this.setup.pricing);
    const usage = { ...attempt, ...sumUsage(b.usage ? [b.usage, attempt] : [attempt]), session_id: attempt.session_id ?? b.sessionId };
    await this.finish(b, verdict.ok ? 0 : code || 1, verdict.ok ? undefined : verdict, { usage });
  }

  /** Ends every agent run we started and resolves once they and every state write are done. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      const at = utcTimestamp();
      const ids = [...this.running.keys()];
      this.abort.abort();
      await Promise.allSettled([...this.running.values()]);
      for (let i = 0; i < 100 && this.writes > 0; i++) await sleep(10);
      // Their status stays `running` (a resume adopts or restarts them); `stopped` lets
      // every view show them interrupted, their time ending here.
      for (const id of ids) await setBuilderFields(this.project.state, id, { stopped: at }).catch(() => undefined);
    })();
    return this.stopped;
  }
}

/** Runs `jobs` with at most `limit` at once. */
export async function runLimited(jobs: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) await jobs[next++]!();
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, jobs.length)) }, worker));
}

async function handOn(project: Project): Promise<void> {
  await updateState(project.state, 'phase', 'merge_build');
  await updateState(project.state, 'execution.status', 'completed');
  await updateState(project.state, 'action_needed', 'merge_branches');
}

/** Budget or time limit: nothing is merged behind the user's back; they decide. */
async function handToUser(project: Project, halted: { reason: string; failure: Failure }): Promise<number> {
  await mutateState(project.state, (d) => void (d.get('execution') as JsonObject | undefined)?.set('halt_reason', fromPlain(halted.reason)));
  await updateState(project.state, 'action_owner', 'user');
  await updateState(project.state, 'action_needed', halted.failure === 'budget' ? 'review_budget' : 'review_time_limit');
  say(`Execution stopped: ${halted.reason} - control goes to the user`);
  say();
  return 0;
}


/** `execution.retry_only` (argo retry <ids>): the ids, else null (every failed builder). */
export function retryOnly(exec: unknown): Set<string> | null {
  const list = (exec as { retry_only?: unknown } | null)?.retry_only;
  return Array.isArray(list) ? new Set(list.filter((x): x is string => typeof x === 'string')) : null;
}

export async function main(argv: string[]): Promise<number> {
  const project = enterProject(argv, 'execution');
  if (typeof project === 'number') return project;
  const ci = readCiChoice(project);
  if ('error' in ci) {
    complain(`ERROR: ${ci.error}`);
    return 1;
  }
  const { config, choice } = ci;
  const execution = await readExecution(project);
  if (typeof execution === 'number') return execution;
  const { doc } = execution;
  const builders = execution.builders.map(view);
  if (builders.length === 0) {
    say('No builders to run - moving on to merge');
    await handOn(project); // D9: a complete hand-off, not a phase change alone
    return 0;
  }
  const limits = await limitsOrRefuse(project, toPlain(doc.get('limits')), config);
  if (typeof limits === 'number') return limits;
  const limit = limits.maxParallelBuilders;

  // execution.backend = "postgres": the builders run on `argo worker`s (distributed/),
  // each exactly as it would run here: the same CI choice, limits, verify and prices.
  const backend = backendOf(config, process.env, project.configFile);
  if (backend.kind === 'error') {
    complain(`ERROR: ${backend.message}`);
    return 1;
  }
  const verify = verifyCommand(config);
  const deadline = workflowDeadline(doc, limits.maxWorkflowHours);
  if (backend.kind === 'postgres') {
    const { runRemote } = await import('../distributed/remote_execution.js');
    const seconds = (ms: number) => (ms > 0 ? ms / 1000 : null);
    const run = {
      tool: choiceProgram(choice),
      timeoutSeconds: seconds(limits.builderTimeoutMs),
      ci: choiceSpec(choice),
      limits: { builder_timeout_seconds: seconds(limits.builderTimeoutMs), builder_stall_seconds: seconds(limits.stallMs), verify_retries: limits.verifyRetries },
      verify,
      pricing: config.pricing ?? null,
      deadline,
    };
    if (choice.kind !== 'word') say(`CI tool: ${choiceLabel(choice)}`);
    const halting = { maxCostUsd: limits.maxCostUsd, deadline, spent: recordedUsage(doc, execution.builders.map(builderRecord)) };
    // `argo retry <ids>`: the other failed builders stay as they are, as locally.
    const only = retryOnly(toPlain(doc.get('execution')));
    const retried = (b: unknown) => only === null || view(b).status !== 'failed' || only.has(view(b).id);
    const code = await runRemote({ project, builders: execution.builders.filter(retried), limit, run, halting, backend, prompt: builderPrompt, handOn, handToUser });
    if (only !== null && code === 0) await mutateState(project.state, (d) => void (d.get('execution') as JsonObject | undefined)?.delete('retry_only'));
    return code;
  }
  const setup: RunSetup = {
    choice,
    toolOk: ciToolAvailable(choiceProgram(choice), project.dir, process.env),
    limits,
    verify,
    pricing: config.pricing,
    deadline,
    only: retryOnly(toPlain(doc.get('execution'))),
  };

  const run = new Execution(project, setup);
  run.costs = recordedUsage(doc, execution.builders.map(builderRecord));
  const onSignal = (signal: NodeJS.Signals) => {
    void run.stop().then(() => process.exit(signalStatus(signal)));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  if (choice.kind !== 'word') say(`CI tool: ${choiceLabel(choice)}`);
  say(`Spawning ${builders.length} builders...`);
  say(`At most ${limit} builders run at once`);
  const late = deadlineHalt(setup.deadline, Date.now());
  if (late) run.halt(late);
  run.checkBudget();
  const jobs: (() => Promise<void>)[] = [];
  const watchers: Promise<void>[] = [];
  const seen = new Set<string>();
  for (const b of builders) {
    // Fields are written per id, so a repeated id is one builder, run once.
    if (seen.has(b.id)) continue;
    seen.add(b.id);
    const plan = planBuilder(b, (pid) => builderAlive(pid, project.dir), readResult, setup.only);
    if (plan.kind === 'done') say(`Builder ${b.id} already completed`);
    else if (plan.kind === 'skip') say(`Builder ${b.id} stays failed (not in the retry list)`);
    else if (plan.kind === 'adopt') watchers.push(run.adopt(b, plan.pid));
    else if (plan.kind === 'result') watchers.push(run.finishFromOutput(b, plan.code));
    else jobs.push(() => run.start(b));
  }
  const all = Promise.all([runLimited(jobs, limit), ...watchers]);
  say('Builders launched - waiting for them to finish');
  await all;

  say('All builders finished');
  if (setup.only !== null) await mutateState(project.state, (d) => void (d.get('execution') as JsonObject | undefined)?.delete('retry_only'));
  if (run.halted) return handToUser(project, run.halted);
  logStateTransition(project.logs, 'execution', 'merge_build');
  await handOn(project);
  say('Execution phase complete');
  say();
  return 0;
}

runIfEntry(import.meta.url, main);
