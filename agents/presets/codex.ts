// Codex CLI: `codex exec --json …` prints JSONL events. The answer is the last
// completed agent_message item; tokens come from turn.completed (no USD); it exits 0
// even when every tool call failed, so turn.failed / error events decide too.
import { add, appendBounded, emptyUsage, jsonLine, num, obj, str, tail, type AgentUsage, type OutputParser, type Preset } from './contract.js';
import { firstLimit, limitField } from './limit_signals.js';

interface CodexState {
  text: string | null;
  usage: AgentUsage;
  session: string | null;
  errors: string[];
  prose: string;
}

export const codexParser: OutputParser<CodexState> = {
  init: () => ({ text: null, usage: emptyUsage(), session: null, errors: [], prose: '' }),
  line(s, line) {
    const ev = jsonLine(line);
    if (!ev) {
      if (line.trim()) s.prose = appendBounded(s.prose, line, 16 * 1024);
      return s;
    }
    switch (ev.type) {
      case 'thread.started':
        s.session = str(ev.thread_id) ?? s.session;
        break;
      case 'item.completed': {
        const item = obj(ev.item);
        if (item.type === 'agent_message' && typeof item.text === 'string') s.text = item.text;
        break;
      }
      case 'turn.completed': {
        const u = obj(ev.usage);
        s.usage.input_tokens = add(s.usage.input_tokens, num(u.input_tokens));
        s.usage.output_tokens = add(s.usage.output_tokens, num(u.output_tokens));
        s.usage.cache_read_tokens = add(s.usage.cache_read_tokens, num(u.cached_input_tokens));
        break;
      }
      case 'turn.failed':
        s.errors.push(str(obj(ev.error).message) ?? 'turn failed');
        break;
      case 'error':
        s.errors.push(str(ev.message) ?? 'error event');
        break;
    }
    return s;
  },
  end(s, code, clock) {
    let error: string | null = null;
    if (s.errors.length > 0) error = `codex reported: ${tail(s.errors.join(' | '))}`;
    else if (code !== 0) error = `codex exited with status ${code}${s.prose ? ': ' + tail(s.prose) : ''}`;
    else if (s.text === null && s.session === null) error = `codex printed no JSON events${s.prose ? ': ' + tail(s.prose) : ''}`;
    return { ok: error === null, text: s.text ?? '', usage: s.usage, session_id: s.session, error, reported: s.errors.length > 0, ...limitField(error !== null, firstLimit(s.errors, clock)) };
  },
};

// A linked worktree's gitdir lies outside the workspace-write sandbox, and Codex keeps a
// worktree's own git folder read-only even inside a writable root (measured with Codex
// 0.171: `index.lock: Read-only file system`) unless that folder is named itself: both
// roots, or the agent could not commit.
const writableGit = ['-c', 'sandbox_workspace_write.writable_roots=["{git_common_dir}","{git_dir}"]'];

export const codex: Preset = {
  name: 'codex',
  program: 'codex',
  // --output-schema: a design asked for as a plan ends in an agent message holding the plan's JSON.
  design: ['exec', '--json', '--sandbox', 'read-only', ['--output-schema', '{schema_file}'], '-C', '{worktree}', ['-m', '{model}'], '{prompt}'],
  designResume: ['exec', '--json', '--sandbox', 'read-only', ['--output-schema', '{schema_file}'], '-C', '{worktree}', ['-m', '{model}'], 'resume', '{session_id}', '{prompt}'],
  builder: ['exec', '--json', '--sandbox', 'workspace-write', writableGit, '-C', '{worktree}', ['-m', '{model}'], '{prompt}'],
  resume: ['exec', '--json', '--sandbox', 'workspace-write', writableGit, '-C', '{worktree}', ['-m', '{model}'], 'resume', '{session_id}', '{prompt}'],
  env: {},
  credentials: ['CODEX_API_KEY', 'OPENAI_API_KEY'],
  commitsItself: false,
  inputIncludesCache: true,
  // Measured with Codex 0.171: after `exec resume` turn.completed counts the whole thread.
  resumeReportsSessionTotal: true,
  parser: codexParser,
};
