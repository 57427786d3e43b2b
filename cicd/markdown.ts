// Markdown pieces shared by the pull request's body and the step summary. Every text in
// them comes from the user, an agent or a tool: it is shown, never interpreted — code
// goes in a fence longer than any backtick run it holds, table cells lose their pipes
// and line breaks.
import type { BuilderReport, RunReport } from './report.js';

/** `text` in a fenced block no backtick run inside it can close. */
export function fenced(text: string, lang = ''): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${text.replace(/\n+$/, '')}\n${fence}`;
}

/** One table cell: one line, no column break. */
export function cell(text: string): string {
  return text.replace(/\r?\n|\r/g, ' ').replace(/\|/g, '\\|').trim();
}

/** `text` as a block quote (each line quoted). */
export function quoted(text: string): string {
  return text.replace(/\n+$/, '').split('\n').map((l) => `> ${l}`.trimEnd()).join('\n');
}

export function usd(n: number | null): string {
  return n === null ? 'unknown' : `$${n.toFixed(2)}`;
}

export function tokensText(t: { input: number; output: number } | null): string {
  return t === null ? 'unknown' : `${t.input} in / ${t.output} out`;
}

export function verifyMark(b: BuilderReport): string {
  if (b.verify === null) return 'not run';
  return b.verify.passed ? 'passed' : 'failed';
}

const STATUS_WORDS: Record<RunReport['status'], string> = {
  done: 'done',
  failed: 'failed (builders or verify)',
  needs_person: 'a person is needed',
  limit: 'stopped by a budget or time limit',
  setup_error: 'set-up error',
};

/** "done", "a person is needed" …: the report's status for a reader. */
export function statusText(status: RunReport['status']): string {
  return STATUS_WORDS[status];
}
