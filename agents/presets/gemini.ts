// Gemini CLI: `gemini -p <prompt> -o json` prints one (pretty-printed) JSON document:
// {response, stats: {models: {<model>: {tokens}}}, session_id?, error?}. No USD.
// Exit codes carry meaning (41 auth, 42 input, 53 turn limit, 55 untrusted folder).
import { add, docInit, docLine, docValue, emptyUsage, num, obj, str, tail, type DocState, type OutputParser, type Preset } from './contract.js';
import { errorObjectLimit, limitField } from './limit_signals.js';

const EXIT_MEANING: Record<number, string> = {
  1: 'general error',
  41: 'authentication failed',
  42: 'bad input',
  53: 'turn limit reached',
  55: 'untrusted folder',
  130: 'cancelled',
};

export const geminiParser: OutputParser<DocState> = {
  init: docInit,
  line: docLine,
  end(s, code, clock) {
    const doc = docValue(s);
    const usage = emptyUsage();
    let model: string | null = null;
    if (doc) {
      const models = obj(obj(doc.stats).models);
      const names = Object.keys(models);
      if (names.length === 1) model = names[0]!;
      for (const m of names) {
        const t = obj(obj(models[m]).tokens);
        usage.input_tokens = add(usage.input_tokens, num(t.input) ?? num(t.prompt));
        usage.output_tokens = add(usage.output_tokens, num(t.candidates));
        usage.cache_read_tokens = add(usage.cache_read_tokens, num(t.cached));
      }
    }
    const err = doc ? obj(doc.error) : {};
    let error: string | null = null;
    if (str(err.message)) error = `gemini reported ${str(err.type) ?? 'an error'}: ${tail(str(err.message)!)}`;
    else if (code !== 0) error = `gemini exited with status ${code}${EXIT_MEANING[code] ? ` (${EXIT_MEANING[code]})` : ''}`;
    else if (!doc) error = `gemini printed no JSON result${s.text.trim() ? ': ' + tail(s.text) : ''}`;
    return { ok: error === null, text: (doc && str(doc.response)) ?? '', usage, session_id: doc ? str(doc.session_id) ?? str(doc.sessionId) : null, error, reported: !!str(err.message), model, ...limitField(error !== null, errorObjectLimit(err, clock)) };
  },
};

export const gemini: Preset = {
  name: 'gemini',
  program: 'gemini',
  // Without yolo every ask becomes a denial: the design run changes nothing.
  // A fresh worktree is an untrusted folder (exit 55) without --skip-trust.
  design: ['-p', '{prompt}', '-o', 'json', '--skip-trust', ['-m', '{model}']],
  designResume: ['-p', '{prompt}', '-o', 'json', '--skip-trust', '--resume', '{session_id}', ['-m', '{model}']],
  builder: ['-p', '{prompt}', '-o', 'json', '--approval-mode', 'yolo', '--skip-trust', ['-m', '{model}']],
  resume: ['-p', '{prompt}', '-o', 'json', '--approval-mode', 'yolo', '--skip-trust', '--resume', '{session_id}', ['-m', '{model}']],
  env: {},
  credentials: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'],
  commitsItself: false,
  inputIncludesCache: true,
  parser: geminiParser,
};
