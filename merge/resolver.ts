// The conflict resolver (issue 20): an agent run in the integration worktree, where a
// builder's merge stopped on conflicts, told both sides' intents; its result still goes
// through the verify gate. merge_build calls resolveConflict; this is the contract.
import type { AgentUsage } from '../agents/presets/contract.js';

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

/** Runs merge.resolver on the conflict. Stub until the resolver lands: no resolver. */
export async function resolveConflict(input: ConflictInput): Promise<ConflictResult> {
  void input;
  return { kind: 'gave_up', agent: null, message: 'no merge.resolver configured', usage: null };
}
