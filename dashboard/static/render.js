// Pure DOM builders for the dashboard: a view (see docs/OBSERVE.md, the same JSON as
// `argo status --json`) in, elements out. Text goes in through textContent only, and a
// value from state never becomes a class name or an id: those come from fixed tables.

/** A class for each known value; anything else (state is data) gets the neutral one. */
const CLASSES = {
  status: new Map([['pending', 's-pending'], ['waiting', 's-pending'], ['running', 's-running'], ['completed', 's-completed'], ['failed', 's-failed']]),
  merge: new Map([['merged', 's-merged'], ['resolved_by_agent', 's-merged'], ['conflict', 's-conflict'], ['verify_failed', 's-failed'], ['skipped', 's-skipped'], ['missing', 's-missing'], ['failed', 's-failed']]),
  who: new Map([['code', 'who-code'], ['ci', 'who-ci'], ['user', 'who-user'], ['nobody', 'who-nobody']]),
};

export function classFor(kind, value) {
  return CLASSES[kind].get(value) ?? 's-other';
}

/** el('tag.class#id', {attr: v}, ...children) */
export function el(spec, attrs = {}, ...children) {
  const [, tag = 'div', rest = ''] = /^([a-z0-9]+)?(.*)$/.exec(spec) ?? [];
  const node = document.createElement(tag);
  for (const part of rest.match(/[.#][^.#]+/g) ?? []) {
    if (part[0] === '.') node.classList.add(part.slice(1));
    else node.id = part.slice(1);
  }
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
  return node;
}

export function duration(s) {
  if (s === null || s === undefined) return '-';
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export const money = (usd) => (usd === null || usd === undefined ? '-' : `$${usd.toFixed(usd < 1 ? 4 : 2)}`);

/** "Who acts" in words a person reads (the state's owner `ci` is the CI tool, `user` is you). */
export const WHO_TEXT = { user: 'You', ci: 'The CI tool (or you, with the command below)', code: 'argo (nothing for you to do)', nobody: 'Nobody (finished)' };
export const whoText = (who) => (Object.hasOwn(WHO_TEXT, who) ? WHO_TEXT[who] : String(who));
const BADGE = { user: 'you must act', ci: 'the CI tool or you must act' };

/**
 * The project the page opens on (pure): one that needs a person (its next step is yours or
 * the CI tool's), else the most recently active; among several, the most recent. null: none.
 */
/** The project a link asked for (`#project=<path>`, what a notification links to); null: none. */
export function projectFromHash(hash) {
  const p = new URLSearchParams(String(hash).replace(/^#/, '')).get('project');
  return p ? p : null;
}

/** The project to open: the one a link named (by its path), else the leading one. */
export function openingProject(list, wantedPath) {
  const named = wantedPath ? list.find((p) => p.view?.project?.path === wantedPath || p.path === wantedPath) : undefined;
  return named ? named.id : leadingProject(list);
}

export function leadingProject(list) {
  const when = (p) => Date.parse(p.view?.last_update ?? '') || 0;
  const needs = (p) => p.view && (p.view.next.who === 'user' || p.view.next.who === 'ci') ? 1 : 0;
  let best = null;
  for (const p of list) if (best === null || needs(p) > needs(best) || (needs(p) === needs(best) && when(p) > when(best))) best = p;
  return best ? best.id : null;
}

export function projectItem(p, selected, onSelect) {
  const v = p.view;
  return el(
    `li${p.id === selected ? '.selected' : ''}`,
    { 'data-id': p.id },
    el('button.link', { type: 'button', onclick: () => onSelect(p.id) }, p.name || p.id),
    el('div.small', {}, v ? `${v.phase} · ${v.action_owner}` : p.problem ?? ''),
    v && Object.hasOwn(BADGE, v.next.who) ? el('span.badge', {}, BADGE[v.next.who]) : null,
  );
}

function field(label, id, value) {
  return el('div.field', {}, el('span.label', {}, label), el(`span#${id}`, {}, value || '-'));
}

export function summary(v) {
  return el(
    'div.summary',
    {},
    field('Phase', 'phase', v.phase),
    field('Owner', 'owner', v.action_owner),
    field('Action', 'action', v.action_needed),
    field('Orchestrator', 'orchestrator', v.orchestrator.text),
    field('Cost', 'cost', money(v.totals.cost_usd)),
    field('Tokens', 'tokens', v.totals.input_tokens || v.totals.output_tokens ? `${v.totals.input_tokens} in / ${v.totals.output_tokens} out` : '-'),
  );
}

export function nextStep(v) {
  return el('div#next', { class: `next ${classFor('who', v.next.who)}` }, el('strong.who', {}, `${whoText(v.next.who)}: `), v.next.what, v.next.commands.length ? el('pre.commands', {}, v.next.commands.join('\n')) : null);
}

/** The budget and the spend so far per agent (view.budget), when a budget is set or the workflow waits on it. */
export function budgetBox(v) {
  const b = v.budget;
  if (!b || (b.limit_usd === null && v.action_needed !== 'review_budget')) return null;
  const limit = b.limit_usd === null ? 'no limit' : `${money(b.limit_usd)} (limits.max_cost_usd, ${b.source})`;
  return el(
    'div#budget',
    {},
    el('strong', {}, 'Budget: '),
    `${money(b.spent_usd)} spent of ${limit}`,
    el('ul#spend', {}, ...b.by_agent.map((a) => el('li', { 'data-agent': a.agent }, `${a.agent}: ${money(a.cost_usd)} (${a.runs.join(', ')})`))),
  );
}

const two = (n) => String(n).padStart(2, '0');

/**
 * A builder waiting on a rate or usage limit (issue 19): its reason, when it resumes (in the
 * reader's own clock; the ISO time as the tooltip) and its waits so far — text only.
 */
export function limitWait(b) {
  if (!b.waiting_reason) return null;
  const t = b.resume_at ? new Date(b.resume_at) : null;
  const until = t && !Number.isNaN(t.getTime()) ? ` until ${two(t.getHours())}:${two(t.getMinutes())}` : '';
  const of = b.waits !== null && b.waits !== undefined ? `, wait ${b.waits}${b.max_waits !== null && b.max_waits !== undefined ? ` of ${b.max_waits}` : ''}` : '';
  return el('div.limit-wait', { title: b.resume_at ?? '' }, `${b.waiting_reason}${until}${of}`);
}

/**
 * Issue 21: what a builder changed, beside its agent's final message and verify result.
 * `state`: what the review request left (nothing yet, loading, the answer, an error). Every
 * value goes in as text; the diff scrolls inside its own box. `gate(review)` (review.js via
 * app.js) gives the review gate's parts: the commentable diff, the history, the buttons.
 */
export function reviewBox(id, state, sayForm = null, gate = null) {
  if (!state) return null;
  const box = (...children) => el('section.review', { 'data-review': id, 'aria-label': 'Review of builder ' + id }, el('h4', {}, `Changes of ${id}`), ...children);
  if (state.loading) return box(el('p.muted', {}, 'Loading the changes…'));
  if (state.error) return box(el('p.error', {}, state.error));
  const r = state.review;
  const c = r.changes;
  const files = c.files.length
    ? el('ul.files.review-files', {}, c.files.map((f) => el('li', {}, `${f.path} (${f.added === null ? 'binary' : `+${f.added} -${f.deleted}`})`)))
    : el('p.muted', {}, c.problem ? '' : 'No files changed.');
  const verify = r.verify
    ? el(`p.review-verify.${r.verify.result === 'passed' ? 's-completed' : 's-failed'}`, {}, `Verify ${r.verify.result}${r.verify.where === 'merge' ? ' (at the merge)' : ''}: ${r.verify.line}`)
    : el('p.review-verify.muted', {}, 'Verify: not run');
  const g = gate ? gate(r) : null;
  return box(
    g ? g.history : null,
    c.problem ? el('p.error.review-problem', {}, c.problem) : el('p.small', {}, c.what ?? ''),
    files,
    c.problem ? null : g ? g.diff : el('pre.diff.review-diff', { tabindex: '0', 'aria-label': 'unified diff' }, c.diff, c.cut ? '\n… (cut: the diff is larger; run argo diff for all of it)' : ''),
    g ? g.actions : null,
    verify,
    el('h4', {}, 'The agent\'s final message'),
    r.final_message !== null ? el('pre.review-message', {}, r.final_message) : el('p.muted.review-message', {}, r.final_message_note ?? ''),
    sayForm,
  );
}

/** Why a failed builder failed, in one line: its message, else its exit status. */
export function failureReason(b) {
  if (b.failure_message) return b.failure_message;
  if (b.exit_code !== null && b.exit_code !== undefined) return `exited with status ${b.exit_code}`;
  return 'no reason recorded (see its log)';
}

export function buildersTable(v, onRetry, onReview) {
  if (!v.builders.length) return el('p.muted', {}, 'No builders yet.');
  const labels = ['Builder', 'Status', 'Elapsed', 'Exit', 'Failure', 'Tokens', 'Cost', 'Merge', 'Last log line', ''];
  const head = el('tr', {}, ...labels.map((h) => el('th', {}, h)));
  const rows = v.builders.map((b) =>
    el(
      'tr',
      { 'data-builder': b.id, 'data-status': b.status },
      el('td', {}, b.id, b.agent ? el('div.agent', {}, b.agent) : null),
      el('td', { class: `status ${classFor('status', b.status)}` }, b.status, limitWait(b), b.waiting_for?.length ? el('div.waiting-for', {}, `waiting for: ${b.waiting_for.join(', ')}`) : null, b.wave ? el('div.wave', {}, `wave ${b.wave}`) : null),
      el('td', {}, duration(b.elapsed_seconds)),
      el('td', {}, b.exit_code ?? '-'),
      el('td', {}, b.failure ?? '-', b.status === 'failed' ? el('div.failure-message', {}, failureReason(b)) : null),
      el('td', {}, b.usage ? `${b.usage.input_tokens}/${b.usage.output_tokens}` : '-'),
      el('td', {}, money(b.usage?.cost_usd)),
      el('td', { class: b.merge === null || b.merge === undefined ? 's-none' : classFor('merge', b.merge) }, b.merge ?? '-'),
      el('td.log', {}, b.last_log_line ?? ''),
      el(
        'td.row-actions',
        {},
        b.status === 'failed' ? el('button', { type: 'button', 'data-action': 'retry', 'data-builder': b.id, onclick: () => onRetry(b.id) }, 'Retry') : null,
        onReview && b.status !== 'pending' ? el('button', { type: 'button', 'data-action': 'changes', 'data-builder': b.id, onclick: () => onReview(b.id) }, 'Changes') : null,
      ),
    ),
  );
  // On a phone a row becomes a card: each cell names its column (fixed labels, never data).
  for (const row of rows) [...row.children].forEach((td, i) => td.setAttribute('data-label', labels[i] || 'Actions'));
  return el('table#builders', {}, el('thead', {}, head), el('tbody', {}, ...rows));
}

/** The totals per merge status (view.totals.by_merge), once a builder carries a merge record. */
export function mergeTotals(v) {
  if (!v.builders.some((b) => b.merge_detail) || !v.totals.by_merge) return null;
  return el('div#merge-totals.small', {}, `Merge: ${Object.entries(v.totals.by_merge).map(([s, n]) => `${n} ${s}`).join(', ')}`);
}

/** What a conflict's diff request left for a builder: nothing yet, loading, the answer, or an error. */
function diffBox(state) {
  if (!state) return null;
  if (state.loading) return el('p.muted', {}, 'Loading the diff…');
  if (state.error) return el('p.error', {}, state.error);
  const m = state.merge;
  if (m.diff_problem) return el('p.error.diff-problem', {}, m.diff_problem);
  return el('div', {}, m.diff_note ? el('p.muted.diff-note', {}, m.diff_note) : null, el('pre.diff', {}, m.diff_text ?? ''));
}

/**
 * Issue 20: each builder whose merge waits for a person — its conflicted files, the worktree
 * and branch to work in, the resolver's or the gate's message, its diff on demand — and the
 * one command that continues. Text only (textContent), classes from this file only.
 * `diffs(id)` gives what was fetched for a builder; `onDiff(id)` fetches it.
 */
export function stepIn(v, diffs, onDiff) {
  if (!v.step_in) return null;
  const rows = v.builders.filter((b) => b.merge_detail && (b.merge_detail.status === 'conflict' || b.merge_detail.status === 'verify_failed'));
  const items = rows.map((b) => {
    const d = b.merge_detail;
    const conflict = d.status === 'conflict';
    const head = conflict
      ? `conflict in ${d.files_total} file${d.files_total === 1 ? '' : 's'}`
      : `the verify command failed on the merged tree after ${d.attempts} run${d.attempts === 1 ? '' : 's'}${d.output ? ` (output ${d.output})` : ''}`;
    const more = d.files_total - d.files.length;
    const where = [d.worktree ? `work in ${d.worktree}` : null, d.branch ? `on branch ${d.branch}` : null].filter(Boolean).join(' ');
    return el(
      'div.step-in-builder',
      { 'data-builder': b.id },
      el('strong', {}, b.id), `: ${head}`,
      d.files.length ? el('ul.files', {}, ...d.files.map((f) => el('li', {}, f)), more > 0 ? el('li.muted', {}, `… and ${more} more`) : null) : null,
      where ? el('div.where', {}, where, d.target ? ` (target ${d.target})` : '') : null,
      d.message ? el('div.small', {}, `${conflict ? 'resolver' : 'gate'}: ${d.message}`) : null,
      d.diff ? el('button', { type: 'button', 'data-action': 'diff', 'data-builder': b.id, onclick: () => onDiff(b.id) }, 'Show the diff') : null,
      diffBox(diffs(b.id)),
    );
  });
  return el('section#step-in', {}, el('h3', {}, 'Where to step in'), ...items, el('p', {}, 'When it is fixed, continue with:'), el('pre.commands', {}, v.step_in.command));
}
