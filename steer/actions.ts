// "The conflicts are resolved - merge again", as one state change through the one
// doorway (mutateState, via relay: the check and the hand-off in one locked write).
// `argo merge` and, through it, the dashboard use it. (Retrying builders is
// steer/retry.ts: `argo retry`.)
import { ArgoError } from '../core/errors.js';
import { JsonObject } from '../core/json_doc.js';
import { projectLogPaths, writeLog } from '../store/logs.js';
import { projectStatePaths } from '../store/state.js';
import { relay } from '../store/hand_off.js';

/** Hands merge_branches to code: "the conflicts are resolved, merge again". */
export async function mergeAgain(project: string): Promise<void> {
  const state = projectStatePaths(project);
  await relay(state, { phase: 'merge_build', needed: 'merge_branches', owner: 'code' }, (doc) => {
    const exec = doc.get('execution');
    if (!(exec instanceof JsonObject) || !Array.isArray(exec.get('builders'))) {
      throw new ArgoError(`nothing to merge in ${state.stateFile}: no execution.builders`);
    }
  });
  writeLog(projectLogPaths(project), 'MERGE', 'merge again - Requested by the user');
}
