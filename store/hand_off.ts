// A hand-off — phase, action and owner — as one change of a state document, so nobody
// watching (the orchestrator, its notifier, status --watch) ever sees half of one: three
// update_state calls in a row pass through states nobody meant (phase `execution` still
// owned by `user`), which a notifier announces as "user must act".
import type { JsonObject } from '../core/json_doc.js';
import { utcTimestamp } from '../core/time.js';

/** Sets phase, action_needed and action_owner (strings, as update_state stores them) and bumps last_update. */
export function handTo(doc: JsonObject, phase: string, needed: string, owner: string): void {
  doc.set('phase', phase);
  doc.set('action_needed', needed);
  doc.set('action_owner', owner);
  doc.set('last_update', utcTimestamp());
}
