// Config `worktree.*` (issue 18): what a builder's fresh worktree needs before its agent
// starts — a setup command (`npm ci`), files copied from the main checkout (`.env*`) — and
// the port block each builder gets. Pure: the config object in, the settings (or the first
// bad key as one sentence) out. Every key is checked here, once, for the local execution
// phase, `argo doctor` and the jobs of `argo worker`s alike.
import { CommandLineError, splitCommandLine } from './command_line.js';

export interface WorktreeConfig {
  /** The setup command line (as written) and its words; null: none. */
  setup: string | null;
  setupWords: string[];
  /** worktree.setup_timeout_seconds in ms; 0: no limit. */
  setupTimeoutMs: number;
  /** Files or globs (`*`, `?` within one path segment) relative to the checkout. */
  copy: string[];
  portBase: number;
  portBlock: number;
}

export const DEFAULT_SETUP_TIMEOUT_SECONDS = 600;
export const DEFAULT_PORT_BASE = 20000;
export const DEFAULT_PORT_BLOCK = 100;
const MAX_PORT = 65535;

/** No setup, no copy, the default port blocks: what a config without `worktree` means. */
export const NO_WORKTREE_CONFIG: WorktreeConfig = {
  setup: null,
  setupWords: [],
  setupTimeoutMs: DEFAULT_SETUP_TIMEOUT_SECONDS * 1000,
  copy: [],
  portBase: DEFAULT_PORT_BASE,
  portBlock: DEFAULT_PORT_BLOCK,
};

function shown(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? s.slice(0, 79) + '…' : s;
}

/** Why a copy pattern is refused (null: accepted). A pattern names files inside the checkout, nothing else. */
export function copyPatternProblem(p: unknown): string | null {
  if (typeof p !== 'string' || p.trim() === '') return 'not a non-empty text';
  if (/[\n\r\0]/.test(p)) return 'it holds a line break';
  if (p.startsWith('/') || p.startsWith('~')) return 'an absolute path';
  if (/^[:!#]/.test(p)) return 'it starts with : ! or # (git would read it as magic or a comment)';
  if (/[\\[\]{}]/.test(p)) return 'it holds \\ [ ] { } (only * and ? are globs)';
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  if (parts.length === 0) return 'it names the checkout itself';
  if (parts.includes('..')) return "it escapes the checkout with '..'";
  if (parts.includes('**')) return "'**' is not supported (name each folder)";
  if (parts.some((s) => s === '.git' || s === '.argo' || s.startsWith('.argo-'))) return "it names .git, .argo or argo's own folder";
  return null;
}

type Reading = { ok: true; config: WorktreeConfig } | { ok: false; error: string };

/**
 * `worktree.*` of a config object. `source` names the file in the error; `builders` (how
 * many builders get a port block) checks that the last block still ends below 65536.
 */
export function readWorktreeConfig(config: unknown, source: string, builders = 1): Reading {
  const bad = (key: string, value: unknown, accepted: string): Reading => ({ ok: false, error: `worktree.${key} is ${shown(value)} in ${source}; accepted: ${accepted}` });
  const raw = (config as { worktree?: unknown } | null)?.worktree;
  if (raw === undefined || raw === null) return { ok: true, config: NO_WORKTREE_CONFIG };
  if (typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, error: `worktree is ${shown(raw)} in ${source}; accepted: an object (keys setup, setup_timeout_seconds, copy, port_base, port_block)` };
  const w = raw as Record<string, unknown>;
  const out: WorktreeConfig = { ...NO_WORKTREE_CONFIG, copy: [] };

  if (w.setup !== undefined && w.setup !== null && w.setup !== '') {
    const cmd = 'a command line such as "npm ci" (split into words and run as they are, never through a shell)';
    if (typeof w.setup !== 'string') return bad('setup', w.setup, cmd);
    try {
      out.setupWords = splitCommandLine(w.setup);
    } catch (e) {
      if (!(e instanceof CommandLineError)) throw e;
      return bad('setup', w.setup, `${cmd} - ${e.message}`);
    }
    if (out.setupWords.length === 0) return bad('setup', w.setup, cmd);
    out.setup = w.setup;
  }
  const t = w.setup_timeout_seconds;
  if (t !== undefined && t !== null) {
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 0 || t > 2_000_000) return bad('setup_timeout_seconds', t, 'a number of seconds from 0 (no limit) to 2000000');
    out.setupTimeoutMs = Math.round(t * 1000);
  }
  if (w.copy !== undefined && w.copy !== null) {
    const list = 'a list of files or globs (* and ? within a name) relative to the checkout, e.g. [".env*"]';
    if (!Array.isArray(w.copy)) return bad('copy', w.copy, list);
    for (const p of w.copy) {
      const why = copyPatternProblem(p);
      if (why) return bad('copy', p, `${list} - this one is refused: ${why}`);
      out.copy.push(p as string);
    }
  }
  for (const [key, min, max] of [['port_base', 1024, MAX_PORT], ['port_block', 1, 10000]] as const) {
    const v = w[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) return bad(key, v, `a whole number from ${min} to ${max}`);
    if (key === 'port_base') out.portBase = v;
    else out.portBlock = v;
  }
  const last = out.portBase + out.portBlock * Math.max(1, builders) - 1;
  if (last > MAX_PORT) {
    return bad('port_block', out.portBlock, `a block small enough that ${Math.max(1, builders)} builders' blocks from worktree.port_base ${out.portBase} end at port ${MAX_PORT} or below (they would end at ${last})`);
  }
  return { ok: true, config: out };
}

/** The first port of the builder at `index` (its 0-based position in execution.builders). */
export function portBaseOf(c: Pick<WorktreeConfig, 'portBase' | 'portBlock'>, index: number): number {
  return c.portBase + c.portBlock * index;
}
