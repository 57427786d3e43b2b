// opencode: `opencode run --format json` prints JSONL events, each with sessionID.
// Text is in `text` events (.part.text); USD and tokens in step_finish parts, summed
// over steps; session.error (exit 1) and error events say it failed.
import { add, appendBounded, emptyUsage, jsonLine, num, obj, str, tail, type AgentUsage, type OutputParser, type Preset } from './contract.js';
import { errorObjectLimit, limitField, type AgentLimit, type LimitClock } from './limit_signals.js';

interface OpencodeState {
  text: string;
  usage: AgentUsage;
  session: string | null;
  errors: string[];
  /** Each error's facts for limit_signals.ts: its message, `data.statusCode`, its name. */
  errorFacts: Record<string, unknown>[];
  warnings: string[];
  events: number;
}

function errorText(ev: Record<string, unknown>): string {
  const e = obj(ev.error ?? obj(ev.part).error ?? obj(ev.properties).error);
  return str(obj(e.data).message) ?? str(e.message) ?? str(ev.message) ?? str(e.name) ?? 'error event';
}

function errorFacts(ev: Record<string, unknown>): Record<string, unknown> {
  const e = obj(ev.error ?? obj(ev.part).error ?? obj(ev.properties).error);
  return { message: errorText(ev), statusCode: obj(e.data).statusCode, name: e.name };
}

function firstErrorLimit(facts: Record<string, unknown>[], clock?: LimitClock): AgentLimit | null {
  for (const f of facts) {
    const l = errorObjectLimit(f, clock);
    if (l) return l;
  }
  return null;
}

export const opencodeParser: OutputParser<OpencodeState> = {
  init: () => ({ text: '', usage: emptyUsage(), session: null, errors: [], errorFacts: [], warnings: [], events: 0 }),
  line(s, line) {
    const ev = jsonLine(line);
    if (!ev) return s;
    s.events++;
    s.session = str(ev.sessionID) ?? str(obj(ev.part).sessionID) ?? s.session;
    const part = obj(ev.part);
    switch (ev.type) {
      case 'text':
        if (typeof part.text === 'string') s.text = appendBounded(s.text, part.text);
        break;
      case 'step_finish': {
        const t = obj(part.tokens);
        s.usage.input_tokens = add(s.usage.input_tokens, num(t.input));
        s.usage.output_tokens = add(s.usage.output_tokens, num(t.output));
        s.usage.cache_read_tokens = add(s.usage.cache_read_tokens, num(obj(t.cache).read));
        s.usage.cost_usd = add(s.usage.cost_usd, num(part.cost));
        break;
      }
      case 'error':
      case 'session.error':
        s.errors.push(errorText(ev));
        s.errorFacts.push(errorFacts(ev));
        break;
      case 'done': {
        const rejected = ev.rejected ?? ev.permissions ?? part.rejected;
        if (Array.isArray(rejected) && rejected.length > 0) s.warnings.push(`${rejected.length} permission(s) rejected`);
        break;
      }
    }
    return s;
  },
  end(s, code, clock) {
    let error: string | null = null;
    if (s.errors.length > 0) error = `opencode reported: ${tail(s.errors.join(' | '))}`;
    else if (code !== 0) error = `opencode exited with status ${code}`;
    else if (s.events === 0) error = 'opencode printed no JSON events';
    return { ok: error === null, text: s.text, usage: s.usage, session_id: s.session, error, reported: s.errors.length > 0, warnings: s.warnings, ...limitField(error !== null, firstErrorLimit(s.errorFacts, clock)) };
  },
};

export const opencode: Preset = {
  name: 'opencode',
  program: 'opencode',
  // Without --auto, `run` rejects every ask: the design run changes nothing.
  design: ['run', '--format', 'json', '--dir', '{worktree}', ['-m', '{model}'], '{prompt}'],
  designResume: ['run', '--format', 'json', '--dir', '{worktree}', '-s', '{session_id}', ['-m', '{model}'], '{prompt}'],
  builder: ['run', '--format', 'json', '--dir', '{worktree}', ['-m', '{model}'], '--auto', '{prompt}'],
  resume: ['run', '--format', 'json', '--dir', '{worktree}', '-s', '{session_id}', ['-m', '{model}'], '--auto', '{prompt}'],
  env: {},
  credentials: ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'GEMINI_API_KEY', 'OPENROUTER_API_KEY'],
  commitsItself: false,
  inputIncludesCache: false,
  parser: opencodeParser,
};
