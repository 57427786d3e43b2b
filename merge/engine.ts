// The integration engine (issue 20; docs/MERGE.md): merge_build's pass when a gate command
// or a strategy other than `merge` is configured. One builder at a time, in merge order
// (merge/order.ts), is integrated in the integration worktree detached at the target's
// tip (merge/integration.ts); a conflict goes to the resolver; the gate runs there; only a
// pass moves the target (merge/target.ts), recorded the moment it moves. A failed gate
// sends the builder back to its agent while verify.retries allows, else marks it
// verify_failed; a conflict the resolver gives up on is recorded for the person.
// Safety (docs/SAFETY.md): the target is never moved by an unverified merge, a move is
// journaled (merge.pending) so a stop between the move and its record loses nothing, and
// nothing recorded merged is integrated twice.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { branchExists, git, isAncestor } from '../core/git.js';
import { getIn, toPlain } from '../core/json_doc.js';
import { say } from '../core/cli.js';
import { logBuilder, writeLog } from '../store/logs.js';
import { readStateDoc } from '../store/state.js';
import { builderRecord, setBuilderFields, type BuilderMerge, type BuilderRecord } from '../store/builders.js';
import { utcTimestamp } from '../core/time.js';
import type { Project } from '../store/project.js';
import { cleanup, mergeBuilderOf, mergedKeepRef, previouslyMerged, saveLeftovers, type MergeOutcome, type MergeRun } from '../workflow/builder_merge.js';
import { listWorktrees } from '../workflow/worktrees.js';
import type { ConflictInput, ConflictResult, ConflictSide } from './resolver.js';
import { conflictDiff, dropIntegration, finish, integrate, openIntegration, resetIntegration, type IntegrateInput, type Integrated } from './integration.js';
import { headRef, moveTarget, targetHolder, tipOf } from './target.js';
import { runGate, type GateResult } from './gate.js';
import { mergedSince } from './history.js';
import { mergeOrder } from './order.js';
import { pendingOf, recordIntegrated, rowMerge, setRowMerge, writePending, writeSendBack } from './records.js';
import type { MergeSettings } from './settings.js';

export type Resolver = (input: ConflictInput) => Promise<ConflictResult>;

export interface EngineOutcome extends MergeOutcome {
  strategy: MergeSettings['strategy'];
  order: string[];
  resolved_by_agent: string[];
  verify_failed: string[];
  /** Sent back to their agents (a failed gate with retries left): execution runs them again. */
  sent_back: string[];
  /** Held by the review gate (review.required): completed, not approved yet; a person reviews them. */
  waiting_review: string[];
  stopped: boolean;
  /** Why the pass stopped for the person (the target could not be moved, the worktree is not ours). */
  refused: string | null;
}

export interface EngineInput {
  project: Project;
  target: string;
  settings: MergeSettings;
  /** The gate's time limit and verify.retries (workflow/limits.ts). */
  timeoutMs: number;
  retries: number;
  rows: unknown[];
  stopped: AbortSignal;
  /** merge/resolver.ts resolveConflict at the real call site; tests give their own. */
  resolver: Resolver;
}

interface Engine extends EngineInput {
  wt: string;
  run: MergeRun;
  out: EngineOutcome;
  records: BuilderRecord[];
  mergedBefore: Set<string>;
  /** execution.retry_only: a send-back written there has not been handed on yet (execution drops the list when it runs). */
  retryOnly: Set<string>;
}

/** The state of one builder's integration, from the target's tip to its landing. */
interface Step {
  b: BuilderRecord;
  x: IntegrateInput;
  branchTip: string;
  files: string[];
  resolvedBy: string | null;
}

const sideOf = (b: BuilderRecord): ConflictSide => ({ id: b.id, description: b.description, paths: b.paths, acceptance: b.acceptance });

/** A move a stopped run made but did not record (merge.pending): recorded now if the target has it, else forgotten. */
async function recoverPending(p: Project, target: string): Promise<void> {
  const pending = pendingOf(toPlain((await readStateDoc(p.state.stateFile)).get('merge')));
  if (!pending) return;
  if (!isAncestor(pending.next, headRef(target), p.dir)) return writePending(p.state, null);
  if (!isAncestor(pending.tip, pending.next, p.dir)) git(['update-ref', mergedKeepRef(pending.id), pending.tip], p.dir);
  writeLog(p.logs, 'MERGE', `recovered - ${target} has builder ${pending.id}'s merge (${pending.next.slice(0, 12)}) from a stopped run; recorded`);
  await recordIntegrated(p.state, pending.id, target, pending.row);
}

function newOutcome(strategy: MergeSettings['strategy'], order: string[]): EngineOutcome {
  return { merged: [], conflicts: [], skipped: [], missing: [], failed: [], strategy, order, resolved_by_agent: [], verify_failed: [], sent_back: [], waiting_review: [], stopped: false, refused: null };
}

/** The whole pass. The integration worktree is removed at the end (kept, as ours to reset, when stopped). */
export async function runEngine(input: EngineInput): Promise<EngineOutcome> {
  const { project, target } = input;
  const records = input.rows.map(builderRecord);
  const order = mergeOrder(records);
  const out = newOutcome(input.settings.strategy, order);
  await recoverPending(project, target);
  const doc = await readStateDoc(project.state.stateFile);
  const mergedBefore = previouslyMerged(toPlain(doc.get('merge')));
  const retryOnly = toPlain(getIn(doc, ['execution', 'retry_only']));
  const pendingBack = new Set(Array.isArray(retryOnly) ? retryOnly.filter((x): x is string => typeof x === 'string') : []);
  // A target nobody may move (checked out elsewhere, or with changes) refuses before any gate runs.
  const holder = targetHolder(project.dir, target);
  if ('problem' in holder) return { ...out, refused: holder.problem };
  const opened = await openIntegration(project.dir, tipOf(headRef(target), project.dir)!);
  if ('problem' in opened) return { ...out, refused: opened.problem };
  const run: MergeRun = { project, target, mergeDir: opened.wt, out, worktrees: listWorktrees(project.dir), cleanup: true };
  const e: Engine = { ...input, wt: opened.wt, run, out, records, mergedBefore, retryOnly: pendingBack };
  for (const id of order) {
    if (input.stopped.aborted || out.refused) break;
    await integrateOne(e, records.find((r) => r.id === id)!);
  }
  out.stopped = input.stopped.aborted;
  if (!out.stopped) {
    const kept = dropIntegration(project.dir);
    if (kept) writeLog(project.logs, 'MERGE', `warning - integration worktree kept: ${kept}`);
  }
  return out;
}

/** Not merged for a reason that is not the gate's: the row says why. */
async function notMerged(e: Engine, b: BuilderRecord, list: string[], message: string): Promise<void> {
  list.push(b.id);
  await setRowMerge(e.project.state, b.id, rowMerge({ status: 'skipped', target: e.target, attempts: b.merge?.attempts ?? 0, branch: b.branch, message }));
}

/** The review gate (pure): review.required holds a completed builder until a person approved it (one merged earlier stays merged). */
export function reviewHolds(settings: Pick<MergeSettings, 'review'>, b: Pick<BuilderRecord, 'id' | 'review'>, mergedBefore: ReadonlySet<string>): boolean {
  return settings.review === true && b.review?.status !== 'approved' && !mergedBefore.has(b.id);
}

/** Held for review: its row says so (review.status pending when it had none), nothing of it is merged. */
async function waitForReview(e: Engine, b: BuilderRecord): Promise<void> {
  say(`Builder ${b.id} waits for review`);
  logBuilder(e.project.logs, b.id, 'waiting_review', 'Not merged: waiting for review (argo review)');
  e.out.waiting_review.push(b.id);
  const review = b.review ?? { status: 'pending', comments: [], reply: null, updated: utcTimestamp() };
  const merge = rowMerge({ status: 'skipped', target: e.target, attempts: b.merge?.attempts ?? 0, branch: b.branch, message: 'waiting for review' });
  await setBuilderFields(e.project.state, b.id, { merge, ...(b.review ? {} : { review }) });
}

/** Lands a builder that needs no new commit (on the target already, or merged by an earlier run). */
async function alreadyMerged(e: Engine, b: BuilderRecord, message: string): Promise<void> {
  say(message);
  logBuilder(e.project.logs, b.id, 'merged', message);
  e.out.merged.push(b.id);
  // merged by an earlier pass: its row (and so the root's resolved_by_agent list) stays as it was
  if (b.merge?.status === 'resolved_by_agent') e.out.resolved_by_agent.push(b.id);
  const row = b.merge && (b.merge.status === 'merged' || b.merge.status === 'resolved_by_agent') ? b.merge : rowMerge({ status: 'merged', target: e.target, attempts: b.merge?.attempts ?? 0, message });
  await recordIntegrated(e.project.state, b.id, e.target, row);
  cleanup(e.run, mergeBuilderOf(b.raw));
}

async function integrateOne(e: Engine, b: BuilderRecord): Promise<void> {
  const { project, target, out } = e;
  if (b.status !== 'completed') {
    // A send-back a stopped run wrote but did not hand on yet.
    if (b.failure === 'merge_verify' && b.merge_feedback && e.retryOnly.has(b.id)) return void out.sent_back.push(b.id);
    logBuilder(project.logs, b.id, 'skipped', `Not completed (status: ${b.status ?? 'null'})`);
    return notMerged(e, b, out.skipped, `not completed (status: ${b.status ?? 'null'})`);
  }
  if (reviewHolds(e.settings, b, e.mergedBefore)) return waitForReview(e, b);
  const mb = mergeBuilderOf(b.raw);
  say(`Merging builder: ${b.id}`);
  logBuilder(project.logs, b.id, 'merging', `Merging branch ${mb.branch}`);
  const merged = e.mergedBefore.has(b.id);
  if (!branchExists(headRef(mb.branch), project.dir)) {
    if (merged) return alreadyMerged(e, b, `Builder ${b.id} was merged by an earlier run`);
    logBuilder(project.logs, b.id, 'error', 'Cannot merge: the branch does not exist');
    return notMerged(e, b, out.missing, `branch ${mb.branch} not found`);
  }
  saveLeftovers(e.run, mb);
  if (merged) return alreadyMerged(e, b, `Builder ${b.id} was merged by an earlier run`);
  if (isAncestor(headRef(mb.branch), headRef(target), project.dir)) return alreadyMerged(e, b, `Builder ${b.id} is already on ${target}`);
  const tip = tipOf(headRef(target), project.dir)!;
  const problem = await resetIntegration(e.wt, tip);
  if (problem) return void (out.refused = problem);
  const x: IntegrateInput = { wt: e.wt, tip, id: b.id, branch: mb.branch, description: b.description, strategy: e.settings.strategy };
  const step: Step = { b, x, branchTip: tipOf(headRef(mb.branch), project.dir)!, files: [], resolvedBy: null };
  let r = await integrate(x);
  if (r.kind === 'conflict') r = await settleConflict(e, step, r.files);
  if (r.kind === 'conflict') return;
  if (r.kind === 'failed') {
    logBuilder(project.logs, b.id, 'error', r.reason);
    await resetIntegration(e.wt, tip);
    return notMerged(e, b, out.failed, r.reason);
  }
  return gateAndLand(e, step, r.commit);
}

/** A conflict: the resolver's turn; resolved → the strategy's commit; gave up → recorded for the person, the merge aborted. */
async function settleConflict(e: Engine, s: Step, files: string[]): Promise<Integrated> {
  const { project, target } = e;
  const { b, x } = s;
  logBuilder(project.logs, b.id, 'conflict', `Merge conflict detected in ${files.join(' ')}`);
  const merged = mergedSince(e.wt, headRef(x.branch), x.tip, files).map((id) => e.records.find((r) => r.id === id)).filter((r): r is BuilderRecord => !!r);
  const input: ConflictInput = { project, dir: e.wt, target, incoming: sideOf(b), merged: merged.map(sideOf), files, verify: e.settings.gate, signal: e.stopped };
  const answer = await e.resolver(input).catch((err: unknown): ConflictResult => ({ kind: 'gave_up', agent: null, message: `the resolver failed: ${String(err)}`, usage: null }));
  if (e.stopped.aborted && answer.kind !== 'resolved') {
    await resetIntegration(e.wt, x.tip); // stopped, not given up: the next run tries again
    return { kind: 'conflict', files };
  }
  const head = tipOf('HEAD', e.wt);
  if (answer.kind === 'resolved' && head === answer.commit && !git(['rev-parse', '-q', '--verify', 'MERGE_HEAD'], e.wt).ok) {
    logBuilder(project.logs, b.id, 'resolved', `Conflict resolved by ${answer.agent}: ${answer.message}`);
    s.files = files;
    s.resolvedBy = answer.agent;
    return finish(x, answer.commit);
  }
  const why = answer.kind === 'resolved' ? `the resolver said resolved but left no concluded merge at HEAD` : answer.message;
  const diff = join(project.logs.logDir, `merge-${b.id}.diff`);
  writeFileSync(diff, conflictDiff(e.wt));
  await resetIntegration(e.wt, x.tip);
  logBuilder(project.logs, b.id, 'conflict', `Conflict needs resolution (${why}); diff in ${diff}`);
  e.out.conflicts.push(b.id);
  const worktree = listWorktrees(project.dir).find((w) => w.branch === x.branch)?.path ?? b.worktree;
  const row = rowMerge({ status: 'conflict', target, attempts: b.merge?.attempts ?? 0, files, diff, worktree, branch: x.branch, message: why });
  await setRowMerge(project.state, b.id, row);
  return { kind: 'conflict', files };
}

/** The gate on the integrated commit, then the target moves (pass), or the builder goes back / is marked (fail). */
async function gateAndLand(e: Engine, s: Step, commit: string): Promise<void> {
  const { b, x } = s;
  if (commit === x.tip) return alreadyMerged(e, b, `Builder ${b.id} adds nothing to ${e.target}`);
  let gate: GateResult | null = null;
  const attempts = (b.merge?.attempts ?? 0) + (e.settings.gate ? 1 : 0);
  if (e.settings.gate) {
    gate = await runGate(e.settings.gate, e.wt, e.project.logs.logDir, b.id, e.timeoutMs, e.stopped);
    if (gate.canceled) return; // stopped: the target stays; the next run integrates it again
    logBuilder(e.project.logs, b.id, gate.ok ? 'verified' : 'verify_failed', `${gate.message} (output in ${gate.output})`);
    if (!gate.ok) return gateFailed(e, s, gate, attempts);
  }
  const status = s.resolvedBy ? 'resolved_by_agent' : 'merged';
  const message = s.resolvedBy ? `resolved by ${s.resolvedBy}${gate ? `; ${gate.message}` : ''}` : (gate?.message ?? `merged (${x.strategy})`);
  const row = rowMerge({ status, commit, target: e.target, attempts, output: gate?.output ?? null, files: s.files, message });
  await land(e, s, commit, row);
}

async function land(e: Engine, s: Step, commit: string, row: BuilderMerge): Promise<void> {
  const { project, target } = e;
  const { b, x } = s;
  await writePending(project.state, { id: b.id, tip: s.branchTip, old: x.tip, next: commit, row });
  const moved = await moveTarget(project.dir, target, x.tip, commit, `argo: merge builder ${b.id}`);
  if (!moved.ok) {
    await writePending(project.state, null);
    e.out.refused = moved.reason;
    return;
  }
  // A squash or rebase replays the builder's commits: its own stay reachable here.
  if (!isAncestor(s.branchTip, commit, project.dir)) git(['update-ref', mergedKeepRef(b.id), s.branchTip], project.dir);
  await recordIntegrated(project.state, b.id, target, row);
  logBuilder(project.logs, b.id, 'merged', `Branch ${x.branch} merged onto ${target} (${x.strategy}, ${commit.slice(0, 12)})`);
  e.out.merged.push(b.id);
  if (row.status === 'resolved_by_agent') e.out.resolved_by_agent.push(b.id);
  cleanup(e.run, mergeBuilderOf(b.raw));
}

/** A failed gate: back to the agent while attempts ≤ verify.retries, else verify_failed; the target stays. */
async function gateFailed(e: Engine, s: Step, gate: GateResult, attempts: number): Promise<void> {
  const { project, target } = e;
  const { b, x } = s;
  await resetIntegration(e.wt, x.tip);
  const base = { target, attempts, output: gate.output, files: s.files, worktree: b.worktree, branch: x.branch };
  if (attempts <= e.retries) {
    const message = `${gate.message}; sent back to its agent (attempt ${attempts} of ${e.retries})`;
    const since = mergedSince(project.dir, headRef(x.branch), x.tip);
    const feedback = { kind: 'verify' as const, target, base: x.tip, output: gate.output, tail: gate.tail, merged_since: since, files: s.files, attempt: attempts };
    await writeSendBack(project.state, b.id, feedback, rowMerge({ status: 'verify_failed', ...base, message }));
    logBuilder(project.logs, b.id, 'sent_back', message);
    e.out.sent_back.push(b.id);
    return;
  }
  const message = `${gate.message}; not merged (verify.retries: ${e.retries})`;
  await setRowMerge(project.state, b.id, rowMerge({ status: 'verify_failed', ...base, message }));
  e.out.verify_failed.push(b.id);
}
