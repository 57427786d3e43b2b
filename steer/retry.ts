// argo retry <builder-id> [project_path]: runs a failed builder again (execution keeps the others).
import { runIfEntry } from '../lib/cli.js';
import { errorMessage } from '../lib/errors.js';
import { retryBuilder } from './actions.js';
import { runningOrchestrator } from './launch.js';
import { projectArg } from './project_arg.js';

export async function main(argv: string[]): Promise<number> {
  const [id = '', path] = argv;
  if (!id) {
    process.stderr.write('ERROR: builder id required\nUsage: argo retry <builder-id> [project_path]\n');
    return 1;
  }
  const project = projectArg(path);
  if (!project) return 1;
  try {
    await retryBuilder(project, id);
  } catch (e) {
    process.stderr.write(`ERROR: ${errorMessage(e)}\n`);
    return 1;
  }
  process.stdout.write(`Builder ${id} will run again (spawn_builders handed to code)\n`);
  if (runningOrchestrator(project) === undefined) process.stdout.write(`No orchestrator runs: argo resume ${project}\n`);
  return 0;
}

runIfEntry(import.meta.url, main);
