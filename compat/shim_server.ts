// The fast path of the sourced bash libraries: one long-lived node process per
// install answers their function calls over loopback TCP, so a call costs a
// connect and a few builtins in bash instead of starting node (~60 ms).
//
// Protocol (every field ends with a NUL byte):
//   request:  "argo1" token cwd N (N × "NAME=value") function argc (argc × arg)
//   response: exit-status stdout stderr
// The server runs the same Command the one-shot CLI runs, with a buffer Ctx.
import { createServer, type Socket } from 'node:net';
import { closeSync, mkdirSync, openSync, renameSync, statSync, writeFileSync, chmodSync, unlinkSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { bufferCtx, type Env } from '../lib/context.js';
import { errorMessage } from '../lib/errors.js';
import { tryFlockSync } from '../lib/lock.js';
import { runIfEntry } from '../lib/cli.js';
import { loadFunction } from './functions.js';

export const PROTOCOL = 'argo1';
const SELF = fileURLToPath(import.meta.url);
export const INSTALL_ROOT = resolve(dirname(SELF), '..', '..');

/** Where the port file lives; compat/shim.bash computes the same name. */
export function runtimePaths(root = INSTALL_ROOT, env: Env = process.env) {
  const uid = process.getuid?.() ?? 0;
  const dir = join(env.XDG_RUNTIME_DIR || '/tmp', `argo-${uid}`);
  const key = root.replace(/[^A-Za-z0-9]/g, '_');
  return { dir, portFile: join(dir, `${key}.port`), lockFile: join(dir, `${key}.lock`) };
}

/** The fields of one complete request; undefined while more bytes are needed. */
export function parseRequest(buf: Buffer): string[] | undefined {
  const fields: string[] = [];
  let start = 0;
  const take = (n: number): boolean => {
    if (!Number.isInteger(n) || n < 0 || n > 100_000) throw new Error(`malformed request: bad count ${n}`);
    for (let i = 0; i < n; i++) {
      const end = buf.indexOf(0, start);
      if (end < 0) return false;
      fields.push(buf.toString('utf8', start, end));
      start = end + 1;
    }
    return true;
  };
  if (!take(4) || !take(Number(fields[3]) + 2) || !take(Number(fields[fields.length - 1]))) return undefined;
  return fields;
}

export interface Request {
  token: string;
  cwd: string;
  env: Env;
  fn: string;
  args: string[];
}

export function decodeRequest(fields: string[]): Request {
  const [version, token = '', cwd = '/', n = '0'] = fields;
  if (version !== PROTOCOL) throw new Error(`unknown protocol '${version}'`);
  const count = Number(n);
  const env: Env = {};
  for (const kv of fields.slice(4, 4 + count)) {
    const eq = kv.indexOf('=');
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const fn = fields[4 + count] ?? '';
  const args = fields.slice(4 + count + 2);
  return { token, cwd, env, fn, args };
}

export function encodeRequest(r: Request): Buffer {
  const vars = Object.entries(r.env).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
  const fields = [PROTOCOL, r.token, r.cwd, String(vars.length), ...vars, r.fn, String(r.args.length), ...r.args];
  return Buffer.from(fields.map((f) => f + '\0').join(''), 'utf8');
}

export async function answer(req: Request): Promise<{ rc: number; stdout: string; stderr: string }> {
  const ctx = bufferCtx(resolve(req.cwd || '/'), req.env);
  const command = req.fn === 'with_state_lock' ? undefined : await loadFunction(req.fn);
  if (!command) return { rc: 127, stdout: '', stderr: `ERROR: not a shim function: ${req.fn}\n` };
  let rc: number;
  try {
    rc = await command(req.args, ctx);
  } catch (e) {
    ctx.err(`ERROR: ${errorMessage(e)}\n`);
    rc = 1;
  }
  return { rc, stdout: ctx.stdout, stderr: ctx.stderr };
}

/**
 * A helper whose event loop is stuck would leave every caller waiting. A watchdog
 * thread ends the process when the loop has not ticked for `limitS` seconds; the
 * next call then starts a fresh helper.
 */
function startWatchdog(limitS: number): void {
  const beat = new Int32Array(new SharedArrayBuffer(4));
  const now = () => Math.floor(Date.now() / 1000);
  Atomics.store(beat, 0, now());
  setInterval(() => Atomics.store(beat, 0, now()), 1000).unref();
  const code = `const { workerData: beat } = require('node:worker_threads');
    setInterval(() => {
      if (Math.floor(Date.now() / 1000) - Atomics.load(beat, 0) > ${limitS}) process.kill(process.pid, 'SIGKILL');
    }, 1000);`;
  new Worker(code, { eval: true, workerData: beat }).unref();
}

export interface ServerOptions {
  idleMs: number;
  env?: Env;
}

/** Starts serving; resolves when the server has stopped. */
export async function serve(opts: ServerOptions): Promise<void> {
  const paths = runtimePaths(INSTALL_ROOT, opts.env);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  chmodSync(paths.dir, 0o700);
  const lockFd = openSync(paths.lockFile, 'a', 0o600);
  if (!tryFlockSync(lockFd)) {
    closeSync(lockFd);
    return; // another server of this install is running
  }
  startWatchdog(15);
  const token = randomBytes(16).toString('hex');
  const builtAt = statSync(SELF).mtimeMs;
  let active = 0;
  let idleTimer: NodeJS.Timeout | undefined;
  let stopping = false;

  const server = createServer((sock: Socket) => {
    active++;
    clearTimeout(idleTimer);
    let buf = Buffer.alloc(0);
    let handled = false;
    sock.on('data', (chunk) => {
      if (handled) return;
      buf = Buffer.concat([buf, chunk]);
      let parsed;
      try {
        parsed = parseRequest(buf);
      } catch {
        sock.destroy();
        return;
      }
      if (!parsed) return;
      handled = true;
      let req: Request;
      try {
        req = decodeRequest(parsed);
      } catch {
        sock.destroy();
        return;
      }
      if (req.token !== token) {
        sock.end('1\0\0ERROR: argo shim server: bad token\n\0');
        return;
      }
      void answer(req).then(({ rc, stdout, stderr }) => {
        sock.end(`${rc}\0${stdout}\0${stderr}\0`);
      });
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      active--;
      if (active === 0) afterRequest();
    });
  });

  const stop = () => {
    if (stopping) return;
    stopping = true;
    try {
      if (readFileSync(paths.portFile, 'utf8').includes(token)) unlinkSync(paths.portFile);
    } catch {
      /* already gone */
    }
    server.close();
    closeSync(lockFd);
  };
  const afterRequest = () => {
    let rebuilt = false;
    try {
      rebuilt = statSync(SELF).mtimeMs !== builtAt;
    } catch {
      rebuilt = true;
    }
    if (rebuilt) return stop();
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => active === 0 && stop(), opts.idleMs);
    idleTimer.unref();
  };

  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  const tmp = `${paths.portFile}.${process.pid}.tmp`;
  writeFileSync(tmp, `${port} ${token} ${process.pid}\n`, { mode: 0o600 });
  renameSync(tmp, paths.portFile);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  afterRequest();
  await new Promise<void>((done) => server.on('close', () => done()));
}

export async function main(_argv: string[]): Promise<number> {
  try {
    process.chdir('/');
  } catch {
    /* stay where we are */
  }
  const idle = Number(process.env.ARGO_SHIM_IDLE_SECONDS || '60');
  await serve({ idleMs: (Number.isFinite(idle) && idle > 0 ? idle : 60) * 1000 });
  return 0;
}

// Started directly by compat/shim.bash (detached); `argo server` runs it too.
runIfEntry(import.meta.url, main);
