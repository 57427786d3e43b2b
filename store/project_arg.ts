// The project argument of the steering and viewing commands: a folder with .argo-project/.
import { isDir, resolveProjectDir } from './project_dir.js';
import { argoPaths } from './layout.js';

/** The absolute project folder, or undefined after one ERROR line naming the argument. */
export function projectArg(arg: string | undefined): string | undefined {
  const given = arg ?? '.';
  const project = resolveProjectDir(given);
  if (!project || !isDir(argoPaths(project).dir)) {
    process.stderr.write(`ERROR: not an Argo project (no .argo-project/): ${given}\n`);
    return undefined;
  }
  return project;
}

export const isProject = (arg: string) => {
  const p = resolveProjectDir(arg);
  return p !== undefined && isDir(argoPaths(p).dir);
};
