// argo merge [project_path]: "the conflicts are resolved - merge again" (merge_branches to code).
import { runIfEntry } from '../core/cli.js';
import { errorMessage } from '../core/errors.js';
import { mergeAgain } from './actions.js';
import { runningOrchestrator } from './launch.js';
import { projectArg } from '../store/project_arg.js';

export async function main(argv: string[]): Promise<number> {
  const project = projectArg(argv[0]);
  if (!project) return 1;
  try {
    await mergeAgain(project);
  } catch (e) {
    process.stderr.write(`ERROR: ${errorMessage(e)}\n`);
    return 1;
  }
  process.stdout.write('Merge handed to code (merge_branches)\n');
  if (runningOrchestrator(project) === undefined) process.stdout.write(`No orchestrator runs: argo resume ${project}\n`);
  return 0;
}

runIfEntry('steer/merge', main);
