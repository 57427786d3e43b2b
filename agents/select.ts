// Which CI tool runs: CI_COMMAND > ARGO_AGENT > ci.agent > ci.tool > `ci`.
// A single word keeps the original lookup (PATH program, path, exported bash
// function); a value with arguments is a command line; an agent name is a preset.
import type { Env } from '../core/context.js';
import { splitCommandLine, isSingleWord } from './command_line.js';
import type { Preset } from './presets/contract.js';
import { PRESET_NAMES, presetNamed, withOverride } from './presets/index.js';

export type CiChoice =
  | { kind: 'word'; tool: string; source: string }
  | { kind: 'command'; words: string[]; source: string }
  | { kind: 'preset'; preset: Preset; model: string | null; source: string };

function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** The plain value of `raw` (from CI_COMMAND or ci.tool) as a word or a command line. */
export function toolChoice(raw: string, source: string, existsAsIs: (w: string) => boolean): CiChoice {
  // A value that worked before (a path with blanks that exists as it is) keeps working.
  if (isSingleWord(raw) || existsAsIs(raw)) return { kind: 'word', tool: raw, source };
  const words = splitCommandLine(raw);
  if (words.length === 0) throw new Error(`${source} holds no command: ${JSON.stringify(raw)}`);
  return { kind: 'command', words, source };
}

/** A source's value: a non-empty string; in config the text "null" is no value (as a null). */
function usable(v: unknown, inConfig: boolean): v is string {
  return typeof v === 'string' && v !== '' && !(inConfig && v === 'null');
}

/**
 * Where the CI tool comes from, in order: the first source holding a value wins.
 * chooseCi (how a handler runs it) and get_ci_tool (what it prints) both read this
 * one list, so they cannot disagree.
 */
export const CI_SOURCES: readonly { source: string; kind: 'tool' | 'agent'; read: (env: Env, ci: Record<string, unknown>) => unknown }[] = [
  { source: 'CI_COMMAND', kind: 'tool', read: (env) => env.CI_COMMAND },
  { source: 'ARGO_AGENT', kind: 'agent', read: (env) => env.ARGO_AGENT },
  {
    source: 'ci.agent',
    kind: 'agent',
    read: (_env, ci) => {
      if (ci.agent !== undefined && ci.agent !== null && typeof ci.agent !== 'string') {
        throw new Error(`ci.agent must be an agent name (${PRESET_NAMES.join(', ')}), got ${JSON.stringify(ci.agent)}`);
      }
      return ci.agent;
    },
  },
  { source: 'ci.tool', kind: 'tool', read: (_env, ci) => ci.tool },
];

/** The source that decides for this environment and config, else the default tool `ci`. */
export function ciSource(env: Env, config: unknown): { source: string; kind: 'tool' | 'agent'; value: string } {
  const ci = obj(obj(config).ci);
  for (const s of CI_SOURCES) {
    const v = s.read(env, ci);
    if (usable(v, s.source.startsWith('ci.'))) return { source: s.source, kind: s.kind, value: v };
  }
  return { source: 'default', kind: 'tool', value: 'ci' };
}

/**
 * The choice for this environment and config (a plain object). Errors name the
 * variable or key and the value (unknown agent, bad override, unbalanced quotes).
 */
export function chooseCi(env: Env, config: unknown, existsAsIs: (w: string) => boolean = () => false): CiChoice {
  const pick = ciSource(env, config);
  if (pick.kind === 'tool') return toolChoice(pick.value, pick.source, existsAsIs);
  const ci = obj(obj(config).ci);
  const preset = presetNamed(pick.value);
  if (!preset) throw new Error(`unknown agent '${pick.value}' in ${pick.source} (known: ${PRESET_NAMES.join(', ')})`);
  const where = `ci.agents.${preset.name}`;
  const model = typeof ci.model === 'string' && ci.model !== '' ? ci.model : null;
  return { kind: 'preset', preset: withOverride(preset, obj(ci.agents)[preset.name], where), model, source: pick.source };
}

/** The program a choice runs (what get_ci_tool prints and `command -v` checks). */
export function choiceProgram(c: CiChoice): string {
  return c.kind === 'word' ? c.tool : c.kind === 'command' ? c.words[0]! : c.preset.program;
}

/** A short human label: `claude (preset)`, `my-agent --fast`, `ci`. */
export function choiceLabel(c: CiChoice): string {
  if (c.kind === 'preset') return `${c.preset.program} (agent preset ${c.preset.name}${c.model ? `, model ${c.model}` : ''})`;
  return c.kind === 'word' ? c.tool : c.words.join(' ');
}

/**
 * A choice as plain data, for a job that another machine runs (`argo worker`): the
 * preset as the coordinator resolved it (overrides applied), less its parser, which
 * the worker takes from its own copy of the preset.
 */
export type CiSpec =
  | { kind: 'word'; tool: string }
  | { kind: 'command'; words: string[] }
  | { kind: 'preset'; model: string | null; preset: Omit<Preset, 'parser'> };

export function choiceSpec(c: CiChoice): CiSpec {
  if (c.kind === 'word') return { kind: 'word', tool: c.tool };
  if (c.kind === 'command') return { kind: 'command', words: [...c.words] };
  const { parser: _parser, ...preset } = c.preset;
  return { kind: 'preset', model: c.model, preset };
}

/** The choice a spec names; an agent this copy of argo does not know is an error naming it. */
export function choiceFromSpec(spec: CiSpec, source = 'the job'): CiChoice {
  if (spec.kind === 'word') return { kind: 'word', tool: spec.tool, source };
  if (spec.kind === 'command') return { kind: 'command', words: spec.words, source };
  const known = presetNamed(spec.preset?.name ?? '');
  if (!known) throw new Error(`unknown agent '${spec.preset?.name}' in ${source} (known here: ${PRESET_NAMES.join(', ')})`);
  return { kind: 'preset', preset: { ...known, ...spec.preset, parser: known.parser }, model: spec.model, source };
}

export const DESIGN_AGENT_KEY = 'design.agent';

/**
 * The design phase's agent (issue 22): config `design.agent` when set — a preset (with the
 * project's ci.agents overrides and ci.model) or a command line, as merge.resolver takes
 * one — else the builders' choice, exactly as before. Errors name the key and the value.
 */
export function designChoice(env: Env, config: unknown, existsAsIs: (w: string) => boolean = () => false): CiChoice {
  const design = obj(config).design;
  const raw = obj(design).agent;
  if (raw === undefined || raw === null || raw === 'null') return chooseCi(env, config, existsAsIs);
  if (typeof raw !== 'string' || raw.trim() === '') {
    throw new Error(`${DESIGN_AGENT_KEY} is ${JSON.stringify(raw)}; accepted: an agent preset (${PRESET_NAMES.join(', ')}) or a command line, or absent (the builders' agent)`);
  }
  const ci = obj(obj(config).ci);
  const preset = presetNamed(raw.trim());
  if (!preset) return toolChoice(raw.trim(), DESIGN_AGENT_KEY, existsAsIs);
  const model = typeof ci.model === 'string' && ci.model !== '' ? ci.model : null;
  return { kind: 'preset', preset: withOverride(preset, obj(ci.agents)[preset.name], `ci.agents.${preset.name}`), model, source: DESIGN_AGENT_KEY };
}
