// GitHub Actions' two files for a step: `$GITHUB_STEP_SUMMARY` (markdown shown on the run's
// page) and `$GITHUB_OUTPUT` (name=value pairs later steps read as `steps.<id>.outputs`).
// The texts are built by pure functions; writeGithubFiles only appends them. Without the
// variables (not in Actions) it does nothing.
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { cell, statusText, tokensText, usd, verifyMark } from './markdown.js';
import type { RunReport } from './report.js';

/** The step summary: status and why, the components (status, verify, diff, cost), totals. */
export function stepSummaryMarkdown(report: RunReport): string {
  const lines = [`## argo run: ${statusText(report.status)} (exit ${report.exit_code})`, '', cell(report.reason), ''];
  lines.push(`Requirement: ${cell(report.query)}`, '');
  if (report.branch) lines.push(`Branch: \`${cell(report.branch)}\``, '');
  if (report.pr_url) lines.push(`Pull request: ${cell(report.pr_url)}`, '');
  if (report.builders.length > 0) {
    lines.push('| Component | Status | Verify | Changes | Cost |', '|---|---|---|---|---|');
    for (const b of report.builders) {
      const failure = b.failure ? ` (${cell(b.failure)})` : '';
      lines.push(`| \`${cell(b.id)}\` | ${cell(b.status)}${failure} | ${verifyMark(b)} | ${cell(b.diffstat ?? '') || '-'} | ${usd(b.cost_usd)} |`);
    }
    lines.push('');
  }
  lines.push(`Tokens: ${tokensText(report.tokens)}; cost: ${usd(report.cost_usd)}`, '');
  return lines.join('\n') + '\n';
}

/** The outputs argo run sets: status, branch, pr_url, cost_usd (empty when unknown). */
export function outputValues(report: RunReport): [string, string][] {
  return [
    ['status', report.status],
    ['branch', report.branch ?? ''],
    ['pr_url', report.pr_url ?? ''],
    ['cost_usd', report.cost_usd === null ? '' : String(report.cost_usd)],
  ];
}

/**
 * `name=value` lines; a value with a line break in the heredoc form
 * (`name<<DELIM` … `DELIM`) with a delimiter the value does not contain, so no value
 * can end its own entry early and set another output.
 */
export function githubOutputText(values: [string, string][], delimiter: () => string = () => `ARGO_EOF_${randomUUID()}`): string {
  let out = '';
  for (const [name, value] of values) {
    if (!/[\r\n]/.test(value)) {
      out += `${name}=${value}\n`;
      continue;
    }
    let delim = delimiter();
    while (value.includes(delim)) delim = delimiter();
    out += `${name}<<${delim}\n${value}\n${delim}\n`;
  }
  return out;
}

/** Appends the summary and the outputs to the files Actions names; nothing without them. */
export function writeGithubFiles(report: RunReport, env: NodeJS.ProcessEnv): void {
  const summary = env.GITHUB_STEP_SUMMARY;
  if (summary) appendFileSync(summary, stepSummaryMarkdown(report));
  const output = env.GITHUB_OUTPUT;
  if (output) appendFileSync(output, githubOutputText(outputValues(report)));
}
