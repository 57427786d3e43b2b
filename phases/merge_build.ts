// merge_build: merges completed builders' branches with --no-ff, records conflicts
// (hands to `ci` with resolve_conflicts), removes merged worktrees and branches, and
// ends at storage. With a gate command or a squash/rebase strategy the integration engine
// does it instead, one verified builder at a time (merge/pass.ts, docs/MERGE.md). D13: only real conflicts count as conflicts; skipped builders and
// missing branches are reported and do not end in storage.
// Safety (docs/SAFETY.md): the user's branch and uncommitted changes are never
// touched (a temporary worktree of the target is used instead, or the merge is
// refused); only worktrees proven ours are removed and only merged argo-builder-*
// branches deleted; each merge is recorded as it happens, so a stopped run resumes
// without merging anything twice.
import { signalStatus } from '../core/proc.js';
import { runIfEntry } from '../core/cli.js';
import { insideGitRepo } from '../core/git.js';
import { toPlain } from '../core/json_doc.js';
import { withWaitedLock } from '../store/start_lock.js';
import { logBuilder } from '../store/logs.js';
import { readStateDoc } from '../store/state.js';
import { listWorktrees } from '../workflow/worktrees.js';
import { dropMergeDir, mergeBuilderOf, mergeOne, recordRowMerge, rowMerge, prepareMergeDir, previouslyMerged, type MergeBuilder, type MergeOutcome, type MergeRun } from '../workflow/builder_merge.js';
import { complain, enterProject, nextOrRefuse, readExecution, say, type Project } from './handler.js';
import { readConfigObject } from '../store/config.js';
import { errorMessage } from '../core/errors.js';
import { readMergeSettings, usesEngine, type MergeSettings } from '../merge/settings.js';
import { readResolver } from '../merge/resolver_config.js';
import { ciToolAvailable } from '../agents/ci_tool.js';
import { settleTarget } from '../merge/target.js';
import { endPass, integrateAll, refuse } from '../merge/pass.js';
import { recordRootMerge } from '../merge/records.js';
import { argoPaths } from '../store/layout.js';
import { onTermination } from '../core/termination.js';
import { WRITE_ORDERS, writeInOrder } from '../store/write_orders.js';
import { modeMergeRows } from './modes/merge_modes.js';
import { readWorkflowKind } from '../workflow/kind.js';

export { previouslyMerged, type MergeOutcome } from '../workflow/builder_merge.js';

type Builder = MergeBuilder;


/** The folder to merge in, or the exit code after a refusal. */
async function mergeDirOrRefuse(project: Project, target: string, builders: Builder[], original: boolean): Promise<string | number> {
  // The original switches the checkout from a builder branch to main; never to a merge.target branch.
  const switchable = new Set(original ? builders.map((b) => b.branch) : []);
  const place = await prepareMergeDir(project, target, builders, switchable);
  if ('refuse' in place) return refuse(project, place.refuse);
  return 'code' in place ? place.code : place.dir;
}

export async function main(argv: string[]): Promise<number> {
  const project = enterProject(argv, 'merge_build');
  if (typeof project === 'number') return project;
  const next = await nextOrRefuse(project, 'merge_build');
  if (typeof next === 'number') return next;
  if (!insideGitRepo(project.dir)) {
    complain('ERROR: Not a git repository');
    return 1;
  }
  const execution = await readExecution(project);
  if (typeof execution === 'number') return execution;
  const rows = await modeMergeRows(project, execution.builders); // workflow.kind bugfix / best_of_n: which rows (phases/modes)
  if (typeof rows === 'number') return rows;
  const builders = rows.map(mergeBuilderOf);
  if (builders.length === 0) {
    say('No builders to merge - moving on to storage');
    await writeInOrder(project.state, WRITE_ORDERS.nothing_to_merge());
    return 0;
  }
  const read = mergeSettings(project);
  if (Array.isArray(read)) return refuse(project, `${read.join('; ')}; nothing merged`);
  const { settings, resolver } = read;
  say(`Merging ${builders.length} builder branches...`);
  const chosen = settleTarget(project.dir, settings.target);
  if ('problem' in chosen) {
    complain(`ERROR: ${chosen.problem}`);
    return 1;
  }
  const target = chosen.target;
  if (chosen.created) say(`Created ${target} at ${chosen.base}'s tip: builders are merged there; ${chosen.base} is not touched`);
  // A stop (the orchestrator ends our process group) lets the merge in flight finish
  // (git runs in its own group) and ends the run between two builders.
  const stopped = onTermination();

  // One merge_build at a time per project: a handler stopped by a restart may still be
  // finishing its last merge while the next one starts.
  const lock = argoPaths(project.dir).mergeLock;
  const held = await withWaitedLock(lock, () => say(`Waiting for the merge_build holding ${lock} to finish`), stopped.signal, () =>
    usesEngine(settings, resolver) || read.slices
      ? integrateAll(project, target, settings, rows, stopped.signal)
      : mergeAll(project, target, builders, stopped.signal, settings.target === null),
  );
  return held ? held.value : signalStatus(stopped.signal.reason); // stopped while waiting: nothing done
}

/**
 * merge.* and the gate's command (merge/settings.ts), and whether a conflict has a resolver
 * agent (merge.resolver, else the builders' preset: then conflicts go to the engine too);
 * or the problems.
 */
function mergeSettings(project: Project): { settings: MergeSettings; resolver: boolean; slices: boolean } | string[] {
  try {
    const config = readConfigObject(project.configFile);
    const read = readMergeSettings(config);
    if (!('settings' in read)) return read.problems;
    const pick = readResolver(config, process.env, project.configFile, (w) => ciToolAvailable(w, project.dir, process.env));
    if (pick.kind === 'error') return [pick.message];
    // workflow.kind "slices": always the integration gate, one slice at a time on a verified base.
    const kind = readWorkflowKind(config);
    return { settings: read.settings, resolver: pick.kind === 'agent', slices: 'kind' in kind && kind.kind === 'slices' };
  } catch (e) {
    return [errorMessage(e)];
  }
}

async function mergeAll(project: Project, target: string, builders: Builder[], stopped: AbortSignal, original: boolean): Promise<number> {
  // Read under the lock: a run that held it may have recorded merges meanwhile.
  const mergedBefore = previouslyMerged(toPlain((await readStateDoc(project.state.stateFile)).get('merge')));
  const mergeDir = await mergeDirOrRefuse(project, target, builders, original);
  if (typeof mergeDir === 'number') return mergeDir;
  const out: MergeOutcome = { merged: [], conflicts: [], skipped: [], missing: [], failed: [] };
  const run: MergeRun = { project, target, mergeDir, out, worktrees: listWorktrees(project.dir), cleanup: true };
  for (const b of builders) {
    if (stopped.aborted) break;
    if (b.status !== 'completed') {
      logBuilder(project.logs, b.id, 'skipped', `Not completed (status: ${b.status})`);
      out.skipped.push(b.id);
      await recordRowMerge(project, b.id, rowMerge({ status: 'skipped', target, branch: b.branch, message: `not completed (status: ${b.status})` }));
      continue;
    }
    await mergeOne(run, b, mergedBefore.has(b.id));
  }
  if (stopped.aborted) {
    say(`Stopped after merging ${out.merged.length} builders (recorded in merge.merged); run merge_build again to go on`);
    return signalStatus(stopped.reason);
  }
  dropMergeDir(project, mergeDir);

  if (out.conflicts.length > 0) {
    say();
    say(`Merge conflicts detected in builders: ${out.conflicts.join(' ')}`);
    say('Resolve them on the builder branches, then set action_needed to merge_branches (owner code).');
    say();
    await writeInOrder(project.state, WRITE_ORDERS.conflicts());
    // As the original: merge_conflicts is written after the two hand-off fields.
    await recordRootMerge(project.state, out, target, out.conflicts);
    say('Waiting for the conflicts to be resolved');
    return 0;
  }
  await recordRootMerge(project.state, out, target, []);
  return endPass(project, out);
}

runIfEntry('phases/merge_build', main);
