// The workflow's environment: what its agents run with (PATH, API keys, HOME, the
// CI tool's settings), recorded when the workflow starts so that every later start of
// its orchestrator — argo resume, argo retry, the dashboard's buttons, which run with
// the dashboard's own environment — runs the agents exactly as the workflow began.
// `--env-from-here` (resume, retry) records the caller's environment again, on purpose.
//
// What is kept: the whole environment except what belongs to one terminal or one
// session (its size, prompt, tty, ssh connection, multiplexer …) and what belongs to
// one process of ours (a held state lock's token, exported bash functions). The file
// holds credentials, so it is written with mode 0600 and refused when others can read
// or change it.
import { fstatSync, openSync, closeSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../core/atomic_file.js';
import type { Env } from '../core/context.js';
import { argoPaths } from './layout.js';

export const AGENT_ENV_FILE = 'agent-env.json';

export const agentEnvPath = (project: string) => argoPaths(project).agentEnv;

/** One terminal's or one session's variables: never carried to a later start. */
const PER_TERMINAL = new Set([
  '_', 'PWD', 'OLDPWD', 'SHLVL', 'PS1', 'PS2', 'PS4', 'PROMPT_COMMAND', 'COLUMNS', 'LINES',
  'TERM', 'TERMCAP', 'COLORTERM', 'TERM_PROGRAM', 'TERM_PROGRAM_VERSION', 'TERM_SESSION_ID', 'ITERM_SESSION_ID',
  'VTE_VERSION', 'WINDOWID', 'TMUX', 'TMUX_PANE', 'STY', 'SSH_TTY', 'SSH_CLIENT', 'SSH_CONNECTION',
  'XDG_SESSION_ID', 'XDG_VTNR', 'NOTIFY_SOCKET', 'INVOCATION_ID', 'JOURNAL_STREAM', 'LISTEN_PID', 'LISTEN_FDS', 'MANAGERPID',
  // one process of ours: a held lock's token is only true while its holder runs
  'ARGO_STATE_LOCK_HELD',
  // The runtime folder a shim found private (compat/shim.bash): true for one start, not later.
  'ARGO_RUNTIME_VERIFIED',
]);

/** The variables worth keeping for the workflow's agents (pure). */
export function workflowEnvOf(env: Env): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || PER_TERMINAL.has(k) || k.startsWith('BASH_FUNC_') || k.startsWith('KONSOLE_')) continue;
    kept[k] = v;
  }
  return kept;
}

/** Records `env` as the workflow's agent environment (mode 0600, replaced atomically). */
export function recordAgentEnv(project: string, env: Env): void {
  writeFileAtomic(agentEnvPath(project), JSON.stringify(workflowEnvOf(env)) + '\n', 0o600);
}

/**
 * The recorded environment, or undefined when none was recorded (a workflow started
 * before this existed: the caller's environment is used, as before). A file others can
 * read or write, or one that is not an object of strings, is an error naming it.
 */
export function recordedAgentEnv(project: string): Record<string, string> | undefined {
  const file = agentEnvPath(project);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read the workflow's agent environment ${file}: ${(e as Error).message}`);
  }
  let text: string;
  try {
    const st = fstatSync(fd);
    if ((st.mode & 0o077) !== 0) {
      throw new Error(`${file} is readable or writable by others (mode ${(st.mode & 0o777).toString(8)}); it holds credentials: chmod 600 it, or record it again with --env-from-here`);
    }
    if (typeof process.getuid === 'function' && st.uid !== process.getuid()) {
      throw new Error(`${file} belongs to uid ${st.uid}, not to us (uid ${process.getuid()}); record it again with --env-from-here`);
    }
    text = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not valid JSON; record it again with --env-from-here`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.values(v).every((x) => typeof x === 'string')) {
    throw new Error(`${file} must be an object of strings; record it again with --env-from-here`);
  }
  return v as Record<string, string>;
}

/**
 * The environment an orchestrator started on the workflow's behalf gets: the recorded
 * one (so its agents see the workflow's PATH and keys), else the caller's.
 */
export function orchestratorEnv(project: string, callerEnv: Env = process.env): Env {
  return recordedAgentEnv(project) ?? callerEnv;
}

/** Removes `--env-from-here` from an argument list; says whether it was there. */
export function takeEnvFlag(argv: string[]): { argv: string[]; fromHere: boolean } {
  const rest = argv.filter((a) => a !== '--env-from-here');
  return { argv: rest, fromHere: rest.length !== argv.length };
}
