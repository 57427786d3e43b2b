// The first prompt a builder gets, locally and on a worker alike.
//
// A single-word CI tool gets the original's text (COMPAT §5.7), unless the project opts in
// with config `design.plan: true`. An agent preset or a command line (or an opted-in word)
// gets the builder's context (issue 18): the user's requirement, where the whole design is
// (`.argo/design.md` in its worktree), the paths it owns, its siblings and theirs, its
// acceptance line and the verify command that will be run. A project may replace that text
// with `.argo-project/prompts/builder.md` (placeholders below).
import { readFileSync, realpathSync } from 'node:fs';
import { relative } from 'node:path';
import type { BuilderRecord } from '../store/builders.js';
import { argoPaths } from '../store/layout.js';
import { placeholdersOf, promptSource, renderTemplate } from './prompt_template.js';
import { planSetting } from './plan_prompt.js';
import { readWorkflowKind } from './kind.js';
import { slicePrompt } from './kinds/slice_prompt.js';

/** Where a builder finds the whole design, relative to its worktree (kept out of commits). */
export const DESIGN_DIR = '.argo';
export const DESIGN_FILE = `${DESIGN_DIR}/design.md`;

/** The original's prompt (COMPAT §5.7), byte for byte. */
export function builderPrompt(b: Pick<BuilderRecord, 'id' | 'description' | 'worktree'>): string {
  return [
    `You are building the '${b.id}' component.`,
    '',
    `Description: ${b.description ?? 'null'}`,
    '',
    'Tasks:',
    '1. Implement this component following the design',
    '2. Add tests for it',
    '3. Make sure every test passes',
    '4. Record completion in the workflow state',
    '',
    `Work in the directory: ${b.worktree ?? 'null'}`,
    'Commit your changes when done.',
  ].join('\n');
}

/** What every builder of a run is told besides its own row. */
export interface BuilderContext {
  /** The user's requirement (state `user_query`). */
  requirement: string;
  /** verify.command, run in the worktree when the agent has finished; null: none. */
  verify: string | null;
  /** Every builder of the run (its siblings are the others). */
  builders: readonly Pick<BuilderRecord, 'id' | 'description' | 'paths'>[];
}

export type PromptBuilder = Pick<BuilderRecord, 'id' | 'description' | 'paths' | 'acceptance' | 'branch'>;

/** The placeholders a `builder.md` template may use, each with what it holds (docs/AGENTS.md lists them). */
export const BUILDER_PLACEHOLDERS: Readonly<Record<string, string>> = {
  id: "the component's id",
  description: 'its one-line description',
  requirement: "the user's requirement",
  design_file: `where the whole design is, relative to the worktree (${DESIGN_FILE})`,
  paths: 'the files or globs it owns, comma-separated ("(not listed)" when the design gives none)',
  siblings: 'the other components, one "- id: paths" line each ("(none)" when alone)',
  acceptance: 'how to tell it works ("(not given)" when the design gives none)',
  verify: 'the verify command run when it has finished ("(none)" without verify.command)',
  worktree: 'the directory it works in',
  branch: 'its git branch',
};

const listOr = (xs: readonly string[], none: string) => (xs.length > 0 ? xs.join(', ') : none);

/** The placeholders' values for one builder. */
export function builderValues(b: PromptBuilder, ctx: BuilderContext, worktree: string): Record<string, string> {
  const others = ctx.builders.filter((s) => s.id !== b.id);
  return {
    id: b.id,
    description: b.description ?? 'null',
    requirement: ctx.requirement,
    design_file: DESIGN_FILE,
    paths: listOr(b.paths, '(not listed)'),
    siblings: others.length > 0 ? others.map((s) => `- ${s.id}: ${listOr(s.paths, '(paths not listed)')}`).join('\n') : '(none)',
    acceptance: b.acceptance ?? '(not given)',
    verify: ctx.verify ?? '(none)',
    worktree,
    branch: b.branch ?? `argo-builder-${b.id}`,
  };
}

/** The built-in prompt with context: the first line and `Description:` as COMPAT fixes them, then the context. */
export function contextPrompt(b: PromptBuilder, ctx: BuilderContext, worktree: string): string {
  const v = builderValues(b, ctx, worktree);
  const others = ctx.builders.some((s) => s.id !== b.id);
  return [
    `You are building the '${b.id}' component.`,
    '',
    `Description: ${v.description}`,
    '',
    'What the user asked for:',
    ctx.requirement,
    '',
    `The whole design (every component and what it owns) is in ${DESIGN_FILE} in your working directory. It is kept out of commits: do not commit it.`,
    '',
    `Files this component owns: ${b.paths.length > 0 ? v.paths : '(not listed in the design: keep to what this component needs)'}`,
    ...(others ? ['', 'Other components, built at the same time by other agents - do not edit these; if you must, say so in your final message:', v.siblings] : []),
    ...(b.acceptance ? ['', `Done when: ${b.acceptance}`] : []),
    '',
    'Tasks:',
    '1. Implement this component following the design',
    '2. Add tests for it',
    ctx.verify ? `3. Make sure every test passes: when you finish, \`${ctx.verify}\` is run in your working directory and must pass` : '3. Make sure every test passes',
    '',
    `Work in the directory: ${worktree}`,
    'Commit your changes when done.',
  ].join('\n');
}

/** Which prompt a run's builders get. */
export type BuilderPromptKind = { kind: 'original' } | { kind: 'built-in' } | { kind: 'slice' } | { kind: 'template'; file: string; text: string };

/**
 * The project opted in (config `design.plan: true`): a single-word CI tool gets the context
 * too. Read by the one reader of the key, so a bad value is refused here as in the design.
 */
export function designPlanOptIn(config: unknown): boolean {
  return config !== null && typeof config === 'object' && planSetting(config as Record<string, unknown>) === true;
}

/** The prompt a run uses: the original for a plain word (unless opted in), else the project's template or the built-in one. */
export function builderPromptKind(projectDir: string, ciKind: 'word' | 'command' | 'preset', config: unknown): BuilderPromptKind {
  // A slice's builder is told its files whatever the tool (the original's text names none).
  const workflow = readWorkflowKind(config);
  const slices = 'kind' in workflow && workflow.kind === 'slices';
  if (ciKind === 'word' && !designPlanOptIn(config) && !slices) return { kind: 'original' };
  const src = promptSource(projectDir, 'builder');
  if (src === null && slices) return { kind: 'slice' };
  return src === null ? { kind: 'built-in' } : { kind: 'template', file: src.file, text: src.text };
}

/** Refuses a template with an unknown placeholder before any builder starts (ArgoError naming it). */
export function checkBuilderTemplate(k: BuilderPromptKind): void {
  if (k.kind === 'template') renderTemplate(k.text, Object.fromEntries(Object.keys(BUILDER_PLACEHOLDERS).map((p) => [p, ''])), k.file);
}

/** The unknown placeholders of a template (for `argo doctor`). */
export function unknownPlaceholders(text: string): string[] {
  return placeholdersOf(text).filter((p) => !Object.hasOwn(BUILDER_PLACEHOLDERS, p));
}

/** One builder's first prompt; `worktree` is what it is told its directory is. */
export function promptFor(k: BuilderPromptKind, ctx: BuilderContext, b: PromptBuilder & Pick<BuilderRecord, 'worktree'>, worktree: string): string {
  if (k.kind === 'original') return builderPrompt({ id: b.id, description: b.description, worktree });
  if (k.kind === 'built-in') return contextPrompt(b, ctx, worktree);
  if (k.kind === 'slice') return slicePrompt(b, ctx, worktree);
  return renderTemplate(k.text, builderValues(b, ctx, worktree), k.file);
}

/**
 * The whole answer of the design agent, when design_program kept it in a file: only a file
 * under the project's design folder is read (a path in state is data, never a pointer
 * to any file on the machine).
 */
function answerText(projectDir: string, answerFile: unknown): string | null {
  if (typeof answerFile !== 'string' || answerFile === '') return null;
  try {
    const real = realpathSync(answerFile);
    const rel = relative(realpathSync(argoPaths(projectDir).design), real);
    if (rel === '' || rel.startsWith('..') || rel.startsWith('/')) return null;
    return readFileSync(real, 'utf8');
  } catch {
    return null;
  }
}

/** The text of `.argo/design.md`: the requirement, the design (its whole answer when kept), the component plan. */
export function designMarkdown(projectDir: string, design: { summary?: unknown; answer_file?: unknown } | null, ctx: BuilderContext, plan: readonly Pick<BuilderRecord, 'id' | 'description' | 'paths' | 'depends_on' | 'acceptance'>[]): string {
  const body = answerText(projectDir, design?.answer_file) ?? (typeof design?.summary === 'string' ? design.summary : '(no design text was kept)');
  const items = plan.flatMap((c) => [
    `- ${c.id}: ${c.description ?? ''}`,
    `  - owns: ${listOr(c.paths, '(not listed)')}`,
    ...(c.depends_on.length > 0 ? [`  - depends on: ${c.depends_on.join(', ')}`] : []),
    ...(c.acceptance ? [`  - done when: ${c.acceptance}`] : []),
  ]);
  return ['# The design', '', '## What the user asked for', '', ctx.requirement, '', '## The design', '', body.replace(/\n+$/, ''), '', '## The components', '', ...items, ''].join('\n');
}
