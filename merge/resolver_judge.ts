// Whether the resolver resolved the conflict (pure): no unmerged file left, no conflict
// marker in the conflicted files, and HEAD a commit concluding the merge (its parents: the
// commit the merge started from, then the incoming tip). A merge still in progress with
// everything staged is concluded by us (`commit`). Anything else: gave up, with why.

/** What git showed after the agent ended. */
export interface ResolutionProbe {
  /** HEAD and MERGE_HEAD when the resolver started. */
  startHead: string;
  mergeHead: string;
  /** Now. */
  head: string | null;
  /** MERGE_HEAD now (null: no merge in progress). */
  mergeHeadNow: string | null;
  /** HEAD's parents now. */
  parents: string[];
  unmerged: string[];
  /** Conflicted files that still hold conflict markers. */
  marked: string[];
}

export type Resolution = { kind: 'resolved' } | { kind: 'commit' } | { kind: 'gave_up'; message: string };

const list = (files: string[]) => files.map((f) => JSON.stringify(f)).join(', ');

export function judgeResolution(p: ResolutionProbe): Resolution {
  if (p.unmerged.length > 0) return { kind: 'gave_up', message: `files still unmerged: ${list(p.unmerged)}` };
  if (p.marked.length > 0) return { kind: 'gave_up', message: `conflict markers left in ${list(p.marked)}` };
  if (p.mergeHeadNow !== null) {
    if (p.mergeHeadNow !== p.mergeHead || p.head !== p.startHead) return { kind: 'gave_up', message: 'the merge in progress is not the one it was given' };
    return { kind: 'commit' };
  }
  const concludes = p.parents.length === 2 && p.parents[0] === p.startHead && p.parents[1] === p.mergeHead;
  if (concludes) return { kind: 'resolved' };
  if (p.head === p.startHead) return { kind: 'gave_up', message: 'the merge was aborted' };
  return { kind: 'gave_up', message: `HEAD (${(p.head ?? 'none').slice(0, 12)}) is not a merge commit concluding the merge` };
}

export { hasConflictMarkers } from '../agents/merge_fix.js';
