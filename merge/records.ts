// What the integration engine writes to state, each the moment it is known (issue 20):
// a builder row's `merge` (BuilderMerge), the journal of a target move in flight
// (root `merge.pending`), a merge recorded in `merge.merged` with its row in the same
// write, and a builder sent back to its agent (row fields, then one hand-off to execution).
import { JsonObject, fromPlain, toPlain } from '../core/json_doc.js';
import { mutateState, type StatePaths } from '../store/state.js';
import { relay } from '../store/hand_off.js';
import { setBuilderFields, type BuilderMerge, type MergeFeedback } from '../store/builders.js';
import { previouslyMerged, rowMerge, type MergeOutcome } from '../workflow/builder_merge.js';
import { utcTimestamp } from '../core/time.js';

export { rowMerge };

export function setRowMerge(state: StatePaths, id: string, m: BuilderMerge): Promise<void> {
  return setBuilderFields(state, id, { merge: m });
}

function rootMerge(doc: JsonObject): JsonObject {
  const m = doc.get('merge');
  if (m instanceof JsonObject) return m;
  const made = new JsonObject();
  doc.set('merge', made);
  return made;
}

function setRow(doc: JsonObject, id: string, fields: Record<string, unknown>): void {
  const exec = doc.get('execution');
  const list = exec instanceof JsonObject ? exec.get('builders') : undefined;
  if (!Array.isArray(list)) return;
  for (const b of list) if (b instanceof JsonObject && String(b.get('id') ?? 'null') === id) for (const [k, v] of Object.entries(fields)) b.set(k, fromPlain(v));
}

/**
 * The move in flight: written before the target moves, so a run stopped between the
 * move and its record (below) can tell, on restart, whether the target did move.
 */
export interface PendingMove {
  id: string;
  /** The builder's branch tip that was integrated (kept under refs/argo/merged/<id> for squash and rebase). */
  tip: string;
  old: string;
  next: string;
  row: BuilderMerge;
}

export function pendingOf(merge: unknown): PendingMove | null {
  const p = (merge as { pending?: unknown } | null)?.pending as Partial<PendingMove> | undefined;
  if (!p || typeof p !== 'object' || typeof p.id !== 'string' || typeof p.tip !== 'string' || typeof p.old !== 'string' || typeof p.next !== 'string') return null;
  return { id: p.id, tip: p.tip, old: p.old, next: p.next, row: (p.row ?? { status: 'merged' }) as BuilderMerge };
}

export function writePending(state: StatePaths, p: PendingMove | null): Promise<void> {
  return mutateState(state, (doc) => {
    const m = rootMerge(doc);
    if (p) m.set('pending', fromPlain(p));
    else m.delete('pending');
  });
}

/** The target moved: `merge.merged` gets the id, the row its record, the journal goes — one write. */
export function recordIntegrated(state: StatePaths, id: string, target: string, row: BuilderMerge): Promise<void> {
  return mutateState(state, (doc) => {
    const m = rootMerge(doc);
    const list = previouslyMerged(toPlain(m));
    list.add(id);
    m.set('merged', fromPlain([...list]));
    m.set('target', target);
    m.delete('pending');
    setRow(doc, id, { merge: row });
  });
}

/** A failed gate with retries left: the builder goes back to its agent with what failed (the execution phase reads merge_feedback). */
export function writeSendBack(state: StatePaths, id: string, feedback: MergeFeedback, row: BuilderMerge): Promise<void> {
  return mutateState(state, (doc) => {
    setRow(doc, id, { status: 'failed', failure: 'merge_verify', failure_message: row.message, merge_feedback: feedback, merge: row });
    addRetryOnly(doc, [id]);
  });
}

/** After the pass: the sent-back builders run again (execution.retry_only += ids), control to execution — one write, as `argo retry`. */
export function handBackToExecution(state: StatePaths, ids: string[]): Promise<void> {
  return relay(state, { phase: 'execution', needed: 'execution', owner: 'code' }, (doc) => {
    addRetryOnly(doc, ids);
    const exec = doc.get('execution');
    if (exec instanceof JsonObject) exec.delete('halt_reason');
  });
}

/** execution.retry_only += ids (argo retry's list: execution runs only those failed builders again). */
function addRetryOnly(doc: JsonObject, ids: string[]): void {
  const exec = doc.get('execution');
  if (!(exec instanceof JsonObject)) return;
  const before = toPlain(exec.get('retry_only'));
  const list = new Set(Array.isArray(before) ? before.filter((x): x is string => typeof x === 'string') : []);
  for (const id of ids) list.add(id);
  exec.set('retry_only', fromPlain([...list]));
}

/**
 * Root `merge` as the original wrote it (merged, conflicts, skipped, missing, failed,
 * target, completed; the engine's pass adds strategy, order and its lists), and
 * `merge_conflicts` after it when there are conflicts or was a list. A resolver's usage
 * (root merge.usage) is kept.
 */
export async function recordRootMerge(state: StatePaths, out: MergeOutcome, target: string, conflicts: string[]): Promise<void> {
  await mutateState(state, (doc) => {
    const before = doc.get('merge');
    const usage = before instanceof JsonObject ? before.get('usage') : undefined;
    const merge = fromPlain({ ...out, target, completed: utcTimestamp() }) as JsonObject;
    if (usage !== undefined) merge.set('usage', usage);
    doc.set('merge', merge);
    if (conflicts.length > 0 || doc.has('merge_conflicts')) doc.set('merge_conflicts', fromPlain(conflicts));
  });
}
