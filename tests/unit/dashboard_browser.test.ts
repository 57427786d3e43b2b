// The dashboard in a real browser (Debian's chromium driven by playwright-core, no
// browser download): open the page with the token, watch a stand-in workflow move
// live, edit the components and approve, see the state change; no token → 401; a
// cross-origin POST is refused. Takes a screenshot. Without chromium the test
// is skipped with one line saying how to enable it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startDashboard, type Dashboard } from '../../dashboard/server.js';
import { tempDir, ROOT } from './helpers.js';

const CHROMIUM = process.env.ARGO_CHROMIUM || '/usr/bin/chromium';
const built = existsSync(join(ROOT, 'dist', 'compat', 'argo.js'));
const haveChromium = existsSync(CHROMIUM) && built;
if (!existsSync(CHROMIUM)) {
  console.log(`browser test skipped: no chromium at ${CHROMIUM}; to run it: apt-get install -y chromium (or set ARGO_CHROMIUM=/path/to/chromium)`);
} else if (!built) {
  console.log('browser test skipped: no build in dist/; to run it: npm run build');
}

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

const started: number[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
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

async function until<T>(what: string, probe: () => T | undefined | false, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!haveChromium)('dashboard in chromium', () => {
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

    // No token, no answer.
    expect((await fetch(`${base}/`)).status).toBe(401);
    expect((await fetch(`${base}/api/projects`)).status).toBe(401);
    expect((await fetch(`${base}/api/events`)).status).toBe(401);

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, chromiumSandbox: false, headless: true });
    cleanups.push(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(dash.url);
    expect(new URL(page.url()).search).toBe(''); // the token left the address bar for a cookie
    await page.locator('#projects li[data-id]').first().waitFor();
    await page.locator('#phase', { hasText: 'init' }).waitFor();

    // Start from the CLI; the page follows by itself.
    const start = spawnSync(join(ROOT, 'start_workflow.sh'), ['Build a calculator', project], { env, encoding: 'utf8' });
    expect(start.status).toBe(0);
    started.push(Number(readFileSync(join(project, '.argo-project', 'orchestrator.pid'), 'utf8')));
    await page.locator('#phase', { hasText: 'design' }).waitFor({ timeout: 60_000 });
    await page.locator('button[data-action="approve"]').waitFor({ timeout: 60_000 });
    await expect(page.locator('#design-summary').textContent()).resolves.toContain('Design for: Build a calculator');

    // Edit the components: two instead of the three proposed.
    await page.locator('#components').fill(JSON.stringify([{ id: 'engine', description: 'The engine' }, { id: 'ui', description: 'The UI' }]));
    await page.locator('button[data-action="approve"]').click();
    await page.locator('#phase', { hasText: /execution|merge_build|storage/ }).waitFor({ timeout: 60_000 });
    await until('the approval in state.json', () => state(project).design?.approved === true);
    expect(state(project).design.components.map((c: { id: string }) => c.id)).toEqual(['engine', 'ui']);

    // Builders appear live and end merged.
    await page.locator('#builders tr[data-builder="engine"]').waitFor({ timeout: 60_000 });
    await page.locator('#phase', { hasText: 'storage' }).waitFor({ timeout: 90_000 });
    await page.locator('#builders tr[data-builder="ui"] td.s-merged').waitFor({ timeout: 30_000 });
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
        { method: 'POST', credentials: 'include' as const, headers: { 'x-argo-token': token!, 'content-type': 'application/json' }, body: '{}' },
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
      headers: { 'x-argo-token': 'browser-test-token-0123456789', origin: 'http://evil.example', cookie: 'argo_dashboard=browser-test-token-0123456789' },
      body: '{}',
    });
    expect(forged.status).toBe(403);
    expect(readFileSync(join(project, '.argo-project', 'state.json'), 'utf8')).toBe(before);
  }, 180_000);
});
