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
 * Sets the failed builders `ids` (every failed one when empty) back to pending, their
 * result, pid and failure forgotten, and hands spawn_builders to code; execution runs
 * what is not completed and keeps the rest. Returns the ids chosen.
 */
export async function retryBuilders(project: string, ids: string[]): Promise<string[]> {
  const state = projectStatePaths(project);
  let chosen: string[] = [];
  await change(state, (doc) => {
    const exec = doc.get('execution');
    const list = exec instanceof JsonObject ? exec.get('builders') : undefined;
    if (!Array.isArray(list)) throw new ArgoError(`no builders in ${state.stateFile} (nothing has run yet)`);
    const builders = list.filter((b): b is JsonObject => b instanceof JsonObject);
    const idOf = (b: JsonObject) => String(toPlain(b.get('id')));
    const statusOf = (b: JsonObject) => String(toPlain(b.get('status')));
    if (ids.length === 0) {
      chosen = [...new Set(builders.filter((b) => statusOf(b) === 'failed').map(idOf))];
      if (chosen.length === 0) throw new ArgoError('no failed builders to retry');
    } else {
      for (const id of ids) {
        const hit = builders.find((b) => idOf(b) === id);
        if (!hit) throw new ArgoError(`no builder '${id}' (builders: ${builders.map(idOf).join(', ') || 'none'})`);
        if (statusOf(hit) !== 'failed') throw new ArgoError(`builder '${id}' has not failed (status: ${statusOf(hit)})`);
      }
      chosen = [...new Set(ids)];
    }
    for (const b of builders) {
      if (!chosen.includes(idOf(b))) continue;
      b.set('status', 'pending');
      for (const k of ['pid', 'completed', 'exit_code', 'failure']) if (b.has(k)) b.set(k, null);
    }
    handTo(doc, 'execution', 'spawn_builders', 'code');
  });
  writeLog(projectLogPaths(project), 'RETRY', `Retrying builders: ${chosen.join(' ')}`);
  return chosen;
}
