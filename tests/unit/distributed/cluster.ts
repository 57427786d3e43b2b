// A small cluster for the distributed tests: a project repository with its bare remote,
// `argo worker`s in their own folders with their own HOMEs, handlers run as real processes
// (node on their build in dist/, tests/unit/built.ts). Every process is started here in its own process group and
// ended by pid.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgBossQueue } from '../../../distributed/pgboss_queue.js';
import type { JobSnapshot } from '../../../distributed/backend.js';
import { projectKey } from '../../../distributed/coordinator.js';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { sharedPostgres, waitFor, type PgServer } from './pg_harness.js';
import { built } from '../built.js';

export const ROOT = join(import.meta.dirname, '..', '..', '..');
export const GATED_CI = join(ROOT, 'tests', 'fixtures', 'gated_ci');

export interface Proc {
  child: ChildProcess;
  pid: number;
  output: () => string;
  exited: Promise<number>;
}

const groups = new Set<number>();
const temps: string[] = [];
const pidDirs: string[] = []; // builders record their process groups here (tests/fixtures/gated_ci)

export function tempDir(prefix = 'argo-dist-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

/** Ends every process group this file started (SIGCONT first: a stopped one cannot die of SIGTERM). */
export async function cleanup(): Promise<void> {
  // Builders run in process groups of their own: a killed worker leaves them behind.
  for (const dir of pidDirs.splice(0)) {
    for (const f of existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.pid')) : []) {
      const group = Number(readFileSync(join(dir, f), 'utf8').trim().split(' ')[1]);
      let cmdline = '';
      try {
        cmdline = readFileSync(`/proc/${group}/cmdline`, 'utf8');
      } catch {
        continue; // gone
      }
      // Only a builder wrapper running our fixture: the pid may have been reused meanwhile.
      if (group > 1 && cmdline.includes('argo-builder') && cmdline.includes(GATED_CI)) groups.add(group);
    }
  }
  for (const pid of groups) {
    for (const sig of ['SIGCONT', 'SIGKILL'] as const) {
      try {
        process.kill(-pid, sig);
      } catch {
        /* already gone */
      }
    }
  }
  groups.clear();
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** The job secret the coordinator and the workers of these tests share. */
export const TEST_JOB_SECRET = 'test-job-secret-0123456789abcdef';

export function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ARGO_SHIM_SERVER: '0', ARGO_JOB_SECRET: TEST_JOB_SECRET };
  for (const k of ['CI_COMMAND', 'STATE_FILE', 'STATE_LOCK', 'LOG_DIR', 'WORKFLOW_LOG', 'CONFIG_FILE', 'ARGO_STATE_LOCK_HELD', 'ARGO_DATABASE_URL', 'ARGO_AGENT', 'ARGO_JOB_SECRET_FILE']) delete env[k];
  return env;
}

export function startNode(script: string, args: string[], env: NodeJS.ProcessEnv, cwd = tmpdir()): Proc {
  const child = spawn(process.execPath, [built(script), ...args], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  groups.add(child.pid!);
  const exited = new Promise<number>((r) => child.once('exit', (code, sig) => r(code ?? (sig === 'SIGKILL' ? 137 : 143))));
  return { child, pid: child.pid!, output: () => out, exited };
}

export const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

export interface Cluster {
  dir: string;
  remote: string;
  gate: string;
  pids: string;
  databaseUrl: string;
  queue: PgBossQueue;
  workers: Map<string, Proc>;
  /** A worker allowed to run the cluster's CI tool (and `allow`, more command lines). */
  startWorker(name: string, concurrency?: number, env?: NodeJS.ProcessEnv, allow?: string[]): Proc;
  handler(name: 'design_build' | 'execution' | 'merge_build', env?: NodeJS.ProcessEnv): Proc;
  argo(...args: string[]): Proc;
  state(): any;
  jobs(): Promise<JobSnapshot[]>;
  /** pid of the builder `id` started on worker `name`, once it has started. */
  builderPid(id: string, worker: string): number | undefined;
  /** Its process group (the builder wrapper's). */
  builderGroup(id: string, worker: string): number | undefined;
  open(id?: string): void;
  close(): Promise<void>;
}

export async function makeCluster(databaseUrl: string, components: string[], opts: { tool?: string; backend?: 'local' | 'postgres'; workerUrl?: string } = {}): Promise<Cluster> {
  const top = tempDir();
  const dir = join(top, 'proj');
  const remote = join(top, 'remote.git');
  const gate = join(top, 'gate');
  const pids = join(top, 'pids');
  for (const d of [dir, gate, pids]) mkdirSync(d, { recursive: true });
  pidDirs.push(pids);
  git(top, 'init', '-q', '--bare', remote);
  git(dir, 'init', '-q', '-b', 'master');
  git(dir, 'config', 'user.name', 'Test');
  git(dir, 'config', 'user.email', 'test@example.invalid');
  writeFileSync(join(dir, 'main.txt'), 'main\n');
  writeFileSync(join(dir, '.gitignore'), '.argo-project/\n.build_result\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'initial');
  mkdirSync(join(dir, '.argo-project', 'logs'), { recursive: true });
  writeFileSync(
    join(dir, '.argo-project', 'config.json'),
    JSON.stringify({ ci: { tool: opts.tool ?? GATED_CI }, execution: { backend: opts.backend ?? 'postgres' }, git: { remote } }, null, 2) + '\n',
  );
  const state = {
    project_name: 'dist',
    phase: 'design',
    action_owner: 'code',
    action_needed: 'design_build',
    created: '2026-01-01T00:00:00Z',
    last_update: '2026-01-01T00:00:00Z',
    limits: { max_parallel_builders: 10 },
    design: { summary: 's', components: components.map((id) => ({ id, description: `part ${id}` })), created: '2026-01-01T00:00:00Z', approved: true },
    execution: null,
    merge: null,
    error_recovery: { last_error: null, retry_count: 0, recovery_action: null },
  };
  const stateFile = join(dir, '.argo-project', 'state.json');
  writeFileSync(stateFile, JSON.stringify(state, null, 2) + '\n');
  const queue = await PgBossQueue.open({ databaseUrl, timings: { heartbeatSeconds: 10, monitorSeconds: 1 } });
  const workers = new Map<string, Proc>();
  // The coordinator's key for this run: project key + base commit (HEAD until merge_build).
  const workflow = `${projectKey(dir)}:${git(dir, 'rev-parse', 'HEAD')}`;
  const pidFile = (id: string, worker: string) => {
    const f = join(pids, `${id}.${worker}.pid`);
    return existsSync(f) ? readFileSync(f, 'utf8').trim().split(' ').map(Number) : undefined;
  };
  const readState = () => JSON.parse(readFileSync(stateFile, 'utf8'));
  return {
    dir,
    remote,
    gate,
    pids,
    databaseUrl,
    queue,
    workers,
    startWorker(name, concurrency = 2, extraEnv = {}, allow = []) {
      const home = join(top, `home-${name}`);
      mkdirSync(home, { recursive: true });
      const env = { ...baseEnv(), HOME: home, ARGO_DATABASE_URL: opts.workerUrl ?? databaseUrl, GATED_CI_GATE: gate, GATED_CI_PIDS: pids, GATED_CI_WORKER: name, ...extraEnv };
      const p = startNode('compat/argo.ts', ['worker', '--concurrency', String(concurrency), '--workdir', join(home, 'work'), '--name', name, ...[opts.tool ?? GATED_CI, ...allow].flatMap((line) => ['--allow-command', line])], env, home);
      workers.set(name, p);
      return p;
    },
    handler(name, env = {}) {
      return startNode(`phases/${name}.ts`, [dir], { ...baseEnv(), HOME: top, ARGO_DATABASE_URL: databaseUrl, ...env }, dir);
    },
    argo(...args) {
      return startNode('compat/argo.ts', args, { ...baseEnv(), HOME: top, ARGO_DATABASE_URL: databaseUrl }, top);
    },
    state: readState,
    jobs: () => queue.jobs(workflow),
    builderPid: (id, worker) => pidFile(id, worker)?.[0],
    builderGroup: (id, worker) => pidFile(id, worker)?.[1],
    open(id = 'all') {
      writeFileSync(join(gate, id), '');
    },
    close: () => queue.close(),
  };
}

/** A database set up with exactly the README's role SQL (roles renamed per database: roles are server-wide); the URLs of its two roles. */
export async function readmeRoles(server: PgServer): Promise<{ coordinator: string; worker: string }> {
  const url = new URL(await server.createDatabase());
  const db = url.pathname.slice(1);
  const doc = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const sql = /```sql\n([\s\S]*?)```/.exec(doc)![1]!;
  const pw = { coordinator: randomBytes(8).toString('hex'), worker: randomBytes(8).toString('hex') };
  await server.query(
    sql
      .replace('ON DATABASE argo', `ON DATABASE "${db}"`)
      .replace("'coordinator-password'", `'${pw.coordinator}'`)
      .replace("'worker-password'", `'${pw.worker}'`)
      .replaceAll('argo_coordinator', `argo_coordinator_${db}`)
      .replaceAll('argo_worker', `argo_worker_${db}`),
    db,
  );
  const as = (role: string, password: string) => `postgres://${role}_${db}:${password}@127.0.0.1:${server.port}/${db}`;
  return { coordinator: as('argo_coordinator', pw.coordinator), worker: as('argo_worker', pw.worker) };
}

export async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  return waitFor(what, async () => {
    const v = await probe();
    return v === undefined || v === false ? undefined : v;
  }, timeoutMs);
}

export function pidsIn(dir: string): string[] {
  return readdirSync(dir);
}

/**
 * A test file's setup for whole workflows on workers: the run's shared PostgreSQL (a
 * database per cluster) and every cluster a test made, closed after it (then cleanup()).
 * `cluster(ids)` makes one and tracks it.
 */
export function workersFixture(): { cluster: (ids: string[]) => Promise<Cluster>; server: () => PgServer } {
  let server: PgServer | undefined;
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
  return {
    server: () => server!,
    async cluster(ids) {
      const c = await makeCluster(await server!.createDatabase(), ids);
      clusters.push(c);
      return c;
    },
  };
}
