// argo retry [project_path] [builder-id …]: failed builders run again — the named ones,
// or every failed one — resuming their agent sessions where the agent can, and
// control goes to code (the execution phase). Other builders are left as they are.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { orchestratorEnv, recordAgentEnv, takeEnvFlag } from '../lib/agent_env.js';
import { runIfEntry } from '../lib/cli.js';
import { ArgoError, errorMessage } from '../lib/errors.js';
import { JsonObject, fromPlain, toPlain } from '../lib/json_doc.js';
import { projectLogPaths, writeLog } from '../lib/logging_enhanced.js';
import { runningOrchestrator } from '../lib/process.js';
import { isDir, resolveProjectDir } from '../lib/project_dir.js';
import { mutateState, projectStatePaths } from '../lib/state_file.js';
import { handTo } from '../lib/hand_off.js';
import { installRoot } from '../lib/install_root.js';
import { builderRecord } from '../store/builders.js';

const ROOT = installRoot();

/** Which builders to run again (pure): the named ones, each of which must have failed. */
export function retryPlan(builders: unknown[], ids: string[]): { ids: string[] } | { error: string } {
  const status = new Map<string, string>();
  for (const b of builders.map(builderRecord)) status.set(b.id, b.status ?? 'null');
  const failed = [...status].filter(([, s]) => s === 'failed').map(([id]) => id);
  if (ids.length === 0) return failed.length > 0 ? { ids: failed } : { error: 'no failed builders to retry' };
  for (const id of ids) {
    if (!status.has(id)) return { error: `no builder '${id}' (builders: ${[...status.keys()].join(', ') || 'none'})` };
    if (status.get(id) !== 'failed') return { error: `builder '${id}' has not failed (status: ${status.get(id)})` };
  }
  return { ids: [...new Set(ids)] };
}


export async function main(args: string[]): Promise<number> {
  // --env-from-here: the agents run with the caller's environment from now on (recorded).
  const { argv, fromHere } = takeEnvFlag(args);
  // A first argument that is a project folder is the project; the rest are builder ids.
  let projectArg = '.';
  let ids = argv;
  if (argv[0] !== undefined && isDir(join(argv[0], '.argo-project'))) [projectArg, ...ids] = argv;
  const project = resolveProjectDir(projectArg);
  if (!project || !isDir(join(project, '.argo-project'))) {
    process.stderr.write(`ERROR: not an Argo project (no .argo-project/): ${projectArg}\n`);
    return 1;
  }
  const state = projectStatePaths(project);
  try {
    if (fromHere) recordAgentEnv(project, process.env);
    // Read before anything changes: a recorded environment we cannot trust is refused here.
    const env = orchestratorEnv(project);
    const chosen = await mutateState(state, (doc) => {
      const exec = doc.get('execution');
      const list = exec instanceof JsonObject ? exec.get('builders') : undefined;
      if (!(exec instanceof JsonObject) || !Array.isArray(list)) throw new ArgoError(`no builders in ${state.stateFile} (nothing has run yet)`);
      const plan = retryPlan(list.map((b) => toPlain(b)), ids);
      if ('error' in plan) throw new ArgoError(plan.error);
      // Named ids: execution leaves the other failed builders alone (execution.retry_only).
      if (ids.length > 0) exec.set('retry_only', fromPlain(plan.ids));
      else exec.delete('retry_only');
      exec.delete('halt_reason');
      // one write with the hand-off: a watcher never sees phase execution still owned by the user
      handTo(doc, 'execution', 'execution', 'code');
      return plan.ids;
    });
    writeLog(projectLogPaths(project), 'RETRY', `Retrying builders: ${chosen.join(' ')}`);
    process.stdout.write(`Retrying ${chosen.length} builder(s): ${chosen.join(' ')}; execution comes next\n`);
    if (runningOrchestrator(project) === undefined) {
      // The workflow's recorded environment, not ours (the dashboard's): its agents need its PATH and keys.
      const child = spawn(join(ROOT, 'orchestrator.sh'), [project], { cwd: project, detached: true, stdio: 'ignore', env });
      child.on('error', () => undefined);
      child.unref();
      process.stdout.write(`Orchestrator started (PID ${child.pid ?? '?'})\n`);
    }
    return 0;
  } catch (e) {
    process.stderr.write(`ERROR: ${errorMessage(e)}\n`);
    return 1;
  }
}

runIfEntry(import.meta.url, main);
