// What every phase handler does first (the original's handler prologue), and the
// paths a handler works with once it is in the project folder.
import { JsonObject, fromPlain, toPlain } from '../core/json_doc.js';
import { problemText, readLimits, type Limits } from '../workflow/limits.js';
import { mutateState, readStateDoc, updateState } from '../store/state.js';
import { enterProjectDir } from '../store/project_dir.js';
import { projectAt, type Project } from '../store/project.js';
import { say, complain } from '../core/cli.js';
import { errorMessage } from '../core/errors.js';
import { nextAfterBuiltIn, type HandOn } from '../workflow/phase_list.js';

export type { Project } from '../store/project.js';

/** Checks the argument, enters the project, prints the banner; a number is the exit code. */
export function enterProject(argv: string[], name: string): Project | number {
  const dir = enterProjectDir(argv[0] ?? '', `${name}.sh`);
  if (typeof dir === 'number') return dir;
  process.stdout.write(`=== ${name} phase ===\n`);
  return projectAt(dir);
}

/** Records why a handler gave up, as the original (error_recovery.last_error). */
export async function recordError(project: Project, message: string): Promise<void> {
  try {
    await updateState(project.state, 'error_recovery.last_error', message);
  } catch {
    /* the handler's own ERROR line already says what went wrong */
  }
}

/**
 * The workflow's limits (workflow/limits.ts), or — when one is out of range or garbage — the
 * exit code after handing the workflow to the user: each problem as an `ERROR:` line,
 * all of them in error_recovery.last_error, action_owner user. A handler never runs
 * without a limit the user believes is set.
 */
export async function limitsOrRefuse(project: Project, stateLimits: unknown, config: unknown): Promise<Limits | number> {
  const reading = readLimits(stateLimits, config);
  if (reading.limits) return reading.limits;
  const lines = reading.problems.map(problemText);
  for (const line of lines) complain(`ERROR: ${line}`);
  await mutateState(project.state, (doc) => {
    let er = doc.get('error_recovery');
    if (!(er instanceof JsonObject)) doc.set('error_recovery', (er = new JsonObject()));
    er.set('last_error', fromPlain(`Refused to run with a bad limit: ${lines.join('; ')}`));
    er.set('recovery_action', fromPlain('fix the limit (argo doctor lists every limit and where it comes from), then set action_owner to code'));
  }).catch(() => undefined);
  await updateState(project.state, 'action_owner', 'user').catch(() => undefined);
  return 1;
}

export { say, complain };

/**
 * Who acts after built-in `step` (workflow.phases; the built-ins' own order without it), read
 * before the step does anything, or the exit code after one ERROR line when the list is bad.
 */
export async function nextOrRefuse(project: Project, step: string): Promise<HandOn | number> {
  try {
    return nextAfterBuiltIn(project.configFile, step);
  } catch (e) {
    complain(`ERROR: ${errorMessage(e)}`);
    await recordError(project, errorMessage(e));
    return 1;
  }
}

/**
 * The state and its `.execution.builders` (plain values; missing/null → []), or the
 * exit code after the original's error line when there is no execution at all.
 */
export async function readExecution(project: Project): Promise<{ doc: JsonObject; builders: unknown[] } | number> {
  const doc = await readStateDoc(project.state.stateFile);
  const exec = doc.get('execution');
  if (!(exec instanceof JsonObject)) {
    complain('ERROR: No execution in state');
    return 1;
  }
  const list = exec.get('builders');
  return { doc, builders: Array.isArray(list) ? list.map((b) => toPlain(b)) : [] };
}
