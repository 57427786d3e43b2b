// Fail-over (issue 19, item 4): `ci.fallback: ["codex", "gemini"]` names the presets a
// builder moves on to when its agent keeps hitting a rate or usage limit. Here: the list,
// read and checked once (one ERROR sentence naming the key, the value and what is
// accepted); the pure decision of which agent runs a builder's next attempt; and the
// prompt of the fresh session that takes over. The git summary of the work already
// committed is read at the edge (agents/committed_summary.ts).
// Pure: config and builder row in, decision out.
import { choiceLabel, type CiChoice } from './select.js';
import { PRESET_NAMES, presetNamed, withOverride } from './presets/index.js';

type PresetChoice = Extract<CiChoice, { kind: 'preset' }>;

/** What a workflow fails over with, decided once when the handler starts. */
export interface Failover {
  /** The CI choice of the workflow (CI_COMMAND > ARGO_AGENT > ci.agent > ci.tool). */
  primary: CiChoice;
  /** `ci.fallback`, in order, each with its own `ci.agents.<name>` settings; [] when none. */
  fallback: PresetChoice[];
  /** `limits.fallback_after_waits`: the waits on one agent after which the next one takes over. */
  afterWaits: number;
  /**
   * Presets a builder row may name as its own agent (`agent`), in place of the primary
   * (workflow.kind best_of_n: `best_of_n.builders`, one candidate each); absent: none.
   */
  pinned?: PresetChoice[];
}

const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

const ACCEPTED = `a list of agent preset names other than the primary agent, each at most once (known: ${PRESET_NAMES.join(', ')}), e.g. ["codex", "gemini"]`;

/**
 * `ci.fallback` of the config as choices. Absent, null or [] is no fail-over. Refused (an
 * Error whose message is the sentence after `ERROR: `): not a list, an entry that is no
 * preset, an entry twice, the primary agent itself, and any fallback when the primary is
 * not a preset (a plain CI tool has no parser, so its limits are never recognised and
 * the fail-over could never happen: refused rather than silently ignored).
 * A fallback's model is `ci.agents.<name>.model` (ci.model names the primary's model).
 */
export function readFallback(config: unknown, primary: CiChoice): PresetChoice[] {
  const ci = obj(obj(config).ci);
  const raw = ci.fallback;
  if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0)) return [];
  const refuse = (why: string): never => {
    throw new Error(`ci.fallback is ${JSON.stringify(raw)}: ${why}; accepted: ${ACCEPTED}`);
  };
  if (!Array.isArray(raw)) refuse('not a list');
  const list = raw as unknown[];
  if (primary.kind !== 'preset') refuse(`the CI tool (${primary.source}: ${choiceLabel(primary)}) is not an agent preset, so no limit of it is recognised; choose the primary with ci.agent or ARGO_AGENT`);
  const primaryName = (primary as PresetChoice).preset.name;
  const seen = new Set<string>();
  return list.map((name) => {
    const preset = typeof name === 'string' ? presetNamed(name) : undefined;
    if (!preset) return refuse(`${JSON.stringify(name)} is not an agent preset`);
    if (preset.name === primaryName) refuse(`'${preset.name}' is the primary agent (${primary.source})`);
    if (seen.has(preset.name)) refuse(`'${preset.name}' is named twice`);
    seen.add(preset.name);
    const settings = obj(obj(ci.agents)[preset.name]);
    const model = typeof settings.model === 'string' && settings.model !== '' ? settings.model : null;
    return { kind: 'preset', preset: withOverride(preset, obj(ci.agents)[preset.name], `ci.agents.${preset.name}`), model, source: 'ci.fallback' };
  });
}

/** The fields of a builder row the decision reads (any row: a missing field is 0 / the primary). */
export interface FailoverRow {
  /** `agent`: the preset its attempts run with; absent: the primary. */
  agent?: unknown;
  /** `waits` (issue 19, item 2): how many times it has waited on a limit so far. */
  waits?: unknown;
  /** `agent_since_wait`: its `waits` when the agent in use took over (0 for the primary). */
  agent_since_wait?: unknown;
}

export type NextAttempt =
  /** Its agent goes on as before (its own session is resumed where the caller resumes it). */
  | { fresh: false; choice: CiChoice }
  /** The next preset takes over in a fresh session: record `agent` and `agent_since_wait: since` on the row. */
  | { fresh: true; choice: PresetChoice; from: string; since: number };

const count = (v: unknown): number => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
};

const nameOf = (c: CiChoice): string | null => (c.kind === 'preset' ? c.preset.name : null);

/**
 * Which agent runs a builder's next attempt. The agent in use is the row's `agent` when
 * that is the primary or one of the fallbacks (else — the config changed — the primary).
 * Once it has waited `afterWaits` times (`waits - agent_since_wait`), the next preset of
 * the list whose program `available` says is there takes over in a fresh session; the
 * last one keeps its turn (it waits on, until limits.rate_limit_max_waits ends the builder).
 * The engine calls this where a builder's attempt is started (a first start, a resume
 * after a wait, a retry), locally and for a worker's job alike.
 */
export function nextAttemptAgent(row: FailoverRow, f: Failover, available: (c: PresetChoice) => boolean = () => true): NextAttempt {
  const order: CiChoice[] = [ownAgent(row, f) ?? f.primary, ...f.fallback];
  const at = Math.max(0, order.findIndex((c) => typeof row.agent === 'string' && nameOf(c) === row.agent));
  const current = order[at]!;
  const waits = count(row.waits);
  const since = at === 0 ? 0 : Math.min(waits, count(row.agent_since_wait));
  if (waits - since < f.afterWaits) return { fresh: false, choice: current };
  const next = f.fallback.slice(at).find(available);
  if (!next) return { fresh: false, choice: current };
  return { fresh: true, choice: next, from: nameOf(current) ?? choiceLabel(current), since: waits };
}

/** No fail-over: the workflow's one choice for every attempt. */
export const noFailover = (primary: CiChoice): Failover => ({ primary, fallback: [], afterWaits: Number.POSITIVE_INFINITY });

/** The agent a builder's attempts run with now (its row's `agent`, if still listed; else the primary). */
export function agentInUse(row: FailoverRow, f: Failover): CiChoice {
  return [...f.fallback].find((c) => c.preset.name === row.agent) ?? ownAgent(row, f) ?? f.primary;
}

/** The row's own preset (Failover.pinned) when it names one that is not a fallback; else undefined. */
function ownAgent(row: FailoverRow, f: Failover): PresetChoice | undefined {
  if (f.fallback.some((c) => c.preset.name === row.agent)) return undefined;
  return f.pinned?.find((c) => c.preset.name === row.agent);
}

/** How the next attempt starts, as the place that starts it needs it. */
export interface AttemptPlan {
  choice: CiChoice;
  /** A fresh session: no session resumed, no retry prompt; `prompt` instead. */
  fresh: boolean;
  /** The take-over prompt; null: the builder's own prompt (or its resume) as before. */
  prompt: string | null;
  /** Builder-row fields to record as the attempt starts (`agent`, and `agent_since_wait` on a take-over). */
  fields: Record<string, unknown>;
  /** The builder log line of a take-over; null when none. */
  note: string | null;
}

/**
 * nextAttemptAgent with what starting the attempt takes: on a take-over the prompt (the
 * builder's first prompt and the committed summary, both asked only then) and the note
 * for its log. Pure apart from the two callbacks.
 */
export function planAttempt(row: FailoverRow, f: Failover, task: { id: string; prompt: () => string; summary: () => string }, available?: (c: PresetChoice) => boolean): AttemptPlan {
  const next = nextAttemptAgent(row, f, available);
  const name = nameOf(next.choice);
  if (!next.fresh) return { choice: next.choice, fresh: false, prompt: null, fields: name !== null && row.agent !== name ? { agent: name } : {}, note: null };
  const waited = count(row.waits) - (next.from === nameOf(f.primary) ? 0 : Math.min(count(row.waits), count(row.agent_since_wait)));
  return {
    choice: next.choice,
    fresh: true,
    prompt: failoverPrompt({ id: task.id, from: next.from, to: next.choice.preset.name, task: task.prompt(), summary: boundSummary(task.summary()) }),
    fields: { agent: next.choice.preset.name, agent_since_wait: next.since },
    note: `${next.from} waited ${waited} time(s) on a limit (limits.fallback_after_waits = ${f.afterWaits}): ${choiceLabel(next.choice)} takes over in a fresh session (ci.fallback)`,
  };
}

/** At most this much of the git summary goes into the prompt (a long history is cut, and says so). */
export const SUMMARY_MAX_CHARS = 6000;

/** The summary cut to `max` characters, at a line end, saying how much was left out. */
export function boundSummary(text: string, max = SUMMARY_MAX_CHARS): string {
  const t = text.trim();
  if (t.length <= max) return t;
  const cut = t.lastIndexOf('\n', max);
  const kept = t.slice(0, cut > 0 ? cut : max);
  return `${kept}\n… (${t.length - kept.length} more characters of the log left out)`;
}

/**
 * The prompt of the fresh session that takes a builder over: the original task (the
 * builder's first prompt, whole) and what is already committed in its worktree.
 */
export function failoverPrompt(p: { id: string; from: string; to: string; task: string; summary: string }): string {
  const summary = p.summary.trim();
  return [
    `You are taking over the '${p.id}' component from another coding agent (${p.from}), which kept hitting rate or usage limits.`,
    'Its work so far is in this directory, and its task is yours now. The task as it was given:',
    '',
    '<task>',
    p.task.trim(),
    '</task>',
    '',
    summary === ''
      ? 'Nothing was committed on this branch yet.'
      : ['What is already committed on this branch (git log --stat since it began):', '', '<committed>', summary, '</committed>'].join('\n'),
    '',
    'Read what is there before you change it, keep what is done and right, finish the task, make every test pass, and commit your changes.',
  ].join('\n');
}
