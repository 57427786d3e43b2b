// From a choice (word, command line, preset) and a run (design, builder, resume) to
// the argv and environment to run. Writing the prompt file is the caller's (the
// `writePrompt` callback), so this stays a function of its inputs.
import type { Env } from '../core/context.js';
import { commandArgv, usesPromptFile } from './command_line.js';
import type { Preset, RunKind } from './presets/contract.js';
import { expandTemplate, templateUses } from './presets/index.js';
import type { CiChoice } from './select.js';

export interface InvocationInput {
  prompt: string;
  /** cwd of the run: the project (design) or the builder's worktree. */
  worktree: string;
  sessionId?: string | null;
  /** A value, or a probe asked only when the template needs it (it costs a git call). */
  gitCommonDir?: string | null | (() => string | null);
  /** The worktree's own git folder: a value, or a probe asked only when the template needs it. */
  gitDir?: string | null | (() => string | null);
  /** Writes the prompt to a file outside the worktree and returns its path. */
  writePrompt: (prompt: string) => string;
  /**
   * A design asked for as a plan: its JSON schema, for a template that hands it to the
   * agent (`{schema}`), and the writer of its file (`{schema_file}`, called only when used).
   */
  schema?: string | null;
  writeSchema?: () => string;
}

export interface Invocation {
  argv: string[];
  env: Env;
  preset: Preset | null;
  model: string | null;
  /** The run resumes an earlier session (a preset that can). */
  resumed: boolean;
}

function probed(v: string | null | undefined | (() => string | null)): string | null {
  return typeof v === 'function' ? v() : (v ?? null);
}

export function invocationFor(choice: CiChoice, kind: RunKind, input: InvocationInput, env: Env): Invocation {
  if (choice.kind === 'word') return { argv: [choice.tool, input.prompt], env, preset: null, model: null, resumed: false };
  if (choice.kind === 'command') {
    const file = usesPromptFile(choice.words) ? input.writePrompt(input.prompt) : null;
    return { argv: commandArgv(choice.words, input.prompt, file), env, preset: null, model: null, resumed: false };
  }
  const { preset, model } = choice;
  const resumeTemplate = kind === 'design_resume' ? (preset.designResume ?? null) : preset.resume;
  const resumed = (kind === 'resume' || kind === 'design_resume') && resumeTemplate !== null && !!input.sessionId;
  const template = resumed ? resumeTemplate! : kind === 'design' || kind === 'design_resume' ? preset.design : preset.builder;
  const promptFile = templateUses(template, 'prompt_file') ? input.writePrompt(input.prompt) : null;
  const args = expandTemplate(template, {
    prompt: input.prompt,
    prompt_file: promptFile,
    model,
    worktree: input.worktree,
    session_id: input.sessionId ?? null,
    git_common_dir: templateUses(template, 'git_common_dir') ? probed(input.gitCommonDir) : null,
    git_dir: templateUses(template, 'git_dir') ? probed(input.gitDir) : null,
    schema: input.schema ?? null,
    schema_file: input.schema && input.writeSchema && templateUses(template, 'schema_file') ? input.writeSchema() : null,
  });
  return { argv: [preset.program, ...args], env: { ...env, ...preset.env }, preset, model, resumed };
}
