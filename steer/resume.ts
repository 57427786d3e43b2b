// argo resume [project_path]: starts the orchestrator again on a stopped or crashed
// workflow, resetting nothing (start_workflow starts over from the design). Refuses
// when one already runs or the workflow is finished. Holds the project's start lock,
// as start_workflow and stop_workflow do, so it never acts between their steps. The
// orchestrator gets the workflow's recorded environment; --env-from-here records ours first.
import { recordAgentEnv, takeEnvFlag } from '../store/agent_env.js';
import { runIfEntry } from '../core/cli.js';
import { errorMessage } from '../core/errors.js';
import { START_LOCK_WAIT_MS, startLockPath, withStartLock } from '../store/start_lock.js';
import { readStatePlain } from '../view/read.js';
import { launchOrchestrator, runningOrchestrator } from './launch.js';
import { projectArg } from '../store/project_arg.js';

function fail(message: string): number {
  process.stderr.write(`ERROR: ${message}\n`);
  return 1;
}

async function resume(project: string, envFromHere: boolean): Promise<number> {
  const running = runningOrchestrator(project);
  if (running !== undefined) return fail(`an orchestrator already runs for ${project} (PID ${running}); nothing to resume`);
  try {
    const state = readStatePlain(project);
    if (state.phase === 'storage') return fail(`the workflow in ${project} is finished (phase storage); start a new one with argo start`);
    if (envFromHere) {
      recordAgentEnv(project, process.env);
      process.stdout.write(`The workflow's agents now run with this environment (recorded in .argo-project/agent-env.json)\n`);
    }
    const pid = await launchOrchestrator(project);
    process.stdout.write(`Orchestrator resumed (PID ${pid}) at phase ${String(state.phase)}, action ${String(state.action_needed)} owned by ${String(state.action_owner)}\n`);
    return 0;
  } catch (e) {
    return fail(errorMessage(e));
  }
}

export async function main(args: string[]): Promise<number> {
  const { argv, fromHere } = takeEnvFlag(args);
  const project = projectArg(argv[0]);
  if (!project) return 1;
  try {
    const done = await withStartLock(
      project,
      (lock) => process.stdout.write(`Waiting for a start or stop of this project to finish (${lock})...\n`),
      () => resume(project, fromHere),
    );
    if (done === undefined) return fail(`another start or stop of ${project} held ${startLockPath(project)} for ${START_LOCK_WAIT_MS / 1000} s`);
    return done.value;
  } catch (e) {
    return fail(errorMessage(e));
  }
}

runIfEntry('steer/resume', main);
