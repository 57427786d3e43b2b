// What the dependency waves do to git and to state.json, for both back-ends of the engine
// (distributed/local_backend.ts, distributed/coordinator.ts): merge a completed builder
// that others depend on into the base branch at once (the merge of merge_build, under the
// same merge lock, recorded in merge.merged so merge_build does not merge it again), base a
// dependent's branch on that updated base before it starts, and record who waits for what
// and who can never start (failure "dependency").
import { branchExists, git, gitShielded, insideGitRepo, isAncestor, unmergedFiles } from '../core/git.js';
import { toPlain } from '../core/json_doc.js';
import { utcTimestamp } from '../core/time.js';
import { builderBranchOf, setBuilderFields, type BuilderRecord } from '../store/builders.js';
import { argoPaths } from '../store/layout.js';
import { logBuilder } from '../store/logs.js';
import { readStateDoc } from '../store/state.js';
import { withWaitedLock } from '../store/start_lock.js';
import { dropMergeDir, headRef, mergeOne, prepareMergeDir, previouslyMerged, type MergeBuilder, type MergeProject, type MergeRun } from './builder_merge.js';
import type { EngineHooks, EngineWaves } from './engine.js';
import { projectTarget } from './merge_place.js';
import { hasWaves } from './waves.js';
import { commitIdentity, listWorktrees, proveOurWorktree } from './worktrees.js';

/** The waves' start (EngineRun.waves), or undefined when no builder depends on another (nothing is gated). */
export async function wavesOf(project: MergeProject, all: BuilderRecord[], inRun: ReadonlySet<string>): Promise<EngineWaves | undefined> {
  if (!hasWaves(all)) return undefined;
  const merged = previouslyMerged(toPlain((await readStateDoc(project.state.stateFile)).get('merge')));
  const outside = all.filter((b) => !inRun.has(b.id)).map((b) => ({ id: b.id, depends_on: b.depends_on, status: b.status === 'completed' ? ('completed' as const) : ('failed' as const) }));
  return { outside, merged };
}

const asMerged = (b: BuilderRecord): MergeBuilder => ({ id: b.id, status: b.status ?? 'null', branch: builderBranchOf(b), worktree: b.worktree });

/** Merges builder `b` into the base branch now, under the project's merge lock; null, or why not (a conflict names the files). */
export async function integrate(project: MergeProject, b: BuilderRecord, say: (line: string) => void, signal: AbortSignal): Promise<string | null> {
  if (!insideGitRepo(project.dir)) return 'not a git repository: nothing can be merged';
  const chosen = projectTarget(project.dir);
  if ('problem' in chosen) return chosen.problem;
  const target = chosen.target;
  say(`Merging builder ${b.id} into ${target} now: other builders depend on it`);
  const lock = argoPaths(project.dir).mergeLock;
  const held = await withWaitedLock(lock, () => say(`Waiting for the merge holding ${lock} to finish`), signal, async () => {
    const mergedBefore = previouslyMerged(toPlain((await readStateDoc(project.state.stateFile)).get('merge')));
    const place = await prepareMergeDir(project, target, [asMerged(b)], new Set());
    if ('refuse' in place) return place.refuse;
    if ('code' in place) return `could not prepare the merge into ${target}`;
    const run: MergeRun = { project, target, mergeDir: place.dir, out: { merged: [], conflicts: [], skipped: [], missing: [], failed: [] }, worktrees: listWorktrees(project.dir), cleanup: false };
    const files = await mergeOne(run, asMerged(b), mergedBefore.has(b.id));
    dropMergeDir(project, place.dir);
    if (run.out.merged.length > 0) return null;
    if (files.length > 0) return `merging it into ${target} conflicts in ${files.join(', ')}`;
    return run.out.missing.length > 0 ? `its branch ${builderBranchOf(b)} does not exist` : `its merge into ${target} failed (see its builder log)`;
  });
  return held ? held.value : 'stopped while waiting for the merge lock';
}

/**
 * Before a dependent starts: its branch (made by design_build from the old HEAD) is moved
 * to the updated base when it has no commits of its own (its tip is an ancestor of the
 * base: a fast-forward), else the base is merged into it (a retry keeps its work). Never
 * makes a commit unreachable, never touches a worktree that is not proven ours.
 */
export async function baseOn(project: MergeProject, b: BuilderRecord): Promise<string | null> {
  const dir = project.dir;
  const chosen = projectTarget(dir);
  if ('problem' in chosen) return chosen.problem;
  const target = chosen.target;
  const branch = builderBranchOf(b);
  if (!branchExists(headRef(branch), dir)) return `its branch ${branch} does not exist`;
  const base = git(['rev-parse', '--verify', '--end-of-options', headRef(target)], dir).stdout.trim();
  if (isAncestor(base, headRef(branch), dir)) return null; // already on it
  const proof = b.worktree ? proveOurWorktree(dir, b.worktree) : null;
  const ownCommits = !isAncestor(headRef(branch), base, dir);
  if (!proof || proof.kind !== 'ours' || proof.entry.branch !== branch) {
    if (ownCommits) return `its branch ${branch} has commits of its own and no worktree of ours to merge ${target} into`;
    // No worktree holds the branch: move it, only if it still is where we saw it.
    const tip = git(['rev-parse', '--verify', '--end-of-options', headRef(branch)], dir).stdout.trim();
    const r = git(['update-ref', '-m', `argo: ${branch} onto ${target}`, '--', headRef(branch), base, tip], dir);
    return r.ok ? (logBuilder(project.logs, b.id, 'based', `Branch ${branch} moved to ${target} (${base.slice(0, 12)})`), null) : `could not move ${branch} to ${target}: ${r.stderr.trim()}`;
  }
  const wt = proof.path;
  const args = ownCommits
    ? [...commitIdentity(wt), 'merge', '-q', '--no-ff', '--no-edit', '-m', `argo: merge ${target} into ${branch} (the builders it depends on)`, '--end-of-options', base]
    : ['merge', '-q', '--ff-only', '--end-of-options', base];
  const r = await gitShielded(args, wt);
  if (!r.ok) {
    const files = unmergedFiles(wt);
    if (files.length > 0 || git(['rev-parse', '-q', '--verify', 'MERGE_HEAD'], wt).ok) await gitShielded(['merge', '--abort'], wt);
    return files.length > 0 ? `merging ${target} into ${branch} conflicts in ${files.join(', ')}` : `could not bring ${branch} onto ${target}: ${(r.stderr || r.stdout).trim().split('\n')[0] ?? ''}`;
  }
  logBuilder(project.logs, b.id, 'based', ownCommits ? `${target} (${base.slice(0, 12)}) merged into ${branch}` : `Branch ${branch} fast-forwarded to ${target} (${base.slice(0, 12)})`);
  return null;
}

/** The waves' hooks every back-end shares: merge now, base a dependent, record waiting and blocked builders. */
export function waveHooks<B extends { id: string }>(
  o: {
    project: MergeProject;
    builders: BuilderRecord[];
    say: (line: string) => void;
    signal: AbortSignal;
    /** The back-end's write of builder fields (the local one writes nothing once stopping). */
    write?: (id: string, fields: Record<string, unknown>) => Promise<void>;
  },
): Required<Pick<EngineHooks<B>, 'integrate' | 'baseOn' | 'waitingFor' | 'blocked'>> {
  const row = (id: string) => o.builders.find((x) => x.id === id)!;
  const write = o.write ?? ((id: string, fields: Record<string, unknown>) => setBuilderFields(o.project.state, id, fields));
  return {
    integrate: (id) => integrate(o.project, row(id), o.say, o.signal),
    baseOn: (b) => baseOn(o.project, row(b.id)),
    waitingFor: (b, ids) => write(b.id, { waiting_for: ids.length > 0 ? ids : null }),
    blocked: async (b, message) => {
      await write(b.id, { status: 'failed', exit_code: 1, completed: utcTimestamp(), failure: 'dependency', failure_message: message, waiting_for: null });
      logBuilder(o.project.logs, b.id, 'failed', `dependency: ${message}`);
      o.say(`Builder ${b.id} cannot start: ${message}`);
    },
  };
}
