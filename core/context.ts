// Where a command runs: its folder, its environment and where its output goes.
// Every function reachable from the bash shims takes a Ctx instead of touching
// process.cwd()/process.env/process.stdout, because the shim server runs many
// callers' requests in one process (see compat/shim_server.ts).

export type Env = Record<string, string | undefined>;

export interface Ctx {
  /** Absolute folder relative paths are resolved against (the caller's $PWD). */
  cwd: string;
  /** The caller's relevant variables (STATE_FILE, LOG_DIR, …), already resolved. */
  env: Env;
  out(text: string): void;
  err(text: string): void;
  /** Set by the shim helper: a caller that stopped waiting must not be written for. */
  gate?: WriteGate;
}

/**
 * Decides, once, between "the write goes ahead" and "the caller gave up": a call
 * either reports its real outcome or fails without having written. The worker
 * calls beginWrite() right before its first write (after any lock wait); the
 * waiting side calls abandon() at its deadline.
 */
export class WriteGate {
  private state: 'open' | 'writing' | 'abandoned' = 'open';
  /** False when the caller has given up: do not write. */
  beginWrite(): boolean {
    if (this.state === 'abandoned') return false;
    this.state = 'writing';
    return true;
  }
  /** False when a write is under way: wait for its real outcome instead. */
  abandon(): boolean {
    if (this.state === 'writing') return false;
    this.state = 'abandoned';
    return true;
  }
}

/** A bash-callable function: original arguments in, original exit status out. */
export type Command = (args: string[], ctx: Ctx) => Promise<number>;

/** The context of this process itself (one-shot CLI, handlers, orchestrator). */
export function processCtx(cwd?: string): Ctx {
  return {
    cwd: cwd ?? safeCwd(),
    env: process.env,
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
  };
}

/** A context that collects output in memory (shim server, tests). */
export function bufferCtx(cwd: string, env: Env): Ctx & { stdout: string; stderr: string } {
  const ctx = {
    cwd,
    env,
    stdout: '',
    stderr: '',
    out(t: string) { ctx.stdout += t; },
    err(t: string) { ctx.stderr += t; },
  };
  return ctx;
}

/** process.cwd() throws when the folder was deleted (tests run from deleted folders). */
export function safeCwd(): string {
  try {
    return process.cwd();
  } catch {
    return process.env.PWD ?? '/';
  }
}
