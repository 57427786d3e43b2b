// The dashboard page: a list of projects and one project in detail, kept current by
// Server-Sent Events; buttons POST actions with the token in a header.
import { budgetBox, buildersTable, el, mergeTotals, openingProject, projectFromHash, nextStep, projectItem, reviewBox, stepIn, summary } from './render.js';
import { commentableDiff, reviewActions, reviewHistory } from './review.js';

const TOKEN_KEY = 'argo-dashboard-token';

/**
 * The token comes in the address's fragment (#token=…), which the browser never sends
 * to a server. It leaves the address bar at once and is kept in this origin's
 * sessionStorage (the origin includes the port, so no other local server can read it),
 * so a reload of this tab still works.
 */
function takeToken() {
  const given = new URLSearchParams(location.hash.slice(1)).get('token');
  if (given) {
    history.replaceState(null, '', location.pathname + location.search);
    try {
      sessionStorage.setItem(TOKEN_KEY, given);
    } catch {
      /* storage refused: the token lives in this page only (a reload needs the URL again) */
    }
    return given;
  }
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

// Read before takeToken() clears the address: a notification's link names its project.
const wantedProject = projectFromHash(location.hash);
const token = takeToken();
const projects = new Map();
let selected = null;
/** The components text a person is editing, kept across live updates until the design changes. */
const drafts = new Map();
let message = null;
/** The new budget a person is typing, kept across live updates, by project. */
const budgetDrafts = new Map();
/** Conflict diffs fetched from the server, by project and builder (kept across live updates). */
const diffs = new Map();
const diffKey = (project, builder) => JSON.stringify([project, builder]);

/** GET /api/projects/<id>/merge/<builder> with the token: the builder's merge record and its diff (text). */
async function loadDiff(id, builder) {
  const key = diffKey(id, builder);
  diffs.set(key, { loading: true });
  render();
  try {
    const res = await fetch(`/api/projects/${encodeURIComponent(id)}/merge/${encodeURIComponent(builder)}`, { headers: { authorization: `Bearer ${token}` } });
    const out = await res.json();
    diffs.set(key, res.ok ? { merge: out.merge } : { error: out.error ?? `HTTP ${res.status}` });
  } catch (e) {
    diffs.set(key, { error: String(e) });
  }
  render();
}

/** Builder reviews fetched from the server (changes, final message, verify), by project and builder; the one open, by project. */
const reviews = new Map();
const openReview = new Map();
/** The message a person is typing to a builder's agent, kept across live updates, by project and builder. */
const sayDrafts = new Map();

/** A message to the builder's agent session (argo say): the reply comes back as the action's answer. */
function sayForm(id, builder) {
  const key = diffKey(id, builder);
  const area = el('textarea#say-text', { rows: 3, spellcheck: 'true', 'aria-label': `message to the agent of builder ${builder}`, placeholder: 'A message to this builder\'s agent (its session is resumed in its worktree)', oninput: (e) => sayDrafts.set(key, e.target.value) });
  area.value = sayDrafts.get(key) ?? '';
  const send = async () => {
    const text = area.value;
    if (!text.trim()) return;
    await act(id, 'say', { builder, text });
    if (message?.ok) sayDrafts.delete(key);
    loadReview(id, builder, true); // the new commits and the final message
  };
  return el('div.say', {}, el('h4', {}, 'Talk to this agent'), area, el('button.primary', { type: 'button', 'data-action': 'say', 'data-builder': builder, onclick: send }, 'Send to the agent'));
}

/**
 * What a person writes while reviewing, by project and builder, kept across live updates
 * until sent: the line being commented on, the batch of comments, the free-text request.
 */
const reviewDrafts = new Map();
const reviewDraft = (key) => {
  if (!reviewDrafts.has(key)) reviewDrafts.set(key, { target: null, comments: [], request: '' });
  return reviewDrafts.get(key);
};
/** Where the focus goes after the next render (a new field, or back to the line's button). */
let focusNext = null;

/** A textarea bound to a draft (its id from a fixed name and an index, never from data). */
function textArea(id, value, onInput, label) {
  const area = el(`textarea#${id}`, { rows: 3, spellcheck: 'true', 'aria-label': label, oninput: (e) => onInput(e.target.value) });
  area.value = value;
  return area;
}

/** The review gate's parts for the open builder: the history, the diff with its line buttons, the buttons while it waits. */
function gateFor(id, builder) {
  const key = diffKey(id, builder);
  const d = reviewDraft(key);
  const after = async (ok) => {
    if (ok) reviewDrafts.delete(key);
    await loadReview(id, builder, true); // the new status and history
  };
  const send = async (verdict) => {
    await act(id, 'review', { builder, ...verdict });
    await after(message?.ok);
  };
  const ui = {
    target: d.target,
    comments: d.comments,
    request: d.request,
    textArea,
    setRequest: (v) => (d.request = v),
    addComment: () => {
      if (!d.target.text.trim()) return;
      d.comments.push({ file: d.target.file, line: d.target.line, text: d.target.text });
      d.target = null;
      render();
    },
    cancelComment: () => ((d.target = null), render()),
    removeComment: (i) => (d.comments.splice(i, 1), render()),
    sendComments: () => send({ comments: d.comments.map((c) => ({ file: c.file, line: c.line, text: c.text })) }),
    requestChanges: () => (d.request.trim() ? send({ request_changes: d.request }) : undefined),
    approve: () => send({ approve: true }),
  };
  const pick = (file, line) => {
    d.target = { file, line, text: d.target?.file === file && d.target?.line === line ? d.target.text : '' };
    focusNext = 'comment-text';
    render();
  };
  return (r) => {
    const waiting = r.review?.status === 'pending';
    // The diff's rows are built once per answer and moved into each render (a long diff costs
    // its build once, not on every live update; its scroll position stays).
    let diff = diffNodes.get(r);
    if (!diff || diff.waiting !== waiting) diffNodes.set(r, (diff = { waiting, node: commentableDiff(r.changes.diff, r.changes.cut, waiting, pick) }));
    return { history: reviewHistory(r.review), diff: diff.node, actions: waiting ? reviewActions(builder, ui) : null };
  };
}

/** The diff's element per review answer (a new answer, a new element). */
const diffNodes = new WeakMap();

/** GET /api/projects/<id>/builders/<builder>/review with the token; a second click on the open one closes it. */
async function loadReview(id, builder, refresh = false) {
  if (!refresh && openReview.get(id) === builder) {
    openReview.delete(id);
    return render();
  }
  openReview.set(id, builder);
  const key = diffKey(id, builder);
  if (!refresh || !reviews.get(key)?.review) reviews.set(key, { loading: true });
  render();
  try {
    const res = await fetch(`/api/projects/${encodeURIComponent(id)}/builders/${encodeURIComponent(builder)}/review`, { headers: { authorization: `Bearer ${token}` } });
    const out = await res.json();
    reviews.set(key, res.ok ? { review: out.review } : { error: out.error ?? `HTTP ${res.status}` });
  } catch (e) {
    reviews.set(key, { error: String(e) });
  }
  render();
}

async function act(id, action, body = {}) {
  message = { text: `${action}…`, ok: true };
  render();
  try {
    const res = await fetch(`/api/projects/${encodeURIComponent(id)}/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    const out = await res.json();
    message = { text: out.output ?? out.error ?? `HTTP ${res.status}`, ok: res.ok };
  } catch (e) {
    message = { text: String(e), ok: false };
  }
  render();
}

function designSection(p) {
  const v = p.view;
  if (!v.design) return null;
  const key = JSON.stringify(v.design.components);
  const draft = drafts.get(p.id);
  // No component list: an empty editor showing the form of one (never a list that approves nonsense).
  const none = v.design.components.length === 0;
  if (!draft || draft.key !== key) drafts.set(p.id, { key, text: none ? '' : JSON.stringify(v.design.components, null, 2) });
  const waiting = v.action_needed === 'approve_design';
  // After approval the components are a plain list: the editor is gone.
  if (v.design.approved || !waiting) {
    return el(
      'section.design',
      {},
      el('h3', {}, `Design ${v.design.approved ? '(approved)' : ''}`),
      el('pre#design-summary', {}, v.design.summary),
      el('h4', {}, 'Components'),
      el('ul#component-list', {}, v.design.components.map((c) => el('li', {}, el('strong', {}, c.id), ` — ${c.description ?? ''}`))),
    );
  }
  const area = el('textarea#components', { rows: 8, spellcheck: 'false', disabled: !waiting, placeholder: none ? COMPONENTS_EXAMPLE : null, oninput: (e) => (drafts.get(p.id).text = e.target.value) });
  area.value = drafts.get(p.id).text;
  const approve = () => {
    let components;
    try {
      components = JSON.parse(area.value);
    } catch (e) {
      message = { text: `The components are not valid JSON: ${e.message}`, ok: false };
      return render();
    }
    act(p.id, 'approve', { components });
  };
  return el(
    'section.design',
    {},
    el('h3', {}, `Design ${v.design.approved ? '(approved)' : ''}`),
    el('pre#design-summary', {}, v.design.summary),
    v.design.rejected.length ? el('div#rejected.error', {}, el('strong', {}, 'Rejected components: '), v.design.rejected.map((r) => `${r.id ?? '(no id)'}: ${r.reason}`).join('; ')) : null,
    el('h4', {}, 'Components (JSON, editable before approval)'),
    waiting && none ? el('p#no-components.error', {}, 'The design has no component list: add the components here (a JSON list of {"id", "description", "paths", "depends_on", "acceptance"}), then approve.') : null,
    area,
    waiting ? planNotes(v.design) : null,
    waiting ? el('button.primary', { type: 'button', 'data-action': 'approve', onclick: approve }, 'Approve design') : null,
  );
}

const COMPONENTS_EXAMPLE = '[\n  {"id": "core", "description": "…", "paths": ["src/core/**"], "depends_on": [], "acceptance": "…"}\n]';

/** The plan check's findings, beside the Approve button: cycles (approval refuses them) and warnings. */
function planNotes(design) {
  const cycles = design.cycles ?? [];
  const warnings = design.warnings ?? [];
  if (!cycles.length && !warnings.length) return null;
  return el(
    'div#plan-warnings',
    {},
    cycles.length ? el('p#plan-cycles.error', {}, `Dependency cycle (approval refuses it): ${cycles.join('; ')}`) : null,
    warnings.length ? el('strong', {}, `Plan warnings (${warnings.length}):`) : null,
    warnings.length ? el('ul', {}, warnings.map((w) => el('li', {}, w))) : null,
  );
}

/** Beside the review_budget hand-off: the new total limit, sent to argo budget --raise (the server checks it). */
function raiseBudget(p) {
  if (p.view.action_needed !== 'review_budget') return null;
  const input = el('input#budget-limit', { type: 'text', inputmode: 'decimal', size: 10, placeholder: 'new total USD', 'aria-label': 'new total limit in US dollars', oninput: (e) => budgetDrafts.set(p.id, e.target.value) });
  input.value = budgetDrafts.get(p.id) ?? '';
  const raise = () => act(p.id, 'budget', { limit: input.value.trim() });
  return el('div.actions', {}, input, el('button.primary', { type: 'button', 'data-action': 'budget', onclick: raise }, 'Raise the budget and continue'));
}

function detail(p) {
  if (!p) return el('p.muted', {}, 'No project selected.');
  if (!p.view) return el('div', {}, el('h2', {}, p.name), el('p.error', {}, p.problem));
  const v = p.view;
  const conflicts = v.conflicts.length ? v.conflicts : v.merge?.conflicts ?? [];
  // "Merge again" only when there is something a person resolved: conflicts (or a verify failure at the merge).
  const stepConflicts = v.step_in?.conflict ?? [];
  const handedOver = ['resolve_conflicts', 'review_merge'].includes(v.action_needed);
  const canMerge = handedOver && (conflicts.length > 0 || stepConflicts.length > 0);
  const canMergeVerify = handedOver && !canMerge && (v.step_in?.verify_failed ?? []).length > 0;
  return el(
    'div',
    {},
    el('h2', {}, v.project.name, el('span.path', {}, v.project.path)),
    summary(v),
    nextStep(v),
    raiseBudget(p),
    el(
      'div.actions',
      {},
      v.orchestrator.running
        ? el('button', { type: 'button', 'data-action': 'stop', onclick: () => act(p.id, 'stop') }, 'Stop')
        : v.ended
          ? null
          : el('button', { type: 'button', 'data-action': 'resume', onclick: () => act(p.id, 'resume') }, 'Resume'),
      canMerge ? el('button', { type: 'button', 'data-action': 'merge', onclick: () => act(p.id, 'merge') }, 'Conflicts resolved — merge again') : null,
      canMergeVerify ? el('button', { type: 'button', 'data-action': 'merge', onclick: () => act(p.id, 'merge') }, 'Verify fixed — merge again') : null,
    ),
    message ? el(`pre#message.${message.ok ? 'ok' : 'error'}`, {}, message.text) : null,
    v.error ? el('div#error.error', {}, el('strong', {}, 'Last error: '), v.error.last_error, v.error.recovery_action ? el('div.small', {}, v.error.recovery_action) : null) : null,
    conflicts.length ? el('div#conflicts.error', {}, `Merge conflicts: ${conflicts.join(', ')}`) : null,
    mergeTotals(v),
    stepIn(v, (b) => diffs.get(diffKey(p.id, b)), (b) => loadDiff(p.id, b)),
    v.halt_reason ? el('div#halt.error', {}, `Execution halted: ${v.halt_reason}`) : null,
    budgetBox(v),
    el('h3', {}, 'Builders'),
    buildersTable(v, (b) => act(p.id, 'retry', { builder: b }), (b) => loadReview(p.id, b)),
    openReview.has(p.id) ? reviewBox(openReview.get(p.id), reviews.get(diffKey(p.id, openReview.get(p.id))), sayForm(p.id, openReview.get(p.id)), gateFor(p.id, openReview.get(p.id))) : null,
    designSection(p),
    el('h3', {}, 'Workflow log'),
    el('pre#log', {}, v.log_tail.join('\n')),
  );
}

function render() {
  const list = document.getElementById('projects');
  // The page opens on the project that needs a person (then the most recently active).
  if (selected === null && projects.size) selected = openingProject([...projects.values()], wantedProject);
  list.replaceChildren(...[...projects.values()].map((p) => projectItem(p, selected, (id) => ((selected = id), (message = null), render()))));
  const focused = document.activeElement?.id;
  document.getElementById('detail').replaceChildren(detail(projects.get(selected)));
  const keep = ['components', 'budget-limit', 'say-text', 'comment-text', 'request-changes-text'].includes(focused) || /^comment-edit-\d+$/.test(focused ?? '');
  if (focusNext) document.getElementById(focusNext)?.focus();
  else if (keep) document.getElementById(focused)?.focus();
  focusNext = null;
  startPaths();
  const log = document.getElementById('log');
  if (log) log.scrollTop = log.scrollHeight; // the tail is what matters
}

/**
 * Start a workflow (argo start <query> <path>, start_workflow.sh's checks): a form built
 * once, so live updates never disturb what is typed; the registered folders are offered.
 */
function startForm() {
  const query = el('textarea#start-query', { rows: 3, 'aria-label': 'what to build (the query)', placeholder: 'What to build, e.g. "Build a REST API for todos"' });
  const path = el('input#start-path', { type: 'text', list: 'start-paths', spellcheck: 'false', autocomplete: 'off', 'aria-label': "the project's folder (absolute path)", placeholder: '/path/to/project' });
  // A workflow template (argo start --template): the user's and the built-ins offered, a project's own typed.
  const template = el('input#start-template', { type: 'text', list: 'start-templates', spellcheck: 'false', autocomplete: 'off', 'aria-label': 'workflow template (empty: feature, today\'s workflow)', placeholder: 'feature (today\'s workflow)' });
  const out = el('pre#start-message', { hidden: true });
  const start = async () => {
    out.hidden = false;
    out.className = 'ok';
    out.textContent = 'starting…';
    try {
      const res = await fetch('/api/start', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: query.value, path: path.value.trim(), template: template.value.trim() }) });
      const answer = await res.json();
      out.className = res.ok ? 'ok' : 'error';
      out.textContent = answer.output ?? answer.error ?? `HTTP ${res.status}`;
    } catch (e) {
      out.className = 'error';
      out.textContent = String(e);
    }
  };
  return el(
    'section#start',
    {},
    el('h2', {}, 'Start a workflow'),
    el('label', { for: 'start-query' }, 'Query'),
    query,
    el('label', { for: 'start-path' }, 'Project folder'),
    path,
    el('datalist#start-paths'),
    el('label', { for: 'start-template' }, 'Template'),
    template,
    el('datalist#start-templates'),
    el('button.primary', { type: 'button', 'data-action': 'start', onclick: start }, 'Start the workflow'),
    out,
  );
}

/** The workflow templates (GET /api/templates), offered by the start form's template field; read once. */
async function startTemplates() {
  try {
    const res = await fetch('/api/templates', { headers: { authorization: `Bearer ${token}` } });
    const { templates = [] } = res.ok ? await res.json() : {};
    document.getElementById('start-templates')?.replaceChildren(...templates.map((t) => el('option', { value: t.name }, `${t.name} (${t.where}): ${t.description}`)));
  } catch {
    // no offer: a name can still be typed
  }
}

/** The registered projects' folders, offered by the start form's path field. */
function startPaths() {
  const list = document.getElementById('start-paths');
  const paths = [...new Set([...projects.values()].map((p) => p.path))];
  if (list && list.children.length !== paths.length) list.replaceChildren(...paths.map((p) => el('option', { value: p })));
}

function connect() {
  const status = document.getElementById('connection');
  if (!token) {
    status.textContent = 'no token';
    document.getElementById('detail').replaceChildren(el('p.error', {}, 'No token: open the URL that argo dashboard printed (it ends in #token=…).'));
    return;
  }
  document.querySelector('nav').append(startForm());
  startTemplates();
  // EventSource cannot send headers: the event stream alone takes the token in its query.
  const source = new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
  source.addEventListener('open', () => (status.textContent = 'live'));
  source.addEventListener('error', () => {
    // A refusal (wrong token after a restart, too many pages) closes the stream for good.
    status.textContent = source.readyState === EventSource.CLOSED ? 'refused: open the URL that argo dashboard printed again' : 'reconnecting…';
  });
  source.addEventListener('projects', (e) => {
    projects.clear();
    for (const p of JSON.parse(e.data).projects) projects.set(p.id, p);
    render();
  });
  source.addEventListener('project', (e) => {
    const { project } = JSON.parse(e.data);
    projects.set(project.id, project);
    render();
  });
}

connect();
