// The budget on the dashboard, in a real browser (Debian's chromium, playwright-core): the
// spend per agent beside the review_budget hand-off, a bad value answered with the
// command's refusal and nothing changed, and a raise from the page that continues the
// workflow to storage through `argo budget --raise` — the same command a person types.
// Without chromium (or a build in dist/) skipped with the reason (require_tool.ts).
import { spawnSync } from 'node:child_process';
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

const stateOf = (project: string) => readFileSync(join(project, '.argo-project', 'state.json'), 'utf8');

describe('dashboard: the budget', () => {
  beforeEach((ctx) => {
    requireTool(ctx, chromium);
    requireTool(ctx, build);
  });

  it('the spend per agent beside review_budget; a bad value is refused and changes nothing; a raise continues the workflow to storage', async () => {
    const { chromium } = await import('playwright-core');
    const work = tempDir();
    const env = { ...process.env, ARGO_PROJECTS_REGISTRY: join(work, 'projects.json'), XDG_RUNTIME_DIR: join(work, 'run') };
    process.env.ARGO_PROJECTS_REGISTRY = env.ARGO_PROJECTS_REGISTRY;
    const project = newProject(work, 'budgeted', env);
    // Stopped by the budget after the design (claude, 0.5 USD); no builder to run again, so
    // the continued workflow goes execution → merge_build → storage. No orchestrator runs:
    // the raise starts one.
    await mutateState(projectStatePaths(project, {}), (doc) => {
      doc.set('phase', 'execution');
      doc.set('action_owner', 'user');
      doc.set('action_needed', 'review_budget');
      doc.set('limits', parseJson('{"max_cost_usd": 0.5}', 'test'));
      doc.set('design', parseJson('{"summary": "s", "components": [], "approved": true, "usage": {"cost_usd": 0.5, "input_tokens": 10, "output_tokens": 5, "agent": "claude"}}', 'test'));
      doc.set('execution', parseJson('{"builders": [], "halt_reason": "the cost so far (0.5 USD) reached limits.max_cost_usd (0.5 USD)"}', 'test'));
    });
    const dash = await startDashboard({ host: '127.0.0.1', port: 0, token: 'budget-test-token-0123456789', root: ROOT, registry: env.ARGO_PROJECTS_REGISTRY });
    cleanups.push(() => dash.close());
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, chromiumSandbox: false, headless: true });
    cleanups.push(() => browser.close());
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(dash.url);

    await page.locator('button[data-action="budget"]').waitFor({ timeout: scaled(30_000) });
    expect(await page.locator('#budget').textContent()).toContain('$0.5000 spent of $0.5000 (limits.max_cost_usd, .argo-project/state.json)');
    expect(await page.locator('#spend li[data-agent="claude"]').textContent()).toBe('claude: $0.5000 (design)');
    expect(await page.locator('#next').textContent()).toContain('argo budget --raise');

    // Not above the spend: the command's own ERROR line comes back; nothing changed.
    const before = stateOf(project);
    await page.locator('#budget-limit').fill('0.4');
    await page.locator('button[data-action="budget"]').click();
    await page.locator('#message.error', { hasText: 'ERROR: --raise "0.4" for limits.max_cost_usd: not above the spend so far' }).waitFor({ timeout: scaled(30_000) });
    // Not a number: refused by the server before any command runs.
    await page.locator('#budget-limit').fill('2; touch x');
    await page.locator('button[data-action="budget"]').click();
    await page.locator('#message.error', { hasText: 'is not a number of US dollars' }).waitFor({ timeout: scaled(30_000) });
    expect(stateOf(project)).toBe(before);

    // The orchestrator the raise starts ends with the project's own stop, also when a wait fails.
    cleanups.push(() => void spawnSync(join(ROOT, 'stop_workflow.sh'), [project], { env, stdio: 'ignore' }));
    await page.locator('#budget-limit').fill('2');
    await page.locator('button[data-action="budget"]').click();
    await page.locator('#message.ok', { hasText: 'limits.max_cost_usd raised from 0.5 USD to 2 USD' }).waitFor({ timeout: scaled(30_000) });
    await page.locator('#phase', { hasText: 'storage' }).waitFor({ timeout: scaled(60_000) });
    const after = JSON.parse(stateOf(project));
    expect(after.limits.max_cost_usd).toBe(2);
    expect(after.phase).toBe('storage');
    expect(await page.locator('button[data-action="budget"]').count()).toBe(0);
    expect(errors).toEqual([]);
  }, scaled(120_000));
});

