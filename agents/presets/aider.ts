// Aider: plain text only, and exit 0 after --message whatever happened (even fatal
// API errors), so errors are recognised in the text. Usage comes from its lines
// `Tokens: 2.1k sent, 1.2k cache hit, 345 received. Cost: $0.01 message, $0.05 session.`
import { add, appendBounded, emptyUsage, tail, type AgentUsage, type OutputParser, type Preset } from './contract.js';
import { firstLimit, limitField } from './limit_signals.js';

interface AiderState {
  text: string;
  usage: AgentUsage;
  sessionCost: number | null;
  errors: string[];
}

/** "2.1k" → 2100, "12k" → 12000, "1,234" → 1234, "1.5M" → 1500000. */
export function tokenCount(s: string): number | null {
  const m = /^([\d.,]+)\s*([kKmM]?)$/.exec(s.trim());
  if (!m) return null;
  const n = Number(m[1]!.replace(/,/g, ''));
  if (!Number.isFinite(n)) return null;
  const scale = m[2]!.toLowerCase() === 'k' ? 1e3 : m[2]!.toLowerCase() === 'm' ? 1e6 : 1;
  return Math.round(n * scale);
}

const FATAL = /\b(litellm\.\w*Error|AuthenticationError|PermissionDeniedError|RateLimitError|APIConnectionError|APIError|BadRequestError|NotFoundError|ServiceUnavailableError|InternalServerError)\b/;

export const aiderParser: OutputParser<AiderState> = {
  init: () => ({ text: '', usage: emptyUsage(), sessionCost: null, errors: [] }),
  line(s, line) {
    const t = /^\s*Tokens:\s*(.*)$/.exec(line);
    if (t) {
      for (const part of t[1]!.split(/[,.]\s+|\.\s*$/)) {
        const m = /^([\d.,]+\s*[kKmM]?)\s+(sent|received|cache hit)\b/.exec(part.trim());
        if (!m) continue;
        const n = tokenCount(m[1]!);
        if (m[2] === 'sent') s.usage.input_tokens = add(s.usage.input_tokens, n);
        else if (m[2] === 'received') s.usage.output_tokens = add(s.usage.output_tokens, n);
        else s.usage.cache_read_tokens = add(s.usage.cache_read_tokens, n);
      }
      const session = /\$\s*([\d.]+)\s+session/.exec(line);
      if (session) s.sessionCost = Number(session[1]);
      return s;
    }
    if (FATAL.test(line)) s.errors.push(line.trim());
    s.text = appendBounded(s.text, line);
    return s;
  },
  end(s, code, clock) {
    let error: string | null = null;
    if (s.errors.length > 0) error = `aider reported: ${tail(s.errors.join(' | '))}`;
    else if (code !== 0) error = `aider exited with status ${code}`;
    const usage = { ...s.usage, cost_usd: s.sessionCost !== null && Number.isFinite(s.sessionCost) ? s.sessionCost : null };
    return { ok: error === null, text: s.text, usage, session_id: null, error, reported: s.errors.length > 0, ...limitField(error !== null, firstLimit(s.errors, clock)) };
  },
};

export const aider: Preset = {
  name: 'aider',
  program: 'aider',
  // --dry-run: the design run writes no file; --no-auto-commits: and commits nothing.
  design: ['--message-file', '{prompt_file}', '--yes-always', '--no-stream', '--dry-run', '--no-auto-commits', ['-m', '{model}']],
  builder: ['--message-file', '{prompt_file}', '--yes-always', '--no-stream', ['-m', '{model}']],
  resume: null,
  env: {},
  credentials: ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY', 'DEEPSEEK_API_KEY', 'OPENROUTER_API_KEY'],
  commitsItself: true,
  inputIncludesCache: true,
  parser: aiderParser,
};
