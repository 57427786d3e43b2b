// The conflict resolver (issue 20): an agent run in the integration worktree, where a
// builder's merge stopped on conflicts, told both sides' intents; its result still goes
// through the verify gate. merge_build calls resolveConflict; this is the contract.
//
// What it leaves: `resolved` — HEAD is the merge commit (the agent's, or ours when it left
// everything staged), the worktree clean of conflicts. `gave_up` — the worktree as the
// agent left it: usually the merge still in progress (MERGE_HEAD set, markers in files);
// when the agent aborted the merge or committed something that does not conclude it, HEAD
// may have moved (the message says so). The integration worktree is the gate's, detached
// and throwaway: the gate resets it (abort, or reset to the target's tip); the resolver
// never aborts, resets or re-runs a merge itself.
import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { AgentUsage } from '../agents/presets/contract.js';
import { git, unmergedFiles } from '../core/git.js';
import { complain } from '../core/cli.js';
import { toPlain } from '../core/json_doc.js';
import { errorMessage } from '../core/errors.js';
import { readConfigObject } from '../store/config.js';
import { logMerge } from '../store/logs.js';
import { readStateDoc } from '../store/state.js';
import { readLimits, problemText } from '../workflow/limits.js';
import { commitIdentity } from '../workflow/worktrees.js';
import { choiceLabel } from '../agents/select.js';
import { ciToolAvailable } from '../agents/ci_tool.js';
import { readResolver } from './resolver_config.js';
import { resolverPromptFor } from './resolver_prompt.js';
import { judgeResolution, type ResolutionProbe } from './resolver_judge.js';
import { filesWithMarkers } from '../agents/merge_fix.js';
import { runResolverAgent } from './resolver_run.js';

/** One side of the conflict: a component as the plan gave it. */
export interface ConflictSide {
  id: string;
  description: string | null;
  paths: string[];
  acceptance: string | null;
}

export interface ConflictInput {
  /** The project (its config and logs). */
  project: { dir: string; configFile: string; state: { stateFile: string; lockFile?: string }; logs: { logDir: string; workflowLog: string } };
  /** The integration worktree: the merge is in progress there (MERGE_HEAD set), conflict markers in `files`. */
  dir: string;
  target: string;
  /** The builder being merged. */
  incoming: ConflictSide;
  /** The builders already merged onto the target whose work it collides with (those that touched `files`). */
  merged: ConflictSide[];
  files: string[];
  /** The verify command its result must pass (null: none configured). */
  verify: string | null;
  signal: AbortSignal;
}

export type ConflictResult =
  /** The conflict is resolved and committed in `dir` (HEAD is the merge commit). */
  | { kind: 'resolved'; commit: string; agent: string; message: string; usage: AgentUsage | null }
  /** Nothing resolved (none configured, the agent gave up or failed): the merge is still in progress in `dir`, as it was. */
  | { kind: 'gave_up'; agent: string | null; message: string; usage: AgentUsage | null };

const revParse = (rev: string, dir: string): string | null => {
  const r = git(['rev-parse', '-q', '--verify', '--end-of-options', `${rev}^{commit}`], dir);
  return r.ok ? r.stdout.trim() : null;
};

/** git's view of `dir` after the agent, for the judge. */
export function probeResolution(dir: string, start: { head: string; mergeHead: string }, files: string[]): ResolutionProbe {
  const head = revParse('HEAD', dir);
  const parents = head ? git(['rev-list', '--parents', '-n', '1', '--end-of-options', head], dir).stdout.trim().split(' ').slice(1) : [];
  return { startHead: start.head, mergeHead: start.mergeHead, head, mergeHeadNow: revParse('MERGE_HEAD', dir), parents, unmerged: unmergedFiles(dir), marked: filesWithMarkers(dir, files) };
}

/** A builder id as part of a log file's name. */
const fileTag = (id: string) => id.replace(/[^A-Za-z0-9._-]/g, '_');

/** Runs merge.resolver on the conflict (see the header for what it leaves). */
export async function resolveConflict(input: ConflictInput): Promise<ConflictResult> {
  const { project, dir, incoming } = input;
  const gaveUp = (message: string, agent: string | null = null, usage: AgentUsage | null = null): ConflictResult => {
    logMerge(project.logs, 'resolver', `builder ${incoming.id}: gave up - ${message}`);
    return { kind: 'gave_up', agent, message, usage };
  };
  let config: Record<string, unknown>;
  let timeoutMs: number;
  try {
    config = readConfigObject(project.configFile);
    const reading = readLimits(toPlain((await readStateDoc(project.state.stateFile)).get('limits')), config);
    if (!reading.limits) return gaveUp(problemText(reading.problems[0]!));
    timeoutMs = reading.limits.builderTimeoutMs;
  } catch (e) {
    return gaveUp(errorMessage(e));
  }
  const pick = readResolver(config, process.env, project.configFile, (w) => ciToolAvailable(w, project.dir, process.env));
  if (pick.kind === 'error') {
    complain(`ERROR: ${pick.message}`);
    return gaveUp(pick.message);
  }
  if (pick.kind === 'none') return gaveUp(pick.why);
  const head = revParse('HEAD', dir);
  const mergeHead = revParse('MERGE_HEAD', dir);
  if (!head || !mergeHead) return gaveUp(`no merge in progress in ${dir}`);
  const label = choiceLabel(pick.choice);
  logMerge(project.logs, 'resolver', `builder ${incoming.id}: ${label} resolves ${input.files.join(', ')} in ${relative(project.dir, dir) || dir}`);
  const logDir = project.logs.logDir;
  mkdirSync(logDir, { recursive: true });
  const base = join(logDir, `merge-${fileTag(incoming.id)}.resolver`);
  let prompt: string;
  try {
    prompt = resolverPromptFor(project.dir, { target: input.target, incoming, merged: input.merged, files: input.files, verify: input.verify });
  } catch (e) {
    complain(`ERROR: ${errorMessage(e)}`);
    return gaveUp(errorMessage(e));
  }
  const run = await runResolverAgent({ choice: pick.choice, dir, prompt, timeoutMs, signal: input.signal, outFile: `${base}.out`, logFile: `${base}.log`, promptFile: `${base}.prompt.txt`, pricing: config.pricing, state: project.state });
  const agent = run.agent;
  if (run.problem) return gaveUp(run.problem, agent, run.usage);
  const verdict = judgeResolution(probeResolution(dir, { head, mergeHead }, input.files));
  if (verdict.kind === 'gave_up') return gaveUp(verdict.message, agent, run.usage);
  if (verdict.kind === 'commit') {
    const c = git([...commitIdentity(dir), 'commit', '-q', '--no-edit', '-m', `Merge builder: ${incoming.id}`], dir);
    if (!c.ok) return gaveUp(`could not commit the resolved merge: ${(c.stderr || c.stdout).trim().split('\n')[0] ?? ''}`, agent, run.usage);
  }
  const commit = revParse('HEAD', dir)!;
  const message = `${agent} resolved ${input.files.join(', ')}${verdict.kind === 'commit' ? ' (committed by argo)' : ''}`;
  logMerge(project.logs, 'resolver', `builder ${incoming.id}: resolved - ${commit.slice(0, 12)}`);
  return { kind: 'resolved', commit, agent, message, usage: run.usage };
}
