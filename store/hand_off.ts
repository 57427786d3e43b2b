// A hand-off — phase, action and owner — as one change of a state document, so nobody
// watching (the orchestrator, its notifier, status --watch) ever sees half of one: three
// update_state calls in a row pass through states nobody meant (phase `execution` still
// owned by `user`), which a notifier announces as "user must act".
//
// `relay` is the one way a person's action (argo approve, argo retry, argo merge) hands
// control on: its check and its hand-off happen inside ONE locked write, so no other
// writer can slip in between the check and the act, and no watcher sees a state that
// has passed the check but not yet been handed off.
import { ArgoError } from '../core/errors.js';
import { JsonObject } from '../core/json_doc.js';
import { mutateState, type StatePaths } from './state.js';
import { utcTimestamp } from '../core/time.js';

/** Who acts next (COMPAT §1): `code` — the orchestrator runs a handler; `ci` — a CI system or person; `user` — a person. */
export type Owner = 'code' | 'ci' | 'user';
export const OWNERS: readonly Owner[] = ['code', 'ci', 'user'];

export function isOwner(v: unknown): v is Owner {
  return typeof v === 'string' && (OWNERS as readonly string[]).includes(v);
}

/** Sets phase, action_needed and action_owner (strings, as update_state stores them) and bumps last_update. */
export function handTo(doc: JsonObject, phase: string, needed: string, owner: Owner): void {
  doc.set('phase', phase);
  doc.set('action_needed', needed);
  doc.set('action_owner', owner);
  doc.set('last_update', utcTimestamp());
}

export interface HandOffTo {
  phase: string;
  needed: string;
  owner: Owner;
}

/**
 * Checks and hands off in one locked write: `check` reads (and may change) the
 * document and throws an ArgoError to refuse — then nothing is written; otherwise the
 * hand-off `to` is applied to the same document and written with it.
 */
export async function relay<T>(paths: StatePaths, to: HandOffTo, check: (doc: JsonObject) => T): Promise<T> {
  return mutateState(paths, (doc) => {
    if (!(doc instanceof JsonObject)) throw new ArgoError(`${paths.stateFile} is not a JSON object`);
    const result = check(doc);
    handTo(doc, to.phase, to.needed, to.owner);
    return result;
  });
}
