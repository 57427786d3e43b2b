// Issue 22 on the page, in a real browser (Debian's chromium, playwright-core, as
// dashboard_review_gate_browser.test.ts): the start form's Template field offers the
// built-in templates, and a chosen template reaches the real `argo start --template`,
// whose check answers (a broken project template: its one ERROR line, nothing started).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server.js';
import { newProject } from './dashboard_fixtures.js';
import { argoPaths } from '../../store/layout.js';
import { tempDir, ROOT, scaled } from './helpers.js';
import { requireTool, type Tool } from './require_tool.js';

const CHROMIUM = process.env.ARGO_CHROMIUM || '/usr/bin/chromium';
const chromium: Tool = { name: `chromium at ${CHROMIUM}`, have: existsSync(CHROMIUM), install: 'apt-get install -y chromium (or set ARGO_CHROMIUM=/path/to/chromium)' };
const build: Tool = { name: 'build in dist/', have: existsSync(join(ROOT, 'dist', 'compat', 'argo.js')), install: 'npm run build' };
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

const cleanups: (() => Promise<void> | void)[] = [];
const saved = process.env.ARGO_PROJECTS_REGISTRY;
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  if (saved === undefined) delete process.env.ARGO_PROJECTS_REGISTRY;
  else process.env.ARGO_PROJECTS_REGISTRY = saved;
});

describe('the start form offers the workflow templates, in chromium (issue 22)', () => {
  beforeEach((ctx) => {
    requireTool(ctx, chromium);
    requireTool(ctx, build);
  });

  it('the built-ins are offered; a chosen template goes to argo start --template, whose ERROR line comes back', async () => {
    const work = tempDir();
    const env = { ...process.env, ARGO_PROJECTS_REGISTRY: join(work, 'projects.json'), XDG_RUNTIME_DIR: join(work, 'run') };
    process.env.ARGO_PROJECTS_REGISTRY = env.ARGO_PROJECTS_REGISTRY;
    const project = newProject(work, 'tpl', env);
    const p = argoPaths(project);
    mkdirSync(p.templates);
    writeFileSync(join(p.templates, 'broken.json'), JSON.stringify({ name: 'broken', description: 'd', when: 'w', defaults: { workflow: { kind: 'quick' } } }));
    const config = readFileSync(p.config, 'utf8');
    const { chromium: browserType } = await import('playwright-core');
    const dash = await startDashboard({ host: '127.0.0.1', port: 0, token: 'tpl-token', root: ROOT, registry: env.ARGO_PROJECTS_REGISTRY });
    cleanups.push(() => dash.close());
    const browser = await browserType.launch({ executablePath: CHROMIUM, args: FLAGS, chromiumSandbox: false, headless: true });
    cleanups.push(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(dash.url);
    await page.locator('#start-templates option[value="bugfix"]').waitFor({ state: 'attached', timeout: scaled(15_000) });
    const offered = await page.locator('#start-templates option').evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value));
    expect(offered).toEqual(expect.arrayContaining(['best-of-n', 'bugfix', 'docs', 'feature', 'refactor', 'review', 'tests']));
    await page.locator('#start-query').fill('Fix the parser');
    await page.locator('#start-path').fill(project);
    await page.locator('#start-template').fill('broken');
    await page.locator('button[data-action="start"]').click();
    const out = page.locator('#start-message.error');
    await out.waitFor({ timeout: scaled(15_000) });
    expect(await out.textContent()).toBe(`ERROR: template ${join(p.templates, 'broken.json')}: defaults.workflow.kind is "quick"; accepted: feature, bugfix, best_of_n, slices, review, or absent (feature); the workflow was not started`);
    expect(readFileSync(p.config, 'utf8')).toBe(config);
    expect(existsSync(p.orchestratorPid)).toBe(false);
    expect(errors).toEqual([]);
  }, scaled(60_000));
});
