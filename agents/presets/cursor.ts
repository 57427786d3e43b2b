// Cursor CLI: `cursor-agent -p --force --trust --output-format json --workspace <wt> <prompt>`;
// one JSON result document shaped like Claude Code's (result, is_error, subtype,
// session_id). Token figures are not documented: read when present, else null.
import { docInit, docLine, type DocState, type OutputParser, type Preset } from './contract.js';
import { resultDocument } from './claude.js';

export const cursorParser: OutputParser<DocState> = {
  init: docInit,
  line: docLine,
  end: (s, code, clock) => resultDocument(s, code, 'cursor-agent', clock),
};

export const cursor: Preset = {
  name: 'cursor',
  program: 'cursor-agent',
  // Without --force shell actions are rejected: the design run changes nothing.
  design: ['-p', '--trust', '--output-format', 'json', '--workspace', '{worktree}', ['--model', '{model}'], '{prompt}'],
  designResume: ['-p', '--trust', '--output-format', 'json', '--workspace', '{worktree}', '--resume', '{session_id}', ['--model', '{model}'], '{prompt}'],
  builder: ['-p', '--force', '--trust', '--output-format', 'json', '--workspace', '{worktree}', ['--model', '{model}'], '{prompt}'],
  resume: ['-p', '--force', '--trust', '--output-format', 'json', '--workspace', '{worktree}', '--resume', '{session_id}', ['--model', '{model}'], '{prompt}'],
  env: {},
  credentials: ['CURSOR_API_KEY'],
  commitsItself: false,
  inputIncludesCache: false,
  parser: cursorParser,
};
