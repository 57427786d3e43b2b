// workflow.kind "best_of_n" (issue 22), the pure half: the candidates' plan (the same task
// to N builders), each candidate as state root `best_of_n` records it, and the winner.
// The I/O (diff sizes, the judge, keeping the losers' refs) is phases/modes/best_of_n_merge.ts;
// the presets are checked in phases/modes/best_of_n_config.ts (they live in agents/).
import type { Component } from '../components.js';

/** What the settings give: one agent per candidate (null: the workflow's ci.agent / CI tool), and the judge. */
export interface BestOfNSettings {
  agents: (string | null)[];
  judge: string | null;
}

/** The candidates' ids: candidate-<n>, with the preset's name when each has its own. */
export function candidateId(n: number, agent: string | null): string {
  return agent ? `candidate-${n}-${agent}` : `candidate-${n}`;
}

/** The plan the person approves (no design agent): the same task N times, each with its agent. */
export function bestOfNPlan(task: string, s: BestOfNSettings): (Component & { agent: string | null })[] {
  const n = s.agents.length;
  return s.agents.map((agent, i) => ({
    id: candidateId(i + 1, agent),
    description: task,
    acceptance: `the verify command passes; the best of ${n} candidates is merged, the others are kept (refs/argo/kept/…)`,
    agent,
  }));
}

/** One candidate as state root `best_of_n.candidates` keeps it. */
export interface Candidate {
  id: string;
  /** The preset it ran with (null: the workflow's CI tool). */
  agent: string | null;
  status: string;
  /** true: completed through the verify gate; false: verify failed; null: not verified (no verify.command, or it never got there). */
  verify_passed: boolean | null;
  /** Lines added + removed on its branch since the base (null: unknown). */
  diff_lines: number | null;
  cost_usd: number | null;
  /** refs/argo/kept/<workflow>/<id> for a candidate not merged (set once kept). */
  kept_ref?: string | null;
}

/** verify_passed from a builder row: completed (through the gate when there is one), a verify failure, else unknown. */
export function verifyPassed(row: { status: string; failure: string | null }, verify: boolean): boolean | null {
  if (row.status === 'completed') return verify ? true : null;
  if (row.failure === 'verify') return false;
  return null;
}

export interface Choice {
  winner: string | null;
  reason: string;
}

/**
 * The winner: only a completed candidate whose verify did not fail may win; among several,
 * the judge's pick when it named one of them, else the smallest diff (ties: the cheaper,
 * then the first). No candidate left: no winner, and why.
 */
export function chooseWinner(cands: readonly Candidate[], judge: { preset: string; pick: string | null; why?: string } | null = null): Choice {
  const ok = cands.filter((c) => c.status === 'completed' && c.verify_passed !== false);
  const out = cands.length - ok.length;
  const failedText = out > 0 ? `; ${out} did not pass (${cands.filter((c) => !ok.includes(c)).map((c) => c.id).join(', ')})` : '';
  if (ok.length === 0) return { winner: null, reason: `no candidate completed and passed verify (${cands.map((c) => `${c.id}: ${c.status}`).join(', ') || 'none'})` };
  const verified = ok.every((c) => c.verify_passed === true) ? 'passed verify' : 'completed (no verify.command)';
  if (ok.length === 1) return { winner: ok[0]!.id, reason: `the only candidate that ${verified}${failedText}` };
  if (judge) {
    const picked = ok.find((c) => c.id === judge.pick);
    if (picked) return { winner: picked.id, reason: `chosen by the judge (${judge.preset}) among the ${ok.length} that ${verified}${judge.why ? `: ${judge.why}` : ''}${failedText}` };
  }
  const size = (c: Candidate) => c.diff_lines ?? Number.POSITIVE_INFINITY;
  const cost = (c: Candidate) => c.cost_usd ?? Number.POSITIVE_INFINITY;
  const best = [...ok].sort((a, b) => size(a) - size(b) || cost(a) - cost(b) || ok.indexOf(a) - ok.indexOf(b))[0]!;
  const judged = judge ? ` (the judge ${judge.preset} named ${judge.pick === null ? 'none' : JSON.stringify(judge.pick)}, not one of them)` : '';
  return { winner: best.id, reason: `the smallest diff (${best.diff_lines ?? '?'} lines) among the ${ok.length} that ${verified}${judged}${failedText}` };
}

/** The ref a losing candidate is kept under (never deleted unproven: docs/SAFETY.md). */
export function keptRef(workflowId: string, builderId: string): string {
  return `refs/argo/kept/${workflowId}/${builderId}`;
}

/** A workflow id for the kept refs from the design's `created` time (2026-12-03T13:20:24Z → 20261203T132024Z). */
export function workflowIdOf(created: string): string {
  const compact = created.replace(/[-:]/g, '').replace(/\.\d+/, '');
  return /^[0-9]{8}T[0-9]{6}Z?$/.test(compact) ? compact : 'workflow';
}

/** The judge's answer read: `WINNER: <id>` naming a candidate, else the one candidate id it mentions; null: none. */
export function judgePick(answer: string, ids: readonly string[]): { pick: string | null; why: string | null } {
  const why = /^\s*WHY:\s*(.+)$/im.exec(answer)?.[1]?.trim().slice(0, 300) ?? null;
  const named = /WINNER:\s*`?([A-Za-z0-9._-]+)`?/i.exec(answer)?.[1];
  if (named && ids.includes(named)) return { pick: named, why };
  const mentioned = ids.filter((id) => new RegExp(`(^|[^A-Za-z0-9._-])${id.replace(/[.]/g, '\\.')}([^A-Za-z0-9_-]|$)`).test(answer));
  return { pick: mentioned.length === 1 ? mentioned[0]! : null, why };
}

/** The judge's prompt: the task and each candidate's diff (already cut to size by the caller). */
export function judgePrompt(task: string, cands: readonly { id: string; agent: string | null; diff: string }[]): string {
  return [
    `${cands.length} coding agents did the same task, each on its own branch, and each passed the project's verify command. Choose the best change: correct, complete, simple and consistent with the code around it.`,
    '', '<task>', task.trim(), '</task>', '',
    ...cands.flatMap((c) => [`<candidate id="${c.id}"${c.agent ? ` agent="${c.agent}"` : ''}>`, c.diff.trim() || '(no diff)', '</candidate>', '']),
    'Do not change any file. Answer with exactly two lines:',
    'WINNER: <the id of the best candidate>',
    'WHY: <one sentence>',
  ].join('\n');
}
