// The orchestrator: whenever action_owner is `code`, run the handler that serves
// the state (workflow/dispatch.ts decides which), one at a time, as a child process.
// It wakes on changes of .argo-project/ (fs.watch: state.json is replaced by rename)
// with a slow re-read as a safety net, so a hand-off is acted on within milliseconds.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, ftruncateSync, openSync, readFileSync, statSync, unlinkSync, watch, writeFileSync, writeSync, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { runIfEntry } from './core/cli.js';
import type { Env } from './core/context.js';
import { enterProjectDir, isDir } from './store/project_dir.js';
import { FRESH_BOOK, decide, fieldText, handlerCandidates, holdBack, maxRetries, relayOf, retryLeft, retryReduce, type RetryBook } from './workflow/dispatch.js';
import { JsonObject, fromPlain, parseJson, toPlain } from './core/json_doc.js';
import { readConfigObject } from './store/config_object.js';
import { projectLogPaths, writeLog } from './store/logs.js';
import { tryFlockSync } from './core/lock.js';
import { bashArgs, superviseGroup } from './core/child.js';
import { RotatingLog } from './core/rotating_log.js';
import { Notifier } from './notify/notifier.js';
import { mutateState, projectStatePaths, updateState, type StatePaths } from './store/state.js';
import { installRoot } from './core/install_root.js';
import { onTermination } from './core/termination.js';
import { argoPaths } from './store/layout.js';
import { parsePid, pidAlive, procStartTicks } from './core/proc.js';
import { handlerFileIn, missingHandler, nextEnv, readPhases } from './workflow/phase_list.js';

/** The install folder (core/install_root.ts). */
export const ROOT = installRoot();
const FALLBACK_POLL_MS = 1000;
/** How long pending notifications may still take when the orchestrator exits: after a stop (a signal), at the end. */
export const STOP_NOTIFY_GRACE_MS = 2000;
export const END_NOTIFY_GRACE_MS = 5000;
/** After a handler exits, how long its output pipes may stay open (a background child holding them). */
const OUTPUT_DRAIN_MS = 1000;

export function orchestratorLogFile(project: string): string {
  return argoPaths(project).orchestratorLog;
}

/** The generic cause the orchestrator writes when a handler said nothing specific. */
const genericFailure = (name: string, status: number) => `Handler ${name} failed with exit status ${status}`;

/**
 * The cause to keep in last_error after a handler's final failure: what the handler
 * recorded itself, else its last ERROR line, else its last stderr line, else the generic one.
 */
export function specificCause(recorded: string, stderrLines: string[], name: string, status: number): string {
  if (recorded && !/^Handler \S+ failed with exit status \d+$/.test(recorded)) return recorded;
  const errorLine = [...stderrLines].reverse().find((l) => /^ERROR:/.test(l));
  const said = errorLine ?? [...stderrLines].reverse().find((l) => l.trim() !== '');
  return said ? `${name}: ${said.replace(/^ERROR:\s*/, '')}` : genericFailure(name, status);
}

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
  const r = spawnSync('bash', bashArgs('source "$1" && source "$2" && env -0', 'bash', join(root, 'lib/state_file.sh'), join(root, 'lib/logging_enhanced.sh')), {
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

/**
 * One orchestrator per project: a flock on the pid file, held for its lifetime. `pid` is
 * the process the file names: ours, or — when the resident supervisor (compat/supervisor.ts)
 * hosts the project — the project's anchor (orchestrator.sh), while the lock is held here.
 */
export class PidFile {
  private constructor(readonly path: string, private fd: number, readonly pid: number) {}

  static claim(path: string, pid = process.pid): PidFile | string {
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
    writeSync(fd, `${pid}\n`);
    return new PidFile(path, fd, pid);
  }

  /** Unlocks; removes the file while it names us, unless `keepFile` (a crash leaves it, as SIGKILL did). */
  release(opts: { keepFile?: boolean } = {}): void {
    try {
      if (!opts.keepFile && readFileSync(this.path, 'utf8').trim() === String(this.pid)) unlinkSync(this.path);
    } catch {
      /* already removed */
    }
    closeSync(this.fd);
  }
}

/**
 * The orchestrator's life as one value. `looking`/`finishing` fold the looks asked for
 * meanwhile into one more (`again`); `running` holds the handler; `stopping` and
 * `stopped` refuse every new look.
 */
export type Lifecycle =
  | { kind: 'idle' }
  | { kind: 'looking'; again: boolean }
  | { kind: 'running'; handler: RunningHandler }
  | { kind: 'finishing'; again: boolean }
  | { kind: 'stopping' }
  | { kind: 'stopped' };

/** Removes the handler pid file when it still holds `text` (a later handler's is left alone). */
function clearHandlerPid(file: string, text: string): void {
  try {
    if (readFileSync(file, 'utf8') === text) unlinkSync(file);
  } catch {
    /* gone already */
  }
}

/** A handler in its own process group: its end (exit, or the stop's cancel) and its stop. */
interface RunningHandler {
  name: string;
  /** Settles when it exited and its output drained — and, after a stop, when its group is gone. */
  ended: Promise<unknown>;
  stop: AbortController;
}

/** A stopped handler gets TERM, then this long before its group gets KILL (stop_workflow allows us 5 s). */
export const HANDLER_GRACE_MS = 3000;

/**
 * Where an orchestrator's handlers get their environment from and where what they say goes:
 * this process's own (a standalone orchestrator), or the anchor's when the supervisor hosts it.
 */
export interface OrchestratorIo {
  baseEnv: Env;
  out(chunk: Buffer | string): void;
  err(chunk: Buffer | string): void;
}

export const PROCESS_IO: OrchestratorIo = {
  baseEnv: process.env,
  out: (c) => void process.stdout.write(c),
  err: (c) => void process.stderr.write(c),
};

/** How often a restarted orchestrator looks whether the handler a killed one left running has ended. */
const ORPHAN_POLL_MS = 250;

export class Orchestrator {
  private life: Lifecycle = { kind: 'idle' };
  /** The handler an earlier orchestrator of this project left running (said once). */
  private orphanSaid: number | undefined;
  private book: RetryBook = FRESH_BOOK;
  /** The write of the last handler's result (retry count, hand-off), awaited by stop(). */
  private finishing: Promise<void> = Promise.resolve();
  private stopped: Promise<void> | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private poller: NodeJS.Timeout | undefined;
  private finished!: () => void;
  /** The last stderr lines of the running (or last) handler. */
  private stderrTail: string[] = [];
  readonly state: StatePaths;
  readonly log: RotatingLog;
  readonly notifier: Notifier;
  private unwatchNotify: (() => void) | undefined;

  constructor(
    readonly project: string,
    readonly root: string,
    private handlerEnv: Env,
    private readonly io: OrchestratorIo = PROCESS_IO,
  ) {
    this.state = projectStatePaths(project);
    this.log = new RotatingLog(orchestratorLogFile(project));
    this.notifier = new Notifier(project, { report: (line) => this.log.line('notify', line) });
  }

  /** The orchestrator's own diagnostics: to stderr (as before) and to orchestrator.log. */
  say(message: string): void {
    this.io.err(message + '\n');
    this.log.line('orchestrator', message);
  }

  /** Watches and acts until stop() begins (it may still be ending the handler: await stop()). */
  run(): Promise<void> {
    const done = new Promise<void>((r) => (this.finished = r));
    try {
      this.watcher = watch(argoPaths(this.project).dir, () => this.check());
      this.watcher.on('error', () => this.check());
    } catch {
      /* the poll below still notices changes */
    }
    this.poller = setInterval(() => this.check(), FALLBACK_POLL_MS);
    // Builder failures are announced while a handler runs; hand-offs only between
    // handlers, once the handler finished writing them.
    this.unwatchNotify = this.notifier.watch(() => this.life.kind !== 'running');
    this.check();
    return done;
  }

  /**
   * Stops for good; the same promise however often it is called. Cleanups run in
   * order, each in its own try/catch: stop watching, end the handler's group and
   * await it, await the write of its result. When it settles nothing of ours writes
   * the state any more, so the pid file may be released.
   */
  stop(): Promise<void> {
    this.stopped ??= this.close();
    return this.stopped;
  }

  /**
   * Lets the project go without stopping it (the supervisor hosting it is going away): no
   * more looks, the handler keeps running, and the next orchestrator of the project waits
   * for it (waitForOrphan). run() resolves.
   */
  detach(): void {
    this.stopWatching();
    this.life = { kind: 'stopped' };
    this.stopped ??= Promise.resolve();
    this.finished?.();
  }

  /** No more looks: the watcher, the notifier's watch, the poll and a pending wake-up go. */
  private stopWatching(): void {
    this.watcher?.close();
    this.unwatchNotify?.();
    clearInterval(this.poller);
    clearTimeout(this.wakeTimer);
  }

  private async close(): Promise<void> {
    const handler = this.life.kind === 'running' ? this.life.handler : undefined;
    this.life = { kind: 'stopping' };
    const steps: [string, () => unknown][] = [
      ['stop watching', () => this.stopWatching()],
      ['resolve run()', () => this.finished?.()],
      ['end the handler', async () => {
        handler?.stop.abort();
        await handler?.ended;
      }],
      ['await the last result write', () => this.finishing],
    ];
    for (const [what, step] of steps) {
      try {
        await step();
      } catch (e) {
        this.say(`ERROR: orchestrator: stop: ${what}: ${(e as Error).message}`);
      }
    }
    this.life = { kind: 'stopped' };
  }

  private wakeIn(ms: number): void {
    clearTimeout(this.wakeTimer);
    this.wakeTimer = setTimeout(() => this.check(), Math.max(ms, 0));
  }

  /** Looks at the state and acts; calls that arrive meanwhile fold into one more look. */
  check(): void {
    const life = this.life;
    if (life.kind === 'looking' || life.kind === 'finishing') {
      life.again = true;
      return;
    }
    if (life.kind !== 'idle') return; // a handler runs (its end looks again), or we stop
    const looking: Lifecycle = { kind: 'looking', again: false };
    this.life = looking;
    this.look()
      .catch((e: unknown) => this.say(`ERROR: orchestrator: ${(e as Error).message}`))
      .finally(() => {
        if (this.life !== looking) return; // a handler started, or a stop began
        this.life = { kind: 'idle' };
        if (looking.again) this.check();
      });
  }

  private async look(): Promise<void> {
    if (!isDir(argoPaths(this.project).dir)) return void this.stop(); // D21: the project is gone
    let text: string;
    let doc: Record<string, unknown>;
    try {
      text = readFileSync(this.state.stateFile, 'utf8');
      doc = toPlain(parseJson(text, this.state.stateFile)) as Record<string, unknown>;
    } catch {
      return; // missing or being written by hand: wait for the next change
    }
    this.notifier.observe(true);
    if (this.waitForOrphan()) return this.wakeIn(ORPHAN_POLL_MS);
    const relay = relayOf(doc);
    this.book = retryReduce(this.book, { kind: 'seen', owner: relay.action_owner });
    const d = decide(relay);
    if (d.kind === 'stop') return void this.stop();
    if (d.kind === 'wait') return;
    if (d.kind === 'refuse') return this.refuse(d.name);
    const steps = this.steps();
    if ('problem' in steps) return this.refuseSteps(steps.problem);
    const wait = holdBack(this.book, d.name, text, Date.now());
    if (wait > 0) return this.wakeIn(wait);
    this.book = retryReduce(this.book, { kind: 'starting', name: d.name });
    this.start(d.name, doc, steps.phases);
  }

  /**
   * True while the handler an earlier orchestrator of this project started still runs (that
   * one was killed, or its supervisor was): starting the step again beside it would run its
   * builders twice. It is awaited, and what it wrote to the state decides the next step.
   */
  private waitForOrphan(): boolean {
    const file = argoPaths(this.project).handlerPid;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return false;
    }
    const [pidText, ticks] = text.trim().split(' ');
    const pid = parsePid(pidText);
    if (pid !== undefined && pidAlive(pid) && ticks && procStartTicks(pid) === ticks) {
      if (this.orphanSaid !== pid) this.log.line('orchestrator', `Waiting for handler PID ${pid}, left running by an earlier orchestrator of this project`);
      this.orphanSaid = pid;
      return true;
    }
    clearHandlerPid(file, text);
    return false;
  }

  /** workflow.phases, checked before every step (an edit while the workflow runs counts), or the problem. */
  private steps(): { phases: readonly string[] } | { problem: string } {
    const read = readPhases(this.config());
    if ('problem' in read || !read.custom) return read;
    const missing = missingHandler(read.phases, (name) => handlerFileIn(this.root, name), join(this.root, 'phases'));
    return missing ? { problem: missing } : read;
  }

  /** A bad workflow.phases runs no step: one ERROR line, the problem in last_error, the user decides. */
  private async refuseSteps(problem: string): Promise<void> {
    this.say(`ERROR: ${problem}; control handed to user`);
    writeLog(projectLogPaths(this.project), 'ERROR', `${problem}; control handed to user`);
    await this.setRecovery({ last_error: () => problem });
    await updateState(this.state, 'action_owner', 'user');
  }

  private start(name: string, doc: Record<string, unknown>, phases: readonly string[]): void {
    const resolved = resolveHandler(this.root, name);
    if (!resolved) return; // as the original: no handler for this name, nothing to do
    this.log.line('orchestrator', `Running handler ${name} (${resolved.cmd}${resolved.args.length ? ' ' + resolved.args.join(' ') : ''})`);
    const child = spawn(resolved.cmd, [...resolved.args, this.project], {
      cwd: this.project,
      // ARGO_NEXT_*: how this step hands on to the one after it in workflow.phases (handler/index.ts handOffNext).
      env: { ...this.io.baseEnv, ...this.handlerEnv, ...nextEnv(phases, name) },
      // Piped, not inherited: what a handler says goes to orchestrator.log as well as to our own stdout/stderr.
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, ended with us
    });
    this.stderrTail = [];
    const flush = this.relayOutput(name, child);
    const stop = new AbortController();
    // Its own exit ends nothing else: a background child of a handler may outlive it,
    // as under the original. A stop ends the whole group and waits until it is gone.
    const group = superviseGroup(child, { signal: stop.signal, graceMs: HANDLER_GRACE_MS, endLeftovers: false });
    // 'close' waits for the output pipes; a background child of the handler may hold
    // them open, so the exit counts once the pipes drained or a moment has passed.
    const drained = new Promise<void>((r) => {
      child.once('close', () => r());
      child.once('exit', () => setTimeout(r, OUTPUT_DRAIN_MS).unref());
    });
    const pidFile = argoPaths(this.project).handlerPid;
    const mark = child.pid ? `${child.pid} ${procStartTicks(child.pid)}\n` : undefined;
    if (mark) writeFileSync(pidFile, mark);
    const ended = group.ended.then(async (end) => {
      await drained;
      flush();
      if (mark) clearHandlerPid(pidFile, mark);
      return end;
    });
    this.life = { kind: 'running', handler: { name, ended, stop } };
    void ended.then((end) => {
      if (this.life.kind !== 'running') return; // stopping: stop() awaits this handler
      const finishing: Lifecycle = { kind: 'finishing', again: false };
      this.life = finishing;
      const status = end.status;
      if (status !== 0) this.log.line('orchestrator', `Handler ${name} exited with status ${status}`);
      this.finishing = this.finish(name, status, maxRetries(doc, this.config()))
        .catch((e: unknown) => this.say(`ERROR: orchestrator: ${(e as Error).message}`))
        .finally(() => {
          if (this.life !== finishing) return;
          this.life = { kind: 'idle' };
          this.check();
        });
    });
  }

  /** Copies the handler's output to ours and to orchestrator.log, keeping its last stderr lines; returns the flush. */
  private relayOutput(name: string, child: ChildProcess): () => void {
    const outSink = this.log.sink(name);
    const errSink = this.log.sink(name);
    let errPending = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      this.io.out(chunk);
      outSink.write(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.io.err(chunk);
      errSink.write(chunk);
      errPending += chunk.toString();
      const lines = errPending.split('\n');
      errPending = lines.pop() ?? '';
      this.stderrTail = [...this.stderrTail, ...lines].slice(-20);
    });
    return () => {
      outSink.end();
      errSink.end();
      if (errPending) this.stderrTail = [...this.stderrTail, errPending].slice(-20);
    };
  }

  private async finish(name: string, status: number, retries: number): Promise<void> {
    if (status === 0) {
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
      this.book = retryReduce(this.book, { kind: 'succeeded', name, text, at: Date.now() });
      return;
    }
    this.book = retryReduce(this.book, { kind: 'failed', name, at: Date.now(), retries });
    const failures = this.book.failures;
    if (retryLeft(this.book, retries)) {
      await this.setRecovery({ retry_count: failures });
      return;
    }
    const logs = projectLogPaths(this.project);
    const tail = this.stderrTail;
    // The specific cause stays in last_error; the generic hand-off goes to recovery_action.
    await this.setRecovery({
      retry_count: failures - 1,
      last_error: (current: string) => specificCause(current, tail, name, status),
      recovery_action: `${genericFailure(name, status)}; handed to user after ${failures} failed runs: fix the cause (see .argo-project/logs/orchestrator.log), then set action_owner to code`,
    });
    await updateState(this.state, 'action_owner', 'user');
    writeLog(logs, 'ERROR', `Handler ${name} failed ${failures} times (last exit status ${status}); control handed to user`);
    this.book = retryReduce(this.book, { kind: 'gave-up' });
  }

  /** The project's config for limits ({} when it is missing or unreadable: status and doctor say why). */
  private config(): Record<string, unknown> {
    try {
      return readConfigObject(argoPaths(this.project).config);
    } catch {
      return {};
    }
  }

  private async refuse(name: string): Promise<void> {
    this.log.line('orchestrator', `Refused action name '${name}': not a handler name; control handed to user`);
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
  // The termination edge goes in before the pid file exists: a stop that reads the pid
  // file must never meet a process still without its handlers (it would die at once and
  // leave the file). A signal is handled on the event loop, after run() has started.
  let orchestrator: Orchestrator | undefined;
  const term = onTermination({ signals: ['SIGTERM', 'SIGINT', 'SIGHUP'], onSignal: () => void orchestrator?.stop() });
  const pid = PidFile.claim(argoPaths(project).orchestratorPid);
  if (typeof pid === 'string') {
    term.dispose();
    process.stderr.write(`WARNING: Orchestrator already running (PID ${pid})\n`);
    return 1;
  }
  orchestrator = new Orchestrator(project, ROOT, libraryFunctionEnv(ROOT));
  // A crash must not end in /dev/null either (start_workflow detaches our output).
  process.on('uncaughtException', (e) => {
    orchestrator.log.line('orchestrator', `FATAL: ${e.stack ?? e.message}`);
    process.stderr.write(`ERROR: orchestrator: ${e.message}\n`);
    process.exit(1);
  });
  orchestrator.log.line('orchestrator', `Started (PID ${process.pid}) for ${project}`);
  try {
    await orchestrator.run();
    // The last notifications get a bounded moment — 5 s at the end of a workflow, 2 s after a
    // stop (stop_workflow waits 5 s) — then every delivery gives up and we exit; what was
    // not delivered stays pending and goes out (with the same ARGO_EVENT_ID) after a resume.
    // Meanwhile stop() ends the handler's group and awaits it and its last state write:
    // only then is the pid file released (a restarted workflow never sees a late write).
    await Promise.all([orchestrator.stop(), orchestrator.notifier.close(term.signal.aborted ? STOP_NOTIFY_GRACE_MS : END_NOTIFY_GRACE_MS)]);
  } finally {
    orchestrator.log.line('orchestrator', `Stopped (PID ${process.pid})`);
    pid.release();
    term.dispose();
  }
  return 0;
}

runIfEntry('orchestrator', main);
