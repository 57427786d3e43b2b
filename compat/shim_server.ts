// The fast path of the sourced bash libraries: one long-lived node process per
// install answers their function calls over loopback TCP, so a call costs a
// connect and a few builtins in bash instead of starting node (~60 ms).
// Protocol, security model and guarantees: docs/SHIM.md.
//
// Protocol (every field ends with a NUL byte):
//   request:  "argo1" token cwd N (N × "NAME=value") function argc (argc × arg)
//   response: exit-status stdout stderr
// The server runs the same Command the one-shot CLI runs, with a buffer Ctx.
import { createServer, type Socket } from 'node:net';
import { closeSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { bufferCtx, WriteGate, type Env } from '../core/context.js';
import { errorMessage } from '../core/errors.js';
import { tryFlockSync } from '../core/lock.js';
import { runIfEntry } from '../core/cli.js';
import { packageRoot } from '../core/install_root.js';
import { procStartTicks } from '../core/proc.js';
import { setJqExecutor } from '../core/jq.js';
import { loadFunction } from './functions.js';
import { answerEntry, FULL_ENV_FIELD } from './entries.js';
import { JqPool } from './jq_pool.js';
import { onTermination } from '../core/termination.js';
import { Supervisor } from './supervisor.js';

/** The request an anchor (compat/anchor.bash) sends to have its project run here. */
export const ORCHESTRATE = 'orchestrate';

export const PROTOCOL = 'argo1';
// The file this code was loaded from (its bundle, dist/compat/shim_server.js): a new build
// replaces it, and the helper then stops so that the next call starts the new code.
const SELF = fileURLToPath(import.meta.url);
export const INSTALL_ROOT = packageRoot();

/** Bytes a connection may send before its token is proven (a request's head is ~100). */
export const PRE_AUTH_MAX_BYTES = 64 * 1024;
/** Bytes of one authenticated request (values handed to update_state included). */
export const MAX_REQUEST_BYTES = 64 * 1024 * 1024;
const PRE_AUTH_IDLE_MS = 10_000;

/**
 * The port file's name, as compat/shim.bash computes it: the install folder with
 * every byte other than [A-Za-z0-9] as '_' (bytes, so no locale can change it),
 * at most its last 200.
 */
export function portFileKey(root: string): string {
  const bytes = Buffer.from(root, 'utf8');
  let key = '';
  for (const b of bytes) key += (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) ? String.fromCharCode(b) : '_';
  return key.length > 200 ? key.slice(-200) : key;
}

/** Where the port file lives (the shim passes its own choice in ARGO_SHIM_PORT_FILE). */
export function runtimePaths(root = INSTALL_ROOT, env: Env = process.env) {
  const uid = process.getuid?.() ?? 0;
  const portFile = env.ARGO_SHIM_PORT_FILE || join(env.XDG_RUNTIME_DIR || '/tmp', `argo-${uid}`, `${portFileKey(root)}.port`);
  const dir = dirname(portFile);
  return { dir, portFile, lockFile: portFile.replace(/\.port$/, '') + '.lock' };
}

/** Why `dir` may not hold our port file (another user owns it or may write in it), or undefined. */
export function unsafeDirReason(dir: string): string | undefined {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch {
    /* lstat below reports */
  }
  let st;
  try {
    st = lstatSync(dir);
  } catch (e) {
    return `cannot use ${dir}: ${errorMessage(e)}`;
  }
  const uid = process.getuid?.() ?? 0;
  if (!st.isDirectory()) return `${dir} is not a directory`;
  if (st.uid !== uid) return `${dir} belongs to uid ${st.uid}, not ${uid}`;
  if ((st.mode & 0o022) !== 0) return `${dir} is writable by others (mode ${(st.mode & 0o7777).toString(8)})`;
  return undefined;
}


/**
 * Reads one request as it streams in, scanning each byte once. Throws (the
 * connection is then dropped) on a malformed count or when the request grows past
 * `maxBytes()`, which the server keeps small until the token is proven.
 */
export class RequestReader {
  readonly fields: string[] = [];
  /** What came after the complete request in the same chunk (an anchor's `stop`). */
  rest: Buffer = Buffer.alloc(0);
  private partial: Buffer[] = [];
  private want = 4;
  private stage = 0;
  size = 0;

  constructor(private readonly maxBytes: () => number) {}

  /** True once the whole request is in. */
  push(chunk: Buffer): boolean {
    let start = 0;
    while (this.fields.length < this.want) {
      const end = chunk.indexOf(0, start);
      const piece = chunk.subarray(start, end < 0 ? chunk.length : end);
      this.size += piece.length + (end < 0 ? 0 : 1);
      if (this.size > this.maxBytes()) throw new Error(`request larger than ${this.maxBytes()} bytes`);
      if (end < 0) {
        if (piece.length) this.partial.push(Buffer.from(piece));
        return false;
      }
      this.partial.push(piece);
      this.fields.push(Buffer.concat(this.partial).toString('utf8'));
      this.partial = [];
      start = end + 1;
      if (this.fields.length === this.want) this.advance();
    }
    this.rest = chunk.subarray(start);
    return true;
  }

  private advance(): void {
    const count = (s: string | undefined) => {
      const n = Number(s);
      if (!/^\d+$/.test(s ?? '') || n > 100_000) throw new Error(`malformed request: bad count ${s}`);
      return n;
    };
    if (this.stage === 0) this.want += count(this.fields[3]) + 2;
    else if (this.stage === 1) this.want += count(this.fields[this.fields.length - 1]);
    this.stage++;
  }
}

/** The fields of one complete request; undefined while more bytes are needed. */
export function parseRequest(buf: Buffer): string[] | undefined {
  const reader = new RequestReader(() => Infinity);
  return reader.push(buf) ? reader.fields : undefined;
}

export interface Request {
  token: string;
  cwd: string;
  env: Env;
  fn: string;
  args: string[];
  /** Sent with the caller's whole environment: `fn` is a program (compat/entries.ts), not a library function. */
  fullEnv?: boolean;
}

export function decodeRequest(fields: string[]): Request {
  const [version, token = '', cwd = '/', n = '0'] = fields;
  if (version !== PROTOCOL) throw new Error(`unknown protocol '${version}'`);
  const count = Number(n);
  const env: Env = {};
  const vars = fields.slice(4, 4 + count);
  const fullEnv = vars[0] === FULL_ENV_FIELD;
  for (const kv of fullEnv ? vars.slice(1) : vars) {
    const eq = kv.indexOf('=');
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const fn = fields[4 + count] ?? '';
  const args = fields.slice(4 + count + 2);
  return { token, cwd, env, fn, args, ...(fullEnv ? { fullEnv } : {}) };
}

export function encodeRequest(r: Request): Buffer {
  const vars = Object.entries(r.env).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
  if (r.fullEnv) vars.unshift(FULL_ENV_FIELD);
  const fields = [PROTOCOL, r.token, r.cwd, String(vars.length), ...vars, r.fn, String(r.args.length), ...r.args];
  return Buffer.from(fields.map((f) => f + '\0').join(''), 'utf8');
}

export interface Reply {
  rc: number;
  stdout: string;
  stderr: string;
}

/** A reply as bytes: NUL ends each field, so NULs inside (bash drops them anyway) are removed. */
export function encodeReply(r: Reply): string {
  return `${r.rc}\0${r.stdout.replace(/\0/g, '')}\0${r.stderr.replace(/\0/g, '')}\0`;
}

export async function answer(req: Request, gate?: WriteGate): Promise<Reply> {
  if (req.fullEnv) return answerEntry(req, gate);
  const ctx = bufferCtx(resolve(req.cwd || '/'), req.env);
  ctx.gate = gate;
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

/** How long the helper works on a call: a little less than the caller waits (ARGO_SHIM_TIMEOUT). */
export function callDeadlineMs(env: Env): { ms: number; callerSeconds: number } {
  const t = Number(env.ARGO_SHIM_TIMEOUT);
  const callerSeconds = Number.isFinite(t) && t > 0 ? t : 120;
  return { ms: Math.max(100, (callerSeconds - Math.min(2, callerSeconds / 4)) * 1000), callerSeconds };
}

/**
 * Answers before the caller stops waiting. At the deadline a call that has not
 * begun writing is abandoned (it will not write: see WriteGate) and reported as
 * failed; one that is writing is waited for, so the caller gets its real outcome.
 */
export async function answerInTime(req: Request): Promise<Reply> {
  const gate = new WriteGate();
  const work = answer(req, gate);
  const { ms, callerSeconds } = callDeadlineMs(req.env);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)));
  const first = await Promise.race([work, late]);
  clearTimeout(timer);
  if (first) return first;
  if (!gate.abandon()) return work;
  return {
    rc: 1,
    stdout: '',
    stderr: `ERROR: ${req.fn}: no result within ${ms / 1000} s (ARGO_SHIM_TIMEOUT=${callerSeconds}; the state lock is busy?); gave up, nothing was written\n`,
  };
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
  jqLimitMs: number;
  env?: Env;
  /** Resolves when the helper should stop (signals, in main). */
  stopSignal?: AbortSignal;
}

/**
 * One connection: the request is read as it streams (kept small until the token is
 * proven), answered once, and the socket closed; a bad token is refused.
 */
function serveConnection(sock: Socket, tokenBytes: Buffer, supervisor: Supervisor): void {
  let authenticated = false;
  let handled = false;
  const reader = new RequestReader(() => (authenticated ? MAX_REQUEST_BYTES : PRE_AUTH_MAX_BYTES));
  sock.setTimeout(PRE_AUTH_IDLE_MS, () => authenticated || sock.destroy());
  sock.on('data', (chunk: Buffer) => {
    if (handled) return;
    let complete: boolean;
    try {
      complete = reader.push(chunk);
    } catch {
      sock.destroy();
      return;
    }
    if (!authenticated && reader.fields.length >= 2) {
      const [version, given = ''] = reader.fields;
      const g = Buffer.from(given);
      if (version !== PROTOCOL || g.length !== tokenBytes.length || !timingSafeEqual(g, tokenBytes)) {
        handled = true;
        if (version === PROTOCOL) sock.end(encodeReply({ rc: 1, stdout: '', stderr: 'ERROR: argo shim server: bad token\n' }));
        else sock.destroy();
        return;
      }
      authenticated = true;
      sock.setTimeout(0);
    }
    if (!complete) return;
    handled = true;
    let req: Request;
    try {
      req = decodeRequest(reader.fields);
    } catch {
      sock.destroy();
      return;
    }
    // An anchor (orchestrator.sh) stays connected while the supervisor runs its project.
    if (req.fn === ORCHESTRATE) return supervisor.adopt(sock, req, reader.rest);
    void answerInTime(req).then((reply) => sock.end(encodeReply(reply)));
  });
  sock.on('error', () => undefined);
}

/** The runtime folder checked and the install's server lock taken (its descriptor), else undefined. */
function takeServerLock(paths: ReturnType<typeof runtimePaths>): number | undefined {
  const unsafe = unsafeDirReason(paths.dir);
  if (unsafe) {
    process.stderr.write(`ERROR: argo shim helper not started: ${unsafe}\n`);
    return undefined;
  }
  const lockFd = openSync(paths.lockFile, 'a', 0o600);
  if (!tryFlockSync(lockFd)) {
    closeSync(lockFd);
    return undefined; // another server of this install is running
  }
  return lockFd;
}

/**
 * Serves until idle (or rebuilt, or stopSignal); resolves once the port file is
 * gone and no call is in flight. The listening socket is left open: the caller
 * exits the process, so the port stays ours for as long as the pid in the port
 * file is alive (what the shim checks before sending anything).
 */
export async function serve(opts: ServerOptions): Promise<void> {
  const paths = runtimePaths(INSTALL_ROOT, opts.env);
  const lockFd = takeServerLock(paths);
  if (lockFd === undefined) return;
  // Holding the lock proves no other helper of this install is alive: a port file
  // still there was left by a killed one, and is replaced below.
  startWatchdog(15);
  const pool = new JqPool(3, opts.jqLimitMs);
  setJqExecutor(pool.run);
  const token = randomBytes(16).toString('hex');
  const tokenBytes = Buffer.from(token);
  const builtAt = statSync(SELF).mtimeMs;
  const supervisor = new Supervisor(INSTALL_ROOT);
  let active = 0;
  let idleTimer: NodeJS.Timeout | undefined;
  let stopping = false;
  let stopped!: () => void;
  const done = new Promise<void>((r) => (stopped = r));

  const server = createServer((sock: Socket) => {
    active++;
    clearTimeout(idleTimer);
    serveConnection(sock, tokenBytes, supervisor);
    sock.on('close', () => {
      active--;
      if (active === 0) afterRequest();
    });
  });

  const stop = () => {
    if (stopping) return;
    stopping = true;
    clearTimeout(idleTimer);
    try {
      if (readFileSync(paths.portFile, 'utf8').includes(token)) unlinkSync(paths.portFile);
    } catch {
      /* already gone */
    }
    // Hosted projects are let go, not stopped: each anchor registers with the next helper.
    supervisor.detachAll();
    // Calls that read the port file before it went are still served.
    const finish = () => {
      if (active > 0) return void setTimeout(finish, 20);
      void pool.stop().then(() => {
        setJqExecutor(undefined);
        closeSync(lockFd);
        stopped();
      });
    };
    finish();
  };
  const afterRequest = () => {
    if (stopping) return;
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
  // pid and start time name the process for tools that signal it; the lock descriptor
  // lets the shim check cheaply that this very process is alive (see compat/shim.bash).
  writeFileSync(tmp, `${port} ${token} ${process.pid} ${procStartTicks('self')} ${lockFd}\n`, { mode: 0o600 });
  renameSync(tmp, paths.portFile);
  opts.stopSignal?.addEventListener('abort', stop, { once: true });
  afterRequest();
  await done;
}

export async function main(_argv: string[]): Promise<number> {
  try {
    process.chdir('/');
  } catch {
    /* stay where we are */
  }
  const seconds = (name: string, dflt: number) => {
    const n = Number(process.env[name] || dflt);
    return (Number.isFinite(n) && n > 0 ? n : dflt) * 1000;
  };
  const term = onTermination();
  await serve({ idleMs: seconds('ARGO_SHIM_IDLE_SECONDS', 60), jqLimitMs: seconds('ARGO_SHIM_JQ_SECONDS', 10), stopSignal: term.signal });
  // Exiting closes the listening socket with the process (see serve).
  process.exit(0);
}

// Started directly by compat/shim.bash (detached); `argo server` runs it too.
runIfEntry('compat/shim_server', main);
