// "The conflicts are resolved - merge again", as one state change through the one
// doorway (mutateState). `argo merge` and, through it, the dashboard use it. (Retrying
// builders is agents/retry.ts: `argo retry`.)
import { ArgoError } from '../core/errors.js';
import { JsonObject } from '../core/json_doc.js';
import { projectLogPaths, writeLog } from '../store/logs.js';
import { mutateState, projectStatePaths, type StatePaths } from '../store/state.js';
import { handTo } from '../store/hand_off.js';

async function change(state: StatePaths, fn: (doc: JsonObject) => void): Promise<void> {
  await mutateState(state, (doc) => {
    if (!(doc instanceof JsonObject)) throw new ArgoError(`${state.stateFile} is not a JSON object`);
    fn(doc);
  });
}

/** Hands merge_branches to code: "the conflicts are resolved, merge again". */
export async function mergeAgain(project: string): Promise<void> {
  const state = projectStatePaths(project);
  await change(state, (doc) => {
    const exec = doc.get('execution');
    if (!(exec instanceof JsonObject) || !Array.isArray(exec.get('builders'))) {
      throw new ArgoError(`nothing to merge in ${state.stateFile}: no execution.builders`);
    }
    handTo(doc, 'merge_build', 'merge_branches', 'code');
  });
  writeLog(projectLogPaths(project), 'MERGE', 'merge again - Requested by the user');
}
