// design_build: one builder per design component, each with its own git worktree
// `.argo-project/builders/<id>` on branch `argo-builder-<id>`.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runIfEntry } from '../core/cli.js';
import { validateComponents } from '../workflow/components.js';
import { errorMessage } from '../core/errors.js';
import { git } from '../core/git.js';
import { repoProblem } from '../workflow/repo_check.js';
import { JsonObject, fromPlain, toPlain } from '../core/json_doc.js';
import { logStateTransition } from '../store/logs.js';
import { mutateState, readStateDoc, updateState } from '../store/state.js';
import { utcTimestamp } from '../core/time.js';
import { complain, enterProject, nextOrRefuse, recordError, say } from './handler.js';
import { argoPaths, BUILDERS_ROOT, builderBranch } from '../store/layout.js';
import { WRITE_ORDERS, writeInOrder } from '../store/write_orders.js';
import { modeBuildRows } from './modes/build_rows.js';


function createWorktree(dir: string, id: string): string | null {
  const rel = join(BUILDERS_ROOT, id);
  say(`Creating git worktree: ${rel}`);
  mkdirSync(argoPaths(dir).builders, { recursive: true });
  // The id comes from the design: operands after `--`, never options.
  let r = git(['worktree', 'add', '-b', builderBranch(id), '--', rel], dir);
  if (!r.ok) r = git(['worktree', 'add', '--', rel, builderBranch(id)], dir);
  if (r.stdout) process.stdout.write(r.stdout);
  if (!r.ok) say(`WARNING: Could not create worktree for ${id}`);
  return existsSync(join(dir, rel)) ? join(dir, rel) : null;
}

export async function main(argv: string[]): Promise<number> {
  const project = enterProject(argv, 'design_build');
  if (typeof project === 'number') return project;
  const next = await nextOrRefuse(project, 'design_build');
  if (typeof next === 'number') return next;
  const doc = await readStateDoc(project.state.stateFile);
  const design = doc.get('design');
  if (design === undefined || design === null) {
    complain('ERROR: No design found in state');
    await recordError(project, 'Missing design');
    return 1;
  }
  const list = design instanceof JsonObject ? design.get('components') : undefined;
  if (list === undefined || list === null) {
    complain('ERROR: No components found in design');
    await recordError(project, 'Missing components');
    return 1;
  }
  let components;
  try {
    components = validateComponents(toPlain(list), 'design.components');
  } catch (e) {
    complain(`ERROR: ${errorMessage(e)}`);
    await recordError(project, errorMessage(e));
    return 1;
  }

  // Worktrees branch from HEAD and merge back into main/master: refuse what cannot
  // be served now, with the fix, instead of builders that fail later.
  const problem = repoProblem(project.dir);
  if (problem) {
    complain(`ERROR: ${problem.message}`);
    await recordError(project, `Refused: ${problem.message}`);
    await updateState(project.state, 'action_owner', 'user').catch(() => undefined);
    return 1;
  }

  const mode = modeBuildRows(project, components, list); // workflow.kind bugfix / best_of_n (phases/modes)
  components = mode.components;
  say(`Components to build: ${components.length}`);
  const created = utcTimestamp();
  const builders = components.map(({ id, description, ...plan }) => {
    say(`Setting up builder: ${id}`);
    const worktree = createWorktree(project.dir, id);
    return {
      id,
      description,
      status: 'pending',
      worktree,
      branch: builderBranch(id),
      pid: null,
      progress: 0,
      started: null,
      completed: null,
      created,
      // The plan's fields (issue 18), only when the design has them: additions to §2.7's row.
      ...plan,
      ...mode.extra(id),
    };
  });

  say('Saving builders to state');
  try {
    const execution = fromPlain({ builders, status: 'pending', started: null, completed: null });
    await mutateState(project.state, (d) => void d.set('execution', execution));
  } catch (e) {
    complain(`ERROR: Failed to save builders: ${errorMessage(e)}`);
    return 1;
  }
  logStateTransition(project.logs, 'design', 'execution');
  await writeInOrder(project.state, WRITE_ORDERS.builders_ready(next.action));
  say('Design build complete - builders ready');
  say();
  return 0;
}

runIfEntry('phases/design_build', main);
