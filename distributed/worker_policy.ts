// What a worker agrees to run. A job is data written by whoever can reach the queue; the
// worker's host decides what it runs: an agent preset built into this copy of argo (with
// at most a model name from the job), or a command line its owner listed with
// --allow-command / --allow-file. verify.command and worktree.setup are command lines too and must be listed.
// Pure: the job and the allow list in, the job as it will run (or why not) out.
import { isObjectId, isPlainBranch, validateRemote } from '../core/git_args.js';
import { CommandLineError, splitCommandLine } from '../agents/command_line.js';
import { presetNamed, PRESET_NAMES } from '../agents/presets/index.js';
import type { Preset } from '../agents/presets/contract.js';
import { canonicalJson } from './job_auth.js';
import type { BuilderJob } from './backend.js';

export interface AllowList {
  /** Command lines as the worker's owner wrote them. */
  commands: string[];
}

/** A model name: a word of letters, digits and . _ : / @ + - that is never an option. */
const MODEL = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$/;

/** Parses the owner's lines; a string is the ERROR line for the first bad one. */
export function allowListOf(lines: { text: string; from: string }[]): AllowList | string {
  const commands: string[] = [];
  for (const { text, from } of lines) {
    const t = text.trim();
    if (t === '' || t.startsWith('#')) continue;
    try {
      if (splitCommandLine(t).length === 0) continue;
    } catch (e) {
      return `ERROR: ${from}: ${e instanceof CommandLineError ? e.message : String(e)}`;
    }
    commands.push(t);
  }
  return { commands };
}

const same = (a: string[], b: string[]) => a.length === b.length && a.every((w, i) => w === b[i]);

function listed(words: string[], allow: AllowList): boolean {
  return allow.commands.some((line) => same(splitCommandLine(line), words));
}

const ALLOW_HINT = "start the worker with --allow-command '<that command line>' (or list it in its --allow-file) to run it";

/**
 * What a preset changes of the built-in one of its name that a worker refuses: a program,
 * argv or env from a job would run whatever the job says under a preset's name. The
 * coordinator asks it too, before a fallback (ci.fallback) is ever needed.
 */
export function presetOverrides(preset: Partial<Pick<Preset, 'name' | 'program' | 'builder' | 'resume' | 'env'>> | undefined): string[] {
  const known = presetNamed(String(preset?.name));
  if (!known) return ['name'];
  return (['program', 'builder', 'resume', 'env'] as const).filter((k) => canonicalJson(preset?.[k]) !== canonicalJson(known[k]));
}

/** The job as this worker will run it, or why it refuses it. */
export function admitJob(d: BuilderJob, allow: AllowList): { ok: true; job: BuilderJob } | { ok: false; reason: string } {
  const refuse = (reason: string) => ({ ok: false as const, reason });
  const remote = validateRemote(d.remote);
  if (remote) return refuse(`remote ${JSON.stringify(d.remote)} refused: ${remote}`);
  if (!isObjectId(d.base)) return refuse(`base ${JSON.stringify(d.base)} is not a commit id`);
  if (!isPlainBranch(d.branch)) return refuse(`branch ${JSON.stringify(d.branch)} is not a plain branch name`);
  if (d.merge_fix !== undefined && !isObjectId(d.merge_fix?.feedback?.base)) return refuse(`merge_fix.feedback.base ${JSON.stringify(d.merge_fix?.feedback?.base)} is not a commit id`);
  if (typeof d.builder !== 'string' || typeof d.prompt !== 'string') return refuse('the job names no builder or prompt');
  if (d.verify !== undefined && d.verify !== null) {
    if (typeof d.verify !== 'string' || !allow.commands.some((line) => line === d.verify!.trim())) {
      return refuse(`verify.command ${JSON.stringify(d.verify)} is not in this worker's allow list; ${ALLOW_HINT}`);
    }
  }
  const setup = d.worktree?.setup;
  if (setup !== undefined && setup !== null) {
    if (typeof setup !== 'string' || !allow.commands.some((line) => line === setup.trim())) {
      return refuse(`worktree.setup ${JSON.stringify(setup)} is not in this worker's allow list; ${ALLOW_HINT}`);
    }
  }
  if (d.builder_index !== undefined && (!Number.isInteger(d.builder_index) || d.builder_index < 0)) return refuse(`builder_index ${JSON.stringify(d.builder_index)} is not a whole number from 0`);
  const ci = d.ci ?? { kind: 'word' as const, tool: d.tool };
  if (ci.kind === 'word' || ci.kind === 'command') {
    const words = ci.kind === 'word' ? [ci.tool] : ci.words;
    if (!Array.isArray(words) || !words.every((w) => typeof w === 'string') || !listed(words, allow)) {
      return refuse(`the command ${JSON.stringify(Array.isArray(words) ? words.join(' ') : words)} is not in this worker's allow list; ${ALLOW_HINT}`);
    }
    return { ok: true, job: d };
  }
  if (ci.kind !== 'preset') return refuse(`unknown CI kind ${JSON.stringify((ci as { kind: unknown }).kind)}`);
  const name = String(ci.preset?.name);
  const known = presetNamed(name);
  if (!known) return refuse(`unknown agent '${name}' (this worker runs only its built-in presets: ${PRESET_NAMES.join(', ')})`);
  const differs = presetOverrides(ci.preset);
  if (differs.length > 0) {
    return refuse(`the job's preset '${name}' overrides its ${differs.join(', ')} (ci.agents.${name}); a worker runs only its built-in presets, unchanged`);
  }
  if (ci.model !== null && ci.model !== undefined && (typeof ci.model !== 'string' || !MODEL.test(ci.model))) {
    return refuse(`model ${JSON.stringify(ci.model)} refused; accepted: letters, digits and . _ : / @ + - (not starting with a sign)`);
  }
  const { parser: _parser, ...builtin } = known;
  return { ok: true, job: { ...d, ci: { kind: 'preset', model: ci.model ?? null, preset: builtin } } };
}
