// The project argument of the steering and viewing commands: a folder with .argo-project/.
import { isDir, resolveProjectDir } from './project_dir.js';
import { argoPaths } from './layout.js';
import type { Ctx } from '../core/context.js';

/**
 * The absolute project folder, or undefined after one ERROR line naming the argument.
 * `ctx`: the caller's folder and stderr (a command the shim helper runs for a caller).
 */
export function projectArg(arg: string | undefined, ctx?: Ctx): string | undefined {
  const given = arg ?? '.';
  const project = resolveProjectDir(given, ctx);
  if (!project || !isDir(argoPaths(project).dir)) {
    const line = `ERROR: not an Argo project (no .argo-project/): ${given}\n`;
    if (ctx) ctx.err(line);
    else process.stderr.write(line);
    return undefined;
  }
  return project;
}

export const isProject = (arg: string) => {
  const p = resolveProjectDir(arg);
  return p !== undefined && isDir(argoPaths(p).dir);
};
