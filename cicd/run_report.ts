// The RunReport (cicd/report.ts) of a workflow `argo run` ran: built from the view of its
// state (view/model.ts) and what the edge read besides (verify output tails, diff stats).
// Pure: the caller reads the files and git; this only arranges what they read.
import type { BuilderRow, View } from '../view/model.js';
import { RUN_EXIT, type BuilderReport, type RunReport, type RunStatus } from './report.js';

/** What the edge read for the report, beyond the view. */
export interface ReportInput {
  status: RunStatus;
  reason: string;
  query: string;
  template: string | null;
  /** merge.target in force (--branch), null: the original's main/master. */
  branch: string | null;
  started: string;
  ended: string;
  rerun: string;
  /** verify.command in force (the builders' own check), null: none. */
  verifyCommand: string | null;
  /** The merge gate's command (verify.merge_command, else verify.command), null: no gate. */
  gateCommand: string | null;
  /** The last part of each builder's gate output file, by id (read by the edge). */
  gateTails?: Record<string, string>;
  /** `git diff --shortstat` of each builder's merged work, by id. */
  diffstats?: Record<string, string>;
  /** The tail of each builder's log, by id (agentSummary finds the agent's own lines in it). */
  logTails?: Record<string, string>;
}

/** argo's own log lines (`[<UTC time>] <event> - …`); every other line is the agent's output. */
const OWN_LINE = /^\[\d{4}-\d\d-\d\dT[\d:]+Z\] /;

/** The agent's last words in a builder log's tail: its own lines, the last 20, at most 2000 characters; null when none. */
export function agentSummary(logTail: string | undefined): string | null {
  if (!logTail) return null;
  const said = logTail.split('\n').filter((l) => l.trim() !== '' && !OWN_LINE.test(l)).slice(-20).join('\n').trim();
  return said ? (said.length > 2000 ? '…' + said.slice(-1999) : said) : null;
}

/** A builder's last verify run: the merge gate's when it ran there, else its own check's. */
export function verifyOf(b: BuilderRow, input: Pick<ReportInput, 'verifyCommand' | 'gateCommand' | 'gateTails'>): BuilderReport['verify'] {
  const m = b.merge_detail;
  if (m && m.attempts > 0 && input.gateCommand) {
    const passed = m.status !== 'verify_failed';
    return { command: input.gateCommand, passed, output_tail: input.gateTails?.[b.id] ?? (passed ? '' : m.message ?? '') };
  }
  if (!input.verifyCommand) return null;
  if (b.failure === 'verify') return { command: input.verifyCommand, passed: false, output_tail: b.failure_message ?? '' };
  // A builder completes only after its check passed (agents/build.ts); one that failed otherwise never reached it.
  if (b.status === 'completed' || b.status === 'merged' || b.merge !== null) return { command: input.verifyCommand, passed: true, output_tail: '' };
  return null;
}

function builderReport(b: BuilderRow, input: ReportInput): BuilderReport {
  const failure = b.failure ? (b.failure_message ? `${b.failure}: ${b.failure_message}` : b.failure) : null;
  const summary = b.review?.reply ?? agentSummary(input.logTails?.[b.id]);
  return {
    id: b.id,
    description: b.description,
    status: b.merge === 'merged' || b.merge === 'resolved_by_agent' ? 'merged' : b.status,
    failure,
    verify: verifyOf(b, input),
    cost_usd: b.usage?.cost_usd ?? null,
    tokens: b.usage ? { input: b.usage.input_tokens, output: b.usage.output_tokens } : null,
    diffstat: input.diffstats?.[b.id] ?? null,
    summary: summary ? summary.trim().slice(0, 2000) : null,
  };
}

/** The report of the workflow `v` shows, ended with `input.status`. */
export function buildRunReport(v: View, input: ReportInput): RunReport {
  const anyUsage = v.totals.input_tokens + v.totals.output_tokens > 0;
  const merged = v.builders.some((b) => b.merge === 'merged' || b.merge === 'resolved_by_agent');
  return {
    status: input.status,
    exit_code: RUN_EXIT[input.status],
    reason: input.reason,
    project: v.project.path,
    query: input.query || v.user_query,
    template: input.template,
    phase: v.phase,
    action_owner: v.action_owner,
    action_needed: v.action_needed,
    branch: merged ? (input.branch ?? v.merge?.target ?? null) : null,
    pr_url: null,
    plan: (v.design?.components ?? []).map((c) => ({ id: c.id, description: c.description, paths: c.paths ?? [], depends_on: c.depends_on ?? [] })),
    builders: v.builders.map((b) => builderReport(b, input)),
    cost_usd: v.totals.cost_usd,
    tokens: anyUsage ? { input: v.totals.input_tokens, output: v.totals.output_tokens } : null,
    started: input.started,
    ended: input.ended,
    rerun: input.rerun,
  };
}

/** The run in one line: the builders by status, the cost, the branch. */
export function resultLine(r: RunReport): string {
  const counts = new Map<string, number>();
  for (const b of r.builders) counts.set(b.status, (counts.get(b.status) ?? 0) + 1);
  const builders = r.builders.length ? `${r.builders.length} builder(s): ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}` : 'no builders';
  const cost = r.cost_usd !== null ? `; cost ${Math.round(r.cost_usd * 1e4) / 1e4} USD` : '';
  return `result: ${builders}${cost}; branch ${r.branch ?? '(nothing merged)'}${r.pr_url ? `; pull request ${r.pr_url}` : ''}`;
}
