// The one launcher of a project's orchestrator: `argo start` (start_workflow), `argo
// resume`, `argo retry` and the dashboard's buttons all start it here — detached, with
// the workflow's recorded environment (store/agent_env.ts) unless told otherwise — and
// wait until it claimed the project (its pid file names it and /proc proves it ours).
// Callers hold the project's start lock (store/start_lock.ts) around their check and the
// launch, so two of them can never start two orchestrators.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { orchestratorEnv } from '../store/agent_env.js';
import type { Env } from '../core/context.js';
import { ArgoError } from '../core/errors.js';
import { runningOrchestrator } from '../store/processes.js';
import { pidAlive, sleep } from '../core/proc.js';
import { installRoot } from '../view/argo_command.js';
import { argoPaths } from '../store/layout.js';

export { runningOrchestrator };

export interface SpawnOptions {
  root?: string;
  /** The orchestrator's environment (default: the workflow's recorded one, else ours). */
  env?: Env;
  /** How long to wait for it to claim the project. */
  timeoutMs?: number;
}

/** Spawns orchestrator.sh for `project`; `up` says whether it claimed the project in time. Hold the start lock. */
export async function spawnOrchestrator(project: string, opts: SpawnOptions = {}): Promise<{ pid: number; up: boolean }> {
  const root = opts.root ?? installRoot();
  // The workflow's recorded environment, not ours (the dashboard's): its agents need its PATH and keys.
  const env = opts.env ?? orchestratorEnv(project);
  const child = spawn(join(root, 'orchestrator.sh'), [project], { cwd: project, detached: true, stdio: 'ignore', env });
  child.on('error', () => undefined);
  child.unref();
  const pid = child.pid ?? 0;
  const deadline = Date.now() + (opts.timeoutMs ?? 5000);
  while (Date.now() < deadline) {
    if (runningOrchestrator(project) === pid) return { pid, up: true };
    if (!pidAlive(pid)) break;
    // A claim takes a few ms (an anchor connecting to the helper): look often, it is a /proc read.
    await sleep(2);
  }
  return { pid, up: runningOrchestrator(project) === pid };
}

/** Launches the orchestrator unless one runs; resolves with its pid once it claimed the project. Hold the start lock. */
export async function launchOrchestrator(project: string, root = installRoot(), timeoutMs = 5000): Promise<number> {
  const running = runningOrchestrator(project);
  if (running !== undefined) throw new ArgoError(`an orchestrator already runs for ${project} (PID ${running})`);
  const { pid, up } = await spawnOrchestrator(project, { root, timeoutMs });
  if (up) return pid;
  throw new ArgoError(`the orchestrator (PID ${pid}) did not come up for ${project}; see ${argoPaths(project).orchestratorLog}`);
}
