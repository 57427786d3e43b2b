// A new workflow on a project starts clean: start_workflow moves what the previous
// workflow left in state.json (its design, builders, merge, conflicts and last error)
// into .argo-project/history/workflow-<time>.json, so status, --json and the dashboard
// show only the workflow that runs, and nothing of the old one is lost.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic_file.js';
import { fromPlain, toPlain } from '../core/json_doc.js';
import { mutateState, type StatePaths } from './state.js';
import { utcTimestamp } from '../core/time.js';
import { argoPaths } from './layout.js';

/** The members a workflow fills in as it runs (COMPAT §2.2 has them null at the start). */
const WORKFLOW_KEYS = ['design', 'execution', 'merge'] as const;
/** Root members a workflow kind adds (issue 22: `reviews`, `bugfix`, `best_of_n`): archived, then removed (the initial state has none). */
const KIND_KEYS = ['reviews', 'bugfix', 'best_of_n'] as const;
const CLEAN_RECOVERY = { last_error: null, retry_count: 0, recovery_action: null };

const present = (v: unknown) => v !== undefined && v !== null && v !== 'null';

/**
 * What the previous workflow left (pure): its query, where it stood, and the members a
 * new start resets — or null when there is nothing to keep (a fresh project).
 */
export function previousWorkflow(state: Record<string, unknown>, archived: string): Record<string, unknown> | null {
  if (![...WORKFLOW_KEYS, ...KIND_KEYS].some((k) => present(state[k])) && !present(state.merge_conflicts)) return null;
  const record: Record<string, unknown> = { archived };
  for (const k of ['user_query', 'phase', 'action_owner', 'action_needed', 'last_update', ...WORKFLOW_KEYS, ...KIND_KEYS, 'merge_conflicts', 'error_recovery']) {
    if (k in state) record[k] = state[k];
  }
  return record;
}

export function historyDir(project: string): string {
  return argoPaths(project).history;
}

/**
 * Moves the previous workflow into the history (the file first, then the state reset, in
 * one locked state write): `design`, `execution`, `merge` back to null, `merge_conflicts`
 * removed, `error_recovery` as at the start. Returns the file written, or null.
 */
export async function archivePreviousWorkflow(project: string, state: StatePaths): Promise<string | null> {
  const archived = utcTimestamp();
  const dir = historyDir(project);
  let name = `workflow-${archived.replace(/[-:]/g, '')}`;
  for (let n = 2; existsSync(join(dir, `${name}.json`)); n++) name = `workflow-${archived.replace(/[-:]/g, '')}-${n}`;
  const file = join(dir, `${name}.json`);
  return mutateState(state, (doc) => {
    const record = previousWorkflow(toPlain(doc) as Record<string, unknown>, archived);
    if (!record) return null;
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(file, JSON.stringify(record, null, 2) + '\n');
    for (const k of WORKFLOW_KEYS) if (doc.get(k) !== undefined) doc.set(k, null);
    doc.delete('merge_conflicts');
    for (const k of KIND_KEYS) doc.delete(k);
    if (doc.get('error_recovery') !== undefined) doc.set('error_recovery', fromPlain(CLEAN_RECOVERY));
    return file;
  });
}
