// Notification events as a pure diff of two views: control passed to ci or user, a
// builder failed, the workflow ended. The previous view is a small snapshot that is
// persisted, so an orchestrator restart compares against what was last seen and
// nothing is announced twice.
import type { View } from '../view/model.js';
import { workflowLimitWait } from '../view/waiting.js';
import { FILES_IN_SENTENCE } from '../view/merge.js';

export interface Snapshot {
  phase: string;
  action_owner: string;
  action_needed: string;
  ended: boolean;
  /** `<id>@<started>@<run token>` of every failed builder (a retry is a new run: a new key, even within the second it started). */
  failed: string[];
  /** Hand-offs announced so far: part of each one's id, since two alike within one second of last_update are still two. */
  handoffs: number;
  /** Every unfinished builder waited on a rate or usage limit (absent in snapshots saved before it existed: no). */
  limit_wait?: boolean;
  /** `<id>@<merge status>@<commit>@<attempts>` of every builder whose merge was conflict, resolved_by_agent or verify_failed (absent in older snapshots: none). */
  merge_outcomes?: string[];
}

/** A conflict handed to the person, as a notification names it: at most FILES_IN_SENTENCE files. */
export interface ConflictNote {
  id: string;
  files: string[];
  files_total: number;
  worktree: string | null;
  branch: string | null;
}

export type NotifyEvent =
  | { kind: 'control'; id: string; owner: 'ci' | 'user'; needed: string; phase: string }
  | { kind: 'builder_failed'; id: string; builder: string; failure: string | null; exit_code: number | null; last_log_line: string | null }
  | { kind: 'workflow_ended'; id: string; phase: string }
  /** Every unfinished builder now waits on a limit: nothing runs until the earliest resume_at. */
  | { kind: 'workflow_waiting'; id: string; builders: string[]; reasons: string[]; resume_at: string | null }
  /** After such a wait, a builder runs (or is about to) again. */
  | { kind: 'workflow_resumed'; id: string; builders: string[] }
  /** Issue 20: merges that need a person (a conflict the resolver gave up on, a verify gate out of retries) or that the resolver agent made. */
  | { kind: 'merge_outcome'; id: string; conflict: ConflictNote[]; verify_failed: string[]; resolved_by_agent: string[] };

export type EventKind = NotifyEvent['kind'];

export function snapshotOf(v: View): Snapshot {
  return {
    phase: v.phase,
    action_owner: v.action_owner,
    action_needed: v.action_needed,
    ended: v.ended,
    failed: v.builders.filter((b) => b.status === 'failed').map(failedKey),
    handoffs: 0,
    limit_wait: workflowLimitWait(v.builders) !== null,
    merge_outcomes: v.builders.flatMap((b) => (b.merge_detail && NOTED.has(b.merge_detail.status) ? [outcomeKey(b)] : [])),
  };
}

/** The merge statuses a person hears of. */
const NOTED = new Set(['conflict', 'resolved_by_agent', 'verify_failed']);
const outcomeKey = (b: View['builders'][number]) => `${b.id}@${b.merge_detail!.status}@${b.merge_detail!.commit ?? ''}@${b.merge_detail!.attempts}`;

/** New conflict / resolved_by_agent / verify_failed outcomes since `prev`: one event naming them all. */
function mergeOutcomeEvents(prev: Snapshot, next: View): NotifyEvent[] {
  const before = new Set(prev.merge_outcomes ?? []);
  const fresh = next.builders.filter((b) => b.merge_detail && NOTED.has(b.merge_detail.status) && !before.has(outcomeKey(b)));
  if (fresh.length === 0) return [];
  const having = (status: string) => fresh.filter((b) => b.merge_detail!.status === status);
  const conflict = having('conflict').map((b) => {
    const d = b.merge_detail!;
    return { id: b.id, files: d.files.slice(0, FILES_IN_SENTENCE), files_total: d.files_total, worktree: d.worktree, branch: d.branch };
  });
  return [{ kind: 'merge_outcome', id: `merge_outcome:${fresh.map(outcomeKey).join(',')}`, conflict, verify_failed: having('verify_failed').map((b) => b.id), resolved_by_agent: having('resolved_by_agent').map((b) => b.id) }];
}

const failedKey = (b: View['builders'][number]) => `${b.id}@${b.started ?? ''}@${b.run_token ?? ''}`;

export const EMPTY_SNAPSHOT: Snapshot = { phase: '', action_owner: '', action_needed: '', ended: false, failed: [], handoffs: 0 };

/**
 * The whole workflow starts or stops waiting on limits (view/waiting.ts says when it
 * does). A wait that ends because every builder finished (failed `rate_limited`, or the
 * workflow ended) is no resumption: those have their own events.
 */
function limitWaitEvents(prev: Snapshot, next: View): NotifyEvent[] {
  const wait = workflowLimitWait(next.builders);
  if (wait && !prev.limit_wait) {
    return [{ kind: 'workflow_waiting', id: `workflow_waiting:${wait.resume_at ?? ''}:${next.last_update}`, builders: wait.builders, reasons: wait.reasons, resume_at: wait.resume_at }];
  }
  if (!wait && prev.limit_wait) {
    const going = next.builders.filter((b) => b.status === 'running' || b.status === 'pending' || (b.status === 'waiting' && b.waiting_reason === null)).map((b) => b.id);
    if (going.length > 0) return [{ kind: 'workflow_resumed', id: `workflow_resumed:${next.last_update}`, builders: going }];
  }
  return [];
}

/**
 * Events between `prev` and `next`, and the snapshot to remember. With `relay` false
 * (a handler is still writing its hand-off in several steps) the relay fields are not
 * compared yet and the remembered ones stay as they were.
 */
export function diffViews(prev: Snapshot, next: View, relay = true): { events: NotifyEvent[]; snapshot: Snapshot } {
  const now = { ...snapshotOf(next), handoffs: prev.handoffs ?? 0 };
  const events: NotifyEvent[] = [];
  const before = new Set(prev.failed);
  for (const b of next.builders) {
    const key = failedKey(b);
    if (b.status === 'failed' && !before.has(key)) {
      events.push({ kind: 'builder_failed', id: `builder_failed:${key}`, builder: b.id, failure: b.failure, exit_code: b.exit_code, last_log_line: b.last_log_line });
    }
  }
  events.push(...limitWaitEvents(prev, next));
  events.push(...mergeOutcomeEvents(prev, next));
  if (!relay) return { events, snapshot: { ...prev, failed: now.failed, limit_wait: now.limit_wait, merge_outcomes: now.merge_outcomes } };
  if (now.ended && !prev.ended) {
    events.push({ kind: 'workflow_ended', id: `workflow_ended:${next.last_update}`, phase: now.phase });
  } else if (!now.ended && (now.action_owner === 'ci' || now.action_owner === 'user')) {
    const changed = now.action_owner !== prev.action_owner || now.action_needed !== prev.action_needed || now.phase !== prev.phase;
    if (changed) {
      now.handoffs += 1;
      events.push({
        kind: 'control',
        id: `control:${now.phase}:${now.action_owner}:${now.action_needed}:${next.last_update}:${now.handoffs}`,
        owner: now.action_owner,
        needed: now.action_needed,
        phase: now.phase,
      });
    }
  }
  return { events, snapshot: now };
}
