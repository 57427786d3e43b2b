// The preset contract: what argo needs to know about one AI coding assistant's
// headless mode. A preset is data (argv templates, credential names, environment)
// plus a pure output parser; nothing here starts a process.

import { add, emptyUsage, type AgentUsage } from '../../store/usage.js';
import type { AgentLimit, LimitClock } from './limit_signals.js';
export { add, emptyUsage };

export type AgentName = 'claude' | 'codex' | 'gemini' | 'aider' | 'opencode' | 'cursor';

export type { AgentUsage } from '../../store/usage.js';

/** What one agent run amounted to, read from its own output and exit status. */
export interface AgentOutcome {
  ok: boolean;
  text: string;
  usage: AgentUsage;
  session_id: string | null;
  error: string | null;
  /**
   * `error` is the agent's own report (an error result, a failed turn, an error event),
   * not our guess from the exit status: a failure message then needs nothing else.
   */
  reported?: boolean;
  /** The model the agent says it used, when its output names one. */
  model?: string | null;
  /**
   * The structured output the agent returned for a schema it was given (Claude Code's
   * `structured_output`), when it returned one.
   */
  structured?: unknown;
  /** Things worth a log line that do not make the run fail (permission denials …). */
  warnings?: string[];
  /** The failure was a rate limit, a usage limit or an overloaded model (agents/presets/limit_signals.ts); `ok` stays false. */
  limit?: AgentLimit;
}

/**
 * A parser is a fold over the agent's stdout lines, so that a run with a huge output
 * never needs all of it in memory: `init` → `line` for each line → `end` with the exit
 * status. Each function depends only on its arguments.
 */
export interface OutputParser<S = unknown> {
  init(): S;
  line(state: S, line: string): S;
  /** `clock`: when the output was printed, to resolve a stated reset time (limit_signals.ts). */
  end(state: S, exitCode: number, clock?: LimitClock): AgentOutcome;
}

/**
 * An argv template: strings with `{placeholders}`; a nested list is an optional
 * group, left out entirely when one of its placeholders has no value (`--model {model}`
 * without a model).
 */
export type ArgvTemplate = (string | string[])[];

/** The ways argo runs an agent (design_resume: the one follow-up question of a design, issue 18). */
export type RunKind = 'design' | 'builder' | 'resume' | 'design_resume';

export interface Preset {
  name: AgentName;
  /** The executable looked up on PATH. */
  program: string;
  /** Design (read-only where the agent allows it; cwd = project). */
  design: ArgvTemplate;
  /** A builder (edits auto-approved; cwd = its worktree). */
  builder: ArgvTemplate;
  /** A builder continuing its earlier session (placeholder {session_id}); null: cannot resume. */
  resume: ArgvTemplate | null;
  /**
   * The design's session asked once more (the follow-up when its answer carried no component
   * list), with the design's permissions (read-only), never a builder's; absent or null: the
   * follow-up is a fresh design run.
   */
  designResume?: ArgvTemplate | null;
  /** Environment the agent needs on top of ours. */
  env: Record<string, string>;
  /** Variables holding a credential; any one of them set is enough (never printed). */
  credentials: string[];
  /** Whether the agent commits its own work (the builder wrapper commits for the others). */
  commitsItself: boolean;
  /** Reported input tokens include the cached ones (so pricing must not count them twice). */
  inputIncludesCache: boolean;
  /**
   * A resumed session reports the usage of the whole session, its earlier runs included
   * (Codex: `turn.completed.usage` after `exec resume`), not of this run alone.
   */
  resumeReportsSessionTotal?: boolean;
  parser: OutputParser<any>;
}


/** Runs a parser over a whole text (tests, and outputs read back from a file). */
export function parseOutput<S>(parser: OutputParser<S>, text: string, exitCode: number, clock?: LimitClock): AgentOutcome {
  let state = parser.init();
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (const l of lines) state = parser.line(state, l);
  return parser.end(state, exitCode, clock);
}

// ---- small helpers the parsers share -------------------------------------------

/** A JSON object parsed from a line (or a whole document), or undefined (blank lines and prose are skipped). */
export function jsonLine(line: string): Record<string, unknown> | undefined {
  const t = line.trim();
  if (!t.startsWith('{')) return undefined;
  try {
    const v = JSON.parse(t) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** a + b where either may be unknown (null + null stays unknown). */

/** Keeps at most `max` characters of accumulated text: the end matters most. */
export const TEXT_LIMIT = 1024 * 1024;
export function appendBounded(acc: string, more: string, max = TEXT_LIMIT): string {
  const next = acc === '' ? more : acc + '\n' + more;
  return next.length > max ? next.slice(next.length - max) : next;
}

/**
 * Agents printing one JSON document at the end (possibly pretty-printed over many
 * lines, possibly after prose): the text is kept (bounded) and read at the end, the
 * whole text first, else the last line that is a JSON object.
 */
export const DOC_LIMIT = 64 * 1024 * 1024;
export interface DocState {
  text: string;
  lastObject: Record<string, unknown> | undefined;
  truncated: boolean;
}
export function docInit(): DocState {
  return { text: '', lastObject: undefined, truncated: false };
}
export function docLine(s: DocState, line: string): DocState {
  const o = jsonLine(line);
  if (o) s.lastObject = o;
  if (!s.truncated) {
    s.text += line + '\n';
    if (s.text.length > DOC_LIMIT) {
      s.text = '';
      s.truncated = true;
    }
  }
  return s;
}
export function docValue(s: DocState): Record<string, unknown> | undefined {
  const t = s.text.trim();
  const whole = jsonLine(t);
  if (whole) return whole;
  // A pretty-printed document with lines around it (warnings before, a wrapper's note
  // after): from the first line opening an object to the last line closing one.
  const lines = t.split('\n');
  const first = lines.findIndex((l) => l.startsWith('{'));
  let last = -1;
  for (let i = lines.length - 1; i > first && first >= 0; i--) {
    if (lines[i]!.trimEnd() === '}') {
      last = i;
      break;
    }
  }
  if (first >= 0 && last > first) {
    const inner = jsonLine(lines.slice(first, last + 1).join('\n'));
    if (inner) return inner;
  }
  if (t.startsWith('[')) {
    // Some versions print the whole event list as one array; the result is its last object.
    try {
      const v = JSON.parse(t) as unknown;
      if (Array.isArray(v)) {
        for (let i = v.length - 1; i >= 0; i--) if (obj(v[i]).type === 'result') return obj(v[i]);
      }
    } catch {
      /* fall through to the last object line */
    }
  }
  return s.lastObject;
}

/** The end of a text, for error messages (one line, bounded). */
export function tail(text: string, max = 300): string {
  const t = text.trim().split('\n').filter(Boolean).slice(-3).join(' | ');
  return t.length > max ? '…' + t.slice(t.length - max) : t;
}
