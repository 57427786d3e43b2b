// The plan in the dashboard (issue 18), in a real browser (chromium via playwright-core, as
// dashboard_browser.test.ts): a design without a component list says so beside an empty
// editor and never offers the plain `argo approve`; the plan check's cycles and warnings
// stand beside the Approve button, as text; the editor keeps a component's plan fields.
import { existsSync, readFileSync } from 'node:fs';
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

const savedRegistry = process.env.ARGO_PROJECTS_REGISTRY;
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  if (savedRegistry === undefined) delete process.env.ARGO_PROJECTS_REGISTRY;
  else process.env.ARGO_PROJECTS_REGISTRY = savedRegistry;
});

const design = (project: string, value: Record<string, unknown>) =>
  mutateState(projectStatePaths(project, {}), (doc) => {
    doc.set('phase', 'design');
    doc.set('action_owner', 'user');
    doc.set('action_needed', 'approve_design');
    doc.set('design', parseJson(JSON.stringify({ summary: 'A design in prose', approved: false, ...value }), 'test'));
  });

describe('the plan in the dashboard', () => {
  beforeEach((ctx) => {
    requireTool(ctx, chromium);
    requireTool(ctx, build);
  });

  it('no component list: said so, an empty editor, no plain approve; cycles and warnings beside Approve; plan fields kept', async () => {
    const { chromium } = await import('playwright-core');
    const work = tempDir();
    const env = { ...process.env, ARGO_PROJECTS_REGISTRY: join(work, 'projects.json'), XDG_RUNTIME_DIR: join(work, 'run') };
    process.env.ARGO_PROJECTS_REGISTRY = env.ARGO_PROJECTS_REGISTRY;
    const project = newProject(work, 'calc', env);
    await design(project, { components: [], plan_followup: true });
    const dash = await startDashboard({ host: '127.0.0.1', port: 0, token: 'plan-token-0123456789abcdef', root: ROOT, registry: env.ARGO_PROJECTS_REGISTRY });
    cleanups.push(() => dash.close());
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, chromiumSandbox: false, headless: true });
    cleanups.push(() => browser.close());
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(dash.url);

    await page.locator('#no-components').waitFor({ timeout: scaled(30_000) });
    expect(await page.locator('#no-components').textContent()).toContain('The design has no component list');
    expect(await page.locator('#components').inputValue()).toBe('');
    expect(await page.locator('#components').getAttribute('placeholder')).toContain('"depends_on"');
    const next = (await page.locator('#next').textContent())!;
    expect(next).toContain('The design has no component list (the CI tool was asked twice)');
    expect(next).toContain(`approve --components components.json ${project}`);
    expect(next).not.toMatch(new RegExp(`argo approve ${project}$`, 'm'));

    // A plan with a cycle and a warning (markup in it stays text).
    const components = [
      { id: 'a', description: 'A', depends_on: ['b'], paths: ['src/a/**'], acceptance: 'a works' },
      { id: 'b', description: 'B', depends_on: ['a'] },
    ];
    await design(project, { components, warnings: ["components 'a' and 'b' both own <b>src</b>"] });
    await page.locator('#plan-cycles').waitFor({ timeout: scaled(15_000) });
    expect(await page.locator('#plan-cycles').textContent()).toBe('Dependency cycle (approval refuses it): a → b → a');
    expect(await page.locator('#plan-warnings li').allTextContents()).toEqual(["components 'a' and 'b' both own <b>src</b>"]);
    expect(await page.locator('#plan-warnings b').count()).toBe(0);
    expect(await page.locator('#no-components').count()).toBe(0);
    // the editor holds the plan fields, so approving an edit keeps them
    expect(JSON.parse(await page.locator('#components').inputValue())).toEqual(components);

    // Approving the cycle is refused (the message says why); breaking it approves, paths kept.
    await page.locator('button[data-action="approve"]').click();
    await page.locator('#message.error', { hasText: 'dependency cycle: a → b → a' }).waitFor({ timeout: scaled(15_000) });
    const fixed = [components[0], { id: 'b', description: 'B', depends_on: ['a'] }].map((c, i) => (i === 0 ? { ...c, depends_on: [] } : c));
    await page.locator('#components').fill(JSON.stringify(fixed));
    await page.locator('button[data-action="approve"]').click();
    const end = Date.now() + 30_000;
    const state = () => JSON.parse(readFileSync(join(project, '.argo-project', 'state.json'), 'utf8'));
    while (state().design.approved !== true && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(state().design.components).toEqual(fixed);
    expect(errors).toEqual([]);
  }, scaled(120_000));
});
