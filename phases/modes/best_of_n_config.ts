// best_of_n.* of config.json, checked in one place (one ERROR sentence naming the key, the
// value and what is accepted): `builders` (a list of agent presets, one candidate each) or
// `count` (N candidates, each with the workflow's ci.agent / CI tool), and `judge` (a preset,
// optional). Here because the preset names live in agents/ (workflow/ may not import them).
import { PRESET_NAMES, presetNamed, withOverride } from '../../agents/presets/index.js';
import type { CiChoice } from '../../agents/select.js';
import type { BestOfNSettings } from '../../workflow/modes/best_of_n.js';

type PresetChoice = Extract<CiChoice, { kind: 'preset' }>;

const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** Candidates when neither best_of_n.builders nor best_of_n.count is set. */
export const DEFAULT_COUNT = 2;
/** The most candidates one workflow runs (each is a full builder with its own worktree). */
export const MAX_CANDIDATES = 8;

const PRESETS_ACCEPTED = `known: ${PRESET_NAMES.join(', ')}`;

/** The settings, or the problem sentence (without `ERROR: `). */
export function readBestOfN(config: unknown): BestOfNSettings | { problem: string } {
  const raw = obj(config).best_of_n;
  if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    return { problem: `best_of_n is ${JSON.stringify(raw)} in config.json; accepted: an object ({"builders": ["claude", "codex"]} or {"count": 3})` };
  }
  const s = obj(raw);
  const judge = s.judge ?? null;
  if (judge !== null && (typeof judge !== 'string' || !presetNamed(judge))) {
    return { problem: `best_of_n.judge is ${JSON.stringify(judge)} in config.json; accepted: an agent preset name (${PRESETS_ACCEPTED}), or absent (the smallest diff wins)` };
  }
  const builders = s.builders ?? null;
  const count = s.count ?? null;
  if (builders !== null && count !== null) {
    return { problem: `best_of_n.builders and best_of_n.count are both set in config.json (${JSON.stringify(builders)}, ${JSON.stringify(count)}); accepted: one of them` };
  }
  if (builders !== null) {
    const ok = Array.isArray(builders) && builders.length >= 2 && builders.length <= MAX_CANDIDATES && builders.every((b) => typeof b === 'string' && presetNamed(b));
    if (!ok) return { problem: `best_of_n.builders is ${JSON.stringify(builders)} in config.json; accepted: a list of 2 to ${MAX_CANDIDATES} agent preset names (${PRESETS_ACCEPTED}; a name may repeat), e.g. ["claude", "codex"]` };
    return { agents: (builders as string[]).map((b) => presetNamed(b)!.name), judge: judge as string | null };
  }
  const n = count ?? DEFAULT_COUNT;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 2 || n > MAX_CANDIDATES) {
    return { problem: `best_of_n.count is ${JSON.stringify(count)} in config.json; accepted: a whole number from 2 to ${MAX_CANDIDATES} (each candidate runs the workflow's agent)` };
  }
  return { agents: Array.from({ length: n }, () => null), judge: judge as string | null };
}

/** A preset as the workflow runs it: its ci.agents.<name> settings, its model (ci.model for the primary's preset). */
export function presetChoice(config: unknown, name: string, primary: CiChoice | null, source: string): PresetChoice {
  if (primary?.kind === 'preset' && primary.preset.name === name) return primary;
  const ci = obj(obj(config).ci);
  const settings = obj(obj(ci.agents)[name]);
  const model = typeof settings.model === 'string' && settings.model !== '' ? settings.model : null;
  return { kind: 'preset', preset: withOverride(presetNamed(name)!, obj(ci.agents)[name], `ci.agents.${name}`), model, source };
}
