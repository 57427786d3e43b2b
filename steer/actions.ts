// What a person does to a workflow besides approving it, as state changes through the
// one doorway (mutateState/updateState): merge again after resolving conflicts, and
// retry a failed builder. The CLI (compat/argo.ts) and the dashboard call these.
import { ArgoError } from '../lib/errors.js';
import { JsonObject, toPlain } from '../lib/json_doc.js';
import { projectLogPaths, writeLog } from '../lib/logging_enhanced.js';
import { mutateState, projectStatePaths, type StatePaths } from '../lib/state_file.js';
import { utcTimestamp } from '../lib/time.js';

/**
 * Phase, action and owner in one write (values as update_state stores them, strings,
 * and last_update bumped): nobody watching ever sees half a hand-off.
 */
function handTo(doc: JsonObject, phase: string, needed: string, owner: string): void {
  doc.set('phase', phase);
  doc.set('action_needed', needed);
  doc.set('action_owner', owner);
  doc.set('last_update', utcTimestamp());
}

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

/**
 * Sets builder `id` back to pending (its result, pid and failure forgotten) and hands
 * spawn_builders to code; execution runs what is not completed and keeps the rest.
 */
export async function retryBuilder(project: string, id: string): Promise<void> {
  if (!id) throw new ArgoError('builder id required');
  const state = projectStatePaths(project);
  await change(state, (doc) => {
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
    handTo(doc, 'execution', 'spawn_builders', 'code');
  });
  writeLog(projectLogPaths(project), 'BUILDER', `[${id}] retry - Requested by the user`);
}
