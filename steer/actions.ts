// "The conflicts are resolved - merge again", as one state change through the one
// doorway (mutateState, via relay: the check and the hand-off in one locked write).
// `argo merge` and, through it, the dashboard use it. (Retrying builders is
// steer/retry.ts: `argo retry`.)
import { ArgoError } from '../lib/errors.js';
import { JsonObject } from '../lib/json_doc.js';
import { projectLogPaths, writeLog } from '../lib/logging_enhanced.js';
import { projectStatePaths } from '../lib/state_file.js';
import { relay } from '../lib/hand_off.js';

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
