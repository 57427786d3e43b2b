// Issue 21's review gate on the page: the diff as lines a person can comment on, the batch
// of comments being written, the gate's buttons, and the review's history and the agent's
// reply. Pure DOM builders (el from render.js): text only through textContent, classes
// from the fixed tables here, never from data. What the person types lives in app.js.
import { el } from './render.js';

/** The review status a person reads, and its class (a fixed table: state is data). */
const STATUS = new Map([
  ['pending', { text: 'waiting for your review', cls: 'r-pending' }],
  ['approved', { text: 'approved', cls: 'r-approved' }],
  ['changes_requested', { text: 'changes requested (the agent is working on them)', cls: 'r-changes' }],
]);

/**
 * The lines of a unified diff (pure), each with the file and the line number on the new
 * side it stands for: `+` and context lines have one, `-` lines and headers have none
 * (a comment names a line of the builder's version of the file).
 */
export function diffLines(diff) {
  const out = [];
  let file = null;
  let next = null;
  for (const text of diff.split('\n')) {
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
    if (text.startsWith('diff --git ')) (file = null), (next = null);
    else if (text.startsWith('+++ ')) file = text === '+++ /dev/null' ? null : text.slice(4).replace(/^b\//, '');
    else if (hunk) next = Number(hunk[1]);
    if (next !== null && file !== null && !hunk && (text.startsWith('+') || text.startsWith(' ')) && !text.startsWith('+++ ')) {
      out.push({ text, file, line: next });
      next += 1;
      continue;
    }
    out.push({ text, file: null, line: null });
  }
  if (out.length && out[out.length - 1].text === '') out.pop();
  return out;
}

const where = (c) => (c.file === null ? 'general' : c.line === null ? c.file : `${c.file}:${c.line}`);

/**
 * The diff, one row per line; a line of the builder's version has a button (reachable by
 * Tab, Enter opens the comment field) and a click on its text does the same.
 */
export function commentableDiff(diff, cut, canComment, onPick) {
  const rows = diffLines(diff).map((l) => {
    const pick = l.line !== null && canComment ? () => onPick(l.file, l.line) : null;
    return el(
      'span.diff-line',
      { 'data-file': l.file ?? false, 'data-line': l.line ?? false, onclick: pick },
      pick ? el('button.line-comment', { type: 'button', 'aria-label': `Comment on ${l.file} line ${l.line}`, title: `Comment on ${l.file}:${l.line}` }, '✎') : null,
      `${l.text}\n`,
    );
  });
  return el('pre.diff.review-diff', { tabindex: '0', 'aria-label': 'unified diff' }, ...rows, cut ? '… (cut: the diff is larger; run argo diff for all of it)' : '');
}

/** The review's status, every comment sent (file:line, text, when) and the agent's reply after the last request. */
export function reviewHistory(record) {
  if (!record) return el('div.review-gate', {}, el('p.muted#review-status', {}, 'Review: not under review (review.required is off, or merge_build has not reached it)'));
  const s = STATUS.get(record.status) ?? { text: String(record.status), cls: 'r-other' };
  return el(
    'div.review-gate',
    {},
    el('p#review-status', {}, 'Review: ', el(`strong.${s.cls}`, {}, s.text)),
    el('h4', {}, `Comments sent (${record.comments.length})`),
    record.comments.length
      ? el('ol#review-history', {}, record.comments.map((c) => el('li', {}, el('span.where', {}, where(c)), ` ${c.text}`, el('span.when.muted', {}, ` (${c.at ?? 'time not recorded'})`))))
      : el('p.muted', {}, 'None yet.'),
    el('h4', {}, "The agent's reply to the last request"),
    record.reply !== null ? el('pre#review-reply', {}, record.reply) : el('p.muted#review-reply', {}, 'No reply yet.'),
  );
}

/**
 * While the gate waits (status pending): the comment being written on a line, the batch
 * (each editable, removable), Send, a free-text request and Approve. `ui` carries the
 * drafts and the callbacks from app.js.
 */
export function reviewActions(builder, ui) {
  const open = ui.target
    ? el(
        'div.comment-editor',
        {},
        el('label', { for: 'comment-text' }, `Comment on ${where(ui.target)}`),
        ui.textArea('comment-text', ui.target.text, (v) => (ui.target.text = v), `comment on ${where(ui.target)}`),
        el('div.actions', {}, el('button', { type: 'button', 'data-action': 'add-comment', onclick: ui.addComment }, 'Add to the comments'), el('button', { type: 'button', 'data-action': 'cancel-comment', onclick: ui.cancelComment }, 'Cancel')),
      )
    : null;
  const list = ui.comments.map((c, i) =>
    el(
      'li',
      { 'data-index': i },
      el('span.where', {}, where(c)),
      ui.textArea(`comment-edit-${i}`, c.text, (v) => (c.text = v), `comment ${i + 1} on ${where(c)}`),
      el('button', { type: 'button', 'data-action': 'remove-comment', onclick: () => ui.removeComment(i) }, 'Remove'),
    ),
  );
  return el(
    'div.review-actions',
    { 'aria-label': `Review of ${builder}` },
    open,
    el('h4', {}, `Your comments (${ui.comments.length}) — sent together as one message`),
    list.length ? el('ol#comment-list', {}, list) : el('p.muted', {}, 'Pick a line of the diff (✎) to comment on it.'),
    list.length ? el('button.primary', { type: 'button', 'data-action': 'send-comments', onclick: ui.sendComments }, `Send ${list.length} comment${list.length === 1 ? '' : 's'} to the agent`) : null,
    el('h4', {}, 'Request changes'),
    ui.textArea('request-changes-text', ui.request, ui.setRequest, `changes you ask of builder ${builder}`),
    el('div.actions', {}, el('button', { type: 'button', 'data-action': 'request-changes', onclick: ui.requestChanges }, 'Request changes'), el('button.primary', { type: 'button', 'data-action': 'approve-builder', onclick: ui.approve }, 'Approve')),
  );
}
