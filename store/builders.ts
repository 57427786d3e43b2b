// The builders of a workflow as state.json holds them (`execution.builders[]`): the one
// typed record, the one place a row is read (coerced), and the one write of a builder's
// fields. Every reader (the execution engine, the coordinator, merge_build, stop, retry,
// the view) takes rows through readBuilders, so "what fields does a builder have" and
// "what does a missing one mean" have one answer. Reading never changes the document: a
// row read and written back is byte-for-byte what it was (COMPAT.md, state.json bytes).
import { JsonObject, fromPlain, toPlain } from '../core/json_doc.js';
import { mutateState, type StatePaths } from '../store/state.js';
import type { AgentUsage } from './usage.js';
import { recordedUsageOf, sumUsage } from './usage.js';
import { builderBranch } from './layout.js';
import { isRecord as isObj } from '../core/record.js';

/**
 * One builder row. The null convention, for every optional field: absent, JSON null and
 * the text "null" (what `update_state <key> null` leaves) are all `null`; any other scalar
 * is kept as its text (numbers as JSON text), "" stays "" — except the names of things
 * (worktree, branch, failure, run_token, session_id, job_id), where only a string counts.
 * Callers pick their own default
 * with `??` (the prompt prints `null`, the view shows `pending`) — never the reader.
 */
export interface BuilderRecord {
  /** The stored id as text; a row without one is 'null' (what jq prints and setBuilderFields matches). */
  id: string;
  description: string | null;
  /** pending, running, completed, failed (and whatever a hand-edited state holds). */
  status: string | null;
  /** The worktree folder (.argo-project/builders/<id>); null: none recorded. */
  worktree: string | null;
  /** argo-builder-<id> as recorded; null: none recorded (use builderBranchOf). */
  branch: string | null;
  /** The recorded pid when it is a positive whole number (a number or its text), else null. */
  pid: number | null;
  progress: number | null;
  created: string | null;
  started: string | null;
  completed: string | null;
  /** When a stopped execution handler left it `running` (the view shows it interrupted). */
  stopped: string | null;
  exit_code: number | null;
  /** The failure kind (timeout, stalled, agent_error, budget, time_limit …) when it is text. */
  failure: string | null;
  failure_message: string | null;
  /** ARGO_RUN_TOKEN of its last run (store/sweep.ts). */
  run_token: string | null;
  /** Usage its attempts recorded, as numbers (a hand-edited state may hold text); null: none. */
  usage: AgentUsage | null;
  /** The agent session of its last attempt (`usage.session_id`; a retry resumes it). */
  session_id: string | null;
  /** execution.backend = "postgres": the job that runs it and the job's mirrored state. */
  job_id: string | null;
  job_state: string | null;
  attempt: number | null;
  worker: string | null;
  /** The plan (design.components, issue 18): files or globs it owns; [] when none were given. */
  paths: string[];
  /** Ids of the builders that must be merged before it starts; [] when none. */
  depends_on: string[];
  /** How to tell it works, when the plan says. */
  acceptance: string | null;
  /** Dependency waves: the builders the engine last recorded it waiting for; [] when none. */
  waiting_for: string[];
  /** Status `waiting` (issue 19): why (rate_limit, usage_limit), until when (ISO), and how many waits so far. */
  waiting_reason: string | null;
  resume_at: string | null;
  waits: number | null;
  /** Its merge (issue 20, written by merge_build): how it went, where, what the person needs; null: not seen yet. */
  merge: BuilderMerge | null;
  /** merge_build sent it back to its agent (a failed verify at the merge, a conflict): what the fix run is told; null: none pending. */
  merge_feedback: MergeFeedback | null;
  /** The review gate (issue 21, config review.required): null when never reviewed. */
  review: BuilderReview | null;
  /** The row as stored, for the fields whose shapes vary (a failure object, merge, usage.agent). */
  raw: Readonly<Record<string, unknown>>;
}

/** How a builder's merge went (issue 20). */
export type BuilderMergeStatus = 'merged' | 'conflict' | 'resolved_by_agent' | 'verify_failed' | 'skipped';
export const BUILDER_MERGE_STATUSES: readonly BuilderMergeStatus[] = ['merged', 'conflict', 'resolved_by_agent', 'verify_failed', 'skipped'];

/** Builder row field `merge` (an object; the original never wrote one). */
export interface BuilderMerge {
  status: BuilderMergeStatus;
  /** The commit that moved the target (merged, resolved_by_agent); null otherwise. */
  commit: string | null;
  target: string | null;
  /** Verify runs at the merge gate so far (each send-back adds one). */
  attempts: number;
  /** The last verify output file at the gate (under .argo-project/logs); null: none ran. */
  output: string | null;
  /** Conflicted files (status conflict, and the ones an agent resolved). */
  files: string[];
  /** A file with `git diff` of the conflict (under .argo-project/logs); null: none. */
  diff: string | null;
  /** Where a person continues: the builder's worktree and branch. */
  worktree: string | null;
  branch: string | null;
  /** One line: what happened (the verify failure, the resolver's answer). */
  message: string | null;
}

/** Builder row field `review` (issue 21): the person's verdict, every comment sent, the agent's last answer. */
export interface BuilderReview {
  status: 'pending' | 'approved' | 'changes_requested';
  comments: ReviewComment[];
  /** The agent's final message after the last request (≤ 4 KB); null: none yet. */
  reply: string | null;
  updated: string | null;
}
export interface ReviewComment {
  at: string | null;
  text: string;
  file: string | null;
  line: number | null;
}
export const REVIEW_STATUSES: readonly BuilderReview['status'][] = ['pending', 'approved', 'changes_requested'];

/** Builder row field `merge_feedback`: the fix run's brief (the execution phase reads it, then drops it). */
export interface MergeFeedback {
  /** review (issue 21): a person's requested changes — tail holds the comments as one message. */
  kind: 'verify' | 'conflict' | 'review';
  target: string;
  /** The target's commit the fix is to build on (merged into the builder's branch before the agent runs). */
  base: string;
  /** The verify output file; null for a conflict. */
  output: string | null;
  /** Its last 8 KB (or the conflict's diff, cut to 8 KB). */
  tail: string;
  /** Builders merged onto the target since this builder's work began (their ids). */
  merged_since: string[];
  files: string[];
  /** 1 for the first send-back. */
  attempt: number;
}


/** The null convention above, for text. */
function text(v: unknown): string | null {
  if (v === undefined || v === null || v === 'null') return null;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function number(v: unknown): number | null {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

/** A list of texts (the plan's paths, depends_on): the strings of an array, else none. */
function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : [];
}

/** One row, read (pure; any value, a row or not). */
export function builderRecord(v: unknown): BuilderRecord {
  const o = isObj(v) ? v : {};
  const pid = number(o.pid);
  const usage = isObj(o.usage) ? o.usage : {};
  const name = (x: unknown) => (typeof x === 'string' ? text(x) : null);
  const session = name(usage.session_id);
  return {
    id: text(o.id) ?? 'null',
    description: text(o.description),
    status: text(o.status),
    worktree: name(o.worktree),
    branch: name(o.branch),
    pid: pid !== null && Number.isInteger(pid) && pid > 0 ? pid : null,
    progress: number(o.progress),
    created: text(o.created),
    started: text(o.started),
    completed: text(o.completed),
    stopped: text(o.stopped),
    exit_code: number(o.exit_code),
    failure: name(o.failure),
    failure_message: text(o.failure_message),
    run_token: name(o.run_token),
    usage: recordedUsageOf(o.usage),
    session_id: session === '' ? null : session,
    job_id: typeof o.job_id === 'string' && o.job_id !== '' ? o.job_id : null,
    job_state: text(o.job_state),
    attempt: number(o.attempt),
    worker: text(o.worker),
    paths: strings(o.paths),
    depends_on: strings(o.depends_on),
    acceptance: typeof o.acceptance === 'string' && o.acceptance !== '' ? o.acceptance : null,
    waiting_for: strings(o.waiting_for),
    waiting_reason: name(o.waiting_reason),
    resume_at: name(o.resume_at),
    waits: number(o.waits),
    merge: builderMergeOf(o.merge),
    merge_feedback: mergeFeedbackOf(o.merge_feedback),
    review: builderReviewOf(o.review),
    raw: o,
  };
}

const textOr = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** The row's `merge` object, read; a string (an older hand edit) or an unknown status: null. */
export function builderMergeOf(v: unknown): BuilderMerge | null {
  if (!isObj(v) || !BUILDER_MERGE_STATUSES.includes(v.status as BuilderMergeStatus)) return null;
  const attempts = number(v.attempts);
  return {
    status: v.status as BuilderMergeStatus,
    commit: textOr(v.commit),
    target: textOr(v.target),
    attempts: attempts !== null && Number.isInteger(attempts) && attempts >= 0 ? attempts : 0,
    output: textOr(v.output),
    files: strings(v.files),
    diff: textOr(v.diff),
    worktree: textOr(v.worktree),
    branch: textOr(v.branch),
    message: textOr(v.message),
  };
}

/** The row's `review`, read; an unknown status: null. Comments without text are dropped. */
export function builderReviewOf(v: unknown): BuilderReview | null {
  if (!isObj(v) || !REVIEW_STATUSES.includes(v.status as BuilderReview['status'])) return null;
  const comments = (Array.isArray(v.comments) ? v.comments : []).flatMap((c): ReviewComment[] => {
    if (!isObj(c) || typeof c.text !== 'string' || c.text === '') return [];
    const line = number(c.line);
    return [{ at: textOr(c.at), text: c.text, file: textOr(c.file), line: line !== null && Number.isInteger(line) && line > 0 ? line : null }];
  });
  return { status: v.status as BuilderReview['status'], comments, reply: typeof v.reply === 'string' ? v.reply : null, updated: textOr(v.updated) };
}

/** The row's `merge_feedback`, read; anything without a kind, target and base: null. */
export function mergeFeedbackOf(v: unknown): MergeFeedback | null {
  if (!isObj(v) || (v.kind !== 'verify' && v.kind !== 'conflict' && v.kind !== 'review')) return null;
  const target = textOr(v.target);
  const base = textOr(v.base);
  if (!target || !base) return null;
  const attempt = number(v.attempt);
  return {
    kind: v.kind,
    target,
    base,
    output: textOr(v.output),
    tail: typeof v.tail === 'string' ? v.tail : '',
    merged_since: strings(v.merged_since),
    files: strings(v.files),
    attempt: attempt !== null && Number.isInteger(attempt) && attempt > 0 ? attempt : 1,
  };
}

/**
 * Every builder row of a state document (plain, as toPlain gives it, or a JsonObject),
 * in order; no execution or no list: none.
 */
export function readBuilders(doc: unknown): BuilderRecord[] {
  const plain = doc instanceof JsonObject ? toPlain(doc) : doc;
  const exec = isObj(plain) ? plain.execution : undefined;
  const list = isObj(exec) ? exec.builders : undefined;
  return Array.isArray(list) ? list.map(builderRecord) : [];
}

/** The branch a builder's work is on: the recorded one, else argo-builder-<id>. */
export function builderBranchOf(b: Pick<BuilderRecord, 'id' | 'branch'>): string {
  return b.branch ?? builderBranch(b.id);
}

/** The `running` builders, with their pid as recorded (unproven: stop proves each one). */
export function runningBuilderPids(doc: unknown): { id: string; pid: unknown }[] {
  return readBuilders(doc)
    .filter((b) => b.raw.status === 'running' && b.raw.pid != null)
    .map((b) => ({ id: b.id, pid: b.raw.pid }));
}

/** Every builder's recorded run token (ARGO_RUN_TOKEN; checked for form by the sweep). */
export function builderRunTokens(doc: unknown): { id: string; token: string }[] {
  return readBuilders(doc).flatMap((b) => (b.run_token !== null ? [{ id: b.id, token: b.run_token }] : []));
}

/** Job ids of builders the state shows as queued or running on workers. */
export function liveJobIds(doc: unknown): string[] {
  return readBuilders(doc).flatMap((b) => ((b.raw.status === 'pending' || b.raw.status === 'running') && b.job_id !== null ? [b.job_id] : []));
}

/** A field value for setBuilderFields that removes the field from the row (merge_feedback once the fix run completed). */
export const REMOVE_FIELD: unique symbol = Symbol('remove the field');

/**
 * The one write of a builder's fields, for the local and the remote back-end alike: every
 * entry with that id gets the fields (no last_update bump, as the original's direct jq
 * writes), and with `totals` execution.usage becomes the sum of the builders' recorded
 * usage in the same write.
 */
export async function setBuilderFields(paths: StatePaths, id: string, fields: Record<string, unknown>, totals = false): Promise<void> {
  await mutateState(paths, (doc) => {
    const exec = doc.get('execution');
    const list = exec instanceof JsonObject ? exec.get('builders') : undefined;
    if (!Array.isArray(list)) return;
    for (const b of list) {
      if (b instanceof JsonObject && String(b.get('id') ?? 'null') === id) {
        for (const [k, v] of Object.entries(fields)) {
          if (v === REMOVE_FIELD) b.delete(k);
          else b.set(k, fromPlain(v));
        }
      }
    }
    if (totals && exec instanceof JsonObject) {
      const usages = list
        .map((b) => (b instanceof JsonObject ? (toPlain(b.get('usage')) as Partial<AgentUsage> | null) : null))
        .filter((u): u is Partial<AgentUsage> => !!u);
      exec.set('usage', fromPlain(sumUsage(usages)));
    }
  });
}
