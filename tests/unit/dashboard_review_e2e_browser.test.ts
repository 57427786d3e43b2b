// Issue 21, item 7 end to end, from the page alone (chromium), with the REAL `argo review`
// (gate21's steer/review.ts) and the fake agent CLIs (tests/fixtures/agents: they record
// each call; resumed, part-2 writes "fixed"): start the workflow from the form, approve the
// design, the gate holds both builders; approve part-1; comment on a line of part-2's diff
// and send the batch; the agent's resumed prompt carries the comment, its new commit shows
// in the diff with its reply beside it; approve part-2 and it reaches the target.
// Skipped (with the reason) until `argo review` is built (dist/steer/review.js), chromium
// missing or no build.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server.js';
import { newProject } from './dashboard_fixtures.js';
import { tempDir, ROOT, until, scaled } from './helpers.js';
import { requireTool, type Tool } from './require_tool.js';

const CHROMIUM = process.env.ARGO_CHROMIUM || '/usr/bin/chromium';
const chromium: Tool = { name: `chromium at ${CHROMIUM}`, have: existsSync(CHROMIUM), install: 'apt-get install -y chromium (or set ARGO_CHROMIUM=/path/to/chromium)' };
const review: Tool = { name: 'argo review in dist/ (steer/review.js)', have: existsSync(join(ROOT, 'dist', 'steer', 'review.js')), install: 'merge the review gate (issue 21, gate21) and npm run build' };
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

const KEYS = ['ARGO_PROJECTS_REGISTRY', 'PATH', 'FAKE_AGENT_LOG', 'FAKE_AGENT_DRAFT', 'FAKE_AGENT_COMPONENTS', 'CI_COMMAND', 'ARGO_AGENT', 'XDG_RUNTIME_DIR'];
const SAVED = KEYS.map((k) => [k, process.env[k]] as const);
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  for (const [k, v] of SAVED) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

/** Ends this test's orchestrator (its pid read from its own pid file) and waits until it is gone, before the folder is removed. */
async function endOrchestrator(project: string): Promise<void> {
  // The orchestrator removes its pid file when the workflow ends, which may be now: read once, no check first.
  let pid: number;
  try {
    pid = Number(readFileSync(join(project, '.argo-project', 'orchestrator.pid'), 'utf8'));
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0) return;
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (alive()) process.kill(pid);
  await until('the orchestrator gone', () => !alive(), scaled(20_000), 50);
}

const state = (project: string) => JSON.parse(readFileSync(join(project, '.argo-project', 'state.json'), 'utf8'));
const row = (project: string, id: string) => state(project).execution?.builders?.find((b: { id: string }) => b.id === id);

describe('review from the page, end to end (issue 21)', () => {
  beforeEach((ctx) => {
    requireTool(ctx, chromium);
    requireTool(ctx, review);
  });

  it('start, approve the design, line comments reach the agent session, its fix and reply show, approve into the target', async () => {
    const { chromium } = await import('playwright-core');
    const work = tempDir();
    const calls = join(work, 'calls');
    delete process.env.CI_COMMAND;
    delete process.env.ARGO_AGENT;
    Object.assign(process.env, { ARGO_PROJECTS_REGISTRY: join(work, 'projects.json'), XDG_RUNTIME_DIR: join(work, 'run'), PATH: `${join(ROOT, 'tests', 'fixtures', 'agents')}:${process.env.PATH}`, FAKE_AGENT_LOG: calls, FAKE_AGENT_COMPONENTS: '2', FAKE_AGENT_DRAFT: 'part-2' });
    const project = newProject(work, 'gate', process.env);
    const configFile = join(project, '.argo-project', 'config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8'));
    writeFileSync(configFile, JSON.stringify({ ...config, ci: { ...config.ci, agent: 'claude' }, review: { required: true } }, null, 2));
    const dash = await startDashboard({ host: '127.0.0.1', port: 0, token: 'e2e-token', root: ROOT, registry: process.env.ARGO_PROJECTS_REGISTRY });
    cleanups.push(() => dash.close());
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, chromiumSandbox: false, headless: true });
    cleanups.push(() => browser.close());
    try {
      await reviewFromThePage(browser, dash.url, project, calls);
    } finally {
      await endOrchestrator(project); // before afterEach removes the folder
    }
  }, scaled(300_000));
});

/** The person's part, on the page alone. */
async function reviewFromThePage(browser: import('playwright-core').Browser, url: string, project: string, calls: string): Promise<void> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  // Start from the form; approve the design as proposed.
  await page.locator('#start-query').fill('Build a calculator');
  await page.locator('#start-path').fill(project);
  await page.locator('button[data-action="start"]').click();
  await page.locator('#start-message.ok').waitFor({ timeout: scaled(30_000) });
  await page.locator('button[data-action="approve"]').click({ timeout: scaled(60_000) });
  // The gate holds both builders.
  await until('review_builder', () => state(project).action_needed === 'review_builder', scaled(120_000), 100);
  await page.locator('#action', { hasText: 'review_builder' }).waitFor({ timeout: scaled(15_000) });
  const changes = (id: string) => page.locator(`#builders tr[data-builder="${id}"] button[data-action="changes"]`);
  const box = (id: string) => page.locator(`section.review[data-review="${id}"]`);
  await changes('part-1').click();
  await box('part-1').locator('button[data-action="approve-builder"]').click();
  await until('part-1 approved', () => row(project, 'part-1')?.review?.status === 'approved', scaled(30_000), 100);
  // A comment on part-2's line 1, sent as the batch.
  await changes('part-2').click();
  const two = box('part-2');
  await two.locator('#review-status', { hasText: 'waiting for your review' }).waitFor({ timeout: scaled(15_000) });
  await two.locator('.diff-line[data-file="part-2.txt"][data-line="1"] button.line-comment').click();
  await page.locator('#comment-text').fill('draft is not done: finish it');
  await two.locator('button[data-action="add-comment"]').click();
  const before = readdirSync(calls).filter((f) => f.endsWith('.argv')).length;
  await two.locator('button[data-action="send-comments"]').click();
  await until('the fix held again with its reply', () => row(project, 'part-2')?.review?.status === 'pending' && row(project, 'part-2')?.review?.reply && state(project).action_needed === 'review_builder', scaled(120_000), 100);
  const argvs = readdirSync(calls).filter((f) => f.endsWith('.argv')).sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  expect(argvs.length).toBe(before + 1);
  expect(readFileSync(join(calls, argvs.at(-1)!), 'utf8')).toContain('part-2.txt:1: draft is not done: finish it');
  expect(readFileSync(join(calls, argvs.at(-1)!.replace(/\.argv$/, '.meta')), 'utf8')).toContain('resume=sess-claude-part-2');
  // Reopened: the fix in the diff, the comment in the history, the reply beside it.
  await changes('part-2').click();
  await two.waitFor({ state: 'detached' });
  await changes('part-2').click();
  await two.locator('pre.review-diff', { hasText: '+fixed part-2 by claude' }).waitFor({ timeout: scaled(15_000) });
  expect(await two.locator('#review-history li').first().textContent()).toContain('part-2.txt:1 draft is not done: finish it');
  expect(await two.locator('#review-reply').textContent()).toBe(row(project, 'part-2').review.reply);
  // Approve: it reaches the target.
  await two.locator('button[data-action="approve-builder"]').click();
  await until('part-2 merged', () => (state(project).merge?.merged ?? []).includes('part-2'), scaled(120_000), 100);
  expect(execFileSync('git', ['show', 'main:part-2.txt'], { cwd: project, encoding: 'utf8' }).trim()).toBe('fixed part-2 by claude');
  expect(errors).toEqual([]);
}
