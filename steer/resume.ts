// argo resume [project_path]: starts the orchestrator again on a stopped or crashed
// workflow, resetting nothing (start_workflow starts over from the design). Refuses
// when one already runs or the workflow is finished.
import { runIfEntry } from '../lib/cli.js';
import { errorMessage } from '../lib/errors.js';
import { readStatePlain } from '../view/read.js';
import { launchOrchestrator, runningOrchestrator } from './launch.js';
import { projectArg } from './project_arg.js';

export async function main(argv: string[]): Promise<number> {
  const project = projectArg(argv[0]);
  if (!project) return 1;
  const running = runningOrchestrator(project);
  if (running !== undefined) {
    process.stderr.write(`ERROR: an orchestrator already runs for ${project} (PID ${running}); nothing to resume\n`);
    return 1;
  }
  try {
    const state = readStatePlain(project);
    if (state.phase === 'storage') {
      process.stderr.write(`ERROR: the workflow in ${project} is finished (phase storage); start a new one with argo start\n`);
      return 1;
    }
    const pid = await launchOrchestrator(project);
    process.stdout.write(`Orchestrator resumed (PID ${pid}) at phase ${String(state.phase)}, action ${String(state.action_needed)} owned by ${String(state.action_owner)}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`ERROR: ${errorMessage(e)}\n`);
    return 1;
  }
}

runIfEntry(import.meta.url, main);
