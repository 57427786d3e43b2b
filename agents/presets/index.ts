// The presets by name, and how a preset's argv template becomes an argv.
import type { AgentName, ArgvTemplate, Preset, RunKind } from './contract.js';
import { aider } from './aider.js';
import { claude } from './claude.js';
import { codex } from './codex.js';
import { cursor } from './cursor.js';
import { gemini } from './gemini.js';
import { opencode } from './opencode.js';

export const PRESETS: Record<AgentName, Preset> = { claude, codex, gemini, aider, opencode, cursor };

export const PRESET_NAMES = Object.keys(PRESETS) as AgentName[];

export function presetNamed(name: string): Preset | undefined {
  return Object.hasOwn(PRESETS, name) ? PRESETS[name as AgentName] : undefined;
}

/** Values for the placeholders; null/'' = no value (an optional group is left out). */
export interface TemplateVars {
  prompt: string;
  prompt_file?: string | null;
  model?: string | null;
  worktree?: string | null;
  session_id?: string | null;
  git_common_dir?: string | null;
  /** The worktree's own git folder (a linked worktree's lies under the common one). */
  git_dir?: string | null;
  /** The plan's JSON schema (a design asked for as a plan), as text / as a file. */
  schema?: string | null;
  schema_file?: string | null;
}

const PLACEHOLDER = /\{(prompt|prompt_file|model|worktree|session_id|git_common_dir|git_dir|schema|schema_file)\}/g;

function fill(piece: string, vars: TemplateVars): { text: string; missing: boolean } {
  let missing = false;
  const text = piece.replace(PLACEHOLDER, (_m, name: keyof TemplateVars) => {
    const v = vars[name];
    if (v === undefined || v === null || v === '') {
      missing = true;
      return '';
    }
    return v;
  });
  return { text, missing };
}

/**
 * The argv (without the program) for a template. A required piece whose placeholder
 * has no value is an error naming it (the caller must not run a half-built command).
 */
export function expandTemplate(template: ArgvTemplate, vars: TemplateVars): string[] {
  const out: string[] = [];
  for (const piece of template) {
    if (Array.isArray(piece)) {
      const group = piece.map((p) => fill(p, vars));
      if (group.some((g) => g.missing)) continue;
      out.push(...group.map((g) => g.text));
    } else {
      const g = fill(piece, vars);
      if (g.missing) throw new Error(`argv piece '${piece}' needs a value that is not there`);
      out.push(g.text);
    }
  }
  return out;
}

/** Does the preset's design take the plan's schema (the CLI's structured output)? */
export function designTakesSchema(preset: Preset): boolean {
  return templateUses(preset.design, 'schema') || templateUses(preset.design, 'schema_file');
}

/** Does any piece of the template use `{name}`? (decides whether a prompt file is written) */
export function templateUses(template: ArgvTemplate, name: keyof TemplateVars): boolean {
  return template.flat().some((p) => p.includes(`{${name}}`));
}

/** Overrides from config `ci.agents.<name>`: {program?, args?: {design?, builder?, resume?, design_resume?}, env?}. */
export interface PresetOverride {
  program?: string;
  args?: Partial<Record<RunKind, ArgvTemplate | null>>;
  env?: Record<string, string>;
}

function isTemplate(v: unknown): v is ArgvTemplate {
  return Array.isArray(v) && v.every((p) => typeof p === 'string' || (Array.isArray(p) && p.every((q) => typeof q === 'string')));
}

/**
 * A preset with its config overrides applied. Bad override shapes are errors naming
 * the key and the value: flags drift between agent versions, so this is where users
 * fix them, and a silently ignored fix would be worse than a clear refusal.
 */
export function withOverride(preset: Preset, raw: unknown, where: string): Preset {
  if (raw === undefined || raw === null) return preset;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${where} must be an object, got ${JSON.stringify(raw)}`);
  const o = raw as Record<string, unknown>;
  const next: Preset = { ...preset };
  if (o.program !== undefined) {
    if (typeof o.program !== 'string' || o.program === '') throw new Error(`${where}.program must be a non-empty string, got ${JSON.stringify(o.program)}`);
    next.program = o.program;
  }
  if (o.args !== undefined) {
    // A bare list overrides the builder argv (the common case).
    const args = isTemplate(o.args) ? { builder: o.args } : o.args;
    if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new Error(`${where}.args must be a list or {design, builder, resume}, got ${JSON.stringify(o.args)}`);
    for (const [kind, t] of Object.entries(args as Record<string, unknown>)) {
      if (kind !== 'design' && kind !== 'builder' && kind !== 'resume' && kind !== 'design_resume') throw new Error(`${where}.args.${kind}: unknown run kind (design, builder, resume, design_resume)`);
      if (kind === 'resume' && t === null) next.resume = null;
      else if (kind === 'design_resume' && t === null) next.designResume = null;
      else if (!isTemplate(t)) throw new Error(`${where}.args.${kind} must be a list of strings (or lists of strings), got ${JSON.stringify(t)}`);
      else if (kind === 'design_resume') next.designResume = t;
      else next[kind] = t;
    }
  }
  if (o.env !== undefined) {
    if (o.env === null || typeof o.env !== 'object' || Array.isArray(o.env) || !Object.values(o.env).every((v) => typeof v === 'string')) {
      throw new Error(`${where}.env must be an object of strings, got ${JSON.stringify(o.env)}`);
    }
    next.env = { ...preset.env, ...(o.env as Record<string, string>) };
  }
  return next;
}
