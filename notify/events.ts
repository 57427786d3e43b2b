// Notification events as a pure diff of two views: control passed to ci or user, a
// builder failed, the workflow ended. The previous view is a small snapshot that is
// persisted, so an orchestrator restart compares against what was last seen and
// nothing is announced twice.
import type { View } from '../view/model.js';

export interface Snapshot {
  phase: string;
  action_owner: string;
  action_needed: string;
  ended: boolean;
  /** `<id>@<started>` of every failed builder (a retry starts again: a new key). */
  failed: string[];
}

export type NotifyEvent =
  | { kind: 'control'; id: string; owner: 'ci' | 'user'; needed: string; phase: string }
  | { kind: 'builder_failed'; id: string; builder: string; failure: string | null; exit_code: number | null; last_log_line: string | null }
  | { kind: 'workflow_ended'; id: string; phase: string };

export type EventKind = NotifyEvent['kind'];

export function snapshotOf(v: View): Snapshot {
  return {
    phase: v.phase,
    action_owner: v.action_owner,
    action_needed: v.action_needed,
    ended: v.ended,
    failed: v.builders.filter((b) => b.status === 'failed').map((b) => `${b.id}@${b.started ?? ''}`),
  };
}

export const EMPTY_SNAPSHOT: Snapshot = { phase: '', action_owner: '', action_needed: '', ended: false, failed: [] };

/**
 * Events between `prev` and `next`, and the snapshot to remember. With `relay` false
 * (a handler is still writing its hand-off in several steps) the relay fields are not
 * compared yet and the remembered ones stay as they were.
 */
export function diffViews(prev: Snapshot, next: View, relay = true): { events: NotifyEvent[]; snapshot: Snapshot } {
  const now = snapshotOf(next);
  const events: NotifyEvent[] = [];
  const before = new Set(prev.failed);
  for (const b of next.builders) {
    const key = `${b.id}@${b.started ?? ''}`;
    if (b.status === 'failed' && !before.has(key)) {
      events.push({ kind: 'builder_failed', id: `builder_failed:${key}`, builder: b.id, failure: b.failure, exit_code: b.exit_code, last_log_line: b.last_log_line });
    }
  }
  if (!relay) return { events, snapshot: { ...prev, failed: now.failed } };
  if (now.ended && !prev.ended) {
    events.push({ kind: 'workflow_ended', id: `workflow_ended:${next.last_update}`, phase: now.phase });
  } else if (!now.ended && (now.action_owner === 'ci' || now.action_owner === 'user')) {
    const changed = now.action_owner !== prev.action_owner || now.action_needed !== prev.action_needed || now.phase !== prev.phase;
    if (changed) {
      events.push({
        kind: 'control',
        id: `control:${now.phase}:${now.action_owner}:${now.action_needed}:${next.last_update}`,
        owner: now.action_owner,
        needed: now.action_needed,
        phase: now.phase,
      });
    }
  }
  return { events, snapshot: now };
}
