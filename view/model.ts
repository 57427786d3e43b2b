// The one view model: what a person should see of a workflow, as a pure function of
// the state document, the orchestrator's liveness and the log tails. status (text,
// --json, --watch), notifications and the dashboard all render this, so they can
// never disagree. Fields other helpers add (usage, failure, merge.target) are shown
// when present and ignored when absent.
import { reviewsOf, reviewUsages, type ReviewsView } from '../workflow/kinds/review.js';
import { fieldText } from '../workflow/dispatch.js';
import { problemText, readLimits, type EffectiveLimit, type LimitProblem } from '../workflow/limits.js';
import { readBuilders, type BuilderRecord } from '../store/builders.js';
import { sumUsageByAgent, usageByAgentOf } from '../store/usage.js';
import { limitWaitOf, type LimitWait } from './waiting.js';
import { reviewStep, reviewView, waitingForReview, type ReviewView } from './review_row.js';
import { bestOfNOf, bugfixOf, modeNextStep, type BestOfNView, type BugfixView } from './modes.js';
import { conflictDetails, idsWithMerge, mergeDetailOf, mergeTotals, printable, verifyFailedDetails, type MergeDetail, type MergeDiffRead } from './merge.js';
import { DEFAULT_CONFIG_FILE } from '../store/layout.js';
import { cycleText, findCycles } from '../workflow/plan_check.js';
import { BUDGET_KEY, raiseFile, spendSoFar, suggestedLimit, type AgentSpend } from '../workflow/budget.js';

/** Bumped when a field changes meaning or goes away (additions keep the version). */
export const VIEW_VERSION = 1;

export type Who = 'code' | 'ci' | 'user' | 'nobody';

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cost_usd: number | null;
}

/** The limit-wait fields (waiting_reason, resume_at, waits, max_waits) are view/waiting.ts's. */
export interface BuilderRow extends LimitWait {
  id: string;
  description: string;
  /**
   * As recorded, except `interrupted`: state says running but nothing runs it any more
   * (the workflow was stopped, or the orchestrator and the builder are gone).
   */
  status: string;
  started: string | null;
  completed: string | null;
  /** Seconds from start to completion (or to now while running, to the stop when interrupted); null before it starts. */
  elapsed_seconds: number | null;
  exit_code: number | null;
  /** Why it failed, when known: timeout | stalled | no_changes | verify | agent_error | dependency | exit. */
  failure: string | null;
  failure_message: string | null;
  usage: Usage | null;
  agent: string | null;
  model: string | null;
  session_id: string | null;
  /** ARGO_RUN_TOKEN of its last run: one attempt from another, even when both started in one second. */
  run_token: string | null;
  /** merged | conflict | resolved_by_agent | verify_failed | skipped (the row's merge record), else missing | failed (the root lists of older states), once merge_build has seen it. */
  merge: string | null;
  /** The row's merge record (issue 20; view/merge.ts): files, worktree, branch, diff … ; null when it has none (older states). */
  merge_detail: MergeDetail | null;
  last_log_line: string | null;
  /** Dependency waves: the builders it still waits for (status `waiting`); [] when none. */
  waiting_for: string[];
  /** Status `waiting` on a limit the agent reported (issue 19): rate_limit | usage_limit, the resume time (ISO), the waits so far; null otherwise. */
  waiting_reason: string | null;
  resume_at: string | null;
  waits: number | null;
  /** Dependency waves: 1 for a builder that depends on none, else one more than its latest dependency; null without waves (or in a cycle). */
  wave: number | null;
  /** Usage per agent (`usage_by_agent`; a fail-over runs more than one), null when none recorded. */
  usage_by_agent: Record<string, Usage> | null;
  /** The review gate's record (issue 21; view/review_row.ts, bounded), null when never reviewed. */
  review: ReviewView | null;
}

export interface NextStep {
  who: Who;
  /** One sentence: what has to happen next. */
  what: string;
  /** Commands that do it, ready to paste. */
  commands: string[];
}

export interface View {
  version: typeof VIEW_VERSION;
  project: { name: string; path: string };
  phase: string;
  action_owner: string;
  action_needed: string;
  last_update: string;
  user_query: string;
  orchestrator: { running: boolean; pid: number | null; text: string };
  /** The workflow reached storage. */
  ended: boolean;
  next: NextStep;
  /**
   * `rejected`: entries of the CI answer's list that could not be components, and why;
   * `warnings`: what the plan check found (design.warnings); `cycles`: the dependency cycles
   * of the components as they are now (`a → b → a`), which approval refuses;
   * `plan_followup`: the CI tool was asked a second time for the component list.
   */
  design: {
    summary: string;
    components: ViewComponent[];
    rejected: { id: string | null; reason: string }[];
    warnings: string[];
    cycles: string[];
    plan_followup: boolean;
    approved: boolean;
    usage: Usage | null;
  } | null;
  builders: BuilderRow[];
  /** workflow.kind bugfix: state root `bugfix` (the red and green runs, a refusal); null when absent (view/modes.ts). */
  bugfix: BugfixView | null;
  /** workflow.kind best_of_n: state root `best_of_n` (candidates with their cost, the winner, kept refs); null when absent. */
  best_of_n: BestOfNView | null;
  merge: {
    target: string | null;
    merged: string[];
    conflicts: string[];
    skipped: string[];
    missing: string[];
    failed: string[];
    /** Issue 20's root lists (absent in older states: []) and the strategy (null when not recorded). */
    resolved_by_agent: string[];
    verify_failed: string[];
    strategy: string | null;
    completed: string | null;
  } | null;
  /** The root merge_conflicts list (builder ids whose branches need resolving). */
  conflicts: string[];
  /**
   * Issue 20: the builders whose merge waits for a person (a conflict the resolver gave up
   * on, a verify gate failed out of retries; details in their merge_detail) and the one
   * command that continues once they are fixed; null when none does.
   */
  step_in: { conflict: string[]; verify_failed: string[]; command: string } | null;
  /** Why execution stopped early (execution.halt_reason: budget or time limit reached). */
  halt_reason: string | null;
  /**
   * Parallelism that follows the quota (execution.quota): per preset, how many may run at
   * once now, until when none starts (ISO, null: none held back), and its builders running
   * and in all (those whose usage names the preset, or none when it is the only preset).
   */
  quota: Record<string, { cap: number | null; limited_until: string | null; running: number; builders: number }>;
  error: { last_error: string; recovery_action: string; retry_count: number; hint: string } | null;
  totals: {
    builders: number;
    by_status: Record<string, number>;
    input_tokens: number;
    output_tokens: number;
    cache_read_tokens: number;
    /** null when no cost was recorded anywhere. */
    cost_usd: number | null;
    /** The builders' usage per agent (their usage_by_agent summed); {} when none recorded. */
    by_agent: Record<string, Usage>;
    /** Builders per merge status: merged, conflict, resolved_by_agent, verify_failed, skipped always (0 when none); missing, failed when an older state has them. */
    by_merge: Record<string, number>;
  };
  log_tail: string[];
  /**
   * Every limit in force and where it comes from (workflow/limits.ts: config.json, then
   * state.json, then the default), and each bad one (a handler refuses to run then).
   */
  limits: { effective: EffectiveLimit[]; problems: (LimitProblem & { text: string })[] };
  /**
   * The budget: limits.max_cost_usd in force (null: none, or a bad one), where it comes
   * from, and the spend so far — in total as the budget counts it, and per agent (workflow/budget.ts).
   */
  budget: { limit_usd: number | null; source: string; spent_usd: number | null; by_agent: AgentSpend[] };
  /** A review workflow's reviewers and findings (state root `reviews`, workflow.kind "review"); null when none. */
  reviews: ReviewsView | null;
}

/** A component of the design; the plan fields only when it has them (the dashboard's editor keeps them). */
export interface ViewComponent {
  id: string;
  description: string;
  paths?: string[];
  depends_on?: string[];
  acceptance?: string;
}

export interface ViewInput {
  /** Absolute project folder. */
  path: string;
  state: Record<string, unknown>;
  /**
   * The pid file: absent, or present with the pid it holds (null when unreadable);
   * `alive` when that pid is proven to be this project's orchestrator; `text` overrides
   * the status line's wording when the caller knows more (why a pid is not ours).
   */
  orchestrator: { pidFile: boolean; pid: number | null; alive: boolean; text?: string };
  /** Last lines of the workflow log, oldest first. */
  workflowLog: string[];
  /** Last non-empty line of each builder's log, by id. */
  builderLogs: Record<string, string>;
  /** Milliseconds since the epoch (elapsed time of running builders). */
  now: number;
  /** How to call the CLI in hints (this install's compat/argo, or `argo`). */
  argo: string;
  /** The project's config document (its `limits`, `verify.retries`); {} when absent. */
  config?: Record<string, unknown>;
  /** Why the config could not be read, when it could not. */
  configError?: string | null;
  /**
   * Running builders whose own process is still there (only asked when the orchestrator
   * is not running); missing ids are not.
   */
  builderAlive?: Record<string, boolean>;
  /** When each builder's log was last written (ms since the epoch), by id. */
  builderLogTimes?: Record<string, number>;
  /** What the edge read of each builder's merge diff (view/merge_diff.ts), by id; absent: not read. */
  mergeDiffs?: Record<string, MergeDiffRead>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A field as read_state prints it: null, missing and "null" are empty. */
const text = fieldText;
const textOrNull = (v: unknown) => text(v) || null;

function num(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map((x) => text(x)).filter((x) => x !== '') : [];
}

function parseTs(ts: string | null): number | null {
  if (!ts) return null;
  const t = Date.parse(ts);
  return Number.isFinite(t) ? t : null;
}

export function usageOf(v: unknown): Usage | null {
  if (!isObj(v)) return null;
  return {
    input_tokens: num(v.input_tokens) ?? 0,
    output_tokens: num(v.output_tokens) ?? 0,
    cache_read_tokens: num(v.cache_read_tokens) ?? 0,
    cost_usd: num(v.cost_usd),
  };
}

function failureOf(v: unknown, status: string, exit: number | null): { kind: string | null; message: string | null } {
  if (isObj(v)) return { kind: textOrNull(v.kind ?? v.reason ?? v.type), message: textOrNull(v.message ?? v.detail) };
  if (text(v)) return { kind: text(v), message: null };
  if (status === 'failed') return { kind: 'exit', message: exit !== null ? `exit status ${exit}` : null };
  return { kind: null, message: null };
}

/**
 * A `running` builder nothing runs any more: the execution handler recorded its stop
 * (`stopped`, after its start), or neither the orchestrator nor its own process is there.
 * Its time ends at the recorded stop, else at its log's last write.
 */
function interruptedAt(b: Obj, id: string, t0: number | null, input: ViewInput): { at: number | null } | null {
  const stopped = parseTs(textOrNull(b.stopped));
  if (stopped !== null && (t0 === null || stopped >= t0)) return { at: stopped };
  if (input.orchestrator.alive || input.builderAlive?.[id]) return null;
  const logged = input.builderLogTimes?.[id];
  return { at: logged !== undefined && (t0 === null || logged >= t0) ? logged : null };
}

/** A row's usage per agent as view usage; null when none is recorded. */
function byAgentOf(raw: Obj): Record<string, Usage> | null {
  const by = Object.entries(usageByAgentOf(raw));
  return by.length > 0 ? Object.fromEntries(by.map(([a, u]) => [a, usageOf(u)!])) : null;
}

const withMaxWaits = (b: BuilderRow, max: number | null): BuilderRow => (b.waits !== null ? { ...b, max_waits: max } : b);

/** View.quota from execution.quota and the builder rows. */
function quotaOf(v: unknown, builders: readonly BuilderRow[]): View['quota'] {
  const out: View['quota'] = {};
  const presets = isObj(v) ? Object.entries(v).filter(([, q]) => isObj(q)) : [];
  for (const [name, q] of presets as [string, Obj][]) {
    const mine = builders.filter((b) => b.agent === name || (b.agent === null && presets.length === 1));
    out[name] = { cap: num(q.cap), limited_until: textOrNull(q.limited_until), running: mine.filter((b) => b.status === 'running').length, builders: mine.length };
  }
  return out;
}

function builderRow(r: BuilderRecord, input: ViewInput, mergeOf: (id: string) => string | null): BuilderRow {
  const b = r.raw; // the failure object, merge and usage.agent/model come in several shapes
  const id = r.id || 'null';
  const waitingFor = r.waiting_for;
  // A pending builder the engine holds back for its dependencies: the view says so.
  const recorded = r.status === 'pending' && waitingFor.length > 0 ? 'waiting' : r.status || 'pending';
  const started = r.started || null;
  const completed = r.completed || null;
  const t0 = parseTs(started);
  const interrupted = recorded === 'running' ? interruptedAt(b, id, t0, input) : null;
  const status = interrupted ? 'interrupted' : recorded;
  const t1 = parseTs(completed) ?? (interrupted ? interrupted.at : status === 'running' ? input.now : null);
  const exit = num(b.exit_code);
  const failure = failureOf(b.failure, status, exit);
  // failure_message beside a plain failure kind (the runner's, a worker's): why, in the agent's words.
  if (failure.message === null && status === 'failed') failure.message = textOrNull(b.failure_message);
  const usage = isObj(b.usage) ? b.usage : {};
  // Issue 20's record first; then the shapes hand edits and older tools left.
  const perBuilderMerge = r.merge?.status ?? (isObj(b.merge) ? textOrNull(b.merge.status ?? b.merge.result) : textOrNull(b.merge));
  return {
    id,
    description: text(b.description),
    status,
    started,
    completed,
    elapsed_seconds: t0 !== null && t1 !== null ? Math.max(0, Math.round((t1 - t0) / 1000)) : null,
    exit_code: exit,
    failure: failure.kind,
    failure_message: failure.message,
    usage: usageOf(b.usage),
    agent: textOrNull(b.agent ?? usage.agent),
    model: textOrNull(usage.model ?? b.model),
    session_id: textOrNull(usage.session_id ?? b.session_id),
    run_token: textOrNull(b.run_token),
    merge: perBuilderMerge ?? mergeOf(id),
    merge_detail: mergeDetailOf(r.merge, input.mergeDiffs?.[id]),
    last_log_line: input.builderLogs[id] ?? null,
    waiting_for: waitingFor,
    wave: null,
    ...limitWaitOf(b, status, null),
    usage_by_agent: byAgentOf(b),
    review: reviewView(r),
  };
}

/** Each builder's wave (see BuilderRow.wave), from depends_on; all null when no builder depends on another. */
export function wavesOfBuilders(list: readonly Pick<BuilderRecord, 'id' | 'depends_on'>[]): Map<string, number | null> {
  const deps = new Map(list.map((b) => [b.id, b.depends_on.filter((d) => list.some((x) => x.id === d))]));
  const out = new Map<string, number | null>();
  const any = list.some((b) => b.depends_on.length > 0);
  const wave = (id: string, seen: Set<string>): number | null => {
    if (out.has(id)) return out.get(id)!;
    if (seen.has(id)) return null; // a cycle
    seen.add(id);
    let n: number | null = 1;
    for (const d of deps.get(id) ?? []) {
      const w = wave(d, seen);
      n = w === null || n === null ? null : Math.max(n, w + 1);
    }
    seen.delete(id);
    out.set(id, n);
    return n;
  };
  for (const b of list) any ? wave(b.id, new Set()) : out.set(b.id, null);
  return out;
}

// resolved_by_agent before merged: a builder the resolver merged is in both root lists.
const MERGE_KEYS = ['resolved_by_agent', 'merged', 'conflicts', 'verify_failed', 'skipped', 'missing', 'failed'] as const;
const MERGE_WORD: Record<(typeof MERGE_KEYS)[number], string> = {
  resolved_by_agent: 'resolved_by_agent',
  verify_failed: 'verify_failed',
  merged: 'merged',
  conflicts: 'conflict',
  skipped: 'skipped',
  missing: 'missing',
  failed: 'failed',
};

function mergeOf(v: unknown): View['merge'] {
  if (!isObj(v)) return null;
  const target = isObj(v.target) ? textOrNull(v.target.branch ?? v.target.name) : textOrNull(v.target);
  return {
    target,
    merged: strings(v.merged),
    conflicts: strings(v.conflicts),
    skipped: strings(v.skipped),
    missing: strings(v.missing),
    failed: strings(v.failed),
    resolved_by_agent: strings(v.resolved_by_agent),
    verify_failed: strings(v.verify_failed),
    strategy: textOrNull(v.strategy),
    completed: textOrNull(v.completed),
  };
}

function sumUsage(list: (Usage | null)[]): Usage | null {
  const present = list.filter((u): u is Usage => u !== null);
  if (present.length === 0) return null;
  const costs = present.map((u) => u.cost_usd).filter((c): c is number => c !== null);
  return {
    input_tokens: present.reduce((a, u) => a + u.input_tokens, 0),
    output_tokens: present.reduce((a, u) => a + u.output_tokens, 0),
    cache_read_tokens: present.reduce((a, u) => a + u.cache_read_tokens, 0),
    cost_usd: costs.length ? Math.round(costs.reduce((a, c) => a + c, 0) * 1e6) / 1e6 : null,
  };
}

/** The budget in force and the spend so far (per agent). */
function budgetOf(s: Obj, effective: EffectiveLimit[]): View['budget'] {
  const limit = effective.find((e) => e.key === BUDGET_KEY);
  const spend = spendSoFar(s);
  return { limit_usd: limit?.value ?? null, source: limit?.source ?? 'default', spent_usd: spend.total_usd, by_agent: spend.by_agent };
}

/** `s` as one bash word: left as it is when every character is safe, else single-quoted. */
export const shellWord = (s: string) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
const q = shellWord;

/** Who acts next and how, from the relay fields (pure). */
export function nextStep(v: Omit<View, 'next'>, argoPath: string): NextStep {
  const argo = q(argoPath); // an install folder may hold a blank too
  const p = q(v.project.path);
  const resume = `${argo} resume ${p}`;
  const running = v.orchestrator.running;
  const withResume = (cmds: string[]) => (running ? cmds : [...cmds, resume]);
  if (v.ended) {
    return { who: 'nobody', what: 'The workflow is finished (phase storage).', commands: [] };
  }
  if (v.limits.problems.length) {
    const texts = v.limits.problems.map((x) => x.text).join('; ');
    return {
      who: 'user',
      what: `Fix the limits before anything more runs (a handler refuses to start with a bad limit): ${texts}.`,
      commands: [`${argo} doctor ${p}`],
    };
  }
  const owner = v.action_owner;
  const needed = v.action_needed;
  if (owner === 'code') {
    if (running) return { who: 'code', what: `The orchestrator is running ${needed || v.phase}.`, commands: [`${argo} status --watch ${p}`] };
    return { who: 'user', what: `Nothing runs the workflow (the orchestrator is not running): resume it to run ${needed || v.phase}.`, commands: [resume] };
  }
  if (owner !== 'ci' && owner !== 'user') {
    return { who: 'user', what: `The action owner is '${owner}', not code, ci or user: start a workflow.`, commands: [`${argo} start "<what to build>" ${p}`] };
  }
  const who: Who = owner;
  const failedIds = v.builders.filter((b) => b.status === 'failed').map((b) => b.id);
  switch (needed) {
    case 'gather_requirements':
      return { who, what: 'Start a workflow with what to build.', commands: [`${argo} start "<what to build>" ${p}`] };
    case 'approve_design':
      return approveStep(v, who, `${argo} approve --components components.json ${p}`, `${argo} approve ${p}`, withResume);
    case 'resolve_conflicts': {
      const ids = v.conflicts.length ? v.conflicts : (v.merge?.conflicts ?? []);
      // Issue 20: each conflicted builder's files, worktree, branch and diff; an older state keeps the original sentence.
      const details = conflictDetails(v.builders, q);
      return {
        who,
        what: `Resolve the merge conflicts of ${ids.join(', ') || 'the builders'} on their branches, then merge again${details ? `: ${details}` : ''}.`,
        commands: withResume([`${argo} merge ${p}`]),
      };
    }
    case 'review_budget': {
      const file = raiseFile(v.budget.source);
      const raise = suggestedLimit(v.budget.limit_usd, v.budget.spent_usd ?? 0);
      return {
        who,
        what: `${v.halt_reason ?? 'The budget was reached'}: raise ${BUDGET_KEY} in ${file} with argo budget --raise <new total USD> to continue; the builders the budget stopped run again.`,
        commands: [`${argo} budget ${p} --raise ${raise}`, `${argo} budget ${p}`],
      };
    }
    case 'review_time_limit': {
      const limit = 'limits.max_workflow_hours';
      const from = v.limits.effective.find((e) => e.key === limit)?.source;
      const file = from && from !== 'default' ? from : DEFAULT_CONFIG_FILE;
      return {
        who,
        what: `${v.halt_reason ?? 'A limit was reached'}: raise ${limit} in ${file} if you want more, then retry the builders.`,
        commands: withResume([`${argo} status ${p}`, `${argo} retry ${p}`]),
      };
    }
    case 'review_builder':
      return { who, ...reviewStep(waitingForReview(v.builders), argo, p, q) };
    case 'review_merge':
      return reviewMergeStep(v, who, argo, p, failedIds, withResume);
    case 'review_bugfix':
    case 'review_best_of_n':
      return { who, ...modeNextStep(v, argo, p, withResume)! };
  }
  if (v.error) {
    return {
      who,
      what: `Fix the cause of the error, then hand control back to code to run ${needed || v.phase} again.`,
      commands: withResume([`${argo} logs ${p}`, `(cd ${p} && ${argo} state update action_owner code)`]),
    };
  }
  return { who, what: `Waiting for ${who} to do: ${needed || '(nothing named)'}.`, commands: running ? [] : [resume] };
}

/** View.step_in: who waits for a person at the merge, and `argo merge <project>`. */
function stepInOf(builders: readonly BuilderRow[], argo: string, path: string): View['step_in'] {
  const conflict = idsWithMerge(builders, 'conflict');
  const verifyFailed = idsWithMerge(builders, 'verify_failed');
  if (conflict.length + verifyFailed.length === 0) return null;
  return { conflict, verify_failed: verifyFailed, command: `${q(argo)} merge ${q(path)}` };
}

/** review_merge: what was not merged and why (failed builders; issue 20: a verify gate failed out of retries, conflicts left). */
function reviewMergeStep(v: Omit<View, 'next'>, who: Who, argo: string, p: string, failedIds: string[], withResume: (c: string[]) => string[]): NextStep {
  const verify = verifyFailedDetails(v.builders, q);
  const conflicts = conflictDetails(v.builders, q);
  const why = [
    failedIds.length ? `failed: ${failedIds.join(', ')}` : null,
    verify ? `the verify command failed on the merged tree: ${verify}` : null,
    conflicts ? `merge conflicts: ${conflicts}` : null,
  ].filter((x) => x !== null);
  const resolved = idsWithMerge(v.builders, 'resolved_by_agent');
  const agent = resolved.length ? ` (the resolver agent merged ${resolved.map(printable).join(', ')})` : '';
  return {
    who,
    what: `Some builders were not merged${why.length ? ` (${why.join('; ')})` : ''}${agent}: retry them or merge again.`,
    commands: withResume([...(failedIds.length ? [`${argo} retry ${p} ${failedIds.map(q).join(' ')}`] : []), `${argo} merge ${p}`]),
  };
}

/** An example of the list `argo approve --components FILE` takes (said where a design has none). */
export const COMPONENTS_EXAMPLE = '[{"id": "core", "description": "…", "paths": ["src/core/**"], "depends_on": [], "acceptance": "…"}]';

/**
 * The approval step: a design with no component list or with a dependency cycle cannot be
 * approved as it is, so only the editor is offered (never the plain `argo approve` that fails).
 */
function approveStep(v: Omit<View, 'next'>, who: Who, withFile: string, plain: string, withResume: (c: string[]) => string[]): NextStep {
  const d = v.design;
  const count = d?.components.length ?? 0;
  const editor = `the dashboard's component editor, or a file components.json holding a JSON list such as ${COMPONENTS_EXAMPLE}`;
  if (count === 0) {
    const asked = d?.plan_followup ? ' (the CI tool was asked twice)' : '';
    return { who, what: `The design has no component list${asked}: add the components in the editor (${editor}), then approve.`, commands: withResume([withFile]) };
  }
  if (d && d.cycles.length > 0) {
    return { who, what: `The plan has a dependency cycle (${d.cycles.join('; ')}), which can never run: change depends_on in the editor (${editor}), then approve.`, commands: withResume([withFile]) };
  }
  const warned = d?.warnings.length ? `, ${d.warnings.length} plan warning${d.warnings.length === 1 ? '' : 's'}` : '';
  return { who, what: `Review the design (${count} components${warned}) and approve it.`, commands: withResume([plain, withFile]) };
}

function componentOf(c: unknown): ViewComponent {
  if (!isObj(c)) return { id: text(c), description: '' };
  const out: ViewComponent = { id: text(c.id), description: text(c.description) };
  if (Array.isArray(c.paths)) out.paths = strings(c.paths);
  if (Array.isArray(c.depends_on)) out.depends_on = strings(c.depends_on);
  if (typeof c.acceptance === 'string') out.acceptance = c.acceptance;
  return out;
}

function designOf(v: unknown): View['design'] {
  if (!isObj(v)) return null;
  const components = (Array.isArray(v.components) ? v.components : []).map(componentOf);
  return {
    summary: text(v.summary),
    components,
    rejected: (Array.isArray(v.rejected_components) ? v.rejected_components : []).map((r) => ({
      id: isObj(r) ? textOrNull(r.id) : null,
      reason: isObj(r) ? text(r.reason) : text(r),
    })),
    warnings: strings(v.warnings),
    cycles: findCycles(components).map(cycleText),
    plan_followup: v.plan_followup === true,
    approved: v.approved === true || v.approved === 'true',
    usage: usageOf(v.usage),
  };
}

export function buildView(input: ViewInput): View {
  const s = input.state;
  const merge = mergeOf(s.merge);
  const mergeStatus = (id: string): string | null => {
    if (!merge) return null;
    for (const k of MERGE_KEYS) if (merge[k].includes(id)) return MERGE_WORD[k];
    return null;
  };
  const execution = isObj(s.execution) ? s.execution : null;
  const records = readBuilders(s);
  const waves = wavesOfBuilders(records);
  const reading = readLimits(s.limits, input.config ?? {});
  const maxWaits = reading.effective.find((e) => e.key === 'limits.rate_limit_max_waits')?.value ?? null;
  const builders = records.map((b) => withMaxWaits({ ...builderRow(b, input, mergeStatus), wave: waves.get(b.id) ?? null }, maxWaits));
  const design = designOf(s.design);
  const er = isObj(s.error_recovery) ? s.error_recovery : {};
  const lastError = text(er.last_error);
  const recovery = text(er.recovery_action);
  const error = lastError || recovery
    ? { last_error: lastError, recovery_action: recovery, retry_count: num(er.retry_count) ?? 0, hint: recovery || 'See the orchestrator log for details.' }
    : null;
  const byStatus: Record<string, number> = {};
  for (const b of builders) byStatus[b.status] = (byStatus[b.status] ?? 0) + 1;
  // execution.usage, when recorded, is the builders' total; else add them up.
  const execUsage = usageOf(execution?.usage) ?? sumUsage(builders.map((b) => b.usage));
  const all = sumUsage([design?.usage ?? null, execUsage, ...reviewUsages(s.reviews).map(usageOf)]);
  const pid = input.orchestrator.pid;
  const running = input.orchestrator.alive && pid !== null;
  const problems = [
    ...(input.configError ? [{ key: 'config', value: null, source: DEFAULT_CONFIG_FILE, accepted: 'a JSON object', text: input.configError }] : []),
    ...reading.problems.map((x) => ({ ...x, text: problemText(x) })),
  ];
  const phase = text(s.phase);
  const partial: Omit<View, 'next'> = {
    version: VIEW_VERSION,
    project: { name: text(s.project_name), path: input.path },
    phase,
    action_owner: text(s.action_owner),
    action_needed: text(s.action_needed),
    last_update: text(s.last_update),
    user_query: text(s.user_query),
    orchestrator: {
      running,
      pid,
      text: input.orchestrator.text ?? (running ? `Running (PID ${pid})` : input.orchestrator.pidFile ? 'Not running (stale PID file)' : 'Not running'),
    },
    ended: phase === 'storage',
    design,
    builders,
    bugfix: bugfixOf(s.bugfix),
    best_of_n: bestOfNOf(s.best_of_n),
    merge,
    conflicts: strings(s.merge_conflicts),
    step_in: stepInOf(builders, input.argo, input.path),
    halt_reason: textOrNull(execution?.halt_reason),
    error,
    totals: {
      builders: builders.length,
      by_status: byStatus,
      input_tokens: all?.input_tokens ?? 0,
      output_tokens: all?.output_tokens ?? 0,
      cache_read_tokens: all?.cache_read_tokens ?? 0,
      cost_usd: all?.cost_usd ?? null,
      by_agent: Object.fromEntries(Object.entries(sumUsageByAgent(builders.map((b) => b.usage_by_agent ?? {}))).map(([a, u]) => [a, usageOf(u)!])),
      by_merge: mergeTotals(builders.map((b) => b.merge)),
    },
    log_tail: input.workflowLog,
    limits: { effective: reading.effective, problems },
    budget: budgetOf(s, reading.effective),
    quota: quotaOf(execution?.quota, builders),
    reviews: reviewsOf(s.reviews),
  };
  return { ...partial, next: nextStep(partial, input.argo) };
}
