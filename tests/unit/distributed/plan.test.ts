// The coordinator's pure decisions, the backend choice and the worker's command line.
import { afterAll, describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../../distributed/backend.js';
import { backendOf, redactUrl } from '../../../distributed/config.js';
import { liveJobIds } from '../../../store/builders.js';
import { endingOf, liveFields, planRemote, reportedAttemptProblem, usageAfterAttempt } from '../../../distributed/plan.js';
import { haltFor } from '../../../workflow/limits.js';
import { parseWorkerArgs } from '../../../distributed/worker_cli.js';
import { REMOTE_ACCEPTED } from '../../../core/git_args.js';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SECRET = { ARGO_JOB_SECRET: 'a-secret-of-at-least-sixteen-bytes' };
const temps: string[] = [];
const temp = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
};
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

const job = (over: Partial<JobSnapshot>): JobSnapshot => ({ id: 'j1', key: 'p/a', builder: 'a', state: 'queued', attempt: 0, output: null, host: null, ...over });
const result = { exit_code: 0, ref: 'refs/argo/attempts/j1/0', commit: 'c0ffee', host: 'w1', attempt: 0, usage: { wall_seconds: 1 }, timed_out: false, log_tail: '' };

describe('planRemote', () => {
  it.each([
    ['completed builder', { status: 'completed', jobId: 'j1' }, [job({ state: 'active' })], { kind: 'done' }],
    ['live job adopted, even one the state never recorded', { status: 'pending', jobId: null }, [job({ state: 'active' })], { kind: 'adopt', jobId: 'j1' }],
    ['queued job adopted', { status: 'running', jobId: 'j1' }, [job({ state: 'queued' })], { kind: 'adopt', jobId: 'j1' }],
    ['completed job not yet recorded: taken', { status: 'running', jobId: 'j1' }, [job({ state: 'completed', output: result })], { kind: 'result', jobId: 'j1' }],
    ['failed builder runs again', { status: 'failed', jobId: 'j1' }, [job({ state: 'completed', output: { ...result, exit_code: 3 } })], { kind: 'enqueue' }],
    ['cancelled job runs again', { status: 'running', jobId: 'j1' }, [job({ state: 'cancelled' })], { kind: 'enqueue' }],
    ['no job at all', { status: 'pending', jobId: null }, [], { kind: 'enqueue' }],
    ['waiting on a limit: it waits on (its limited job\'s result is taken already)', { status: 'waiting', jobId: 'j1' }, [job({ state: 'completed', output: { ...result, exit_code: 1 } })], { kind: 'wait' }],
    ["someone else's completed job is not taken", { status: 'running', jobId: 'j9' }, [job({ state: 'completed', output: result })], { kind: 'enqueue' }],
  ])('%s', (_name, b, jobs, plan) => {
    expect(planRemote({ id: 'a', ...b }, jobs)).toEqual(plan);
  });
});

describe('mirrored fields', () => {
  it('queued is pending, active is running, with worker and attempt', () => {
    expect(liveFields(job({ state: 'queued' }))).toMatchObject({ status: 'pending', job_state: 'queued', worker: null });
    expect(liveFields(job({ state: 'active', attempt: 2, host: 'w2' }))).toMatchObject({ status: 'running', attempt: 2, worker: 'w2' });
  });
  it("ending: a worker's failure (stalled, no_changes …) is the builder's, with its message", () => {
    const stalled = { ...result, exit_code: 143, failure: 'stalled', failure_message: 'no output and no file change for limits.builder_stall_seconds' };
    expect(endingOf(job({ state: 'completed', output: stalled }))).toMatchObject({
      code: 143,
      failure: 'stalled',
      fields: { failure: 'stalled', failure_message: stalled.failure_message },
      why: `stalled: ${stalled.failure_message}`,
    });
  });
  it('ending: exit code and usage from the output; a job ended on the queue is a failure', () => {
    expect(endingOf(job({ state: 'completed', output: result, host: 'w1' }))).toMatchObject({ code: 0, fields: { usage: { wall_seconds: 1 }, commit: 'c0ffee', worker: 'w1' } });
    expect(endingOf(job({ state: 'completed', output: result })).failure).toBeNull();
    expect(endingOf(job({ state: 'failed', error: 'could not push' }))).toMatchObject({ code: 1, fields: { job_error: 'could not push' }, why: 'Job j1 ended failed on the queue: could not push' });
  });
});

describe('reportedAttemptProblem (a worker\'s result reaches git only as checked data)', () => {
  const sha = 'c'.repeat(40);
  it('an attempt ref, a commit id and a plain branch pass', () => {
    expect(reportedAttemptProblem('refs/argo/attempts/6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f/0', sha, 'argo-builder-a')).toBeNull();
  });
  it.each([
    ['--upload-pack=touch x', sha, 'argo-builder-a', 'the worker reported ref "--upload-pack=touch x", not an attempt ref'],
    ['refs/heads/main', sha, 'argo-builder-a', 'the worker reported ref "refs/heads/main", not an attempt ref'],
    ['refs/argo/attempts/j/0', '--strategy=ours', 'argo-builder-a', 'the worker reported commit "--strategy=ours", not a commit id'],
    ['refs/argo/attempts/j/0', null, 'argo-builder-a', 'the worker reported commit null, not a commit id'],
    ['refs/argo/attempts/j/0', sha, '-f', 'branch "-f" is not a plain branch name'],
  ])('%j %j %j → refused', (ref, commit, branch, why) => {
    expect(reportedAttemptProblem(ref, commit, branch)).toBe(why);
  });
});

describe('backendOf', () => {
  const pg = { execution: { backend: 'postgres' }, git: { remote: '/srv/remote.git' } };
  it('local unless the config says postgres', () => {
    expect(backendOf({}, {})).toEqual({ kind: 'local' });
    expect(backendOf({ execution: { backend: 'local' } }, { ARGO_DATABASE_URL: 'postgres://x' })).toEqual({ kind: 'local' });
  });
  it('postgres: URL from the environment first, then the config', () => {
    expect(backendOf(pg, { ARGO_DATABASE_URL: 'postgres://env' })).toMatchObject({ kind: 'postgres', databaseUrl: 'postgres://env', remote: '/srv/remote.git' });
    expect(backendOf({ ...pg, execution: { backend: 'postgres', database_url: 'postgres://cfg' } }, {})).toMatchObject({ databaseUrl: 'postgres://cfg' });
  });
  it('one clear error naming the file and the value', () => {
    expect(backendOf({ execution: { backend: 'redis' } }, {}, '/p/config.json')).toEqual({ kind: 'error', message: 'execution.backend in /p/config.json is "redis": expected "local" or "postgres"' });
    expect(backendOf(pg, {})).toMatchObject({ kind: 'error', message: expect.stringContaining('ARGO_DATABASE_URL') });
    expect(backendOf({ execution: { backend: 'postgres' } }, { ARGO_DATABASE_URL: 'postgres://x' })).toMatchObject({ kind: 'error', message: expect.stringContaining('git.remote') });
  });
  it('a git.remote that would be an option or a command transport: refused, naming the key, the value and what is accepted', () => {
    const bad = (remote: string) => backendOf({ ...pg, git: { remote } }, { ARGO_DATABASE_URL: 'postgres://x' }, '/p/config.json');
    expect(bad('--upload-pack=touch /tmp/x;false')).toEqual({
      kind: 'error',
      message: 'git.remote in /p/config.json is "--upload-pack=touch /tmp/x;false": it starts with "-" (git would read it as an option); accepted: ' + REMOTE_ACCEPTED,
    });
    expect(bad('ext::sh -c touch% /tmp/x')).toMatchObject({ kind: 'error', message: expect.stringContaining('the "ext::" transport runs a helper program') });
    expect(bad('https://bot:t0ken@git.example.com/p.git')).toMatchObject({ kind: 'postgres' });
  });
  it('passwords never reach a printed line', () => {
    expect(redactUrl('postgres://argo:s3cret@db:5432/argo')).toBe('postgres://argo:***@db:5432/argo');
    expect(redactUrl('postgres://db/argo')).toBe('postgres://db/argo');
  });
});

describe('argo worker arguments', () => {
  it('defaults, flags, and the URL from the environment', () => {
    expect(parseWorkerArgs([], { HOME: '/h', ARGO_DATABASE_URL: 'postgres://e', ...SECRET })).toMatchObject({ databaseUrl: 'postgres://e', concurrency: 1, workdir: '/h/.argo-worker', allow: { commands: [] } });
    expect(parseWorkerArgs(['--database', 'postgres://a', '--concurrency', '3', '--workdir', '/w', '--name', 'n1'], SECRET)).toMatchObject({ databaseUrl: 'postgres://a', concurrency: 3, workdir: '/w', name: 'n1' });
  });
  it('the allow list: --allow-command lines and an --allow-file (comments and blanks skipped)', () => {
    const file = join(temp('argo-allow-'), 'allow');
    writeFileSync(file, '# what jobs may run here\nnpm test\n\nmake -j4 check\n');
    expect(parseWorkerArgs(['--database', 'postgres://a', '--allow-command', './ci.sh --fast', '--allow-file', file], SECRET)).toMatchObject({ allow: { commands: ['./ci.sh --fast', 'npm test', 'make -j4 check'] } });
    writeFileSync(file, "ok\nbad 'quote\n");
    expect(parseWorkerArgs(['--database', 'postgres://a', '--allow-file', file], SECRET)).toEqual(expect.stringMatching(/^ERROR: --allow-file .*allow, line 2: unterminated ' quote/));
  });
  it('no job secret, or a secret file others can read: one ERROR line naming the variable', () => {
    expect(parseWorkerArgs(['--database', 'postgres://a'], {})).toEqual(expect.stringMatching(/^ERROR: no job secret: set ARGO_JOB_SECRET_FILE .*head -c32 \/dev\/urandom/));
    const file = join(temp('argo-secret-'), 'secret');
    writeFileSync(file, 'x'.repeat(32), { mode: 0o640 });
    chmodSync(file, 0o640);
    expect(parseWorkerArgs(['--database', 'postgres://a'], { ARGO_JOB_SECRET_FILE: file })).toBe(`ERROR: ARGO_JOB_SECRET_FILE is '${file}', which is readable by its group or others (mode 640); accepted: a file only its owner can read (chmod 600 '${file}')`);
    chmodSync(file, 0o600);
    expect(parseWorkerArgs(['--database', 'postgres://a'], { ARGO_JOB_SECRET_FILE: file })).toMatchObject({ secret: Buffer.from('x'.repeat(32)) });
  });
  it.each([
    [['--concurrency', '0'], "ERROR: --concurrency must be a positive whole number, got '0'"],
    [['--concurrency'], 'ERROR: --concurrency needs a value'],
    [['--bogus'], "ERROR: unknown option '--bogus'"],
    [[], 'ERROR: no database'],
    [['--database-file', '/nonexistent/url'], 'ERROR: cannot read the database URL from /nonexistent/url: ENOENT'],
  ])('%j → %s', (argv, message) => {
    expect(parseWorkerArgs(argv, { HOME: '/h', ...SECRET })).toEqual(expect.stringContaining(message));
  });
});

describe('liveJobIds (argo stop)', () => {
  it('only pending or running builders with a job id', () => {
    const state = { execution: { builders: [{ status: 'running', job_id: 'j1' }, { status: 'completed', job_id: 'j2' }, { status: 'pending', job_id: 'j3' }, { status: 'running', pid: '12' }] } };
    expect(liveJobIds(state)).toEqual(['j1', 'j3']);
    expect(liveJobIds({ execution: null })).toEqual([]);
  });
});

describe('haltFor (budget and workflow time, enforced by the coordinator)', () => {
  const spent = (...costs: (number | null)[]) => new Map(costs.map((c, i) => [String(i), { cost_usd: c }]));
  it('nothing to enforce, under budget, or before the deadline: go on', () => {
    expect(haltFor(undefined, 0)).toBeNull();
    expect(haltFor({ maxCostUsd: null, deadline: null, spent: spent(5) }, 0)).toBeNull();
    expect(haltFor({ maxCostUsd: 1, deadline: 100, spent: spent(0.5, null, 0.4) }, 99)).toBeNull();
  });
  it('the budget reached (the design counts too) or the deadline passed: halt with the reason', () => {
    expect(haltFor({ maxCostUsd: 1, deadline: null, spent: spent(0.5, 0.5) }, 0)).toEqual({ failure: 'budget', reason: 'the cost so far (1 USD) reached limits.max_cost_usd (1 USD)' });
    expect(haltFor({ maxCostUsd: 1, deadline: 100, spent: spent() }, 100)).toMatchObject({ failure: 'time_limit' });
  });
});

describe('usageAfterAttempt: a worker attempt adds to what the builder spent before', () => {
  it('0.24 before, 0.12 now: 0.36, tokens summed, this attempt session and wall time', () => {
    const prior = { input_tokens: 10, output_tokens: 5, cache_read_tokens: null, cost_usd: 0.24 };
    const reported = { wall_seconds: 3, input_tokens: 1000, output_tokens: 500, cache_read_tokens: 200, cost_usd: 0.12, session_id: 's2', agent: 'claude' };
    expect(usageAfterAttempt(prior, reported)).toEqual({ wall_seconds: 3, input_tokens: 1010, output_tokens: 505, cache_read_tokens: 200, cost_usd: 0.36, session_id: 's2', agent: 'claude' });
    expect(usageAfterAttempt(null, reported)).toBe(reported);
    // an attempt that reports no usage removes nothing
    expect(usageAfterAttempt(prior, { wall_seconds: 1 })).toMatchObject({ cost_usd: 0.24, input_tokens: 10 });
  });
});
