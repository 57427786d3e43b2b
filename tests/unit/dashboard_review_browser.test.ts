// Issue 21 in a real browser (Debian's chromium driven by playwright-core, as
// dashboard_browser.test.ts): a builder's changes, its agent's final message and its
// verify result on the page, markup in any of them shown as text, the diff scrolling
// inside its box. Without chromium (or a build in dist/) skipped with the reason, failed
// under CI=true (require_tool.ts).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server.js';
import { parseJson } from '../../core/json_doc.js';
import { newProject } from './dashboard_fixtures.js';
import { mutateState, projectStatePaths } from '../../store/state.js';
import { tempDir, ROOT, scaled } from './helpers.js';
import { requireTool, type Tool } from './require_tool.js';

const CHROMIUM = process.env.ARGO_CHROMIUM || '/usr/bin/chromium';
const chromium: Tool = { name: `chromium at ${CHROMIUM}`, have: existsSync(CHROMIUM), install: 'apt-get install -y chromium (or set ARGO_CHROMIUM=/path/to/chromium)' };
const build: Tool = { name: 'build in dist/', have: existsSync(join(ROOT, 'dist', 'compat', 'argo.js')), install: 'npm run build' };
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

const SAVED = ['ARGO_PROJECTS_REGISTRY', 'PATH', 'FAKE_AGENT_LOG', 'FAKE_AGENT_DRAFT'].map((k) => [k, process.env[k]] as const);
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  for (const [k, v] of SAVED) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' });

/** A project whose builder `ui` committed a file with markup and a very long line, ran claude (final message with markup) and passed verify. */
async function reviewProject(work: string, env: NodeJS.ProcessEnv): Promise<string> {
  const project = newProject(work, 'review', env);
  git(project, 'checkout', '-qb', 'argo-builder-ui');
  writeFileSync(join(project, 'ui.html'), `<img src=x onerror="document.title='pwned'">\n${'long '.repeat(400)}\n`);
  git(project, 'add', 'ui.html');
  git(project, 'commit', '-qm', 'ui');
  git(project, 'checkout', '-q', 'main');
  const logs = join(project, '.argo-project', 'logs');
  mkdirSync(logs, { recursive: true });
  writeFileSync(join(logs, 'builder-ui.agent.out'), JSON.stringify({ type: 'result', subtype: 'success', is_error: false, result: 'Done: <b>UI</b> added.', session_id: 's1' }) + '\n');
  writeFileSync(join(logs, 'builder-ui.log'), '[2026-01-01T00:01:00Z] verified - verify.command passed\n');
  await mutateState(projectStatePaths(project, {}), (doc) => {
    doc.set('phase', 'execution');
    doc.set('action_owner', 'code');
    doc.set('action_needed', 'execution');
    doc.set('execution', parseJson(JSON.stringify({ builders: [{ id: 'ui', status: 'completed', usage: { agent: 'claude', session_id: 's1' } }] }), 'test'));
  });
  return project;
}

describe('dashboard review in chromium (issue 21)', () => {
  beforeEach((ctx) => {
    requireTool(ctx, chromium);
    requireTool(ctx, build);
  });

  it("a builder's changed files and unified diff, its final message and verify result, as text; the diff scrolls inside its box", async () => {
    const { chromium } = await import('playwright-core');
    const work = tempDir();
    const env = { ...process.env, ARGO_PROJECTS_REGISTRY: join(work, 'projects.json'), XDG_RUNTIME_DIR: join(work, 'run') };
    process.env.ARGO_PROJECTS_REGISTRY = env.ARGO_PROJECTS_REGISTRY;
    await reviewProject(work, env);
    const dash = await startDashboard({ host: '127.0.0.1', port: 0, token: 'review-token', root: ROOT, registry: env.ARGO_PROJECTS_REGISTRY });
    cleanups.push(() => dash.close());
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, chromiumSandbox: false, headless: true });
    cleanups.push(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(dash.url);
    await page.locator('#builders tr[data-builder="ui"] button[data-action="changes"]').click();
    const box = page.locator('section.review[data-review="ui"]');
    await box.locator('pre.review-diff').waitFor({ timeout: scaled(15_000) });
    expect(await box.locator('ul.review-files li').allTextContents()).toEqual(['ui.html (+2 -0)']);
    expect(await box.locator('pre.review-diff').textContent()).toContain(`+<img src=x onerror="document.title='pwned'">`);
    expect(await box.locator('pre.review-message').textContent()).toBe('Done: <b>UI</b> added.');
    expect(await box.locator('.review-verify').textContent()).toBe('Verify passed: verify.command passed');
    expect(await page.locator('section.review img, section.review b').count()).toBe(0); // data, never markup
    // The long line scrolls inside the diff's box, not the page.
    const { inner, outer } = await box.locator('pre.review-diff').evaluate((pre) => ({ inner: pre.scrollWidth, outer: pre.clientWidth }));
    expect(inner).toBeGreaterThan(outer);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    expect(await page.title()).toBe('Argo dashboard');
    expect(errors).toEqual([]);
    // A second click closes it.
    await page.locator('#builders tr[data-builder="ui"] button[data-action="changes"]').click();
    await box.waitFor({ state: 'detached', timeout: scaled(5_000) });
  }, scaled(60_000));

  it('Talk to this agent: the message resumes the fake claude in the worktree, its reply comes back, the new commit appears in the diff', async () => {
    const { chromium } = await import('playwright-core');
    const work = tempDir();
    const calls = join(work, 'calls');
    const env = { ...process.env, ARGO_PROJECTS_REGISTRY: join(work, 'projects.json'), XDG_RUNTIME_DIR: join(work, 'run') };
    Object.assign(process.env, { ARGO_PROJECTS_REGISTRY: env.ARGO_PROJECTS_REGISTRY, PATH: `${join(ROOT, 'tests', 'fixtures', 'agents')}:${process.env.PATH}`, FAKE_AGENT_LOG: calls, FAKE_AGENT_DRAFT: 'ui' });
    const project = newProject(work, 'say', env);
    const wt = join(project, '.argo-project', 'builders', 'ui');
    git(project, 'worktree', 'add', '-q', '-b', 'argo-builder-ui', wt);
    writeFileSync(join(wt, 'ui.txt'), 'draft\n');
    git(wt, 'add', 'ui.txt');
    git(wt, 'commit', '-qm', 'ui draft');
    await mutateState(projectStatePaths(project, {}), (doc) => {
      doc.set('execution', parseJson(JSON.stringify({ builders: [{ id: 'ui', status: 'completed', worktree: wt, branch: 'argo-builder-ui', usage: { agent: 'claude', session_id: 'sess-claude-ui' } }] }), 'test'));
    });
    const dash = await startDashboard({ host: '127.0.0.1', port: 0, token: 'say-token', root: ROOT, registry: env.ARGO_PROJECTS_REGISTRY });
    cleanups.push(() => dash.close());
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, chromiumSandbox: false, headless: true });
    cleanups.push(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(dash.url);
    await page.locator('#builders tr[data-builder="ui"] button[data-action="changes"]').click();
    const box = page.locator('section.review[data-review="ui"]');
    await box.locator('pre.review-diff').waitFor({ timeout: scaled(15_000) });
    expect(await box.locator('pre.review-diff').textContent()).toContain('+draft');
    await box.locator('#say-text').fill('Please make the <wording> final');
    await box.locator('button[data-action="say"]').click();
    await page.locator('#message.ok', { hasText: 'built ui' }).waitFor({ timeout: scaled(30_000) });
    // The fake claude was resumed with the builder's session and the message as its prompt.
    const metas = readdirSync(calls).filter((f) => f.endsWith('.meta'));
    expect(metas).toHaveLength(1);
    expect(readFileSync(join(calls, metas[0]!), 'utf8')).toContain('resume=sess-claude-ui');
    expect(readFileSync(join(calls, metas[0]!.replace(/\.meta$/, '.argv')), 'utf8').split('\0').some((a) => a.endsWith('\n\nPlease make the <wording> final'))).toBe(true);
    // Its new commit shows in the refreshed diff.
    await box.locator('pre.review-diff', { hasText: '+fixed ui by claude' }).waitFor({ timeout: scaled(15_000) });
    expect(readFileSync(join(project, '.argo-project', 'logs', 'builder-ui.log'), 'utf8')).toMatch(/say_reply - built ui/);
  }, scaled(90_000));

  /** Two projects: `quiet` (finished, updated last) and `needs` (waits for you: a failed builder, an approved design with markup, no conflicts). */
  async function leadProjects(work: string, env: NodeJS.ProcessEnv): Promise<string> {
    // Registered first, so a page that opened on the first project would open on it.
    const quiet = newProject(work, 'quiet', env);
    await mutateState(projectStatePaths(quiet, {}), (doc) => {
      doc.set('phase', 'storage');
      doc.set('action_owner', 'code');
      doc.set('action_needed', 'none');
      doc.set('last_update', '2026-06-01T00:00:00Z');
    });
    const needs = await reviewProject(work, env);
    await mutateState(projectStatePaths(needs, {}), (doc) => {
      doc.set('phase', 'merge_build');
      doc.set('action_owner', 'user');
      doc.set('action_needed', 'review_merge');
      doc.set('last_update', '2026-01-01T00:00:00Z');
      doc.set('design', parseJson(JSON.stringify({ summary: '# Plan\n<img src=x onerror="document.title=1"> **bold**', components: [{ id: 'ui', description: 'The <b>UI</b>' }, { id: 'api', description: 'API' }], approved: true }), 'test'));
      const builders = [
        { id: 'ui', status: 'completed', usage: { agent: 'claude', session_id: 's1' } },
        { id: 'api', status: 'failed', exit_code: 1, failure: 'verify', failure_message: 'verify.command failed with exit status 2' },
        { id: 'cli', status: 'failed', exit_code: 3 },
      ];
      doc.set('execution', parseJson(JSON.stringify({ status: 'completed', builders }), 'test'));
    });
    return needs;
  }

  it('leads: opens on the project that needs you, says who acts in words, a failed row says why, no editor after approval, no "merge again" without conflicts, the design as text', async () => {
    const { chromium } = await import('playwright-core');
    const work = tempDir();
    const env = { ...process.env, ARGO_PROJECTS_REGISTRY: join(work, 'projects.json'), XDG_RUNTIME_DIR: join(work, 'run') };
    process.env.ARGO_PROJECTS_REGISTRY = env.ARGO_PROJECTS_REGISTRY;
    await leadProjects(work, env);
    const dash = await startDashboard({ host: '127.0.0.1', port: 0, token: 'lead-token', root: ROOT, registry: env.ARGO_PROJECTS_REGISTRY });
    cleanups.push(() => dash.close());
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, chromiumSandbox: false, headless: true });
    cleanups.push(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(dash.url);
    await page.locator('#detail h2', { hasText: 'review' }).waitFor({ timeout: scaled(15_000) });
    expect(await page.locator('#next strong.who').textContent()).toBe('You: ');
    expect(await page.locator('#projects li[data-id] .badge').allTextContents()).toEqual(['you must act']);
    expect(await page.locator('#builders tr[data-builder="api"] .failure-message').textContent()).toBe('verify.command failed with exit status 2');
    expect(await page.locator('#builders tr[data-builder="cli"] .failure-message').textContent()).toBe('exit status 3');
    expect(await page.locator('#builders tr[data-builder="ui"] .failure-message').count()).toBe(0);
    expect(await page.locator('#components').count()).toBe(0); // approved: the editor is gone
    expect(await page.locator('#component-list li').allTextContents()).toEqual(['ui — The <b>UI</b>', 'api — API']);
    expect(await page.locator('button[data-action="merge"]').count()).toBe(0); // no conflicts: no "merge again"
    expect(await page.locator('#design-summary').textContent()).toBe('# Plan\n<img src=x onerror="document.title=1"> **bold**');
    expect(await page.locator('#detail img, #detail b').count()).toBe(0);
    expect(await page.title()).toBe('Argo dashboard');
    expect(errors).toEqual([]);
  }, scaled(60_000));

  it('on a phone (390×844): no horizontal scrolling, every button on screen and reached by the keyboard, Enter works, the diff scrolls in its box', async () => {
    const { chromium } = await import('playwright-core');
    const work = tempDir();
    const env = { ...process.env, ARGO_PROJECTS_REGISTRY: join(work, 'projects.json'), XDG_RUNTIME_DIR: join(work, 'run') };
    process.env.ARGO_PROJECTS_REGISTRY = env.ARGO_PROJECTS_REGISTRY;
    await leadProjects(work, env);
    const dash = await startDashboard({ host: '127.0.0.1', port: 0, token: 'phone-token', root: ROOT, registry: env.ARGO_PROJECTS_REGISTRY });
    cleanups.push(() => dash.close());
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, chromiumSandbox: false, headless: true });
    cleanups.push(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    await page.goto(dash.url);
    await page.locator('#builders tr[data-builder="api"]').waitFor({ timeout: scaled(15_000) });
    // Against the phone's 390 CSS pixels (a mobile viewport may widen itself to fit a page too wide).
    const noSideways = () => page.evaluate(() => document.documentElement.scrollWidth <= 390 && document.body.scrollWidth <= 390 && window.innerWidth === 390);
    expect(await noSideways()).toBe(true);
    // Every button lies within the screen's width (reachable by scrolling down only).
    const outside = await page.evaluate(() => [...document.querySelectorAll('button')].filter((b) => { const r = b.getBoundingClientRect(); return r.width === 0 || r.left < 0 || r.right > 390; }).map((b) => b.textContent));
    expect(outside).toEqual([]);
    // The keyboard reaches every button: Tab through the page and note what takes the focus.
    const buttons = await page.locator('button').count();
    const reached = new Set<string>();
    for (let i = 0; i < 60 && reached.size < buttons; i++) {
      await page.keyboard.press('Tab');
      const at = await page.evaluate(() => { const a = document.activeElement; return a instanceof HTMLButtonElement ? [...document.querySelectorAll('button')].indexOf(a) : -1; });
      if (at >= 0) reached.add(String(at));
    }
    expect(reached.size).toBe(buttons);
    // Enter on the focused Changes button opens the review; its diff scrolls inside its box, the page does not.
    await page.locator('#builders tr[data-builder="ui"] button[data-action="changes"]').focus();
    await page.keyboard.press('Enter');
    const box = page.locator('section.review[data-review="ui"]');
    await box.locator('pre.review-diff').waitFor({ timeout: scaled(15_000) });
    const { inner, outer } = await box.locator('pre.review-diff').evaluate((pre) => ({ inner: pre.scrollWidth, outer: pre.clientWidth }));
    expect(inner).toBeGreaterThan(outer);
    expect(await noSideways()).toBe(true);
    // The message box and its button fit too, and the keyboard gets there.
    await page.locator('#say-text').focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.action)).toBe('say');
    if (process.env.ARGO_PHONE_SCREENSHOT) await page.screenshot({ path: process.env.ARGO_PHONE_SCREENSHOT, fullPage: true });
  }, scaled(60_000));
});
