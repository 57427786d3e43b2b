// argo retry [project_path] [builder-id …]: failed builders run again — the named ones,
// or every failed one — resuming their agent sessions where the agent can, and
// control goes to code (the execution phase). Other builders are left as they are.
// The check and the hand-off are one locked write (store/hand_off.ts relay), and all of
// it — the write and starting an orchestrator when none runs — happens under the
// project's start lock, through the one launcher (steer/launch.ts), so a start, stop
// or resume of the same project never acts between its steps and never makes a second
// orchestrator.
import { orchestratorEnv, recordAgentEnv, takeEnvFlag } from '../store/agent_env.js';
import { runIfEntry } from '../core/cli.js';
import { processCtx, type Ctx } from '../core/context.js';
import { installRoot } from '../core/install_root.js';
import { resolve } from 'node:path';
import { ArgoError, errorMessage } from '../core/errors.js';
import { JsonObject, fromPlain, toPlain } from '../core/json_doc.js';
import { projectLogPaths, writeLog } from '../store/logs.js';
import { isDir } from '../store/project_dir.js';
import { projectStatePaths } from '../store/state.js';
import { relay } from '../store/hand_off.js';
import { START_LOCK_WAIT_MS, startLockPath, takeStartLock, type StartLock } from '../store/start_lock.js';
import { runningOrchestrator, spawnOrchestrator } from './launch.js';
import { builderRecord } from '../store/builders.js';
import { argoPaths } from '../store/layout.js';
import { projectArg } from '../store/project_arg.js';

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
  return retryFor(args, processCtx());
}

/** `argo retry` for a caller (its folder, environment and output): the one-shot and the shim helper run this. */
export async function retryFor(args: string[], ctx: Ctx): Promise<number> {
  // --env-from-here: the agents run with the caller's environment from now on (recorded).
  const { argv, fromHere } = takeEnvFlag(args);
  // A first argument that is a project folder is the project; the rest are builder ids.
  let given = '.';
  let ids = argv;
  if (argv[0] !== undefined && isDir(argoPaths(resolve(ctx.cwd, argv[0])).dir)) [given, ...ids] = argv;
  const project = projectArg(given, ctx);
  if (!project) return 1;
  const state = projectStatePaths(project, ctx.env);
  let lock: StartLock | undefined;
  try {
    lock = await takeStartLock(project, (file) => ctx.out(`Waiting for a start or stop of this project to finish (${file})...\n`));
    if (!lock) throw new ArgoError(`another start or stop of ${project} held ${startLockPath(project)} for ${START_LOCK_WAIT_MS / 1000} s; nothing changed`);
    if (fromHere) recordAgentEnv(project, ctx.env);
    // Read before anything changes: a recorded environment we cannot trust is refused here.
    const env = orchestratorEnv(project, ctx.env);
    // one write with the check and the hand-off: a watcher never sees phase execution still owned by the user
    const chosen = await relay(state, { phase: 'execution', needed: 'execution', owner: 'code' }, (doc) => {
      const exec = doc.get('execution');
      const list = exec instanceof JsonObject ? exec.get('builders') : undefined;
      if (!(exec instanceof JsonObject) || !Array.isArray(list)) throw new ArgoError(`no builders in ${state.stateFile} (nothing has run yet)`);
      const plan = retryPlan(list.map((b) => toPlain(b)), ids);
      if ('error' in plan) throw new ArgoError(plan.error);
      // Named ids: execution leaves the other failed builders alone (execution.retry_only).
      if (ids.length > 0) exec.set('retry_only', fromPlain(plan.ids));
      else exec.delete('retry_only');
      exec.delete('halt_reason');
      return plan.ids;
    });
    writeLog(projectLogPaths(project), 'RETRY', `Retrying builders: ${chosen.join(' ')}`);
    ctx.out(`Retrying ${chosen.length} builder(s): ${chosen.join(' ')}; execution comes next\n`);
    if (runningOrchestrator(project) === undefined) {
      // The workflow's recorded environment, not ours (the dashboard's): its agents need its PATH and keys.
      // Through the one launcher, under the start lock: a concurrent start cannot make a second one.
      // The install the caller named (its ARGO_ROOT): in the shim helper, not the helper's own.
      const { pid, up } = await spawnOrchestrator(project, { env, root: installRoot(ctx.env) });
      if (!up) throw new ArgoError(`the orchestrator (PID ${pid}) did not come up for ${project}; the retry is recorded: see ${argoPaths(project).orchestratorLog}, then run argo resume ${project}`);
      ctx.out(`Orchestrator started (PID ${pid})\n`);
    }
    return 0;
  } catch (e) {
    ctx.err(`ERROR: ${errorMessage(e)}\n`);
    return 1;
  } finally {
    lock?.release();
  }
}

runIfEntry('steer/retry', main);
