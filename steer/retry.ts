// argo retry [project_path] [builder-id …]: failed builders run again - the named ones,
// or every failed one; execution keeps the others.
import { runIfEntry } from '../lib/cli.js';
import { errorMessage } from '../lib/errors.js';
import { retryBuilders } from './actions.js';
import { runningOrchestrator } from './launch.js';
import { isProject, projectArg } from './project_arg.js';

export async function main(argv: string[]): Promise<number> {
  // A first argument that is a project folder is the project; the rest are builder ids.
  const [first, ...rest] = argv;
  const [path, ids] = first !== undefined && isProject(first) ? [first, rest] : ['.', argv];
  const project = projectArg(path);
  if (!project) return 1;
  let chosen: string[];
  try {
    chosen = await retryBuilders(project, ids);
  } catch (e) {
    process.stderr.write(`ERROR: ${errorMessage(e)}\n`);
    return 1;
  }
  process.stdout.write(`Retrying ${chosen.length} builder(s): ${chosen.join(' ')}; execution comes next\n`);
  if (runningOrchestrator(project) === undefined) process.stdout.write(`No orchestrator runs: argo resume ${project}\n`);
  return 0;
}

runIfEntry(import.meta.url, main);
