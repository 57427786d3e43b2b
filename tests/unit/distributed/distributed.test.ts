// Builders across machines: a real PostgreSQL (one server for this file, a database per
// test), a bare git repository as the remote, two `argo worker`s in separate folders with
// separate HOMEs, and the real execution and merge_build handlers.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pidAlive } from '../../../core/proc.js';
import { ROOT, cleanup, git, makeCluster, readmeRoles, until, type Cluster } from './cluster.js';
import { sharedPostgres, type PgServer } from './pg_harness.js';

let server: PgServer;
const clusters: Cluster[] = [];

beforeAll(async () => {
  server = await sharedPostgres();
}, 60_000);
afterEach(async () => {
  for (const c of clusters.splice(0)) await c.close();
  await cleanup();
});
afterAll(async () => {
  await server?.stop();
});

async function cluster(components: string[]): Promise<Cluster> {
  const c = await makeCluster(await server.createDatabase(), components);
  clusters.push(c);
  const build = c.handler('design_build');
  expect(await build.exited, build.output()).toBe(0);
  return c;
}

const builders = (c: Cluster) => c.state().execution.builders as Record<string, any>[];
const running = (c: Cluster) => builders(c).filter((b) => b.status === 'running');

/** merge_build to storage; every component merged exactly once, with its worker's content. */
async function mergeToStorage(c: Cluster, components: string[]): Promise<void> {
  const merge = c.handler('merge_build');
  expect(await merge.exited, merge.output()).toBe(0);
  const s = c.state();
  expect(s.phase).toBe('storage');
  expect(s.merge.merged.sort()).toEqual([...components].sort());
  const merges = git(c.dir, 'log', '--merges', '--format=%s').split('\n');
  for (const id of components) {
    expect(merges.filter((m) => m === `Merge builder: ${id}`)).toHaveLength(1);
    expect(git(c.dir, 'show', `HEAD:${id}.txt`)).toMatch(/^built on w\d$/);
  }
}

describe('execution.backend = postgres', { timeout: 120_000 }, () => {
  it('runs a workflow to storage with builders on two workers', async () => {
    const ids = ['a', 'b', 'c', 'd'];
    const c = await cluster(ids);
    c.startWorker('w1', 2);
    c.startWorker('w2', 2);
    const exec = c.handler('execution');
    // Four builders, two per worker at most: both workers must hold two at once.
    await until('four builders running, each with its worker', () => running(c).length === 4 && running(c).every((b) => b.worker));
    expect(new Set(running(c).map((b) => b.worker))).toEqual(new Set(['w1', 'w2']));
    c.open();
    expect(await exec.exited, exec.output()).toBe(0);
    for (const b of builders(c)) {
      expect(b).toMatchObject({ status: 'completed', exit_code: 0, progress: 100, job_state: 'completed', attempt: 0 });
      expect(b.usage.wall_seconds).toBeGreaterThan(0);
      expect(git(c.dir, 'show', `${b.branch}:${b.id}.txt`)).toBe(`built on ${b.worker}`);
    }
    expect(c.state().action_needed).toBe('merge_branches');
    expect(JSON.stringify(c.state())).not.toContain(c.databaseUrl.split('@')[0]!.split(':')[2]!); // no password in the state
    await mergeToStorage(c, ids);
  });

  it('kill -9 of a worker mid-builder: the other worker finishes it, each merged once', async () => {
    const ids = ['a', 'b', 'c'];
    const c = await cluster(ids);
    const w1 = c.startWorker('w1', 3);
    const exec = c.handler('execution');
    await until('three builders running on w1', () => running(c).length === 3 && running(c).every((b) => b.worker === 'w1'));
    const groups = await until('three builder processes on w1', () => {
      const found = ids.map((id) => c.builderGroup(id, 'w1'));
      return found.every((p) => p !== undefined) ? (found as number[]) : undefined;
    });
    c.startWorker('w2', 3);
    // The host dies: the worker and its builders.
    process.kill(w1.pid, 'SIGKILL');
    for (const g of groups) process.kill(-g, 'SIGKILL');
    await until('every builder re-running on w2', () => ids.every((id) => c.builderPid(id, 'w2')), 60_000);
    c.open();
    expect(await exec.exited, exec.output()).toBe(0);
    for (const b of builders(c)) expect(b).toMatchObject({ status: 'completed', worker: 'w2', attempt: 1 });
    await mergeToStorage(c, ids);
    expect((await c.jobs()).map((j) => j.state)).toEqual(['completed', 'completed', 'completed']);
  });

  it('SIGTERM to the execution handler cancels running jobs on both workers; the workers stay up', async () => {
    const ids = ['a', 'b', 'c', 'd'];
    const c = await cluster(ids);
    const w1 = c.startWorker('w1', 2);
    const w2 = c.startWorker('w2', 2);
    const exec = c.handler('execution');
    await until('four builders running', () => running(c).length === 4);
    const pids = await until('four builder processes', () => {
      const found = ids.map((id) => c.builderPid(id, 'w1') ?? c.builderPid(id, 'w2'));
      return found.every((p) => p !== undefined) ? (found as number[]) : undefined;
    });
    expect(pids.every((p) => pidAlive(p))).toBe(true);
    process.kill(exec.pid, 'SIGTERM');
    expect(await exec.exited).toBe(143);
    expect((await c.jobs()).map((j) => j.state)).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled']);
    await until('every builder ended', () => pids.every((p) => !pidAlive(p)), 30_000);
    expect(pidAlive(w1.pid) && pidAlive(w2.pid)).toBe(true);
    expect(c.state().phase).not.toBe('merge_build');
  });

  it('argo stop cancels the jobs when the coordinator is gone', async () => {
    const c = await cluster(['a', 'b']);
    c.startWorker('w1', 1);
    c.startWorker('w2', 1);
    const exec = c.handler('execution');
    await until('two builders running', () => running(c).length === 2);
    const pids = await until('two builder processes', () => {
      const found = ['a', 'b'].map((id) => c.builderPid(id, 'w1') ?? c.builderPid(id, 'w2'));
      return found.every((p) => p !== undefined) ? (found as number[]) : undefined;
    });
    process.kill(exec.pid, 'SIGKILL');
    const stop = c.argo('stop', c.dir);
    expect(await stop.exited, stop.output()).toBe(0);
    expect(stop.output()).toContain('Cancelled 2 builder jobs');
    expect((await c.jobs()).map((j) => j.state)).toEqual(['cancelled', 'cancelled']);
    await until('every builder ended', () => pids.every((p) => !pidAlive(p)), 30_000);
  });

  it("a paused (SIGSTOP) worker's late result is ignored", async () => {
    const c = await cluster(['a']);
    const w1 = c.startWorker('w1', 1);
    const exec = c.handler('execution');
    await until('builder running on w1', () => running(c)[0]?.worker === 'w1' && c.builderPid('a', 'w1'));
    process.kill(w1.pid, 'SIGSTOP'); // the worker only: its builder goes on
    c.startWorker('w2', 1);
    await until('attempt 1 running on w2', () => c.builderPid('a', 'w2'), 60_000);
    // The paused worker's builder finishes first; the worker wakes up and tries to report it.
    const stale = c.builderPid('a', 'w1')!;
    c.open('a.w1');
    await until('the paused worker\'s builder finished', () => !pidAlive(stale));
    process.kill(w1.pid, 'SIGCONT');
    await until('w1 gave its stale attempt up', () => /superseded - result ignored|no longer ours/.test(w1.output()), 30_000);
    // The state mirrors the queue within a poll: attempt 1 on w2 is what it shows, not w1's result.
    await until('state shows attempt 1 running on w2', () => {
      const b = builders(c)[0]!;
      return b.status === 'running' && b.worker === 'w2' && b.attempt === 1;
    });
    expect(builders(c)[0]!.exit_code).toBeUndefined();
    c.open('a.w2');
    expect(await exec.exited, exec.output()).toBe(0);
    expect(builders(c)[0]).toMatchObject({ status: 'completed', worker: 'w2', attempt: 1 });
    const [job] = await c.jobs();
    expect(job).toMatchObject({ state: 'completed', attempt: 1, host: 'w2' });
    await mergeToStorage(c, ['a']);
    expect(git(c.dir, 'show', 'HEAD:a.txt')).toBe('built on w2');
  });

  it('a coordinator restart in the middle adopts the jobs instead of enqueuing again', async () => {
    const ids = ['a', 'b', 'c'];
    const c = await cluster(ids);
    c.startWorker('w1', 2);
    c.startWorker('w2', 2);
    const first = c.handler('execution');
    await until('three builders running', () => running(c).length === 3);
    const jobIds = builders(c).map((b) => b.job_id).sort();
    process.kill(first.pid, 'SIGKILL');
    await first.exited;
    const second = c.handler('execution');
    await until('the restart follows the three jobs', () => (second.output().match(/already on the queue/g) ?? []).length === 3);
    c.open();
    expect(await second.exited, second.output()).toBe(0);
    expect((await c.jobs()).map((j) => j.id).sort()).toEqual(jobIds);
    expect(builders(c).map((b) => b.job_id).sort()).toEqual(jobIds);
    await mergeToStorage(c, ids);
  });

  it('a worker with the low-privilege role of the README runs builders', async () => {
    const roles = await readmeRoles(server);
    const c = await makeCluster(roles.coordinator, ['a', 'b'], { workerUrl: roles.worker });
    clusters.push(c);
    expect(await c.handler('design_build').exited).toBe(0);
    const w1 = c.startWorker('w1', 2);
    c.open();
    const exec = c.handler('execution');
    const ended = await Promise.race([exec.exited.then((code) => ({ who: 'execution', code })), w1.exited.then((code) => ({ who: 'worker', code }))]);
    expect(ended, exec.output() + w1.output()).toEqual({ who: 'execution', code: 0 });
    expect(builders(c).map((b) => [b.status, b.worker])).toEqual([['completed', 'w1'], ['completed', 'w1']]);
    expect(w1.output()).not.toContain('permission denied');
    await mergeToStorage(c, ['a', 'b']);
  });

  it('work a builder leaves uncommitted on a worker is committed there and merged', async () => {
    const c = await cluster(['a', 'b']);
    c.open('nocommit');
    c.open();
    c.startWorker('w1', 2);
    const exec = c.handler('execution');
    expect(await exec.exited, exec.output()).toBe(0);
    for (const b of builders(c)) {
      expect(b.status).toBe('completed');
      expect(git(c.dir, 'log', '-1', '--format=%s', b.branch)).toBe(`argo: uncommitted work left by builder ${b.id}`);
    }
    await mergeToStorage(c, ['a', 'b']);
  });

  it('limits.max_parallel_builders caps the workflow across workers', async () => {
    const c = await cluster(['a', 'b', 'c']);
    const stateFile = join(c.dir, '.argo-project', 'state.json');
    const doc = JSON.parse(readFileSync(stateFile, 'utf8'));
    doc.limits.max_parallel_builders = 1;
    writeFileSync(stateFile, JSON.stringify(doc, null, 2) + '\n');
    c.startWorker('w1', 2);
    c.startWorker('w2', 2);
    const exec = c.handler('execution');
    await until('one builder running', () => running(c).length === 1 && c.builderPid(running(c)[0]!.id, running(c)[0]!.worker));
    // Four free slots on the workers, yet only one job is on the queue.
    expect(await c.jobs()).toHaveLength(1);
    c.open();
    expect(await exec.exited, exec.output()).toBe(0);
    expect((await c.jobs()).map((j) => j.state)).toEqual(['completed', 'completed', 'completed']);
  });

  it('dependency waves on workers: ui is queued only once core is merged into master, its job starts from that base; master is never pushed', async () => {
    const c = await makeCluster(await server.createDatabase(), ['ui', 'core']);
    clusters.push(c);
    const stateFile = join(c.dir, '.argo-project', 'state.json');
    const doc = JSON.parse(readFileSync(stateFile, 'utf8'));
    doc.design.components[0].depends_on = ['core'];
    writeFileSync(stateFile, JSON.stringify(doc, null, 2) + '\n');
    const build = c.handler('design_build');
    expect(await build.exited, build.output()).toBe(0);
    c.startWorker('w1', 2);
    c.open();
    const exec = c.handler('execution');
    expect(await exec.exited, exec.output()).toBe(0);
    const out = exec.output();
    expect(out.indexOf('Merging builder core into master now')).toBeGreaterThan(out.indexOf('Builder core completed'));
    expect(out.indexOf('Queued builder: ui')).toBeGreaterThan(out.indexOf('Merging builder core into master now'));
    expect(builders(c).map((b) => [b.id, b.status])).toEqual([['ui', 'completed'], ['core', 'completed']]);
    // ui's job's commit (ui.txt) sits on top of core's: the worker started it from the updated base.
    expect(git(c.dir, 'show', 'argo-builder-ui:ui.txt')).toBe('built on w1');
    expect(git(c.dir, 'show', 'argo-builder-ui:core.txt')).toBe('built on w1');
    expect(git(c.remote, 'for-each-ref', '--format=%(refname)', 'refs/heads')).toBe('');
    await mergeToStorage(c, ['core', 'ui']);
  });

  it('an agent preset runs on the workers as a local builder: usage, cost, session, leftover commit, stall limit', async () => {
    const c = await cluster(['a', 'b', 'c']);
    const configFile = join(c.dir, '.argo-project', 'config.json');
    writeFileSync(configFile, JSON.stringify({ ...JSON.parse(readFileSync(configFile, 'utf8')), ci: { agent: 'claude' }, limits: { builder_stall_seconds: 2 } }));
    // The agent is on the workers' PATH only: nothing runs it on the coordinator.
    const agentEnv = { PATH: `${join(ROOT, 'tests', 'fixtures', 'agents')}:${process.env.PATH}`, FAKE_AGENT_HANG: 'c' };
    c.startWorker('w1', 2, agentEnv);
    c.startWorker('w2', 2, agentEnv);
    const exec = c.handler('execution');
    expect(await exec.exited, exec.output()).toBe(0);
    expect(exec.output()).toContain('CI tool: claude (agent preset claude)');
    const [a, b, stalled] = builders(c);
    for (const done of [a!, b!]) {
      expect(done).toMatchObject({ status: 'completed', exit_code: 0 });
      expect(['w1', 'w2']).toContain(done.worker);
      expect(done.usage).toMatchObject({ cost_usd: 0.0123, input_tokens: 1000, output_tokens: 500, session_id: `sess-claude-${done.id}`, agent: 'claude' });
      expect(done.usage.wall_seconds).toBeGreaterThan(0);
      // claude does not commit: the wrapper committed its work on the worker, and it came back.
      expect(git(c.dir, 'log', '-1', '--format=%s', done.branch)).toBe(`argo: uncommitted work left by builder ${done.id}`);
      expect(git(c.dir, 'show', `${done.branch}:${done.id}.txt`)).toBe(`fixed ${done.id} by claude`);
    }
    expect(stalled).toMatchObject({ id: 'c', status: 'failed', failure: 'stalled' });
    expect(stalled!.exit_code).not.toBe(0);
    expect(c.state().execution.usage).toMatchObject({ cost_usd: 0.0246, input_tokens: 2000 });
    expect(readFileSync(join(c.dir, '.argo-project', 'logs', 'builder-c.log'), 'utf8')).toContain('stalled: no output and no file change');
  });

  it('a builder the agent reports rate-limited (Claude\'s captured 429) waits, then its resume job continues the session from the work left', async () => {
    const c = await cluster(['a', 'b']);
    const configFile = join(c.dir, '.argo-project', 'config.json');
    writeFileSync(configFile, JSON.stringify({ ...JSON.parse(readFileSync(configFile, 'utf8')), ci: { agent: 'claude' }, limits: { rate_limit_backoff_seconds: 1 } }));
    const calls = join(c.dir, '..', 'agent-calls');
    c.startWorker('w1', 2, { PATH: `${join(ROOT, 'tests', 'fixtures', 'agents')}:${process.env.PATH}`, FAKE_AGENT_LIMITED: 'b', FAKE_AGENT_LOG: calls });
    const exec = c.handler('execution');
    expect(await exec.exited, exec.output()).toBe(0);
    expect(exec.output()).toMatch(/Builder b hit a limit \(rate_limit\) - waiting until \S+ \(wait 1\)/);
    const b = builders(c)[1]!;
    expect(b).toMatchObject({ status: 'completed', exit_code: 0, waits: 1, waiting_reason: 'rate_limit' });
    const session = '8048155b-9d2d-4f44-9fd7-21dfaa313fcb';
    const metas = readdirSync(calls).filter((f) => f.endsWith('.meta')).map((f) => readFileSync(join(calls, f), 'utf8'));
    expect(metas.filter((m) => m.includes(`resume=${session}\n`))).toHaveLength(1);
    expect(git(c.dir, 'show', `${b.branch}:b.partial`)).toBe('partial b'); // the limited attempt's work, kept
    expect(c.state().execution.quota).toEqual({ claude: { cap: expect.any(Number), limited_until: null } });
  });

  it('a coordinator restart during a wait keeps it: the builder resumes at its recorded resume_at, not before, once', async () => {
    const c = await cluster(['a', 'b']);
    const configFile = join(c.dir, '.argo-project', 'config.json');
    writeFileSync(configFile, JSON.stringify({ ...JSON.parse(readFileSync(configFile, 'utf8')), ci: { agent: 'claude' }, limits: { rate_limit_backoff_seconds: 4 } }));
    const calls = join(c.dir, '..', 'agent-calls');
    c.startWorker('w1', 2, { PATH: `${join(ROOT, 'tests', 'fixtures', 'agents')}:${process.env.PATH}`, FAKE_AGENT_LIMITED: 'b', FAKE_AGENT_LOG: calls });
    const first = c.handler('execution');
    const waiting = await until('b waiting', () => builders(c).find((b) => b.id === 'b' && b.status === 'waiting'));
    process.kill(first.pid, 'SIGTERM');
    expect(await first.exited).toBe(143);
    expect(builders(c)[1]).toMatchObject({ status: 'waiting', resume_at: waiting.resume_at, waits: 1 });
    const again = c.handler('execution');
    expect(await again.exited, again.output()).toBe(0);
    expect(again.output()).toContain(`Builder b is waiting on a limit until ${waiting.resume_at}`);
    expect(builders(c)[1]).toMatchObject({ status: 'completed', waits: 1 });
    const resumed = readdirSync(calls).filter((f) => f.endsWith('.meta') && readFileSync(join(calls, f), 'utf8').includes('resume=8048155b-9d2d-4f44-9fd7-21dfaa313fcb\n'));
    expect(resumed).toHaveLength(1);
    expect(Number(resumed[0]!.split('.')[0]) / 1e6).toBeGreaterThanOrEqual(Date.parse(waiting.resume_at)); // a call's file name is its start, in ns
  });

  it('a builder on a worker is told its context and gets .argo/design.md (never committed); worktree.setup (listed) runs there; ARGO_BUILDER_* set', async () => {
    const c = await cluster(['a', 'b']);
    const configFile = join(c.dir, '.argo-project', 'config.json');
    const rec = join(c.dir, '..', 'rec');
    const setup = `bash -c "echo setup $ARGO_BUILDER_ID $ARGO_BUILDER_INDEX $ARGO_PORT_BASE $(head -1 .argo/design.md) >> ${rec}.order"`;
    writeFileSync(configFile, JSON.stringify({ ...JSON.parse(readFileSync(configFile, 'utf8')), ci: { agent: 'claude' }, worktree: { setup, port_base: 40000, port_block: 20 } }));
    const agentEnv = { PATH: `${join(ROOT, 'tests', 'fixtures', 'agents')}:${process.env.PATH}`, FAKE_AGENT_LOG: rec, FAKE_AGENT_RECORD_ENV: 'ARGO_BUILDER_INDEX ARGO_PORT_BASE' };
    c.startWorker('w1', 2, agentEnv, [setup]);
    const exec = c.handler('execution');
    expect(await exec.exited, exec.output()).toBe(0);
    for (const b of builders(c)) {
      expect(b).toMatchObject({ status: 'completed', exit_code: 0 });
      expect(git(c.dir, 'log', '--format=', '--name-only', b.branch)).not.toContain('.argo');
    }
    const order = readFileSync(`${rec}.order`, 'utf8').split('\n').filter(Boolean).sort();
    expect(order).toEqual(['setup a 0 40000 # The design', 'setup b 1 40020 # The design']);
    const { readdirSync } = await import('node:fs');
    const calls = readdirSync(rec).filter((f) => f.endsWith('.argv'));
    expect(calls).toHaveLength(2);
    for (const f of calls) {
      const prompt = readFileSync(join(rec, f), 'utf8').split('\0').find((a) => a.startsWith('You are building'))!;
      expect(prompt).toContain('.argo/design.md');
      expect(prompt).toContain('do not edit these');
      expect(prompt).toContain('Work in the directory: . (the current directory)');
      expect(readFileSync(join(rec, f.replace('.argv', '.meta')), 'utf8')).toMatch(/env\.ARGO_PORT_BASE=400[02]0/);
    }
  });

  it('limits.max_cost_usd: once the workers\' reported cost reaches it, no further job is queued and the user decides', async () => {
    const c = await cluster(['a', 'b', 'c']);
    const stateFile = join(c.dir, '.argo-project', 'state.json');
    const doc = JSON.parse(readFileSync(stateFile, 'utf8'));
    doc.limits.max_parallel_builders = 1;
    writeFileSync(stateFile, JSON.stringify(doc, null, 2) + '\n');
    const configFile = join(c.dir, '.argo-project', 'config.json');
    writeFileSync(configFile, JSON.stringify({ ...JSON.parse(readFileSync(configFile, 'utf8')), ci: { agent: 'claude' }, limits: { max_cost_usd: 0.01 } }));
    c.startWorker('w1', 2, { PATH: `${join(ROOT, 'tests', 'fixtures', 'agents')}:${process.env.PATH}` });
    const exec = c.handler('execution');
    expect(await exec.exited, exec.output()).toBe(0);
    const s = c.state();
    // One builder ran and cost 0.0123 USD: the other two never reached the queue.
    expect(builders(c).map((b) => [b.id, b.status, b.failure ?? null])).toEqual([['a', 'completed', null], ['b', 'failed', 'budget'], ['c', 'failed', 'budget']]);
    expect(await c.jobs()).toHaveLength(1);
    expect(s).toMatchObject({ action_owner: 'user', action_needed: 'review_budget' });
    expect(s.execution.halt_reason).toContain('reached limits.max_cost_usd (0.01 USD)');

    // `argo retry b` after raising the budget: b runs again on a worker, c stays failed.
    writeFileSync(configFile, JSON.stringify({ ...JSON.parse(readFileSync(configFile, 'utf8')), limits: { max_cost_usd: 1 } }));
    const retry = JSON.parse(readFileSync(stateFile, 'utf8'));
    retry.execution.retry_only = ['b'];
    // b had spent 0.1 USD in an earlier attempt: the retry adds to it, never replaces it.
    retry.execution.builders[1].usage = { input_tokens: 10, output_tokens: 5, cache_read_tokens: 0, cost_usd: 0.1, session_id: 'old', agent: 'claude', model: null };
    writeFileSync(stateFile, JSON.stringify(retry, null, 2) + '\n');
    const again = c.handler('execution');
    expect(await again.exited, again.output()).toBe(0);
    expect(builders(c).map((b) => [b.id, b.status, b.failure ?? null])).toEqual([['a', 'completed', null], ['b', 'completed', null], ['c', 'failed', 'budget']]);
    expect(c.state().execution.retry_only).toBeUndefined();
    expect(builders(c)[1]!.usage).toMatchObject({ cost_usd: 0.1123, input_tokens: 1010, session_id: 'sess-claude-b' });
    expect(c.state().execution.usage.cost_usd).toBe(0.1246);
  });

  it('refusals: one ERROR line, exit 1, the builders untouched', async () => {
    const c = await cluster(['a']);
    const configFile = join(c.dir, '.argo-project', 'config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8'));
    const before = JSON.stringify(builders(c));
    const refused = async (cfg: unknown, env: Record<string, string | undefined>, message: string) => {
      writeFileSync(configFile, JSON.stringify(cfg));
      const p = c.handler('execution', env);
      expect(await p.exited).toBe(1);
      expect(p.output()).toContain(message);
      expect(p.output().split('\n').filter((l) => l.startsWith('ERROR:'))).toHaveLength(1);
      expect(JSON.stringify(builders(c))).toBe(before);
    };
    await refused({ ...config, ci: { agent: 'hal' } }, {}, "ERROR: unknown agent 'hal' in ci.agent");
    await refused(config, { ARGO_DATABASE_URL: '' }, 'neither ARGO_DATABASE_URL nor execution.database_url is set');
    await refused({ ...config, git: {} }, {}, 'git.remote (a git URL or path the workers can reach) is not set');
    await refused({ ...config, execution: { backend: 'redis' } }, {}, 'is "redis": expected "local" or "postgres"');
    await refused({ ...config, git: { remote: '--upload-pack=touch /tmp/x;false' } }, {}, 'ERROR: git.remote in');
    await refused({ ...config, git: { remote: 'ext::sh -c touch% /tmp/x' } }, {}, '"ext::sh -c touch% /tmp/x": the "ext::" transport runs a helper program; accepted: a path,');
    // Workers run only signed jobs: without the secret the coordinator queues nothing.
    await refused(config, { ARGO_JOB_SECRET: '' }, 'ERROR: execution.backend is "postgres" but no job secret: set ARGO_JOB_SECRET_FILE (or ARGO_JOB_SECRET)');
  });
});
