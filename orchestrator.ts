// The orchestrator: whenever action_owner is `code`, run the handler that serves
// the state (lib/dispatch.ts decides which), one at a time, as a child process.
// It wakes on changes of .argo-project/ (fs.watch: state.json is replaced by rename)
// with a slow re-read as a safety net, so a hand-off is acted on within milliseconds.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, ftruncateSync, openSync, readFileSync, statSync, unlinkSync, watch, writeSync, type FSWatcher } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { runIfEntry } from './lib/cli.js';
import type { Env } from './lib/context.js';
import { enterProjectDir, isDir } from './lib/project_dir.js';
import { decide, fieldText, handlerCandidates, maxRetries, relayOf, retryDelayMs } from './lib/dispatch.js';
import { JsonObject, fromPlain, parseJson, toPlain } from './lib/json_doc.js';
import { projectLogPaths, writeLog } from './lib/logging_enhanced.js';
import { tryFlockSync } from './lib/lock.js';
import { killGroup } from './lib/process.js';
import { mutateState, projectStatePaths, updateState, type StatePaths } from './lib/state_file.js';

/** The install folder: the shim's (ARGO_ROOT, symlinks not resolved), else this file's. */
export const ROOT = process.env.ARGO_ROOT || resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FALLBACK_POLL_MS = 1000;
/** A handler that succeeded but left the state as it was is re-run after this long (the original's poll). */
const UNCHANGED_RERUN_MS = 5000;

function executableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Our own phases/<name>.sh: the shim that execs the built-in (it yields to a user's .ts/.mjs). */
function builtinShim(sh: string, candidate: string): boolean {
  try {
    return readFileSync(sh, 'utf8').includes(`/dist/phases/${candidate}.js"`);
  } catch {
    return false;
  }
}

/** tsx's loader, from this install (a handler's own folder need not have node_modules). */
function tsxLoader(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

/**
 * The command that serves `name`, first found of: a user's executable
 * phases/<name>.sh (it wins, as the original only knows .sh), their executable
 * phases/<name>.ts (run by tsx) or .mjs, then our built-in.
 */
export function resolveHandler(root: string, name: string): { cmd: string; args: string[] } | undefined {
  for (const candidate of handlerCandidates(name)) {
    const sh = join(root, 'phases', `${candidate}.sh`);
    const shFound = executableFile(sh);
    if (shFound && !builtinShim(sh, candidate)) return { cmd: sh, args: [] };
    const ts = join(root, 'phases', `${candidate}.ts`);
    if (executableFile(ts)) return { cmd: process.execPath, args: ['--import', tsxLoader(), ts] };
    const mjs = join(root, 'phases', `${candidate}.mjs`);
    if (executableFile(mjs)) return { cmd: process.execPath, args: [mjs] };
    if (shFound) return { cmd: sh, args: [] };
    const js = join(root, 'dist', 'phases', `${candidate}.js`);
    if (existsSync(js)) return { cmd: process.execPath, args: [js] };
  }
  return undefined;
}

/**
 * The bash library functions as `export -f` passes them (BASH_FUNC_<name>%%), so
 * bash handlers and CI scripts can call update_state & co. without sourcing.
 */
export function libraryFunctionEnv(root: string): Env {
  const r = spawnSync('bash', ['-c', 'source "$1" && source "$2" && env -0', 'bash', join(root, 'lib/state_file.sh'), join(root, 'lib/logging_enhanced.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    cwd: '/',
  });
  const env: Env = {};
  for (const entry of (r.stdout ?? '').split('\0')) {
    if (!entry.startsWith('BASH_FUNC_')) continue;
    const eq = entry.indexOf('=');
    env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

/** One orchestrator per project: a flock on the pid file, held for our lifetime. */
class PidFile {
  private constructor(readonly path: string, private fd: number) {}

  static claim(path: string): PidFile | string {
    const fd = openSync(path, 'a+');
    if (!tryFlockSync(fd)) {
      closeSync(fd);
      let holder = '';
      try {
        holder = readFileSync(path, 'utf8').trim();
      } catch {
        /* gone meanwhile */
      }
      return holder || '?';
    }
    ftruncateSync(fd, 0);
    writeSync(fd, `${process.pid}\n`);
    return new PidFile(path, fd);
  }

  release(): void {
    try {
      if (readFileSync(this.path, 'utf8').trim() === String(process.pid)) unlinkSync(this.path);
    } catch {
      /* already removed */
    }
    closeSync(this.fd);
  }
}

export class Orchestrator {
  private child: ChildProcess | undefined;
  private checking = false;
  private again = false;
  private stopping = false;
  private failures = 0;
  private failedName = '';
  private retryAt = 0;
  private lastOk: { name: string; text: string; at: number } | undefined;
  private previousOwner = '';
  private wakeTimer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private poller: NodeJS.Timeout | undefined;
  private finished!: () => void;
  readonly state: StatePaths;

  constructor(
    readonly project: string,
    readonly root: string,
    private handlerEnv: Env,
  ) {
    this.state = projectStatePaths(project);
  }

  run(): Promise<void> {
    const done = new Promise<void>((r) => (this.finished = r));
    try {
      this.watcher = watch(join(this.project, '.argo-project'), () => this.check());
      this.watcher.on('error', () => this.check());
    } catch {
      /* the poll below still notices changes */
    }
    this.poller = setInterval(() => this.check(), FALLBACK_POLL_MS);
    this.check();
    return done;
  }

  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    if (this.child?.pid) killGroup(this.child.pid);
    this.child?.unref();
    this.watcher?.close();
    clearInterval(this.poller);
    clearTimeout(this.wakeTimer);
    this.finished();
  }

  private wakeIn(ms: number): void {
    clearTimeout(this.wakeTimer);
    this.wakeTimer = setTimeout(() => this.check(), Math.max(ms, 0));
  }

  /** Looks at the state and acts; calls that arrive meanwhile fold into one more look. */
  check(): void {
    if (this.stopping) return;
    if (this.checking || this.child) {
      this.again = true;
      return;
    }
    this.checking = true;
    this.again = false;
    this.look()
      .catch((e: unknown) => process.stderr.write(`ERROR: orchestrator: ${(e as Error).message}\n`))
      .finally(() => {
        this.checking = false;
        if (this.again && !this.child) this.check();
      });
  }

  private async look(): Promise<void> {
    if (!isDir(join(this.project, '.argo-project'))) return this.stop(); // D21: the project is gone
    let text: string;
    let doc: Record<string, unknown>;
    try {
      text = readFileSync(this.state.stateFile, 'utf8');
      doc = toPlain(parseJson(text, this.state.stateFile)) as Record<string, unknown>;
    } catch {
      return; // missing or being written by hand: wait for the next change
    }
    const relay = relayOf(doc);
    if (relay.action_owner === 'code' && this.previousOwner !== 'code') this.failures = 0; // control handed (back) to us
    this.previousOwner = relay.action_owner;
    const d = decide(relay);
    if (d.kind === 'stop') return this.stop();
    if (d.kind === 'wait') return;
    if (d.kind === 'refuse') return this.refuse(d.name);

    const now = Date.now();
    if (this.lastOk && this.lastOk.name === d.name && this.lastOk.text === text && now - this.lastOk.at < UNCHANGED_RERUN_MS) {
      return this.wakeIn(this.lastOk.at + UNCHANGED_RERUN_MS - now);
    }
    if (this.failures > 0 && this.failedName === d.name && now < this.retryAt) return this.wakeIn(this.retryAt - now);
    if (this.failedName !== d.name) this.failures = 0;
    this.start(d.name, doc);
  }

  private start(name: string, doc: Record<string, unknown>): void {
    const handler = resolveHandler(this.root, name);
    if (!handler) return; // as the original: no handler for this name, nothing to do
    const errorBefore = fieldText((doc.error_recovery as Record<string, unknown> | undefined)?.last_error);
    const child = spawn(handler.cmd, [...handler.args, this.project], {
      cwd: this.project,
      env: { ...process.env, ...this.handlerEnv },
      stdio: ['ignore', 'inherit', 'inherit'],
      detached: true, // its own process group, ended with us
    });
    this.child = child;
    child.on('error', () => undefined);
    child.on('close', (code, signal) => {
      this.child = undefined;
      if (this.stopping) return;
      const status = code ?? 128 + (signal === 'SIGKILL' ? 9 : 15);
      this.finish(name, status, errorBefore, maxRetries(doc))
        .catch((e: unknown) => process.stderr.write(`ERROR: orchestrator: ${(e as Error).message}\n`))
        .finally(() => this.check());
    });
  }

  private async finish(name: string, status: number, errorBefore: string, retries: number): Promise<void> {
    if (status === 0) {
      this.failures = 0;
      // D24: a success clears the error bookkeeping of earlier failures.
      await mutateState(this.state, (doc) => {
        const er = doc.get('error_recovery');
        if (!(er instanceof JsonObject)) return;
        if ((er.get('retry_count') ?? 0) !== 0) er.set('retry_count', 0);
        if ((er.get('last_error') ?? null) !== null) er.set('last_error', null);
      }).catch(() => undefined);
      let text = '';
      try {
        text = readFileSync(this.state.stateFile, 'utf8');
      } catch {
        /* checked again on the next look */
      }
      this.lastOk = { name, text, at: Date.now() };
      return;
    }
    this.lastOk = undefined;
    this.failures = this.failedName === name ? this.failures + 1 : 1;
    this.failedName = name;
    if (this.failures <= retries) {
      this.retryAt = Date.now() + retryDelayMs(this.failures);
      await this.setRecovery({ retry_count: this.failures });
      return;
    }
    const logs = projectLogPaths(this.project);
    await this.setRecovery({
      retry_count: this.failures - 1,
      last_error: (current: string) => (current && current !== errorBefore ? current : `Handler ${name} failed with exit status ${status}`),
      recovery_action: `Handed to user after ${this.failures} failed runs of ${name}: fix the cause, then set action_owner to code`,
    });
    await updateState(this.state, 'action_owner', 'user');
    writeLog(logs, 'ERROR', `Handler ${name} failed ${this.failures} times (last exit status ${status}); control handed to user`);
    this.failures = 0;
  }

  private async refuse(name: string): Promise<void> {
    writeLog(projectLogPaths(this.project), 'ERROR', `Refused action name '${name}': not a handler name; control handed to user`);
    await this.setRecovery({ last_error: () => `Refused action name: '${name}' (handler names are letters, digits, _ and -)` });
    await updateState(this.state, 'action_owner', 'user');
  }

  private async setRecovery(fields: Record<string, unknown | ((current: string) => string)>): Promise<void> {
    await mutateState(this.state, (doc) => {
      let er = doc.get('error_recovery');
      if (!(er instanceof JsonObject)) {
        er = new JsonObject();
        doc.set('error_recovery', er);
      }
      for (const [k, v] of Object.entries(fields)) {
        er.set(k, fromPlain(typeof v === 'function' ? (v as (c: string) => string)(fieldText(toPlain(er.get(k)))) : v));
      }
    });
  }
}

export async function main(argv: string[]): Promise<number> {
  const project = enterProjectDir(argv[0] ?? '', 'orchestrator.sh');
  if (typeof project === 'number') return project;
  const pid = PidFile.claim(join(project, '.argo-project', 'orchestrator.pid'));
  if (typeof pid === 'string') {
    process.stderr.write(`WARNING: Orchestrator already running (PID ${pid})\n`);
    return 1;
  }
  const orchestrator = new Orchestrator(project, ROOT, libraryFunctionEnv(ROOT));
  const stop = () => orchestrator.stop();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', stop);
  await orchestrator.run();
  pid.release();
  return 0;
}

runIfEntry(import.meta.url, main);
