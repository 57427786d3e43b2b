// Text renderers of the view: the original status block (COMPAT §5.3, line for line),
// then builders, merge, errors, the next step and totals; and a one-line summary for
// non-TTY --watch output. Colour is passed in, never guessed here.
import { reviewLines } from '../workflow/kinds/review.js';
import type { BuilderRow, View } from './model.js';
import { localOffset, waitText } from './waiting.js';
import { fileList, printable, whereText } from './merge.js';
import { modeLines } from './modes.js';
import { shellWord } from './model.js';

const RULE = '='.repeat(42);

export interface Paint {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

const id = (s: string) => s;
export const NO_PAINT: Paint = { bold: id, dim: id, red: id, green: id, yellow: id, cyan: id };
const sgr = (code: string) => (s: string) => `\x1b[${code}m${s}\x1b[0m`;
export const ANSI_PAINT: Paint = { bold: sgr('1'), dim: sgr('2'), red: sgr('31'), green: sgr('32'), yellow: sgr('33'), cyan: sgr('36') };

/** Colour only on a terminal, and never when NO_COLOR is set to anything non-empty. */
export function paintFor(isTTY: boolean | undefined, env: Record<string, string | undefined>): Paint {
  return isTTY && !env.NO_COLOR ? ANSI_PAINT : NO_PAINT;
}

/** The original's lines, unchanged and in order (COMPAT §5.3). */
export function originalLines(v: View): string[] {
  const lines = [RULE, 'Argo Workflow Status', RULE, '', `Project: ${v.project.name}`, `Path: ${v.project.path}`, ''];
  lines.push(`Current Phase: ${v.phase}`, `Action Owner: ${v.action_owner}`, `Action Needed: ${v.action_needed}`);
  lines.push(`Last Update: ${v.last_update}`, '');
  if (v.user_query) lines.push(`User Query: ${v.user_query}`, '');
  lines.push(`Orchestrator: ${v.orchestrator.text}`, '', RULE);
  return lines;
}

export function duration(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 60) return `${seconds}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export const money = (usd: number | null) => (usd === null ? '-' : `$${usd.toFixed(usd < 1 ? 4 : 2)}`);
const tokens = (b: BuilderRow) => (b.usage ? `${b.usage.input_tokens}/${b.usage.output_tokens}` : '-');

function statusColour(p: Paint, status: string): (s: string) => string {
  if (status === 'completed' || status === 'merged' || status === 'resolved_by_agent') return p.green;
  if (status === 'failed' || status === 'conflict' || status === 'verify_failed') return p.red;
  if (status === 'running') return p.cyan;
  if (status === 'interrupted') return p.yellow;
  return id;
}

function table(rows: string[][], p: Paint, colour: (row: number, col: number) => (s: string) => string): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r, i) =>
    '  ' +
    r
      .map((cell, c) => {
        const padded = c === r.length - 1 ? cell : cell.padEnd(widths[c]!);
        return i === 0 ? p.bold(padded) : colour(i, c)(padded);
      })
      .join('  ')
      .trimEnd(),
  );
}

const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

/** Dependency waves: which builders form each wave, and who waits for what. None without waves. */
function waveLines(v: View): string[] {
  const numbered = v.builders.filter((b) => b.wave !== null);
  if (numbered.length === 0) return [];
  const waves = [...new Set(numbered.map((b) => b.wave!))].sort((a, b) => a - b);
  const out = ['', `Waves: ${waves.map((w) => `${w}: ${numbered.filter((b) => b.wave === w).map((b) => b.id).join(' ')}`).join(' | ')}`];
  for (const b of v.builders) if (b.waiting_for.length > 0) out.push(`  ${b.id}: waiting for: ${b.waiting_for.join(', ')}`);
  return out;
}

/** When "now" is and how far east of UTC the reader's clock is (a limit wait's `until 15:02`). */
export interface Clock {
  now: number;
  offsetMinutes: number;
}

const localClock = (): Clock => ({ now: Date.now(), offsetMinutes: localOffset(Date.now()) });

/** Spend per agent, when more than one agent worked (ci.fallback took over). */
function byAgentLine(v: View, p: Paint): string[] {
  const agents = Object.entries(v.totals.by_agent ?? {});
  if (agents.length < 2) return [];
  return [`${p.bold('By agent:')} ${agents.map(([a, u]) => `${a} ${money(u.cost_usd)} (tokens ${u.input_tokens} in / ${u.output_tokens} out)`).join(', ')}`];
}

/** A time of day (the viewer's zone), from an ISO time; the text itself when it is none. */
function clockTime(iso: string, seconds: boolean): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  const d = new Date(t);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}${seconds ? `:${two(d.getSeconds())}` : ''}`;
}

/**
 * Each preset's quota (issue 19): how many of its builders run, at most how many at once,
 * and until when it is rate-limited. (A waiting builder's own reason and resume time are in
 * its STATUS cell, view/waiting.ts.)
 */
function limitLines(v: View): string[] {
  const out: string[] = [];
  for (const [name, q] of Object.entries(v.quota)) {
    const held = q.limited_until ? `, rate-limited until ${clockTime(q.limited_until, false)}` : '';
    out.push(`  ${name}: ${q.running} of ${q.builders} running${q.cap !== null ? ` (at most ${q.cap} at once)` : ''}${held}`);
  }
  return out.length > 0 ? ['', 'Limits:', ...out] : [];
}

/** What status.sh adds after the original block. */
export function extraLines(v: View, p: Paint, clock: Clock = localClock()): string[] {
  const out: string[] = [];
  if (v.limits.problems.length) {
    out.push('');
    for (const x of v.limits.problems) out.push(p.red(`ERROR: ${x.text}`));
  }
  if (v.builders.length) {
    out.push('', p.bold('Builders:'));
    const rows = [['ID', 'STATUS', 'ELAPSED', 'EXIT', 'FAILURE', 'TOKENS in/out', 'COST', 'MERGE', 'LAST LOG LINE']];
    for (const b of v.builders) {
      rows.push([
        b.id,
        waitText(b, clock.now, clock.offsetMinutes) ?? b.status,
        duration(b.elapsed_seconds),
        b.exit_code === null ? '-' : String(b.exit_code),
        b.failure ?? '-',
        tokens(b),
        money(b.usage?.cost_usd ?? null),
        b.merge ?? '-',
        clip((b.last_log_line ?? '').replace(/^\[[^\]]*\] /, ''), 60),
      ]);
    }
    out.push(...table(rows, p, (r, c) => (c === 1 ? statusColour(p, v.builders[r - 1]!.status) : c === 7 ? statusColour(p, v.builders[r - 1]!.merge ?? '') : id)));
    // Why each failed builder failed, in the agent's words (the last log line is often the
    // merge's); a bare exit status is in the EXIT column already.
    out.push(...waveLines(v));
    out.push(...limitLines(v));
    const why = v.builders.filter((b) => b.status === 'failed' && b.failure_message && b.failure !== 'exit');
    if (why.length) {
      out.push('', p.red('Failures:'));
      for (const b of why) out.push(`  ${b.id}: ${b.failure_message}`);
    }
  }
  if (v.design?.rejected.length && v.action_needed === 'approve_design') {
    out.push('', p.yellow(`Rejected components (${v.design.rejected.length}):`));
    for (const r of v.design.rejected) out.push(`  ${r.id ?? '(no id)'}: ${r.reason}`);
  }
  if (v.design?.warnings.length && v.action_needed === 'approve_design') {
    out.push('', p.yellow(`Plan warnings (${v.design.warnings.length}):`));
    for (const w of v.design.warnings) out.push(`  ${w}`);
  }
  if (v.merge) {
    const parts = (['merged', 'conflicts', 'skipped', 'missing', 'failed', 'resolved_by_agent', 'verify_failed'] as const)
      .filter((k) => v.merge![k].length)
      .map((k) => `${k}: ${v.merge![k].join(', ')}`);
    out.push('', `${p.bold('Merge')}${v.merge.target ? ` into ${v.merge.target}` : ''}: ${parts.join('; ') || 'nothing merged'}`);
  }
  out.push(...mergeOutcomeLine(v));
  out.push(...modeLines(v));
  if (v.reviews) out.push(...reviewLines(v.reviews).map(printable)); // names and errors from state
  if (v.conflicts.length) out.push(p.red(`Conflicts to resolve: ${v.conflicts.join(', ')}`));
  out.push(...stepInLines(v, p));
  if (v.halt_reason) out.push(p.red(`Execution halted: ${v.halt_reason}`));
  if (v.budget.limit_usd !== null || v.action_needed === 'review_budget') out.push(...budgetLines(v, p));
  if (v.error) {
    out.push('');
    if (v.error.last_error) out.push(p.red(`Last error: ${v.error.last_error}`));
    if (v.error.recovery_action) out.push(`Recovery: ${v.error.recovery_action}`);
  }
  out.push('', `${p.bold('Next:')} ${p.yellow(v.next.who)} - ${v.next.what}`);
  for (const c of v.next.commands) out.push(`  ${c}`);
  const t = v.totals;
  const counts = Object.entries(t.by_status).map(([s, n]) => `${n} ${s}`).join(', ');
  const usage = t.input_tokens || t.output_tokens ? `, tokens ${t.input_tokens} in / ${t.output_tokens} out` : '';
  out.push('', `${p.bold('Totals:')} ${t.builders} builders${counts ? ` (${counts})` : ''}${usage}, cost ${money(t.cost_usd)}`);
  out.push(...byAgentLine(v, p));
  return out;
}

/** The totals per merge status, once a builder carries a merge record (issue 20). */
function mergeOutcomeLine(v: View): string[] {
  if (!v.builders.some((b) => b.merge_detail !== null)) return [];
  return [`Merge outcomes: ${Object.entries(v.totals.by_merge).map(([s, n]) => `${n} ${s}`).join(', ')}`];
}

/** How many file names the status text lists per builder (--json carries up to MAX_FILES_SHOWN). */
const FILES_IN_TEXT = 20;

/**
 * Where a person steps in (issue 20): each builder whose conflict or failed verify gate is
 * theirs — the files, the worktree and branch to work in, the diff (its size, or why it is
 * not shown), the resolver's or the gate's message. Names from state are made printable.
 */
function stepInLines(v: View, p: Paint): string[] {
  const rows = v.builders.filter((b) => b.merge_detail && (b.merge_detail.status === 'conflict' || b.merge_detail.status === 'verify_failed'));
  if (rows.length === 0) return [];
  const out = ['', p.bold('Where to step in:')];
  for (const b of rows) {
    const d = b.merge_detail!;
    const head = d.status === 'conflict' ? `conflict in ${d.files_total} file${d.files_total === 1 ? '' : 's'}${d.files_total ? `: ${fileList(d, FILES_IN_TEXT)}` : ''}` : `the verify command failed on the merged tree after ${d.attempts} run${d.attempts === 1 ? '' : 's'}${d.output ? `: output ${printable(d.output)}` : ''}`;
    out.push(`  ${printable(b.id)}: ${p.red(head)}`);
    const where = whereText(d, shellWord);
    if (where) out.push(`    ${where}${d.target ? ` (target ${printable(d.target)})` : ''}`);
    if (d.diff_problem) out.push(`    ${d.diff_problem}`);
    else if (d.diff) out.push(`    diff: ${printable(d.diff)}${d.diff_bytes !== null ? ` (${d.diff_bytes} bytes)` : ''}`);
    if (d.message) out.push(`    ${d.status === 'conflict' ? 'resolver' : 'gate'}: ${printable(d.message)}`);
  }
  return out;
}

/** The budget and the spend so far per agent (shown when a budget is set or the workflow waits on it). */
function budgetLines(v: View, p: Paint): string[] {
  const b = v.budget;
  const limit = b.limit_usd === null ? 'no limit' : `${money(b.limit_usd)} (limits.max_cost_usd, ${b.source})`;
  const out = ['', `${p.bold('Budget:')} ${money(b.spent_usd)} spent of ${limit}`];
  for (const a of b.by_agent) out.push(`  ${a.agent}: ${money(a.cost_usd)} (${a.runs.join(', ')})`);
  return out;
}

export function statusText(v: View, p: Paint = NO_PAINT, clock?: Clock): string {
  return [...originalLines(v), ...extraLines(v, p, clock)].join('\n') + '\n';
}

/** One line per change for --watch on a pipe. */
export function summaryLine(v: View, at: string): string {
  const counts = Object.entries(v.totals.by_status).map(([s, n]) => `${s}=${n}`).join(' ');
  return `${at} phase=${v.phase} owner=${v.action_owner} needed=${v.action_needed}${counts ? ` builders: ${counts}` : ''} next=${v.next.who}`;
}
