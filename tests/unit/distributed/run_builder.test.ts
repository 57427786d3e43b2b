// The worker's one way of running a builder: agents/build.ts with the job's setup. A time
// limit, a stall or an abort ends the builder's whole process group (what it started
// too); an agent preset runs as it does locally (usage and cost from its output, the
// leftover commit, verify fed back to its session).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pidAlive } from '../../../core/proc.js';
import { jobSetup, runJobBuilder } from '../../../distributed/run_builder.js';
import { timeLeft } from '../../../workflow/limits.js';
import type { BuilderJob } from '../../../distributed/backend.js';
import { choiceSpec, chooseCi } from '../../../agents/select.js';
import { ROOT, until } from './cluster.js';

const AGENTS = join(ROOT, 'tests', 'fixtures', 'agents');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'argo-runb-'));
  dirs.push(dir);
  return dir;
}

function job(over: Partial<BuilderJob> = {}): BuilderJob {
  return {
    workflow: 'w',
    project: 'p',
    builder: 'x',
    prompt: "You are building the 'x' component.",
    tool: 'ci',
    remote: '/nowhere',
    base: 'HEAD',
    branch: 'argo-builder-x',
    timeoutSeconds: null,
    ...over,
  };
}

/** A builder that starts a grandchild, records its pid, and waits forever (printing nothing). */
function hangingTool(): { dir: string; tool: string; grandchild: () => number | undefined } {
  const dir = temp();
  const tool = join(dir, 'hang');
  writeFileSync(tool, `#!/bin/bash\nsleep 300 & echo $! > "${dir}/child"\nwait\n`);
  chmodSync(tool, 0o755);
  const file = join(dir, 'child');
  return { dir, tool, grandchild: () => (existsSync(file) && readFileSync(file, 'utf8').trim() ? Number(readFileSync(file, 'utf8')) : undefined) };
}

const io = (dir: string, signal = new AbortController().signal) => ({ worktree: dir, scratch: join(temp(), 'scratch'), logFile: join(dir, 'log'), env: process.env, signal });

/** A git worktree on argo-builder-x, as the worker makes one. */
function worktree(): string {
  const dir = temp();
  const git = (...a: string[]) => execFileSync('git', a, { cwd: dir, stdio: 'ignore' });
  git('init', '-q', '-b', 'argo-builder-x');
  git('config', 'user.name', 'T');
  git('config', 'user.email', 't@example.invalid');
  writeFileSync(join(dir, '.gitignore'), 'log\nlog.setup.log\n.build_result\n');
  git('add', '.');
  git('commit', '-qm', 'base');
  return dir;
}

describe('jobSetup (pure)', () => {
  it("an older coordinator's job: the one-word tool and its time limit, no stall limit", () => {
    const s = jobSetup(job({ tool: 'my-ci', timeoutSeconds: 30 }));
    expect(s.choice).toMatchObject({ kind: 'word', tool: 'my-ci' });
    expect(s.limits).toEqual({ builderTimeoutMs: 30_000, stallMs: 0, verifyRetries: 0 });
    expect(s.verify).toBeNull();
  });
  it('a preset travels as data and comes back with its parser and the overrides applied', () => {
    const config = { ci: { agent: 'claude', model: 'opus', agents: { claude: { env: { X: '1' }, args: ['-p', '{prompt}', '--output-format', 'json'] } } } };
    const spec = JSON.parse(JSON.stringify(choiceSpec(chooseCi({}, config))));
    const s = jobSetup(job({ ci: spec, limits: { builder_timeout_seconds: 60, builder_stall_seconds: 5, verify_retries: 2 }, verify: 'npm test' }));
    expect(s.choice.kind).toBe('preset');
    if (s.choice.kind !== 'preset') return;
    expect(s.choice.model).toBe('opus');
    expect(s.choice.preset.env.X).toBe('1');
    expect(s.choice.preset.builder).toEqual(['-p', '{prompt}', '--output-format', 'json']);
    expect(typeof s.choice.preset.parser.line).toBe('function');
    expect(s.limits).toEqual({ builderTimeoutMs: 60_000, stallMs: 5000, verifyRetries: 2 });
    expect(s.verify).toBe('npm test');
  });
  it('an agent this worker does not know: an error naming it', () => {
    expect(() => jobSetup(job({ ci: { kind: 'preset', model: null, preset: { name: 'hal' } as never } }))).toThrow("unknown agent 'hal' in the job of builder x");
  });
  it('timeLeft: the builder limit, cut short by the workflow deadline', () => {
    expect(timeLeft(60_000, null, 0)).toBe(60_000);
    expect(timeLeft(60_000, 10_000, 0)).toBe(10_000);
    expect(timeLeft(0, 10_000, 0)).toBe(10_000);
    expect(timeLeft(60_000, 5, 10)).toBe(1);
  });
});

describe('runJobBuilder', () => {
  it('a time limit ends the builder and what it started (failure timeout)', async () => {
    const t = hangingTool();
    const run = runJobBuilder(job({ tool: t.tool, timeoutSeconds: 0.5 }), io(t.dir));
    const child = await until('the grandchild', () => t.grandchild());
    const { ending } = await run;
    expect(ending).toMatchObject({ kind: 'ended', failed: { failure: 'timeout' } });
    expect(ending.code).not.toBe(0);
    await until('the grandchild gone', () => !pidAlive(child), 10_000);
  });

  it('no output and no file change for builder_stall_seconds: stalled, group ended', async () => {
    const t = hangingTool();
    const run = runJobBuilder(job({ tool: t.tool, limits: { builder_timeout_seconds: 300, builder_stall_seconds: 1, verify_retries: 0 } }), io(t.dir));
    const child = await until('the grandchild', () => t.grandchild());
    const { ending, wallSeconds } = await run;
    expect(ending).toMatchObject({ kind: 'ended', failed: { failure: 'stalled' } });
    expect(wallSeconds).toBeLessThan(60);
    await until('the grandchild gone', () => !pidAlive(child), 10_000);
  });

  it('an abort (cancelled job, lost claim) ends the builder and what it started', async () => {
    const t = hangingTool();
    const abort = new AbortController();
    const run = runJobBuilder(job({ tool: t.tool }), io(t.dir, abort.signal));
    const child = await until('the grandchild', () => t.grandchild());
    abort.abort(new Error('claim lost'));
    expect((await run).ending.kind).toBe('canceled');
    await until('the grandchild gone', () => !pidAlive(child), 10_000);
  });

  it('a builder that ends by itself: its exit status, the wrapper writes .build_result', async () => {
    const t = hangingTool();
    writeFileSync(t.tool, '#!/bin/bash\necho working\nexit 3\n');
    const { ending } = await runJobBuilder(job({ tool: t.tool, timeoutSeconds: 60 }), io(t.dir));
    expect(ending).toEqual({ kind: 'ended', code: 3, failed: null, record: {} });
    expect(readFileSync(join(t.dir, 'log'), 'utf8')).toContain('working');
    expect(readFileSync(join(t.dir, '.build_result'), 'utf8').trim()).toBe('3');
  });

  it('the job\'s design file, worktree.setup before the agent, ARGO_BUILDER_INDEX and ARGO_PORT_BASE; the design file never committed', async () => {
    const wt = worktree();
    const rec = temp();
    const tool = join(rec, 'tool');
    writeFileSync(tool, `#!/bin/bash\necho "agent $ARGO_BUILDER_ID $ARGO_BUILDER_INDEX $ARGO_PORT_BASE $(cat .argo/design.md)" >> ${rec}/order\necho work > work.txt\n`);
    chmodSync(tool, 0o755);
    const setup = `bash -c "echo setup >> ${rec}/order"`;
    const d = job({ ci: { kind: 'command', words: [tool] }, design: 'THE DESIGN', builder_index: 2, worktree: { setup, setup_timeout_seconds: 60, port_base: 30000, port_block: 10 } });
    const { ending } = await runJobBuilder(d, io(wt));
    expect(ending).toMatchObject({ kind: 'ended', code: 0, failed: null });
    expect(readFileSync(join(rec, 'order'), 'utf8')).toBe('setup\nagent x 2 30020 THE DESIGN\n');
    const committed = execFileSync('git', ['show', '--name-only', '--format=', 'HEAD'], { cwd: wt, encoding: 'utf8' }).trim();
    expect(committed, readFileSync(join(wt, 'log'), 'utf8')).toBe('work.txt');
    expect(readFileSync(join(wt, 'log.setup.log'), 'utf8')).toContain('worktree.setup');
  });

  it('a failing worktree.setup fails the builder (setup); a job with a bad worktree.setup_timeout_seconds fails naming it', async () => {
    const wt = worktree();
    const d = job({ ci: { kind: 'command', words: ['true'] }, worktree: { setup: 'bash -c "echo broken >&2; exit 4"', setup_timeout_seconds: 60, port_base: 20000, port_block: 100 } });
    const { ending } = await runJobBuilder(d, io(wt));
    expect(ending).toMatchObject({ kind: 'ended', code: 4, failed: { failure: 'setup', message: expect.stringContaining('failed with exit status 4; the end of its output: broken') } });
    const bad = job({ worktree: { setup: null, setup_timeout_seconds: -5, port_base: 20000, port_block: 100 } });
    expect(() => jobSetup(bad)).toThrow('worktree.setup_timeout_seconds is -5 in the job of builder x');
  });

  const claude = () => JSON.parse(JSON.stringify(choiceSpec(chooseCi({}, { ci: { agent: 'claude' } }))));
  const agentEnv = (extra: Record<string, string> = {}) => ({ ...process.env, PATH: `${AGENTS}:${process.env.PATH}`, ...extra });

  it('an agent preset: usage and cost from its output, its session, and its leftover work committed', async () => {
    const wt = worktree();
    const { ending } = await runJobBuilder(job({ ci: claude() }), { ...io(wt), env: agentEnv() });
    expect(ending).toMatchObject({ kind: 'ended', code: 0, failed: null });
    expect(ending.record.usage).toMatchObject({ cost_usd: 0.0123, input_tokens: 1000, output_tokens: 500, session_id: 'sess-claude-x', agent: 'claude' });
    expect(readFileSync(join(wt, 'x.txt'), 'utf8')).toBe('fixed x by claude\n');
    const subject = execFileSync('git', ['log', '-1', '--format=%s'], { cwd: wt, encoding: 'utf8' }).trim();
    expect(subject).toBe('argo: uncommitted work left by builder x');
  });

  it('a preset that changed nothing fails (no_changes); one reporting an error with exit 0 fails (agent_error)', async () => {
    const a = await runJobBuilder(job({ ci: claude() }), { ...io(worktree()), env: agentEnv({ FAKE_AGENT_NOCHANGE: 'x' }) });
    expect(a.ending).toMatchObject({ kind: 'ended', failed: { failure: 'no_changes' } });
    const b = await runJobBuilder(job({ ci: claude() }), { ...io(worktree()), env: agentEnv({ FAKE_AGENT_ERROR: 'x' }) });
    expect(b.ending).toMatchObject({ kind: 'ended', failed: { failure: 'agent_error', message: expect.stringContaining('500 Internal server error') } });
  });

  it('a limit (Claude\'s captured 429) ends the attempt with the limit for the coordinator; a resume job continues that session with the short prompt', async () => {
    const wt = worktree();
    const first = await runJobBuilder(job({ ci: claude() }), { ...io(wt), env: agentEnv({ FAKE_AGENT_LIMITED: 'x' }) });
    expect(first.ending).toMatchObject({ kind: 'ended', code: 1, limit: { kind: 'rate_limit', reset_at: null, message: expect.stringContaining('429') } });
    const session = first.ending.record.usage?.session_id;
    expect(session).toBe('8048155b-9d2d-4f44-9fd7-21dfaa313fcb');
    const again = await runJobBuilder(job({ ci: claude(), resume: { session_id: session! } }), { ...io(wt), env: agentEnv({ FAKE_AGENT_LIMITED: 'x' }) });
    expect(again.ending).toMatchObject({ kind: 'ended', code: 0, failed: null });
    expect(readFileSync(join(wt, 'log'), 'utf8')).toContain(`Resuming agent session ${session}`);
    expect(readFileSync(join(wt, 'x.partial'), 'utf8')).toBe('partial x\n'); // the limited attempt's work is still there
  });

  it('verify.command failing is fed back to the same session, then passes; both attempts are counted', async () => {
    const wt = worktree();
    const { ending } = await runJobBuilder(
      job({ ci: claude(), verify: 'grep -q fixed x.txt', limits: { builder_timeout_seconds: 60, builder_stall_seconds: 60, verify_retries: 1 } }),
      { ...io(wt), env: agentEnv({ FAKE_AGENT_DRAFT: 'x' }) },
    );
    expect(ending).toMatchObject({ kind: 'ended', code: 0, failed: null });
    expect(ending.record.usage?.cost_usd).toBe(0.0246);
    const log = readFileSync(join(wt, 'log'), 'utf8');
    expect(log).toMatch(/verify_failed - verify.command failed with exit status 1/);
    expect(log).toMatch(/resuming - Resuming agent session sess-claude-x/);
    expect(log).toMatch(/verified - verify.command passed/);
  });

  it('a fix run (merge_fix): the gate\'s commit merged into the work first, the session resumed with the fix prompt', async () => {
    const wt = worktree();
    const git = (...a: string[]) => execFileSync('git', a, { cwd: wt, encoding: 'utf8' }).trim();
    git('checkout', '-qb', 'main');
    writeFileSync(join(wt, 'core.txt'), 'core\n');
    git('add', 'core.txt');
    git('commit', '-qm', 'Merge builder: core');
    const base = git('rev-parse', 'HEAD');
    git('checkout', '-q', 'argo-builder-x');
    const rec = temp();
    const feedback = { kind: 'verify' as const, target: 'main', base, output: null, tail: 'VERIFY-TAIL: 1 failing', merged_since: ['core'], files: [], attempt: 1 };
    const d = job({ ci: claude(), resume: { session_id: 'sess-claude-x' }, merge_fix: { feedback, merged: [{ id: 'core', description: 'The core part', acceptance: 'core.txt exists' }], verify: 'test -f core.txt' } });
    const { ending } = await runJobBuilder(d, { ...io(wt), env: agentEnv({ FAKE_AGENT_LOG: rec }) });
    expect(ending).toMatchObject({ kind: 'ended', code: 0, failed: null });
    expect(readFileSync(join(wt, 'core.txt'), 'utf8')).toBe('core\n');
    const log = readFileSync(join(wt, 'log'), 'utf8');
    expect(log).toContain(`merge_fix - main (${base.slice(0, 12)}) merged into argo-builder-x`);
    expect(log).toContain('Resuming agent session sess-claude-x');
    const argv = readFileSync(join(rec, readdirSync(rec).find((f) => f.endsWith('.argv'))!), 'utf8').split('\0');
    const prompt = argv[argv.indexOf('-p') + 1]!;
    for (const s of ['VERIFY-TAIL: 1 failing', '- core: The core part', 'acceptance: core.txt exists', 'The verify command: test -f core.txt']) expect(prompt).toContain(s);
    expect(prompt).not.toContain("You are building the 'x' component."); // resumed: the fix alone
  });
});
