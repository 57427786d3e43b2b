// execution: one CI process per builder, in its worktree, in parallel (at most
// limits.max_parallel_builders at once). Each exit is learnt from the child itself.
// A re-run leaves finished builders alone and adopts ones still running (D12).
import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { runIfEntry } from '../lib/cli.js';
import type { Env } from '../lib/context.js';
import { getCiTool } from '../lib/config.js';
import { ciToolAvailable, spawnCi } from '../lib/ci_tool.js';
import { builderBranch } from '../lib/worktrees.js';
import { JsonObject, fromPlain, toPlain } from '../lib/json_doc.js';
import { builderLogFile, logBuilder, logStateTransition } from '../lib/logging_enhanced.js';
import { killGroup, pidAlive, sleep } from '../lib/process.js';
import { mutateState, updateState } from '../lib/state_file.js';
import { utcTimestamp } from '../lib/time.js';
import { complain, enterProject, readExecution, say, type Project } from './handler.js';
import { readBackend } from '../distributed/config.js';

export interface BuilderView {
  id: string;
  description: string;
  status: string;
  worktree: string | null;
  pid: number | null;
}

export type Plan = { kind: 'done' } | { kind: 'adopt'; pid: number } | { kind: 'result'; code: number } | { kind: 'start' };

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
 * A recorded builder pid still runs a builder (ours are `bash -c … argo-builder …`);
 * a reused pid of some other program does not count.
 */
export function builderAlive(pid: number): boolean {
  if (!pidAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('argo-builder');
  } catch {
    return true; // no /proc: trust the pid
  }
}

/** What to do with one builder on this run (pure but for the pid/result probes passed in). */
export function planBuilder(b: BuilderView, alive: (pid: number) => boolean, result: (wt: string | null) => number | undefined): Plan {
  if (b.status === 'completed') return { kind: 'done' };
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
  return {
    id: text(o.id),
    description: text(o.description),
    status: text(o.status),
    worktree: typeof o.worktree === 'string' && o.worktree !== 'null' ? o.worktree : null,
    pid: Number.isInteger(pid) && pid > 0 ? pid : null,
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

class Execution {
  private children = new Map<string, ChildProcess>();
  private stopping = false;
  private writes = 0;

  constructor(
    private project: Project,
    private tool: string,
    private toolOk: boolean,
  ) {}

  /** Direct write of builder fields for every builder with that id (no last_update bump). */
  async setBuilder(id: string, fields: Record<string, unknown>): Promise<void> {
    if (this.stopping) return; // a stopping handler leaves the state as the signal found it
    this.writes++;
    try {
      await mutateState(this.project.state, (doc) => {
        const exec = doc.get('execution');
        const list = exec instanceof JsonObject ? exec.get('builders') : undefined;
        if (!Array.isArray(list)) return;
        for (const b of list) {
          if (b instanceof JsonObject && String(b.get('id') ?? 'null') === id) {
            for (const [k, v] of Object.entries(fields)) b.set(k, fromPlain(v));
          }
        }
      });
    } finally {
      this.writes--;
    }
  }

  async finish(b: BuilderView, code: number): Promise<void> {
    if (this.stopping) return;
    const ok = code === 0;
    const fields: Record<string, unknown> = { status: ok ? 'completed' : 'failed', exit_code: code, completed: utcTimestamp() };
    if (ok) fields.progress = 100;
    await this.setBuilder(b.id, fields);
    logBuilder(this.project.logs, b.id, ok ? 'completed' : 'failed', ok ? 'Builder finished successfully' : `Builder exited with status ${code}`);
    say(ok ? `Builder ${b.id} completed` : `Builder ${b.id} failed (exit status ${code})`);
  }

  /** Runs one builder to its end; resolves when it has finished. */
  async start(b: BuilderView): Promise<void> {
    if (this.stopping) return;
    say(`Spawning builder: ${b.id}`);
    await this.setBuilder(b.id, { status: 'running', started: utcTimestamp(), pid: null });
    logBuilder(this.project.logs, b.id, 'starting', `Launching CI tool for builder ${b.id}`);
    if (!this.toolOk) {
      complain(`ERROR: CI tool not found: ${this.tool}`);
      logBuilder(this.project.logs, b.id, 'failed', `CI tool not found: ${this.tool}`);
      return this.finish(b, 127);
    }
    if (!b.worktree || !existsSync(b.worktree) || !statSync(b.worktree).isDirectory()) {
      logBuilder(this.project.logs, b.id, 'failed', `No worktree to work in (${b.worktree ?? 'null'})`);
      return this.finish(b, 1);
    }
    // A result left by an earlier attempt must not be taken for this one's.
    rmSync(join(b.worktree, '.build_result'), { force: true });
    const logFd = openSync(builderLogFile(this.project.logs, b.id), 'a');
    let child: ChildProcess;
    try {
      child = spawnCi(this.tool, builderPrompt(b), b.worktree, builderEnv(this.project), logFd, { id: b.id, branch: builderBranch(b.id) });
    } finally {
      closeSync(logFd);
    }
    const exited = new Promise<number>((done) => {
      child.on('error', () => done(127));
      child.on('exit', (code, signal) => done(code ?? 128 + (signal === 'SIGKILL' ? 9 : 15)));
    });
    if (child.pid !== undefined) {
      this.children.set(b.id, child);
      if (this.stopping) killGroup(child.pid); // the signal came while we were spawning
      await this.setBuilder(b.id, { pid: String(child.pid) });
      logBuilder(this.project.logs, b.id, 'spawned', `PID: ${child.pid}`);
    }
    const code = await exited;
    this.children.delete(b.id);
    await this.finish(b, code);
  }

  /** Watches a builder started by an earlier run (not our child: its pid is polled). */
  async adopt(b: BuilderView, pid: number): Promise<void> {
    say(`Builder ${b.id} is still running (PID ${pid}) - waiting for it`);
    while (builderAlive(pid) && !this.stopping) await sleep(200);
    if (this.stopping) return;
    const code = readResult(b.worktree);
    if (code === undefined) return this.start(b); // died without a result: run it again
    await this.finish(b, code);
  }

  /** Ends every builder process group we started; resolves once no state write is in flight. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const child of this.children.values()) killGroup(child.pid);
    for (let i = 0; i < 100 && this.writes > 0; i++) await sleep(10);
  }
}

export const DEFAULT_PARALLEL = 10;

/** limits.max_parallel_builders as a positive integer (the default when absent or unusable). */
export function parallelLimit(limits: unknown): number {
  const raw = (limits as Record<string, unknown> | null)?.max_parallel_builders;
  if (raw === undefined || raw === null) return DEFAULT_PARALLEL;
  const n = Number(raw);
  if (Number.isInteger(n) && n >= 1) return n;
  say(`WARNING: limits.max_parallel_builders is ${JSON.stringify(raw)}, not a positive integer - using ${DEFAULT_PARALLEL}`);
  return DEFAULT_PARALLEL;
}

/** Runs `jobs` with at most `limit` at once. */
async function runLimited(jobs: (() => Promise<void>)[], limit: number): Promise<void> {
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

export async function main(argv: string[]): Promise<number> {
  const project = enterProject(argv, 'execution');
  if (typeof project === 'number') return project;
  const tool = await getCiTool(process.env, project.configFile);
  const execution = await readExecution(project);
  if (typeof execution === 'number') return execution;
  const { doc } = execution;
  const builders = execution.builders.map(view);
  if (builders.length === 0) {
    say('No builders to run - moving on to merge');
    await handOn(project); // D9: a complete hand-off, not a phase change alone
    return 0;
  }
  const limit = parallelLimit(toPlain(doc.get('limits')));

  // execution.backend = "postgres": the builders run on `argo worker`s (distributed/).
  const backend = readBackend(project.configFile, process.env);
  if (backend.kind === 'error') {
    complain(`ERROR: ${backend.message}`);
    return 1;
  }
  if (backend.kind === 'postgres') {
    const { runRemote } = await import('../distributed/remote_execution.js');
    return runRemote({ project, builders: execution.builders, limit, tool, backend, prompt: builderPrompt, handOn });
  }

  const run = new Execution(project, tool, ciToolAvailable(tool, project.dir, process.env));
  const onSignal = (signal: NodeJS.Signals) => {
    void run.stop().then(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  say(`Spawning ${builders.length} builders...`);
  say(`At most ${limit} builders run at once`);
  const jobs: (() => Promise<void>)[] = [];
  const watchers: Promise<void>[] = [];
  const seen = new Set<string>();
  for (const b of builders) {
    // Fields are written per id, so a repeated id is one builder, run once.
    if (seen.has(b.id)) continue;
    seen.add(b.id);
    const plan = planBuilder(b, builderAlive, readResult);
    if (plan.kind === 'done') say(`Builder ${b.id} already completed`);
    else if (plan.kind === 'adopt') watchers.push(run.adopt(b, plan.pid));
    else if (plan.kind === 'result') watchers.push(run.finish(b, plan.code));
    else jobs.push(() => run.start(b));
  }
  const all = Promise.all([runLimited(jobs, limit), ...watchers]);
  say('Builders launched - waiting for them to finish');
  await all;

  say('All builders finished');
  logStateTransition(project.logs, 'execution', 'merge_build');
  await handOn(project);
  say('Execution phase complete');
  say();
  return 0;
}

runIfEntry(import.meta.url, main);
