// execution: one CI process per builder, in its worktree, in parallel (at most
// limits.max_parallel_builders at once). Each exit is learnt from the child itself.
// A re-run leaves finished builders alone and adopts ones still running (D12).
// The phase's entry point: it reads the run's settings, chooses the back-end (this machine,
// or `argo worker`s when execution.backend = "postgres"), lets the one execution engine
// (workflow/engine.ts) run the builders, and hands on (to merge_build, or to the user when a
// limit stopped the builders). When some builder depends on another, the engine runs them in
// dependency waves (workflow/waves.ts, workflow/wave_steps.ts).
import { runIfEntry } from '../core/cli.js';
import type { Env } from '../core/context.js';
import { ciToolAvailable } from '../agents/ci_tool.js';
import { JsonObject, fromPlain, toPlain } from '../core/json_doc.js';
import { logStateTransition } from '../store/logs.js';
import { builderGroupProof } from '../store/processes.js';
import { signalStatus } from '../core/proc.js';
import { onTermination } from '../core/termination.js';
import { mutateState } from '../store/state.js';
import { recordedUsage, workflowDeadline, type Halting, type Limits } from '../workflow/limits.js';
import type { WaitSettings } from '../workflow/rate_limits.js';
import type { Failure } from '../agents/build.js';
import { choiceLabel, choiceProgram, choiceSpec, type CiChoice } from '../agents/select.js';
import { verifyCommand } from '../agents/verify.js';
import { modePinned, modeVerify } from './modes/execution_modes.js';
import { mergeFixBrief, mergeVerifyCommand, type MergeFixBrief } from '../agents/merge_fix.js';
import { builderRecord, type BuilderRecord } from '../store/builders.js';
import { builderPromptKind, checkBuilderTemplate, designMarkdown, promptFor, type BuilderContext, type BuilderPromptKind } from '../workflow/builder_prompt.js';
import { readWorktreeConfig, type WorktreeConfig } from '../agents/worktree_config.js';
import { errorMessage } from '../core/errors.js';
import { distinctBuilders, planBuilder, retryOnly } from '../workflow/builder_plan.js';
import { runEngine, type EngineOutcome } from '../workflow/engine.js';
import { waveHooks, wavesOf } from '../workflow/wave_steps.js';
import { readCiChoice } from '../agents/ci_choice.js';
import { readFallback, type Failover } from '../agents/failover.js';
import { complain, enterProject, limitsOrRefuse, nextOrRefuse, readExecution, say, type Project } from './handler.js';
import { nextAfterBuiltIn } from '../workflow/phase_list.js';
import { backendOf } from '../distributed/config.js';
import type { RunSpec } from '../distributed/coordinator.js';
import { LocalBackend, LOCAL_WORKFLOW } from '../distributed/local_backend.js';
import { readResult } from '../distributed/local_builder.js';
import { WRITE_ORDERS, writeInOrder } from '../store/write_orders.js';

export { builderPrompt } from '../workflow/builder_prompt.js';
export { planBuilder, retryOnly, type Plan } from '../workflow/builder_plan.js';

/**
 * A recorded builder pid still runs one of this project's builders: the proof
 * stop_workflow uses (our wrapper's marker, its cwd in the project's builders folder,
 * leading its own group). A reused pid, or a look-alike elsewhere, is not adopted.
 */
export function builderAlive(pid: number, project: string): boolean {
  return builderGroupProof(String(pid), project).ours;
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

/** What a builder waiting on a limit is held to. */
export function waitSettings(limits: Limits): WaitSettings {
  return { backoffSeconds: limits.rateLimitBackoffSeconds, maxWaits: limits.rateLimitMaxWaits };
}

/** To merge_build, or to the step workflow.phases puts after execution (main checked the list first). */
async function handOn(project: Project): Promise<void> {
  await writeInOrder(project.state, WRITE_ORDERS.builders_done(nextAfterBuiltIn(project.configFile, 'execution').action));
}

/** Budget or time limit: nothing is merged behind the user's back; they decide. */
async function handToUser(project: Project, halted: { reason: string; failure: Failure }): Promise<number> {
  await mutateState(project.state, (d) => void (d.get('execution') as JsonObject | undefined)?.set('halt_reason', fromPlain(halted.reason)));
  await writeInOrder(project.state, WRITE_ORDERS.builders_halted(halted.failure === 'budget' ? 'review_budget' : 'review_time_limit'));
  say(`Execution stopped: ${halted.reason} - control goes to the user`);
  say();
  return 0;
}

/** The engine has ended (not stopped): the one hand-off, for either back-end. */
async function settle(project: Project, outcome: Exclude<EngineOutcome, 'aborted'>, only: Set<string> | null): Promise<number> {
  say('All builders finished');
  if (only !== null) await mutateState(project.state, (d) => void (d.get('execution') as JsonObject | undefined)?.delete('retry_only'));
  if (typeof outcome === 'object') return handToUser(project, outcome.halted);
  logStateTransition(project.logs, 'execution', 'merge_build');
  await handOn(project);
  say('Execution phase complete');
  say();
  return 0;
}

/** What this run works with, read once when the handler starts. */
interface Run {
  project: Project;
  choice: CiChoice;
  config: { pricing?: unknown };
  limits: Limits;
  verify: string | null;
  halting: Halting;
  builders: BuilderRecord[];
  only: Set<string> | null;
  worktree: WorktreeConfig;
  /** Each builder's first prompt, told that its directory is `worktree`. */
  prompt: (b: BuilderRecord, worktree: string) => string;
  /** The text of `.argo/design.md` (null with the original's prompt: nothing is written). */
  design: string | null;
  index: (id: string) => number;
  /** `ci.fallback` and limits.fallback_after_waits (agents/failover.ts). */
  failover: Failover;
  /** A builder the merge gate sent back: its fix run's brief (agents/merge_fix.ts), else null. */
  mergeFix: (b: BuilderRecord) => MergeFixBrief | null;
}

/** What the builders are told (issue 18): which prompt, its context, the design file; or the ERROR line. */
function promptsOf(project: Project, doc: JsonObject, config: unknown, choice: CiChoice, builders: BuilderRecord[], verify: string | null): Pick<Run, 'prompt' | 'design'> | string {
  let kind: BuilderPromptKind;
  try {
    kind = builderPromptKind(project.dir, choice.kind, config);
    checkBuilderTemplate(kind);
  } catch (e) {
    return `ERROR: ${errorMessage(e)}`;
  }
  const query = toPlain(doc.get('user_query'));
  const plan = distinctBuilders(builders);
  const ctx: BuilderContext = { requirement: typeof query === 'string' ? query : '', verify, builders: plan };
  // The original's prompt names no design file: nothing is written into its worktree.
  const design = kind.kind === 'original' ? null : designMarkdown(project.dir, toPlain(doc.get('design')) as { summary?: unknown } | null, ctx, plan);
  return { prompt: (b, worktree) => promptFor(kind, ctx, b, worktree), design };
}

/** How each builder runs on a worker: what a local builder of this workflow gets. */
function remoteSpec(r: Run): RunSpec {
  const seconds = (ms: number) => (ms > 0 ? ms / 1000 : null);
  const { limits } = r;
  return {
    tool: choiceProgram(r.choice),
    timeoutSeconds: seconds(limits.builderTimeoutMs),
    ci: choiceSpec(r.choice),
    limits: { builder_timeout_seconds: seconds(limits.builderTimeoutMs), builder_stall_seconds: seconds(limits.stallMs), verify_retries: limits.verifyRetries },
    verify: r.verify,
    pricing: r.config.pricing ?? null,
    deadline: r.halting.deadline,
    design: r.design,
    worktree: { setup: r.worktree.setup, setup_timeout_seconds: r.worktree.setupTimeoutMs / 1000, port_base: r.worktree.portBase, port_block: r.worktree.portBlock },
  };
}

/** execution.backend = "postgres": the builders run on `argo worker`s (distributed/). */
async function runOnWorkers(r: Run, backend: { databaseUrl: string; remote: string }): Promise<number> {
  const { runRemote } = await import('../distributed/remote_execution.js');
  // A worker runs only its built-in presets: a fallback it would refuse is refused now, not at the fail-over.
  const { presetOverrides } = await import('../distributed/worker_policy.js');
  for (const f of r.failover.fallback) {
    const changed = presetOverrides(f.preset);
    if (changed.length > 0) return refuse(`ci.agents.${f.preset.name} overrides its ${changed.join(', ')} in ${r.project.configFile}, but '${f.preset.name}' is in ci.fallback and execution.backend is "postgres"; accepted: no program, args or env override for a fallback that runs on workers (they run only their built-in presets)`);
  }
  if (r.choice.kind !== 'word') say(`CI tool: ${choiceLabel(r.choice)}`);
  // `argo retry <ids>`: the other failed builders stay as they are, as locally.
  const retried = r.builders.filter((b) => planBuilder(b, () => false, () => undefined, r.only).kind !== 'skip');
  const term = onTermination(); // a stop cancels the jobs
  try {
    const outcome = await runRemote({ project: r.project, builders: retried, all: r.builders, limit: r.limits.maxParallelBuilders, run: remoteSpec(r), halting: r.halting, waits: waitSettings(r.limits), backend, signal: term.signal, prompt: r.prompt, index: r.index, failover: r.failover, mergeFix: r.mergeFix });
    return typeof outcome === 'number' ? outcome : settle(r.project, outcome, r.only);
  } finally {
    term.dispose();
  }
}

/** The builders run here, on the local back-end of the engine. */
async function runHere(r: Run): Promise<number> {
  const { project, choice } = r;
  const run = new LocalBackend(project.state, {
    choice, limits: r.limits, verify: r.verify, pricing: r.config.pricing, worktree: r.worktree, design: r.design, index: r.index,
    toolOk: ciToolAvailable(choiceProgram(choice), project.dir, process.env),
    failover: r.failover, available: (program) => ciToolAvailable(program, project.dir, process.env),
    dir: project.dir, logs: project.logs, env: builderEnv(project), halting: r.halting, mergeFix: r.mergeFix,
    prompt: (b) => r.prompt(b, b.worktree ?? 'null'), alive: (pid) => builderAlive(pid, project.dir), say, complain,
  });
  // The handler's one termination edge: stop the builders (awaited), then exit as signalled.
  onTermination({ onSignal: (signal) => void run.stop(signal).then(() => process.exit(signalStatus(signal))) });

  if (choice.kind !== 'word') say(`CI tool: ${choiceLabel(choice)}`);
  say(`Spawning ${r.builders.length} builders...`);
  say(`At most ${r.limits.maxParallelBuilders} builders run at once`);
  const { waiting, following, asleep } = await planHere(r, run);
  // Dependency waves (issue 18): only when some builder depends on another.
  const waves = await wavesOf(project, r.builders, new Set([...waiting, ...following.keys()].map((b) => b.id)));
  const hooks = waves ? { ...run.hooks, ...waveHooks({ project, builders: r.builders, say, signal: run.signal, write: (id, f) => run.writeFields(id, f) }) } : run.hooks;
  const outcome = await runEngine(
    {
      queue: run.queue, workflow: LOCAL_WORKFLOW, limit: r.limits.maxParallelBuilders, halting: r.halting, signal: run.signal, intervalMs: 1000, say, waiting, following, waves,
      asleep, waits: waitSettings(r.limits), presetOf: () => (choice.kind === 'preset' ? choice.preset.name : null),
      onLaunched: () => say('Builders launched - waiting for them to finish'),
    },
    hooks,
  );
  // A stop that came while the engine was finishing or halting wins too: nothing more is written.
  if (outcome === 'aborted' || run.signal.aborted) {
    await run.stop();
    return signalStatus(run.stoppedBy ?? 'SIGTERM');
  }
  await run.close();
  return settle(project, outcome, r.only);
}

/** Each builder's plan: the ones to start wait for the engine; adopted ones are followed at once. */
async function planHere(r: Run, run: LocalBackend): Promise<{ waiting: BuilderRecord[]; following: Map<BuilderRecord, string>; asleep: Map<BuilderRecord, number> }> {
  const waiting: BuilderRecord[] = [];
  const following = new Map<BuilderRecord, string>();
  const asleep = new Map<BuilderRecord, number>();
  for (const b of distinctBuilders(r.builders)) {
    const plan = planBuilder(b, (pid) => builderAlive(pid, r.project.dir), readResult, r.only);
    if (plan.kind === 'done') say(`Builder ${b.id} already completed`);
    else if (plan.kind === 'skip') say(`Builder ${b.id} stays failed (not in the retry list)`);
    else {
      run.plan(b, plan.kind === 'wait' ? { kind: 'start' } : plan);
      if (plan.kind === 'start') waiting.push(b);
      else if (plan.kind === 'wait') {
        say(`Builder ${b.id} is waiting on a limit until ${b.resume_at ?? 'now'}`);
        asleep.set(b, plan.resumeAt);
      } else {
        if (plan.kind === 'adopt') say(`Builder ${b.id} is still running (PID ${plan.pid}) - waiting for it`);
        following.set(b, await run.enqueue(b));
      }
    }
  }
  return { waiting, following, asleep };
}

/** A setting the run cannot start with: one ERROR line, nothing written. */
function refuse(why: string): number {
  complain(`ERROR: ${why}`);
  return 1;
}

export async function main(argv: string[]): Promise<number> {
  const project = enterProject(argv, 'execution');
  if (typeof project === 'number') return project;
  const next = await nextOrRefuse(project, 'execution');
  if (typeof next === 'number') return next;
  const ci = readCiChoice(project);
  if ('error' in ci) {
    complain(`ERROR: ${ci.error}`);
    return 1;
  }
  const { config, choice } = ci;
  const execution = await readExecution(project);
  if (typeof execution === 'number') return execution;
  const { doc } = execution;
  const builders = execution.builders.map(builderRecord);
  if (builders.length === 0) {
    say('No builders to run - moving on to merge');
    await handOn(project); // D9: a complete hand-off, not a phase change alone
    return 0;
  }
  const limits = await limitsOrRefuse(project, toPlain(doc.get('limits')), config);
  if (typeof limits === 'number') return limits;
  const backend = backendOf(config, process.env, project.configFile);
  if (backend.kind === 'error') {
    complain(`ERROR: ${backend.message}`);
    return 1;
  }
  const halting: Halting = { maxCostUsd: limits.maxCostUsd, deadline: workflowDeadline(doc, limits.maxWorkflowHours), spent: recordedUsage(doc, builders) };
  const worktree = readWorktreeConfig(config, project.configFile, builders.length);
  if (!worktree.ok) return refuse(worktree.error);
  if (backend.kind === 'postgres' && worktree.config.copy.length > 0) {
    return refuse(`worktree.copy is ${JSON.stringify(worktree.config.copy)} in ${project.configFile}, but execution.backend is "postgres"; accepted: no worktree.copy with workers (the files would travel through the database) - use worktree.setup on the worker instead`);
  }
  const verify = modeVerify(config, builders, verifyCommand(config));
  const prompts = promptsOf(project, doc, config, choice, builders, verify);
  if (typeof prompts === 'string') {
    complain(prompts);
    return 1;
  }
  const first = new Map<string, number>();
  builders.forEach((b, i) => first.has(b.id) || first.set(b.id, i));
  const index = (id: string) => first.get(id) ?? 0;
  let fallback: Failover['fallback'];
  let pinned: Failover['pinned'];
  try {
    fallback = readFallback(config, choice);
    pinned = modePinned(config, choice);
  } catch (e) {
    return refuse(`${errorMessage(e)} (in ${project.configFile})`);
  }
  const failover: Failover = { primary: choice, fallback, afterWaits: limits.fallbackAfterWaits, pinned };
  const gate = mergeVerifyCommand(config);
  const mergeFix = (b: BuilderRecord) => (b.merge_feedback ? mergeFixBrief(b.merge_feedback, builders, gate) : null);
  const run: Run = { project, choice, config, limits, verify, halting, builders, only: retryOnly(toPlain(doc.get('execution'))), worktree: worktree.config, ...prompts, index, failover, mergeFix };
  return backend.kind === 'postgres' ? runOnWorkers(run, backend) : runHere(run);
}

runIfEntry('phases/execution', main);
