// What a builder of a slices workflow is told: the one instruction every slice gets, the
// files of its own slice, and that the other slices are other agents' (workflow.kind
// "slices"). The first quoted word is its id, as in every builder prompt. Pure.
import type { BuilderContext, PromptBuilder } from '../builder_prompt.js';
import { DESIGN_FILE } from '../builder_prompt.js';

export function slicePrompt(b: PromptBuilder, ctx: BuilderContext, worktree: string): string {
  const others = ctx.builders.filter((s) => s.id !== b.id).length;
  return [
    `You are applying a change to the '${b.id}' slice of this repository.`,
    '',
    'The change (every slice gets the same instruction):',
    ctx.requirement,
    '',
    `Your slice - change these files, and only these: ${b.paths.length > 0 ? b.paths.join(', ') : '(none listed)'}`,
    ...(others > 0 ? ['', `${others} other slice${others === 1 ? ' is' : 's are'} changed at the same time by other agents (${DESIGN_FILE} lists them): do not edit their files; if you must, say so in your final message.`] : []),
    ...(b.acceptance ? ['', `Done when: ${b.acceptance}`] : []),
    '',
    'Tasks:',
    '1. Apply the change to the files of your slice',
    '2. Keep the rest of the repository working',
    ctx.verify ? `3. When you finish, \`${ctx.verify}\` is run in your working directory and must pass` : '3. Make sure every test passes',
    '',
    `${DESIGN_FILE} (the plan) is kept out of commits: do not commit it.`,
    `Work in the directory: ${worktree}`,
    'Commit your changes when done.',
  ].join('\n');
}
