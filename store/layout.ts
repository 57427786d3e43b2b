// Where a project's files are: the one description of every path under `.argo-project/`.
// Code names a file through `argoPaths(project)` (absolute) or the relative defaults
// below (the original libraries' defaults, resolved against the caller's folder); it
// never spells `.argo-project/...` itself. No imports of ours: everything may use it.
import { join } from 'node:path';

export const ARGO_DIR = '.argo-project' as const;

/** The original libraries' defaults, relative to the current folder (STATE_FILE & co. override them). */
export const DEFAULT_STATE_FILE = `${ARGO_DIR}/state.json` as const;
export const DEFAULT_STATE_LOCK = `${ARGO_DIR}/state.lock` as const;
export const DEFAULT_LOG_DIR = `${ARGO_DIR}/logs` as const;
export const DEFAULT_CONFIG_FILE = `${ARGO_DIR}/config.json` as const;
export const DEFAULT_CHECKPOINT_DIR = `${ARGO_DIR}/checkpoints` as const;

/** Every builder's branch is this prefix and its component id (COMPAT: `argo-builder-<id>`). */
export const BUILDER_BRANCH_PREFIX = 'argo-builder-';
export const builderBranch = (id: string) => `${BUILDER_BRANCH_PREFIX}${id}`;
/** Where design_build puts builder worktrees (relative to the project). */
export const BUILDERS_ROOT = join(ARGO_DIR, 'builders');
/** Where merge_build puts the temporary worktree of the target branch (relative to the project). */
export const MERGING_ROOT = join(ARGO_DIR, 'merging');

/** Every file and folder of the project in `project` (absolute when `project` is). */
export function argoPaths(project: string) {
  const dir = join(project, ARGO_DIR);
  const logs = join(dir, 'logs');
  return {
    /** `.argo-project/` itself: a folder holding it is a project. */
    dir,
    state: join(dir, 'state.json'),
    stateLock: join(dir, 'state.lock'),
    config: join(dir, 'config.json'),
    /** The orchestrator's pid and lock (COMPAT §5). */
    orchestratorPid: join(dir, 'orchestrator.pid'),
    /** The running handler's pid and start time, so a restarted orchestrator waits for one a killed one left running. */
    handlerPid: join(dir, 'handler.pid'),
    /** Held by start, stop, resume and retry around their check and act. */
    startLock: join(dir, 'start.lock'),
    /** Held by merge_build while it merges. */
    mergeLock: join(dir, 'merge.lock'),
    logs,
    orchestratorLog: join(logs, 'orchestrator.log'),
    builders: join(project, BUILDERS_ROOT),
    merging: join(project, MERGING_ROOT),
    /** The project's own workflow templates (issue 22; they win over the user's and the built-ins). */
    templates: join(dir, 'templates'),
    /** The prompts handed to agents (design, builders). */
    prompts: join(dir, 'prompts'),
    /** The design agent's raw answers. */
    design: join(dir, 'design'),
    checkpoints: join(dir, 'checkpoints'),
    /** Earlier workflows, moved aside by a new start. */
    history: join(dir, 'history'),
    /** The notifier's record of what it announced. */
    notify: join(dir, 'notify.json'),
    /** The environment the workflow's agents run with (0600). */
    agentEnv: join(dir, 'agent-env.json'),
    /** best_of_n.judge's working folder (its prompt, answer and anything it writes; phases/modes/judge.ts). */
    judge: join(dir, 'judge'),
    /** A review workflow's findings, one `<id>.md` per reviewer (workflow.kind "review"). */
    reviews: join(dir, 'reviews'),
    /** The reviewers' read-only checkouts of the range's tip (removed when untouched). */
    reviewWorktrees: join(dir, 'reviews', 'worktrees'),
    /** Worktrees project_setup was told about (project_cleanup removes them). */
    worktreesList: join(dir, 'worktrees.txt'),
  };
}
export type ArgoPaths = ReturnType<typeof argoPaths>;
