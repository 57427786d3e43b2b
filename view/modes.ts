// The view of the bugfix and best_of_n modes (issue 22): state roots `bugfix` (the red and
// green runs, the refusal) and `best_of_n` (the candidates with their cost, the winner, why,
// the kept refs), read leniently (pure), and their status lines.
import { isRecord as isObj } from '../core/record.js';

export interface BugfixRunView {
  command: string;
  passed: boolean;
  exit_code: number | null;
  builder: string | null;
  at: string | null;
  output_tail: string;
  log: string | null;
}

export interface BugfixView {
  red: BugfixRunView | null;
  green: BugfixRunView | null;
  refused: string | null;
}

export interface BestOfNView {
  workflow_id: string | null;
  winner: string | null;
  reason: string | null;
  candidates: { id: string; agent: string | null; status: string; verify_passed: boolean | null; diff_lines: number | null; cost_usd: number | null; kept_ref: string | null }[];
  judge: { preset: string; pick: string | null; why: string | null; cost_usd: number | null } | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);

function runOf(v: unknown): BugfixRunView | null {
  if (!isObj(v)) return null;
  return { command: str(v.command) ?? '', passed: v.passed === true, exit_code: num(v.exit_code), builder: str(v.builder), at: str(v.at), output_tail: str(v.output_tail) ?? '', log: str(v.log) };
}

export function bugfixOf(v: unknown): BugfixView | null {
  if (!isObj(v)) return null;
  return { red: runOf(v.red), green: runOf(v.green), refused: str(v.refused) };
}

export function bestOfNOf(v: unknown): BestOfNView | null {
  if (!isObj(v)) return null;
  const candidates = (Array.isArray(v.candidates) ? v.candidates : []).filter(isObj).map((c) => ({
    id: str(c.id) ?? '?', agent: str(c.agent), status: str(c.status) ?? '?', verify_passed: bool(c.verify_passed), diff_lines: num(c.diff_lines), cost_usd: num(c.cost_usd), kept_ref: str(c.kept_ref),
  }));
  const j = isObj(v.judge) ? v.judge : null;
  return { workflow_id: str(v.workflow_id), winner: str(v.winner), reason: str(v.reason), candidates, judge: j ? { preset: str(j.preset) ?? '?', pick: str(j.pick), why: str(j.why), cost_usd: num(j.cost_usd) } : null };
}

const money = (n: number | null) => (n === null ? '-' : `$${n.toFixed(4)}`);

function runLine(name: 'red' | 'green', r: BugfixRunView): string {
  const how = r.passed ? 'passed' : `failed (exit status ${r.exit_code ?? '?'})`;
  const expected = name === 'red' ? !r.passed : r.passed;
  return `  ${name}: ${r.command} ${how} in ${r.builder ?? '?'}${r.at ? ` at ${r.at}` : ''} - ${expected ? 'as required' : 'NOT as required'}${r.log ? ` (output: ${r.log})` : ''}`;
}

/** The status lines of the modes (none when the state has neither root). */
export function modeLines(v: { bugfix: BugfixView | null; best_of_n: BestOfNView | null }): string[] {
  const out: string[] = [];
  if (v.bugfix) {
    out.push('', 'Bugfix (test first):');
    if (v.bugfix.red) out.push(runLine('red', v.bugfix.red));
    if (v.bugfix.green) out.push(runLine('green', v.bugfix.green));
    if (v.bugfix.refused) out.push(`  refused: ${v.bugfix.refused}`);
  }
  const b = v.best_of_n;
  if (b) {
    out.push('', b.winner ? `Best of ${b.candidates.length}: ${b.winner} won - ${b.reason ?? ''}` : `Best of ${b.candidates.length}: no winner - ${b.reason ?? ''}`);
    for (const c of b.candidates) {
      const verify = c.verify_passed === true ? 'verify passed' : c.verify_passed === false ? 'verify failed' : `not verified (${c.status})`;
      const where = c.id === b.winner ? 'merged' : c.kept_ref ? `kept as ${c.kept_ref}` : 'not kept';
      out.push(`  ${c.id}${c.agent ? ` (${c.agent})` : ''}: ${verify}, diff ${c.diff_lines ?? '?'} lines, cost ${money(c.cost_usd)} - ${where}`);
    }
    if (b.judge) out.push(`  judge ${b.judge.preset}: ${b.judge.pick ? `picked ${b.judge.pick}` : 'named no candidate'}${b.judge.why ? ` (${b.judge.why})` : ''}, cost ${money(b.judge.cost_usd)}`);
  }
  return out;
}

/** The next step when a mode handed the workflow to the person (action_needed review_bugfix / review_best_of_n); null otherwise. */
export function modeNextStep(
  v: { action_needed: string; bugfix: BugfixView | null; best_of_n: BestOfNView | null; error: { last_error: string } | null; builders: readonly { id: string; status: string; worktree?: string | null }[] },
  argo: string,
  p: string,
  withResume: (cmds: string[]) => string[],
): { what: string; commands: string[] } | null {
  const why = v.error?.last_error || v.bugfix?.refused || v.best_of_n?.reason || 'see argo logs';
  const failed = v.builders.some((b) => b.status === 'failed');
  if (v.action_needed === 'review_bugfix') {
    const stage = v.bugfix?.green ? 'green' : 'red';
    const id = stage === 'red' ? 'bugfix-test' : 'bugfix-fix';
    const how = failed ? 'retry the failed builder' : `change the work of ${id} in its worktree (commit it there), then merge again to judge ${stage} again`;
    return { what: `Bugfix stopped, nothing merged: ${why}. To go on: ${how}; or start a new workflow.`, commands: withResume([failed ? `${argo} retry ${p}` : `${argo} merge ${p}`]) };
  }
  if (v.action_needed === 'review_best_of_n') {
    return { what: `No candidate can be merged: ${why}. Retry the candidates that failed, or look at the kept refs (git log refs/argo/kept/…).`, commands: withResume(failed ? [`${argo} retry ${p}`] : []) };
  }
  return null;
}
