// workflow.kind "review" (issue 22): agents review a branch or a commit range and write
// findings; nothing is merged. Pure: the settings read from config (review_run.range,
// review_run.reviewers), the reviewer's prompt, the findings document, the state's summary
// (root `reviews`) and what status shows of it. The runs themselves are review/run.ts.
import { branchNameProblem } from '../components.js';
import { isRecord as isObj } from '../../core/record.js';

/** review_run.range as written: `A..B`, `A...B` (from their merge base), or one branch or commit (from main/master). */
export interface ReviewRange {
  /** The text as configured. */
  text: string;
  /** The base revision; null: main, else master (a single branch or commit). */
  base: string | null;
  tip: string;
  /** `A...B`: the base is the merge base of A and B. */
  mergeBase: boolean;
}

export interface ReviewSettings {
  range: ReviewRange;
  /** Agent preset names; empty: the workflow's CI tool (ci.agent) reviews. */
  reviewers: string[];
}

/** At most this many reviewers (each is an agent run in parallel). */
export const MAX_REVIEWERS = 8;

const shown = (v: unknown) => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? s.slice(0, 79) + '…' : s;
};
const RANGE_ACCEPTED = 'a branch or commit ("feature": its changes since main/master), "A..B" or "A...B" (branches, tags or commits)';

/** A revision as an operand: a ref name git accepts, or a commit id; never an option. */
export function revisionProblem(rev: string): string | undefined {
  if (rev === '') return 'an empty side';
  if (/^[0-9a-f]{7,64}$/i.test(rev)) return undefined;
  if (rev.length > 200) return 'longer than 200 characters';
  const problem = branchNameProblem(rev.replace(/^refs\//, ''));
  return problem && `"${rev}": ${problem}`;
}

/** review_run.range read: the two sides, each a safe revision. */
export function parseRange(text: string): ReviewRange | string {
  const three = text.split('...');
  const parts = three.length === 2 ? three : text.split('..');
  if (parts.length > 2) return `more than one ".." in it`;
  const [base, tip] = parts.length === 2 ? [parts[0]!, parts[1]!] : [null, parts[0]!];
  for (const side of base === null ? [tip] : [base, tip]) {
    const p = revisionProblem(side);
    if (p) return p === 'an empty side' ? 'a side of the range is empty' : p;
  }
  return { text, base, tip, mergeBase: three.length === 2 };
}

/** review_run.range and review_run.reviewers, or the first problem (naming the key, the value and what is accepted). */
export function readReviewSettings(config: unknown): { settings: ReviewSettings } | { problem: string } {
  const run = isObj(config) ? config.review_run : undefined;
  if (!isObj(run)) return { problem: `review_run is ${shown(run ?? null)} in config.json (workflow.kind is "review"); accepted: an object {"range": "main..feature", "reviewers": ["claude"]}` };
  if (typeof run.range !== 'string' || run.range === '') return { problem: `review_run.range is ${shown(run.range ?? null)} in config.json; accepted: ${RANGE_ACCEPTED}` };
  const range = parseRange(run.range);
  if (typeof range === 'string') return { problem: `review_run.range is ${shown(run.range)} in config.json (${range}); accepted: ${RANGE_ACCEPTED}` };
  const raw = run.reviewers ?? [];
  const list = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(list) || !list.every((r) => typeof r === 'string' && /^[a-z][a-z0-9-]*$/.test(r)) || list.length > MAX_REVIEWERS) {
    return { problem: `review_run.reviewers is ${shown(raw)} in config.json; accepted: a list of up to ${MAX_REVIEWERS} agent preset names (e.g. ["claude", "codex"]), or absent for ci.agent` };
  }
  return { settings: { range, reviewers: list as string[] } };
}

/** A reviewer's findings id (`.argo-project/reviews/<id>.md`): the workflow's start and the reviewer, unique within the run. */
export function reviewIds(stamp: string, reviewers: readonly string[]): string[] {
  const seen = new Map<string, number>();
  const clean = stamp.replace(/[^0-9A-Za-z]/g, '');
  return reviewers.map((r) => {
    const name = r.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 32) || 'reviewer';
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    return `${clean}-${name}${n > 1 ? `-${n}` : ''}`;
  });
}

/** What the reviewer is shown of the range: the diff itself up to this size, else how to get it. */
export const DIFF_IN_PROMPT_BYTES = 100 * 1024;

export interface RangeFacts {
  base: string;
  tip: string;
  commits: string;
  stat: string;
  /** The diff, or null when it is larger than DIFF_IN_PROMPT_BYTES (the reviewer runs git itself). */
  diff: string | null;
}

/**
 * The whole prompt stays under this: an agent gets it as one argv string, which Linux caps at
 * 128 KiB (AGENT-CLIS.md). The diff goes in only when it fits; long lists are cut with a count.
 */
export const PROMPT_LIMIT_BYTES = 120 * 1024;
const LIST_LINES = 200;

/** At most `n` lines of a listing, then how many more there are. */
function cutLines(text: string, n: number): string {
  const lines = text.trimEnd().split('\n');
  if (text.trim() === '') return '(none)';
  return lines.length <= n ? lines.join('\n') : [...lines.slice(0, n), `… and ${lines.length - n} more`].join('\n');
}

/** The reviewer's prompt: read-only, the range and its diff, findings as its final message in one documented form. */
export function reviewPrompt(range: ReviewRange, facts: RangeFacts, query: string): string {
  const diffCommand = `git diff ${facts.base} ${facts.tip}`;
  const head = [
    `You are reviewing the changes ${range.text} (${facts.base.slice(0, 12)}..${facts.tip.slice(0, 12)}) of this repository. Your working directory is a checkout of the newest commit of the range.`,
    '',
    'Do not change anything: no edits, no commits, no branches, no git commands that write. Only read and report.',
    ...(query.trim() ? ['', 'What to look for:', query] : []),
    '',
    'The commits:',
    cutLines(facts.commits, LIST_LINES),
    '',
    'The files changed:',
    cutLines(facts.stat, LIST_LINES),
    '',
  ];
  const tail = [
    '',
    'Answer with your findings as your final message, in Markdown: one finding per line, in the form',
    '- [high] path/to/file:line - what is wrong and why',
    '(severity high, medium or low). Then a short overall verdict. If you find nothing to fix, say "No findings."',
  ];
  const withDiff = facts.diff !== null ? [...head, 'The diff:', '```diff', facts.diff.replace(/\n+$/, ''), '```', ...tail].join('\n') : null;
  if (withDiff !== null && Buffer.byteLength(withDiff) <= PROMPT_LIMIT_BYTES) return withDiff;
  return [...head, `The diff is too large to show here: run \`${diffCommand}\` (read-only) to read it.`, ...tail].join('\n');
}

export type Severity = 'high' | 'medium' | 'low';
const FINDING = /^\s*(?:[-*]|\d+[.)])\s+\[(high|medium|low)\]/i;

/** The findings of an answer by severity: its lines in the documented form. */
export function countFindings(text: string): Record<Severity, number> {
  const out: Record<Severity, number> = { high: 0, medium: 0, low: 0 };
  for (const line of text.split('\n')) {
    const m = FINDING.exec(line);
    if (m) out[m[1]!.toLowerCase() as Severity]++;
  }
  return out;
}

/** One reviewer's entry in state `reviews.reviewers`. */
export interface ReviewerRecord {
  id: string;
  reviewer: string;
  status: 'done' | 'failed';
  findings: number;
  by_severity: Record<Severity, number>;
  /** The findings file (absolute). */
  file: string;
  error: string | null;
  /** What the reviewer changed although told not to (refs moved, files changed); [] when nothing. */
  moved: string[];
  usage?: unknown;
}

/** The findings document of one reviewer. */
export function findingsDocument(r: Pick<ReviewerRecord, 'id' | 'reviewer' | 'status' | 'error' | 'moved'>, range: ReviewRange, facts: Pick<RangeFacts, 'base' | 'tip'>, text: string, at: string): string {
  return [
    `# Review ${r.id}`,
    '',
    `- range: ${range.text} (${facts.base}..${facts.tip})`,
    `- reviewer: ${r.reviewer}`,
    `- written: ${at}`,
    `- status: ${r.status}${r.error ? ` (${r.error})` : ''}`,
    ...(r.moved.length > 0 ? [`- WARNING: the reviewer changed the repository: ${r.moved.join('; ')}`] : []),
    '',
    '## Findings',
    '',
    text.trim() || '(no answer)',
    '',
  ].join('\n');
}

/** What status shows of state `reviews` (null when the workflow has none). */
export interface ReviewsView {
  range: string;
  base: string | null;
  tip: string | null;
  reviewers: { id: string; reviewer: string; status: string; findings: number; by_severity: Record<Severity, number>; file: string; error: string | null; moved: string[] }[];
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const int = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export function reviewsOf(v: unknown): ReviewsView | null {
  if (!isObj(v)) return null;
  const rows = Array.isArray(v.reviewers) ? v.reviewers.filter(isObj) : [];
  return {
    range: str(v.range),
    base: str(v.base) || null,
    tip: str(v.tip) || null,
    reviewers: rows.map((r) => {
      const s = isObj(r.by_severity) ? r.by_severity : {};
      return {
        id: str(r.id),
        reviewer: str(r.reviewer),
        status: str(r.status),
        findings: int(r.findings),
        by_severity: { high: int(s.high), medium: int(s.medium), low: int(s.low) },
        file: str(r.file),
        error: str(r.error) || null,
        moved: Array.isArray(r.moved) ? r.moved.map(str).filter((x) => x !== '') : [],
      };
    }),
  };
}

/** Each reviewer's recorded usage (state `reviews.reviewers[].usage`), for the workflow's totals. */
export function reviewUsages(v: unknown): unknown[] {
  return isObj(v) && Array.isArray(v.reviewers) ? v.reviewers.filter(isObj).map((r) => r.usage).filter((u) => isObj(u)) : [];
}

/** The status text's lines for a review workflow. */
export function reviewLines(v: ReviewsView): string[] {
  const out = ['', `Review of ${v.range}${v.base && v.tip ? ` (${v.base.slice(0, 12)}..${v.tip.slice(0, 12)})` : ''}: nothing is merged`];
  for (const r of v.reviewers) {
    const sev = r.findings > 0 ? ` (${(['high', 'medium', 'low'] as const).filter((k) => r.by_severity[k] > 0).map((k) => `${r.by_severity[k]} ${k}`).join(', ')})` : '';
    const head = r.status === 'done' ? `${r.findings} finding${r.findings === 1 ? '' : 's'}${sev}` : `failed${r.error ? `: ${r.error}` : ''}`;
    out.push(`  ${r.reviewer}: ${head} - ${r.file}`);
    if (r.moved.length > 0) out.push(`    WARNING: changed the repository: ${r.moved.join('; ')}`);
  }
  return out;
}
