// What the conflict resolver is told (pure): the files in conflict, what each side set out
// to do (description, owned paths, acceptance line), the target branch, the verify command
// its result must pass, and how to finish (stage, commit the merge). The file names come
// from git: they are quoted as data, never as instructions.
import type { ConflictSide } from './resolver.js';
import { promptSource, renderTemplate } from '../workflow/prompt_template.js';

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

/** The placeholders of a resolver prompt a project (`.argo-project/prompts/resolver.md`) or a workflow template writes. */
export const RESOLVER_PLACEHOLDERS: Readonly<Record<string, string>> = {
  target: 'the branch being merged into',
  incoming_id: "the incoming builder's id",
  incoming: "the incoming side: its description, owned paths and acceptance line",
  merged: 'the sides already on the target it collides with, the same way ("- (none recorded)" when none)',
  files: 'the conflicted files, one quoted "- name" line each',
  verify: 'the verify command the result must pass ("(none)" without one)',
};

function resolverValues(b: ResolverBrief): Record<keyof typeof RESOLVER_PLACEHOLDERS, string> {
  return {
    target: b.target,
    incoming_id: b.incoming.id,
    incoming: side(b.incoming).join('\n'),
    merged: (b.merged.length > 0 ? b.merged.flatMap(side) : ['- (none recorded)']).join('\n'),
    files: b.files.map((f) => `- ${JSON.stringify(f)}`).join('\n'),
    verify: b.verify ?? '(none)',
  };
}

/**
 * The resolver's prompt in `projectDir`: its own prompts/resolver.md, else the workflow
 * template's `prompts.resolver` (issue 22), filled in one pass; else the built-in text.
 * An unknown placeholder is an ArgoError naming it and the file.
 */
export function resolverPromptFor(projectDir: string, b: ResolverBrief): string {
  const src = promptSource(projectDir, 'resolver');
  return src === null ? resolverPrompt(b) : renderTemplate(src.text, resolverValues(b), src.file);
}
