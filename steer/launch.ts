// Starts a project's orchestrator in the background, detached as start_workflow does,
// and waits until it wrote its pid. `argo resume` and the dashboard use it: they never
// reset the state, they only give it an orchestrator again — with the workflow's own
// environment (store/agent_env.ts), whoever asks.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { orchestratorEnv } from '../store/agent_env.js';
import { ArgoError } from '../core/errors.js';
import { pidAlive, runningOrchestrator, sleep } from '../store/processes.js';
import { installRoot } from '../view/argo_command.js';

export { runningOrchestrator };

/** Launches the orchestrator; resolves with its pid once it claimed the project. */
export async function launchOrchestrator(project: string, root = installRoot(), timeoutMs = 5000): Promise<number> {
  const running = runningOrchestrator(project);
  if (running !== undefined) throw new ArgoError(`an orchestrator already runs for ${project} (PID ${running})`);
  // The workflow's recorded environment, not ours (the dashboard's): its agents need its PATH and keys.
  const env = orchestratorEnv(project);
  const child = spawn(join(root, 'orchestrator.sh'), [project], { cwd: project, detached: true, stdio: 'ignore', env });
  child.on('error', () => undefined);
  child.unref();
  const pid = child.pid ?? 0;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (runningOrchestrator(project) === pid) return pid;
    if (!pidAlive(pid)) break;
    await sleep(10);
  }
  if (runningOrchestrator(project) === pid) return pid;
  throw new ArgoError(`the orchestrator (PID ${pid}) did not come up for ${project}; see ${join(project, '.argo-project', 'logs', 'orchestrator.log')}`);
}
