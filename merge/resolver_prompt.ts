// What the conflict resolver is told (pure): the files in conflict, what each side set out
// to do (description, owned paths, acceptance line), the target branch, the verify command
// its result must pass, and how to finish (stage, commit the merge). The file names come
// from git: they are quoted as data, never as instructions.
import type { ConflictSide } from './resolver.js';

export interface ResolverBrief {
  target: string;
  incoming: ConflictSide;
  merged: ConflictSide[];
  files: string[];
  verify: string | null;
}

function side(s: ConflictSide): string[] {
  return [
    `- ${s.id}: ${s.description ?? '(no description)'}`,
    `  owns: ${s.paths.length > 0 ? s.paths.join(', ') : '(no paths given)'}`,
    `  acceptance: ${s.acceptance ?? '(none given)'}`,
  ];
}

export function resolverPrompt(b: ResolverBrief): string {
  return [
    `A merge of builder '${b.incoming.id}' into ${b.target} stopped on conflicts. You are in the integration worktree; the merge is in progress (MERGE_HEAD is set).`,
    '',
    'Conflicted files:',
    ...b.files.map((f) => `- ${JSON.stringify(f)}`),
    '',
    `The incoming side (the branch being merged):`,
    ...side(b.incoming),
    '',
    `Already on ${b.target} (the work it collides with):`,
    ...(b.merged.length > 0 ? b.merged.flatMap(side) : ['- (none recorded)']),
    '',
    'Resolve every conflict so that BOTH sides keep working: keep each side\'s intent, remove every conflict marker.',
    ...(b.verify ? [`The result must pass the verify command: ${b.verify}`] : []),
    `Then stage the files (git add) and conclude the merge with git commit (message: Merge builder: ${b.incoming.id}). Do not abort the merge, do not rebase, do not touch other branches.`,
    'If you cannot resolve it, leave the merge in progress and say why.',
  ].join('\n');
}
