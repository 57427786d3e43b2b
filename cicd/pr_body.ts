// The pull request's title and body for an `argo run` result (pure): the requirement, the
// plan, per component its summary, verify evidence, tokens and cost, and how to re-run.
import { cell, fenced, quoted, statusText, tokensText, usd, verifyMark } from './markdown.js';
import type { BuilderReport, RunReport } from './report.js';

/** GitHub refuses a body over 65,536 characters; ours stops well before. */
export const PR_BODY_LIMIT = 60_000;
const TITLE_LIMIT = 72;

/** "argo: " and the requirement's first line, cut to a title's length. */
export function prTitle(report: RunReport): string {
  const first = report.query.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'result';
  const title = `argo: ${first}`;
  return title.length <= TITLE_LIMIT ? title : `${title.slice(0, TITLE_LIMIT - 1)}…`;
}

function planSection(report: RunReport): string[] {
  if (report.plan.length === 0) return ['## Plan', '', 'No plan was approved.'];
  const lines = ['## Plan', '', '| Component | Description | Paths | Depends on |', '|---|---|---|---|'];
  for (const c of report.plan) {
    lines.push(`| \`${cell(c.id)}\` | ${cell(c.description)} | ${cell(c.paths.join(', ')) || '-'} | ${cell(c.depends_on.join(', ')) || '-'} |`);
  }
  return lines;
}

function builderSection(b: BuilderReport): string[] {
  const lines = [`### \`${cell(b.id)}\`: ${cell(b.status)}`, ''];
  if (b.description) lines.push(cell(b.description), '');
  if (b.failure) lines.push(`Failure: ${cell(b.failure)}`, '');
  if (b.summary) lines.push('Summary:', '', quoted(b.summary), '');
  if (b.diffstat) lines.push(`Changes: ${cell(b.diffstat)}`, '');
  lines.push(`Verify: ${verifyMark(b)}`);
  if (b.verify) {
    lines.push('', `<details><summary>${b.verify.passed ? 'Passed' : 'Failed'}: <code>${escapeHtml(cell(b.verify.command))}</code></summary>`, '');
    lines.push(fenced(b.verify.output_tail || '(no output)'), '', '</details>');
  }
  lines.push('', `Tokens: ${tokensText(b.tokens)}; cost: ${usd(b.cost_usd)}`);
  return lines;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The body, markdown, at most `limit` characters (cut with a note saying so). */
export function prBody(report: RunReport, limit = PR_BODY_LIMIT): string {
  const lines = [
    `Opened by \`argo run\`: ${statusText(report.status)}. ${cell(report.reason)}`,
    '',
    '## Requirement',
    '',
    quoted(report.query),
    '',
    ...(report.template ? [`Template: \`${cell(report.template)}\``, ''] : []),
    ...planSection(report),
    '',
    '## Components',
    '',
  ];
  for (const b of report.builders) lines.push(...builderSection(b), '');
  if (report.builders.length === 0) lines.push('No builder ran.', '');
  lines.push('## Tokens and cost', '', `Tokens: ${tokensText(report.tokens)}; cost: ${usd(report.cost_usd)}`, '');
  lines.push('## Re-run', '', fenced(report.rerun, 'sh'), '');
  return cut(lines.join('\n'), limit);
}

function cut(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const note = '\n\n… (cut: the full report is in the run\'s `--report` file and the CI log)\n';
  return text.slice(0, Math.max(0, limit - note.length)) + note;
}
