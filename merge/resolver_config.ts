// Which agent resolves a merge conflict (issue 20): config `merge.resolver`. A preset name
// (with the project's `ci.agents.<name>` overrides and `ci.model`), a command line (as
// `ci.tool` takes one: a single word is a program given the prompt, more words a command
// line with {prompt}/{prompt_file}), or "none". Absent: the builders' preset when they run
// one, else none — a plain CI tool knows nothing of resolving. Pure.
import type { Env } from '../core/context.js';
import { PRESET_NAMES, presetNamed, withOverride } from '../agents/presets/index.js';
import { chooseCi, toolChoice, type CiChoice } from '../agents/select.js';

export const RESOLVER_KEY = 'merge.resolver';

export type ResolverChoice =
  | { kind: 'none'; why: string }
  | { kind: 'agent'; choice: CiChoice; source: string }
  /** The setting is bad: one sentence naming the key, the value and what is accepted. */
  | { kind: 'error'; message: string };

const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

const accepted = () => `accepted: an agent preset (${PRESET_NAMES.join(', ')}), a command line, or "none"`;

/** `merge.resolver` of a config object (and the environment that picks the builders' agent). */
export function readResolver(config: unknown, env: Env, configFile: string, existsAsIs: (w: string) => boolean = () => false): ResolverChoice {
  const merge = obj(config).merge;
  const raw = merge === undefined || merge === null ? undefined : obj(merge).resolver;
  const bad = (why: string): ResolverChoice => ({ kind: 'error', message: `${RESOLVER_KEY} is ${JSON.stringify(raw)} in ${configFile}: ${why}; ${accepted()}` });
  if (merge !== undefined && merge !== null && (typeof merge !== 'object' || Array.isArray(merge))) {
    return { kind: 'error', message: `merge is ${JSON.stringify(merge)} in ${configFile}: not an object; accepted: an object with target, strategy, resolver` };
  }
  // The text "null" (what `update_config merge.resolver null` leaves) is no value, as for ci.*.
  if (raw === undefined || raw === null || raw === 'null') return buildersPreset(config, env, existsAsIs);
  if (typeof raw !== 'string') return bad('not a string');
  const value = raw.trim();
  if (value === '') return bad('empty');
  if (value === 'none') return { kind: 'none', why: `${RESOLVER_KEY} is "none"` };
  const ci = obj(obj(config).ci);
  const preset = presetNamed(value);
  try {
    if (preset) {
      const model = typeof ci.model === 'string' && ci.model !== '' ? ci.model : null;
      return { kind: 'agent', source: RESOLVER_KEY, choice: { kind: 'preset', preset: withOverride(preset, obj(ci.agents)[preset.name], `ci.agents.${preset.name}`), model, source: RESOLVER_KEY } };
    }
    return { kind: 'agent', source: RESOLVER_KEY, choice: toolChoice(value, RESOLVER_KEY, existsAsIs) };
  } catch (e) {
    return bad((e as Error).message);
  }
}

/** No merge.resolver: the builders' agent when it is a preset; a plain tool or a bad ci setting: none. */
function buildersPreset(config: unknown, env: Env, existsAsIs: (w: string) => boolean): ResolverChoice {
  let choice: CiChoice;
  try {
    choice = chooseCi(env, config, existsAsIs);
  } catch (e) {
    return { kind: 'none', why: `no ${RESOLVER_KEY}, and the builders' agent is unusable (${(e as Error).message})` };
  }
  if (choice.kind !== 'preset') return { kind: 'none', why: `no ${RESOLVER_KEY} configured, and the builders run no agent preset` };
  return { kind: 'agent', choice, source: `${choice.source} (the builders' agent; no ${RESOLVER_KEY})` };
}
