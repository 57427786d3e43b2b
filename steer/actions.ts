// What a person does to a workflow besides approving it, as state changes through the
// one doorway (mutateState/updateState): merge again after resolving conflicts, and
// retry a failed builder. The CLI (compat/argo.ts) and the dashboard call these.
import { ArgoError } from '../lib/errors.js';
import { JsonObject, toPlain } from '../lib/json_doc.js';
import { projectLogPaths, writeLog } from '../lib/logging_enhanced.js';
import { mutateState, projectStatePaths, updateState } from '../lib/state_file.js';

/** Hands merge_branches to code: "the conflicts are resolved, merge again". */
export async function mergeAgain(project: string): Promise<void> {
  const state = projectStatePaths(project);
  await mutateState(state, (doc) => {
    const exec = doc.get('execution');
    if (!(exec instanceof JsonObject) || !Array.isArray(exec.get('builders'))) {
      throw new ArgoError(`nothing to merge in ${state.stateFile}: no execution.builders`);
    }
  });
  await updateState(state, 'phase', 'merge_build');
  await updateState(state, 'action_needed', 'merge_branches');
  await updateState(state, 'action_owner', 'code');
  writeLog(projectLogPaths(project), 'MERGE', 'merge again - Requested by the user');
}

/**
 * Sets builder `id` back to pending (its result, pid and failure forgotten) and hands
 * spawn_builders to code; execution runs what is not completed and keeps the rest.
 */
export async function retryBuilder(project: string, id: string): Promise<void> {
  if (!id) throw new ArgoError('builder id required');
  const state = projectStatePaths(project);
  await mutateState(state, (doc) => {
    const exec = doc.get('execution');
    const list = exec instanceof JsonObject ? exec.get('builders') : undefined;
    const hits = Array.isArray(list) ? list.filter((b): b is JsonObject => b instanceof JsonObject && String(toPlain(b.get('id'))) === id) : [];
    if (hits.length === 0) throw new ArgoError(`no builder '${id}' in ${state.stateFile}`);
    for (const b of hits) {
      const status = String(toPlain(b.get('status')));
      if (status === 'running') throw new ArgoError(`builder '${id}' is running; stop it before retrying`);
      if (status === 'completed') throw new ArgoError(`builder '${id}' completed; only failed or pending builders are retried`);
      b.set('status', 'pending');
      for (const k of ['pid', 'completed', 'exit_code', 'failure']) if (b.has(k)) b.set(k, null);
    }
  });
  await updateState(state, 'phase', 'execution');
  await updateState(state, 'action_needed', 'spawn_builders');
  await updateState(state, 'action_owner', 'code');
  writeLog(projectLogPaths(project), 'BUILDER', `[${id}] retry - Requested by the user`);
}
