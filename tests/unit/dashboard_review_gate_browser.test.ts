// Issue 21, item 7 in a real browser (Debian's chromium, playwright-core, as
// dashboard_review_browser.test.ts): review a diff, comment on its lines (mouse and
// keyboard), edit and remove a comment, send the batch — it reaches `argo` as ONE
// `--comments` file — and the gate's Approve / Request changes; the start form; the page
// at 390×844 with every new control reachable by Tab. `argo review` is gate21's: here a
// stand-in `argo` (an install root whose dist/compat/argo.js records each call, copies the
// comments file and writes the review record as the contract says) answers it; every
// other command runs the real CLI. Without chromium or a build: skipped with the reason.
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server.js';
import { parseJson } from '../../core/json_doc.js';
import { newProject } from './dashboard_fixtures.js';
import { mutateState, projectStatePaths } from '../../store/state.js';
import { tempDir, ROOT, scaled } from './helpers.js';
import { requireTool, type Tool } from './require_tool.js';
import { execFileSync } from 'node:child_process';

const CHROMIUM = process.env.ARGO_CHROMIUM || '/usr/bin/chromium';
const chromium: Tool = { name: `chromium at ${CHROMIUM}`, have: existsSync(CHROMIUM), install: 'apt-get install -y chromium (or set ARGO_CHROMIUM=/path/to/chromium)' };
const build: Tool = { name: 'build in dist/', have: existsSync(join(ROOT, 'dist', 'compat', 'argo.js')), install: 'npm run build' };
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

const SAVED = ['ARGO_PROJECTS_REGISTRY'].map((k) => [k, process.env[k]] as const);
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  for (const [k, v] of SAVED) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' });

/**
 * The stand-in `argo` (CommonJS: its root has no package.json): `review` is recorded (argv,
 * the comments file's mode and content) and the row's review record written as the
 * contract says; anything else runs the real argo.
 */
const STAND_IN = `
const fs = require('node:fs');
const path = require('node:path');
const args = process.argv.slice(2);
if (args[0] !== 'review') {
  const r = require('node:child_process').spawnSync(process.execPath, [${JSON.stringify(join(ROOT, 'dist', 'compat', 'argo.js'))}, ...args], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const [, project, builder, flag, value] = args;
const call = { args };
if (flag === '--comments') call.file = { mode: fs.statSync(value).mode & 0o777, content: JSON.parse(fs.readFileSync(value, 'utf8')) };
fs.appendFileSync(process.env.STAND_IN_CALLS, JSON.stringify(call) + '\\n');
const stateFile = path.join(project, '.argo-project', 'state.json');
const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
const row = state.execution.builders.find((b) => b.id === builder);
const at = new Date().toISOString();
const sent = flag === '--comments' ? call.file.content : [];
row.review = { status: flag === '--approve' ? 'approved' : 'changes_requested', comments: [...row.review.comments, ...sent.map((c) => ({ at, ...c }))], reply: row.review.reply, updated: at };
fs.writeFileSync(stateFile, JSON.stringify(state, null, 2));
process.stdout.write(flag === '--approve' ? 'Approved ' + builder + '\\n' : 'Sent ' + sent.length + ' comment(s) to ' + builder + '\\n');
`;

function standInRoot(work: string): { root: string; calls: string } {
  const root = join(work, 'install');
  mkdirSync(join(root, 'dist', 'compat'), { recursive: true });
  symlinkSync(join(ROOT, 'dashboard'), join(root, 'dashboard'));
  writeFileSync(join(root, 'dist', 'compat', 'argo.js'), STAND_IN);
  const calls = join(work, 'calls.jsonl');
  process.env.STAND_IN_CALLS = calls;
  cleanups.push(() => void delete process.env.STAND_IN_CALLS);
  return { root, calls };
}
const readCalls = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);

/** Builder `ui` committed ui.html (markup, two lines) and waits for review: one earlier comment and the agent's reply. */
async function waitingForReview(work: string, env: NodeJS.ProcessEnv): Promise<string> {
  const project = newProject(work, 'gate', env);
  git(project, 'checkout', '-qb', 'argo-builder-ui');
  writeFileSync(join(project, 'ui.html'), '<h1>Title</h1>\n<p onclick="x()">body</p>\n');
  git(project, 'add', 'ui.html');
  git(project, 'commit', '-qm', 'ui');
  git(project, 'checkout', '-q', 'main');
  const review = { status: 'pending', comments: [{ at: '2026-01-01T10:00:00Z', file: 'ui.html', line: 1, text: 'Say <em>hello</em> here' }], reply: 'Changed it to <b>hello</b>.', updated: '2026-01-01T10:05:00Z' };
  await mutateState(projectStatePaths(project, {}), (doc) => {
    doc.set('phase', 'merge_build');
    doc.set('action_owner', 'user');
    doc.set('action_needed', 'review_builder');
    doc.set('execution', parseJson(JSON.stringify({ status: 'completed', builders: [{ id: 'ui', status: 'completed', merge: { status: 'skipped', message: 'waiting for review' }, review }] }), 'test'));
  });
  return project;
}

async function setReview(project: string, status: string): Promise<void> {
  await mutateState(projectStatePaths(project, {}), (doc) => {
    const execution = JSON.parse(readFileSync(join(project, '.argo-project', 'state.json'), 'utf8')).execution;
    execution.builders[0].review.status = status;
    doc.set('execution', parseJson(JSON.stringify(execution), 'test'));
  });
}

async function openPage(work: string, root: string, viewport: { width: number; height: number }, mobile = false) {
  const { chromium } = await import('playwright-core');
  const registry = join(work, 'projects.json');
  const dash = await startDashboard({ host: '127.0.0.1', port: 0, token: 'gate-token', root, registry });
  cleanups.push(() => dash.close());
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, chromiumSandbox: false, headless: true });
  cleanups.push(() => browser.close());
  const page = await browser.newPage(mobile ? { viewport, isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : { viewport });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(dash.url);
  return { page, errors };
}

describe('the review gate on the page, in chromium (issue 21)', () => {
  beforeEach((ctx) => {
    requireTool(ctx, chromium);
    requireTool(ctx, build);
  });

  it('comment on diff lines (mouse and keyboard), edit and remove one, send the batch as ONE --comments file; history and reply beside the diff', async () => {
    const work = tempDir();
    const env = { ...process.env, ARGO_PROJECTS_REGISTRY: join(work, 'projects.json'), XDG_RUNTIME_DIR: join(work, 'run') };
    process.env.ARGO_PROJECTS_REGISTRY = env.ARGO_PROJECTS_REGISTRY;
    const project = await waitingForReview(work, env);
    const { root, calls } = standInRoot(work);
    const { page, errors } = await openPage(work, root, { width: 1280, height: 900 });
    await page.locator('#builders tr[data-builder="ui"] button[data-action="changes"]').click();
    const box = page.locator('section.review[data-review="ui"]');
    await box.locator('pre.review-diff').waitFor({ timeout: scaled(15_000) });
    // Beside the diff: the status, the history (file:line, text, when) and the agent's reply — as text.
    expect(await box.locator('#review-status').textContent()).toBe('Review: waiting for your review');
    expect(await box.locator('#review-history li').allTextContents()).toEqual(['ui.html:1 Say <em>hello</em> here (2026-01-01T10:00:00Z)']);
    expect(await box.locator('#review-reply').textContent()).toBe('Changed it to <b>hello</b>.');
    // A click on a line's text opens the comment field on that file and line.
    await box.locator('.diff-line[data-line="1"]').click({ position: { x: 60, y: 5 } });
    await page.locator('#comment-text').waitFor();
    expect(await page.locator('.comment-editor label').textContent()).toBe('Comment on ui.html:1');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('comment-text');
    await page.keyboard.type('Use <strong>h2</strong>');
    await box.locator('button[data-action="add-comment"]').click();
    // The keyboard alone: the line's button, Enter, type, Tab to "Add", Enter.
    await box.locator('.diff-line[data-line="2"] button.line-comment').focus();
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('comment-text');
    await page.keyboard.type('No inline handlers');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.action)).toBe('add-comment');
    await page.keyboard.press('Enter');
    // A third one, then removed; the first one edited.
    await box.locator('.diff-line[data-line="2"] button.line-comment').click();
    await page.locator('#comment-text').fill('drop me');
    await box.locator('button[data-action="add-comment"]').click();
    expect(await box.locator('#comment-list .where').allTextContents()).toEqual(['ui.html:1', 'ui.html:2', 'ui.html:2']);
    await box.locator('#comment-list li[data-index="2"] button[data-action="remove-comment"]').click();
    await page.locator('#comment-edit-0').fill('Use <strong>h2</strong>, please');
    expect(await box.locator('button[data-action="send-comments"]').textContent()).toBe('Send 2 comments to the agent');
    expect(await page.locator('section.review strong, section.review em, section.review b').evaluateAll((n) => n.map((x) => x.className))).toEqual(['r-pending']); // only the status's own
    await box.locator('button[data-action="send-comments"]').click();
    await page.locator('#message.ok', { hasText: 'Sent 2 comment(s) to ui' }).waitFor({ timeout: scaled(15_000) });
    // One call, one --comments file (0600) holding the whole batch.
    const made = readCalls(calls);
    expect(made).toHaveLength(1);
    expect(made[0].args.slice(0, 4)).toEqual(['review', project, 'ui', '--comments']);
    expect(made[0].file).toEqual({ mode: 0o600, content: [{ file: 'ui.html', line: 1, text: 'Use <strong>h2</strong>, please' }, { file: 'ui.html', line: 2, text: 'No inline handlers' }] });
    expect(existsSync(made[0].args[4])).toBe(false);
    // The box reloads: changes requested, the history grew, the gate's buttons are gone, the drafts too.
    await box.locator('#review-status', { hasText: 'changes requested' }).waitFor({ timeout: scaled(10_000) });
    expect(await box.locator('#review-history li').count()).toBe(3);
    expect(await box.locator('button[data-action="approve-builder"], button.line-comment, #comment-list').count()).toBe(0);
    expect(errors).toEqual([]);
  }, scaled(90_000));

  it("the gate's buttons: Request changes sends the text (as one comment on no line); Approve runs argo review --approve; neither shows unless the review is pending", async () => {
    const work = tempDir();
    const env = { ...process.env, ARGO_PROJECTS_REGISTRY: join(work, 'projects.json'), XDG_RUNTIME_DIR: join(work, 'run') };
    process.env.ARGO_PROJECTS_REGISTRY = env.ARGO_PROJECTS_REGISTRY;
    const project = await waitingForReview(work, env);
    const { root, calls } = standInRoot(work);
    const { page, errors } = await openPage(work, root, { width: 1280, height: 900 });
    const changes = page.locator('#builders tr[data-builder="ui"] button[data-action="changes"]');
    await changes.click();
    const box = page.locator('section.review[data-review="ui"]');
    await box.locator('#request-changes-text').fill('Split it in two files');
    await box.locator('button[data-action="request-changes"]').click();
    await box.locator('#review-status', { hasText: 'changes requested' }).waitFor({ timeout: scaled(15_000) });
    expect(await box.locator('button[data-action="approve-builder"]').count()).toBe(0);
    // The agent answered; the builder waits again: the buttons come back (reopened), Approve.
    await setReview(project, 'pending');
    await changes.click();
    await box.waitFor({ state: 'detached' });
    await changes.click();
    await box.locator('button[data-action="approve-builder"]').click();
    await box.locator('#review-status', { hasText: 'approved' }).waitFor({ timeout: scaled(15_000) });
    expect(readCalls(calls)[0].file).toEqual({ mode: 0o600, content: [{ file: null, line: null, text: 'Split it in two files' }] });
    expect(readCalls(calls).map((c) => c.args)).toEqual([
      ['review', project, 'ui', '--comments', expect.stringMatching(/comments\.json$/)],
      ['review', project, 'ui', '--approve'],
    ]);
    expect(await box.locator('button[data-action="approve-builder"], button[data-action="request-changes"]').count()).toBe(0);
    expect(errors).toEqual([]);
  }, scaled(90_000));

  it('start a workflow from the page: the real argo start refuses a folder without .argo-project with its ERROR line', async () => {
    const work = tempDir();
    const env = { ...process.env, ARGO_PROJECTS_REGISTRY: join(work, 'projects.json'), XDG_RUNTIME_DIR: join(work, 'run') };
    process.env.ARGO_PROJECTS_REGISTRY = env.ARGO_PROJECTS_REGISTRY;
    await waitingForReview(work, env);
    const bare = join(work, 'bare');
    mkdirSync(bare);
    const { page } = await openPage(work, ROOT, { width: 1280, height: 900 });
    await page.locator('#start-query').fill('Build a <b>todo</b> API');
    await page.locator('#start-path').fill(bare);
    await page.locator('button[data-action="start"]').click();
    const out = page.locator('#start-message.error');
    await out.waitFor({ timeout: scaled(15_000) });
    expect(await out.textContent()).toBe(`ERROR: .argo-project directory not found in ${bare}\nRun templates/project_setup.sh first to initialise the project`);
    // The registered folder is offered.
    expect(await page.locator('#start-paths option').evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value))).toEqual([join(work, 'gate')]);
  }, scaled(60_000));

  it('at 390×844: no sideways scrolling with the review controls open, each within the screen, Tab reaches every new control', async () => {
    const work = tempDir();
    const env = { ...process.env, ARGO_PROJECTS_REGISTRY: join(work, 'projects.json'), XDG_RUNTIME_DIR: join(work, 'run') };
    process.env.ARGO_PROJECTS_REGISTRY = env.ARGO_PROJECTS_REGISTRY;
    await waitingForReview(work, env);
    const { root } = standInRoot(work);
    const { page, errors } = await openPage(work, root, { width: 390, height: 844 }, true);
    await page.locator('#builders tr[data-builder="ui"] button[data-action="changes"]').click();
    const box = page.locator('section.review[data-review="ui"]');
    await box.locator('.diff-line[data-line="2"] button.line-comment').click();
    await page.locator('#comment-text').fill('x');
    await box.locator('button[data-action="add-comment"]').click();
    await box.locator('.diff-line[data-line="1"] button.line-comment').click(); // an open editor too
    await page.locator('#comment-text').waitFor();
    const noSideways = () => page.evaluate(() => document.documentElement.scrollWidth <= 390 && document.body.scrollWidth <= 390 && window.innerWidth === 390);
    expect(await noSideways()).toBe(true);
    // Every control of the review and the start form lies within the screen's width (the diff's line buttons scroll with their box).
    const NEW = 'section.review button:not(.line-comment), section.review textarea, #start button, #start textarea, #start input';
    const outside = await page.evaluate((sel) => [...document.querySelectorAll(sel)].filter((b) => { const r = b.getBoundingClientRect(); return r.width === 0 || r.left < 0 || r.right > 390; }).map((b) => b.outerHTML.slice(0, 60)), NEW);
    expect(outside).toEqual([]);
    // Tab from the top reaches every new control, the line buttons included.
    const all = await page.evaluate((sel) => document.querySelectorAll(`${sel}, section.review button.line-comment`).length, NEW);
    expect(all).toBeGreaterThanOrEqual(12);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const reached = new Set<number>();
    for (let i = 0; i < 120 && reached.size < all; i++) {
      await page.keyboard.press('Tab');
      const at = await page.evaluate((sel) => [...document.querySelectorAll(`${sel}, section.review button.line-comment`)].indexOf(document.activeElement as Element), NEW);
      if (at >= 0) reached.add(at);
    }
    expect(reached.size).toBe(all);
    expect(await noSideways()).toBe(true);
    if (process.env.ARGO_PHONE_SCREENSHOT) await page.screenshot({ path: process.env.ARGO_PHONE_SCREENSHOT, fullPage: true });
    expect(errors).toEqual([]);
  }, scaled(90_000));
});
