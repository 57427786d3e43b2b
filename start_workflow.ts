// start_workflow: stores the user's query, hands control to `code` and starts one
// orchestrator for the project (D1/D20: an old one is stopped first and waited for;
// the new one writes its own pid file, and we wait to print the pid it wrote).
// Starts of one project are serialised by a flock on .argo-project/start.lock, so
// two racing starts cannot cross their queries: the later one stops the earlier's
// orchestrator (saying so) and what each prints is what was running when it printed.
// Only a process proven to be this project's orchestrator is ever signalled.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { programName, runIfEntry } from './core/cli.js';
import { processCtx, type Ctx } from './core/context.js';
import { agentEnvPath, recordAgentEnv } from './store/agent_env.js';
import { errorMessage } from './core/errors.js';
import { LockOpenError } from './core/lock.js';
import { logStateTransition, projectLogPaths } from './store/logs.js';
import { orchestratorProof, projectProcesses } from './store/processes.js';
import { terminate } from './core/proc.js';
import { isDir, resolveProjectDir } from './store/project_dir.js';
import { repoProblemAsync } from './workflow/repo_check.js';
import { limitProblemLines, projectLimits } from './workflow/project_limits.js';
import { archivePreviousWorkflow } from './store/history.js';
import { START_LOCK_WAIT_MS, startLockPath, withStartLock } from './store/start_lock.js';
import { projectStatePaths, readState } from './store/state.js';
import { installRoot } from './core/install_root.js';
import { spawnOrchestrator } from './steer/launch.js';
import { argoPaths } from './store/layout.js';
import { WRITE_ORDERS, writeInOrder } from './store/write_orders.js';
import { projectConfig } from './store/config_object.js';
import { firstAction, handlerFileIn, missingHandler, readPhases } from './workflow/phase_list.js';

/**
 * One start: its caller's context (folder, environment, output: the shim helper runs
 * starts for many callers in one process, so nothing here touches process.*), the
 * install it names in its hints, and line printers on the caller's stdout / stderr.
 */
interface Start {
  ctx: Ctx;
  root: string;
  out(line?: string): void;
  err(line: string): void;
}

function startOf(ctx: Ctx): Start {
  return {
    ctx,
    // The shim's ARGO_ROOT (symlinks not resolved), else the install this code came from.
    root: installRoot(ctx.env),
    out: (line = '') => ctx.out(line + '\n'),
    err: (line) => ctx.err(line + '\n'),
  };
}

/**
 * True when the start may act. The shim helper answers its caller before the caller stops
 * waiting (compat/shim_server.ts answerInTime): a start the caller gave up on before its
 * first effect does nothing, one that began is waited for and reports its real result.
 */
function mayAct(ctx: Ctx): boolean {
  return !ctx.gate || ctx.gate.beginWrite();
}

/** A path as one shell word, quoted only when it needs it. */
function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * `--template NAME` before the query (issue 22). Only as the first of three or more words,
 * so that `start "--template" path` — a query that happens to read so — stays a query (COMPAT).
 */
export function templateOption(argv: string[]): { template: string | null; rest: string[] } {
  if (argv[0] === '--template' && argv.length >= 3) return { template: argv[1]!, rest: argv.slice(2) };
  return { template: null, rest: argv };
}

/**
 * Pins the template in config.json (`workflow.template`), checked first, so that every later
 * reader (the phases, status, doctor, a resume) sees its defaults; answers the undo that puts
 * back what was there, for a start refused after the pin, and the line that names it. An ERROR
 * line and null on refusal.
 */
async function pinTemplate(s: Start, project: string, name: string): Promise<{ undo: () => Promise<void>; line: string } | null> {
  // Loaded only for a start with a template: a plain start loads what it did before.
  const [{ checkedTemplate }, { setConfigValue }] = await Promise.all([import('./view/template_use.js'), import('./store/config.js')]);
  const file = argoPaths(project).config;
  const env = s.ctx.env;
  try {
    const t = checkedTemplate(project, name, env);
    const before = await setConfigValue(file, ['workflow', 'template'], t.name, env);
    const undo = async () => void (await setConfigValue(file, ['workflow', 'template'], before ?? null, env).catch(() => undefined));
    return { undo, line: `Template: ${t.name} (${t.where}: ${t.file})` };
  } catch (e) {
    s.err(`ERROR: ${errorMessage(e)}; the workflow was not started`);
    return null;
  }
}

/** The one-shot program (start_workflow.sh without the shim helper): this process is the caller. */
export async function main(argv: string[]): Promise<number> {
  return startWorkflow(argv, processCtx(), programName());
}

/**
 * start_workflow for a caller: `argv` as the original takes it, `program` the name it was
 * called by ($0, for the usage lines). The one-shot main and the shim helper both run this.
 */
export async function startWorkflow(argv: string[], ctx: Ctx, program: string): Promise<number> {
  const s = startOf(ctx);
  const { out, err } = s;
  const { template, rest } = templateOption(argv);
  const [query = '', pathArg = '.'] = rest;
  if (!query) {
    err('ERROR: User query required');
    err(`Usage: ${program} <user_query> [project_path]`);
    err('');
    err('Example:');
    err(`  ${program} "Build a REST API for managing todos" /path/to/project`);
    return 1;
  }
  const project = resolveProjectDir(pathArg, ctx);
  if (!project) {
    err(`ERROR: Invalid project path: ${pathArg}`);
    return 1;
  }
  const checked = await checkedStart(s, project, template);
  if (typeof checked === 'number') return checked;
  out('=== Starting Argo Workflow ===');
  out(`Project: ${project}`);
  out(`Query: ${query}`);
  if (checked.pinned) out(checked.pinned);
  out();

  let done: { value: number } | undefined;
  try {
    done = await withStartLock(
      project,
      (lockFile) => out(`Another start_workflow or stop_workflow of this project is running; waiting for it (${lockFile})...`),
      () => startLocked(s, project, query, checked.first),
    );
  } catch (e) {
    if (!(e instanceof LockOpenError)) throw e;
    err(`ERROR: ${e.message}`);
    return 1;
  }
  if (!done) {
    err(`ERROR: another start_workflow or stop_workflow of ${project} still holds ${startLockPath(project)} after ${START_LOCK_WAIT_MS / 1000} s; nothing changed`);
    return 1;
  }
  return done.value;
}

/**
 * Everything refused before the start lock, in the original's order: the project's
 * folder and state, the template (pinned, the one effect before the lock), the limits,
 * the phases' handlers and the repository. The first action and the template's line,
 * or the exit status after the ERROR lines.
 */
async function checkedStart(s: Start, project: string, template: string | null): Promise<{ first: string; pinned: string | null } | number> {
  const { err, ctx } = s;
  if (!isDir(argoPaths(project).dir)) {
    err(`ERROR: .argo-project directory not found in ${project}`);
    err(`Run templates/project_setup.sh first to initialise the project`);
    return 1;
  }
  const state = projectStatePaths(project, ctx.env);
  if (!existsSync(state.stateFile)) {
    err(`ERROR: State file not found: ${state.stateFile}`);
    err('Re-run templates/project_setup.sh to recreate it');
    return 1;
  }
  // The template first: its defaults are part of the limits checked next.
  if (template !== null && !mayAct(ctx)) return 1;
  const pinned = template === null ? { undo: async () => undefined, line: null } : await pinTemplate(s, project, template);
  if (pinned === null) return 1;
  // A bad limit is refused before anything is written: a workflow never starts without
  // a limit the user believes is set (workflow/limits.ts).
  const bad = limitProblemLines(projectLimits(project, ctx.env));
  if (bad.length) {
    for (const line of bad) err(`ERROR: ${line}; the workflow was not started (argo doctor lists every limit)`);
    await pinned.undo();
    return 1;
  }
  const steps = startSteps(project, s.root, ctx.env);
  if ('problem' in steps) {
    err(`ERROR: ${steps.problem}; the workflow was not started`);
    return 1;
  }
  const problem = await repoProblemAsync(project, ctx.env);
  if (problem?.kind === 'not-a-repository') {
    // COMPAT: the original suite starts workflows in plain folders and checks the state;
    // design_build refuses such a folder (the first step that needs git), so warn now.
    err(`WARNING: ${problem.message}; design_build will refuse it`);
  } else if (problem) {
    err(`ERROR: ${problem.message}`);
    await pinned.undo();
    return 1;
  }
  return { first: firstAction(steps.phases), pinned: pinned.line };
}

/** Stops this project's orchestrator, if one runs, and says whose query it was running. */
async function stopRunning(s: Start, project: string, pidFile: string, state: ReturnType<typeof projectStatePaths>): Promise<void> {
  const text = readText(pidFile);
  const pids = new Set<number>();
  if (text !== undefined) {
    const proof = orchestratorProof(text, project);
    if (proof.ours) pids.add(proof.info.pid);
    else if (!proof.reason.endsWith('is not running')) s.err(`WARNING: stale PID file ${pidFile} (${proof.reason}); not signalled`);
  }
  // one whose pid file was lost or overwritten still runs for this project
  for (const pid of projectProcesses(project).orchestrators) pids.add(pid);
  if (pids.size === 0) return;
  const running = (await readState(state, 'user_query').catch(() => '')).replace(/\n$/, '');
  for (const pid of pids) {
    s.err(`WARNING: Orchestrator already running (PID ${pid})`);
    s.out(`Stopping the existing orchestrator (PID ${pid}, query: ${running})...`);
    await terminate(pid, 5000, () => orchestratorProof(String(pid), project).ours);
  }
}

/** workflow.phases (workflow/phase_list.ts), each handler's file checked in this install's phases/, or the problem. */
function startSteps(project: string, root: string, env: Ctx['env']): { phases: readonly string[] } | { problem: string } {
  const read = readPhases(projectConfig(project, env).config);
  if ('problem' in read) return read;
  const missing = missingHandler(read.phases, (name) => handlerFileIn(root, name), join(root, 'phases'));
  return missing ? { problem: missing } : read;
}

async function startLocked(s: Start, project: string, query: string, first: string): Promise<number> {
  const { ctx, out, err, root } = s;
  // Nothing done yet: a caller that stopped waiting (the helper's deadline) gets no start.
  if (!mayAct(ctx)) return 1;
  const state = projectStatePaths(project, ctx.env);
  // D20: an orchestrator still running is stopped, and really gone, before the state changes.
  const pidFile = argoPaths(project).orchestratorPid;
  await stopRunning(s, project, pidFile, state);
  rmSync(pidFile, { force: true });

  // A new workflow shows nothing of the previous one: its records move to the history.
  try {
    const kept = await archivePreviousWorkflow(project, state);
    if (kept) out(`The previous workflow's design, builders and merge were moved to ${kept}`);
  } catch (e) {
    err(`ERROR: could not keep the previous workflow's records in ${argoPaths(project).history}: ${errorMessage(e)}; the workflow was not started`);
    return 1;
  }
  const [saveQuery, ...handOn] = WRITE_ORDERS.start(query, first);
  try {
    await writeInOrder(state, [saveQuery!]);
  } catch (e) {
    err(`ERROR: Failed to save user query: ${errorMessage(e)}`);
    return 1;
  }
  for (const write of handOn) await writeInOrder(state, [write]).catch(() => undefined);
  logStateTransition(projectLogPaths(project), 'idle', 'init');
  // What this workflow's agents run with, whoever starts its orchestrator later (store/agent_env.ts).
  try {
    recordAgentEnv(project, ctx.env);
  } catch (e) {
    err(`WARNING: could not record the workflow's environment in ${agentEnvPath(project)} (${errorMessage(e)}); a later resume or retry runs agents with its caller's environment`);
  }

  // The one launcher (steer/launch.ts), under the start lock we hold; with the caller's environment, which we just recorded.
  const { pid, up } = await spawnOrchestrator(project, { root, env: ctx.env, timeoutMs: 3000 });
  if (!up) {
    err(`WARNING: the orchestrator (PID ${pid}) did not come up; run ${join(root, 'orchestrator.sh')} ${project} to see why`);
  }
  // What runs is what the state says now (someone may have written it meanwhile).
  const running = (await readState(state, 'user_query').catch(() => query)).replace(/\n$/, '');
  if (running !== query) err(`WARNING: the state's user_query is now "${running}" (changed while starting); that is what the orchestrator runs`);
  out('Workflow started');
  out(`Orchestrator PID: ${pid}`);
  out();
  out('Monitor progress:');
  out('  ./workflows/status.sh');
  out('  tail -f .argo-project/logs/workflow.log');
  out();
  out('Stop workflow:');
  out('  ./workflows/stop_workflow.sh');
  // The lines above are the original's (COMPAT §5.1) and name files that never existed;
  // these name the commands of this install.
  printHints(out, root, project);
  return 0;
}

/** The lines after the original's (COMPAT §5.1), which name files that never existed: this install's commands. */
function printHints(out: Start['out'], root: string, project: string): void {
  const p = shellWord(project);
  const argo = join(root, 'compat', 'argo');
  out();
  out('Commands of this install:');
  const hints: [string, string][] = [
    [`${join(root, 'status.sh')} ${p}`, 'where it is'],
    [`${argo} status --watch ${p}`, 'the same, following every change'],
    [`${argo} logs -f ${p}`, 'the workflow log, live'],
    [`${join(root, 'stop_workflow.sh')} ${p}`, 'stop it'],
    [`${argo} resume ${p}`, 'start the orchestrator again after a stop'],
    [`${argo} dashboard`, 'every project in a browser'],
  ];
  const width = Math.max(...hints.map(([c]) => c.length));
  for (const [cmd, what] of hints) out(`  ${cmd.padEnd(width)}   ${what}`);
}

runIfEntry('start_workflow', main);
