// The bash door of lib/project_registry.sh: the original functions (COMPAT §4), each parsing its
// arguments, calling store/registry.ts and printing the original text with the original exit code.
import type { Command, Ctx } from '../core/context.js';
import { errorMessage } from '../core/errors.js';
import { deregisterProject, findProjectByPath, getProjectInfo, initRegistry, listProjects, registerProject, registryPath, updateProjectStatus } from '../store/registry.js';

function guarded(ctx: Ctx, fn: () => void | Promise<void>): Promise<number> {
  return Promise.resolve()
    .then(fn)
    .then(
      () => 0,
      (e: unknown) => {
        ctx.err(`ERROR: ${errorMessage(e)}\n`);
        return 1;
      },
    );
}

export const bashFunctions: Record<string, Command> = {
  init_registry: (_a, ctx) => guarded(ctx, () => initRegistry(registryPath(ctx))),
  register_project: ([name = '', path = ''], ctx) =>
    guarded(ctx, async () => ctx.out((await registerProject(registryPath(ctx), name, path, ctx.env, ctx.gate)) + '\n')),
  deregister_project: ([id = ''], ctx) => guarded(ctx, () => deregisterProject(registryPath(ctx), id, ctx.env, ctx.gate)),
  list_projects: async (_a, ctx) => {
    for (const [id, e] of listProjects(registryPath(ctx))) ctx.out(`${id}\t${e.name}\t${e.status}\t${e.last_active}\n`);
    return 0;
  },
  get_project_info: ([id = ''], ctx) => guarded(ctx, () => ctx.out(getProjectInfo(registryPath(ctx), id))),
  update_project_status: ([id = '', status = ''], ctx) =>
    guarded(ctx, () => updateProjectStatus(registryPath(ctx), id, status, ctx.env, ctx.gate)),
  find_project_by_path: ([path = ''], ctx) => guarded(ctx, () => ctx.out(findProjectByPath(registryPath(ctx), path) + '\n')),
};
