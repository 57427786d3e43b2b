// Where a project's files are: the one description of the paths a workflow works with
// once it is in the project folder (state, logs, config). Lower layers take these paths;
// nothing above spells `.argo-project/...` again.
import { join } from 'node:path';
import { projectStatePaths, type StatePaths } from './state.js';
import { projectLogPaths, type LogPaths } from './logs.js';

/** A project as a handler, a coordinator or a command sees it. */
export interface Project {
  dir: string;
  state: StatePaths;
  logs: LogPaths;
  configFile: string;
}

export const ARGO_DIR = '.argo-project';

/** Every builder's branch is this prefix and its component id (COMPAT: `argo-builder-<id>`). */
export const BUILDER_BRANCH_PREFIX = 'argo-builder-';
export const builderBranch = (id: string) => `${BUILDER_BRANCH_PREFIX}${id}`;
/** Where design_build puts builder worktrees (relative to the project). */
export const BUILDERS_ROOT = join(ARGO_DIR, 'builders');
/** Where merge_build puts the temporary worktree of the target branch. */
export const MERGING_ROOT = join(ARGO_DIR, 'merging');

/** The paths of the project in `dir` (absolute), with the state file honouring STATE_FILE as the original. */
export function projectAt(dir: string): Project {
  return { dir, state: projectStatePaths(dir), logs: projectLogPaths(dir), configFile: join(dir, ARGO_DIR, 'config.json') };
}
