// Claude Code: `claude -p <prompt> --output-format json`; one JSON document at the end
// ({type: "result", subtype, is_error, result, session_id, total_cost_usd, usage}).
// API errors can come with exit 0 and is_error: true, so the document decides.
import { docInit, docLine, docValue, emptyUsage, num, obj, str, tail, type AgentOutcome, type DocState, type OutputParser, type Preset } from './contract.js';
import { limitField, resultDocumentLimit, type LimitClock } from './limit_signals.js';

/** The fields Claude Code and Cursor share (`result`, `is_error`, `subtype`, `session_id`). */
export function resultDocument(s: DocState, exitCode: number, agent: string, clock?: LimitClock): AgentOutcome {
  const doc = docValue(s);
  const usage = emptyUsage();
  if (!doc) {
    return {
      ok: false,
      text: s.text,
      usage,
      session_id: null,
      error: s.truncated ? `${agent} printed more than the output limit and no result document` : `${agent} printed no JSON result (exit status ${exitCode})${s.text.trim() ? ': ' + tail(s.text) : ''}`,
    };
  }
  const u = obj(doc.usage);
  usage.input_tokens = num(u.input_tokens);
  usage.output_tokens = num(u.output_tokens);
  usage.cache_read_tokens = num(u.cache_read_input_tokens) ?? num(u.cache_read_tokens);
  usage.cost_usd = num(doc.total_cost_usd) ?? num(doc.cost_usd);
  const text = str(doc.result) ?? '';
  const subtype = str(doc.subtype);
  const isError = doc.is_error === true || (subtype !== null && subtype !== 'success');
  const warnings: string[] = [];
  const denials = doc.permission_denials;
  if (Array.isArray(denials) && denials.length > 0) {
    warnings.push(`${denials.length} permission denial(s): ${tail(denials.map((d) => str(obj(d).tool_name) ?? JSON.stringify(d)).join(', '))}`);
  }
  let error: string | null = null;
  if (isError) error = `${agent} reported an error${subtype ? ` (${subtype})` : ''}${text ? ': ' + tail(text) : ''}`;
  else if (exitCode !== 0) error = `${agent} exited with status ${exitCode}`;
  const outcome: AgentOutcome = { ok: error === null, text, usage, session_id: str(doc.session_id), error, reported: isError, model: str(doc.model), warnings, ...limitField(error !== null, resultDocumentLimit(doc, clock)) };
  // --json-schema: the object the model returned through the StructuredOutput tool.
  const structured = doc.structured_output;
  if (structured !== null && typeof structured === 'object') outcome.structured = structured;
  return outcome;
}

export const claudeParser: OutputParser<DocState> = {
  init: docInit,
  line: docLine,
  end: (s, code, clock) => resultDocument(s, code, 'claude', clock),
};

export const claude: Preset = {
  name: 'claude',
  program: 'claude',
  // plan mode: the design run reads and answers, it edits nothing.
  // --json-schema: a design asked for as a plan comes back as `structured_output`.
  design: ['-p', '{prompt}', '--output-format', 'json', '--permission-mode', 'plan', ['--json-schema', '{schema}'], ['--model', '{model}']],
  designResume: ['-p', '{prompt}', '--resume', '{session_id}', '--output-format', 'json', '--permission-mode', 'plan', ['--json-schema', '{schema}'], ['--model', '{model}']],
  // acceptEdits cannot write .git, so a builder could not commit: bypass.
  builder: ['-p', '{prompt}', '--output-format', 'json', '--permission-mode', 'bypassPermissions', ['--model', '{model}']],
  resume: ['-p', '{prompt}', '--resume', '{session_id}', '--output-format', 'json', '--permission-mode', 'bypassPermissions', ['--model', '{model}']],
  env: {},
  credentials: ['ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN'],
  commitsItself: false,
  inputIncludesCache: false,
  parser: claudeParser,
};
