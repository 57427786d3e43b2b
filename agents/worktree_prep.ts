// A builder's worktree made ready for its agent (issue 18), when the builder starts —
// locally and on `argo worker`, before its first attempt (an `argo retry` starts it again,
// so everything here runs again): the design file `.argo/design.md`, the files of
// `worktree.copy` from the main checkout, the repository's info/exclude block that keeps
// both out of every commit (ours and the agent's own `git add -A`), and `worktree.setup`
// (`npm ci`) run as words, with its own time limit and log.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { Env } from '../core/context.js';
import { writeFileAtomic } from '../core/atomic_file.js';
import { utcTimestamp } from '../core/time.js';
import { runAgent } from './run/runner.js';
import { textSince } from './run/output_file.js';
import { gitCommonDir } from './worktree.js';
import { portBaseOf, type WorktreeConfig } from './worktree_config.js';
import { DESIGN_DIR, DESIGN_FILE } from '../workflow/builder_prompt.js';


/** The variables every builder's agent and verify command see. */
export function builderVars(id: string, index: number, c: Pick<WorktreeConfig, 'portBase' | 'portBlock'>): Env {
  return { ARGO_BUILDER_ID: id, ARGO_BUILDER_INDEX: String(index), ARGO_PORT_BASE: String(portBaseOf(c, index)) };
}

/** The paths the wrapper's own commit leaves out besides .build_result: the design folder and the copied files. */
export function commitExclusions(copy: readonly string[]): string[] {
  return [DESIGN_DIR, ...copy];
}

const BEGIN = '# >>> argo-ts: builder files, never committed (written by argo; edits here are replaced)';
const END = '# <<< argo-ts';

/** info/exclude text with our block holding exactly `patterns` (anchored at the top), the rest as it was. */
export function withExcludeBlock(existing: string, patterns: readonly string[]): string {
  const lines = existing.split('\n');
  const from = lines.indexOf(BEGIN);
  const to = from >= 0 ? lines.indexOf(END, from) : -1;
  const kept = from >= 0 && to > from ? [...lines.slice(0, from), ...lines.slice(to + 1)] : lines;
  while (kept.length > 0 && kept[kept.length - 1] === '') kept.pop();
  const block = [BEGIN, ...patterns.map((p) => `/${p.replace(/^\.\//, '')}`), END];
  return [...kept, ...block, ''].join('\n');
}

/** Adds (or updates) our block in the repository's info/exclude: linked worktrees share it. */
export function excludeFromCommits(worktree: string, copy: readonly string[]): void {
  const common = gitCommonDir(worktree);
  if (!common) throw new Error(`${worktree} is not a git worktree`);
  const file = join(common, 'info', 'exclude');
  let old = '';
  try {
    old = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const next = withExcludeBlock(old, [`${DESIGN_DIR}/`, ...copy]);
  if (next === old) return; // builders starting together write the same text: nothing to do
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomic(file, next);
}

export function writeDesignFile(worktree: string, text: string): void {
  mkdirSync(join(worktree, DESIGN_DIR), { recursive: true });
  writeFileSync(join(worktree, DESIGN_FILE), text.endsWith('\n') ? text : text + '\n');
}

/** One path segment with * and ? as a matcher. */
function segmentMatcher(seg: string): (name: string) => boolean {
  if (!/[*?]/.test(seg)) return (name) => name === seg;
  const re = new RegExp('^' + seg.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return (name) => re.test(name);
}

// Never copied, whatever a glob says: git's folder, argo's folders (the worktrees live in one).
const NEVER = (name: string) => name === '.git' || name === DESIGN_DIR || name.startsWith('.argo-');

/** The paths (relative to `root`) a pattern names that exist. */
export function matchPattern(root: string, pattern: string): string[] {
  let found = [''];
  for (const seg of pattern.split('/').filter((s) => s !== '' && s !== '.')) {
    const match = segmentMatcher(seg);
    const next: string[] = [];
    for (const rel of found) {
      const dir = join(root, rel);
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const n of names) if (!NEVER(n) && match(n)) next.push(rel ? `${rel}/${n}` : n);
    }
    found = next;
  }
  return found.filter((r) => r !== '');
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..');
}

/** The files git tracks in the worktree. */
function trackedFiles(worktree: string): string[] {
  const r = spawnSync('git', ['ls-files', '-z'], { cwd: worktree, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  if (r.status !== 0) throw new Error(`git ls-files failed in ${worktree}`);
  return r.stdout.split('\0').filter(Boolean);
}

/**
 * Copies what `worktree.copy` names from the main checkout into the worktree: untracked
 * files only — a match git tracks in the worktree (or a folder holding one) is left as the
 * branch has it, so no commit can carry a local copy over it. A match that resolves outside
 * the checkout (a symlink), or a target whose folder resolves outside the worktree, is
 * refused. Returns what was copied, what was left because it is tracked, and the patterns
 * that matched nothing.
 */
export function copyIntoWorktree(from: string, worktree: string, patterns: readonly string[]): { copied: string[]; tracked: string[]; unmatched: string[] } {
  const root = realpathSync(from);
  const wt = realpathSync(worktree);
  const known = trackedFiles(wt);
  const isTracked = (rel: string) => known.some((f) => f === rel || f.startsWith(`${rel}/`));
  const copied: string[] = [];
  const tracked: string[] = [];
  const unmatched: string[] = [];
  for (const p of patterns) {
    const hits = matchPattern(root, p);
    if (hits.length === 0) unmatched.push(p);
    for (const rel of hits) {
      if (isTracked(rel)) {
        tracked.push(rel);
        continue;
      }
      const src = join(root, rel);
      if (!inside(root, realpathSync(src))) throw new Error(`worktree.copy: ${rel} resolves outside ${from}; refused`);
      const dst = join(wt, rel);
      mkdirSync(dirname(dst), { recursive: true });
      if (!inside(wt, realpathSync(dirname(dst)))) throw new Error(`worktree.copy: the folder of ${rel} resolves outside the worktree; refused`);
      if (existsSync(dst) && lstatSync(dst).isSymbolicLink()) throw new Error(`worktree.copy: ${rel} is a symbolic link in the worktree; refused`);
      cpSync(src, dst, { recursive: true, force: true });
      copied.push(rel);
    }
  }
  return { copied, tracked, unmatched };
}

export const SETUP_TAIL_BYTES = 2000;

export type SetupResult = { kind: 'ok' } | { kind: 'canceled'; code: number } | { kind: 'failed'; code: number; message: string };

/**
 * Runs `worktree.setup` in the worktree: its words as argv (never a shell), stdin /dev/null,
 * its own process group, its own time limit; stdout and stderr appended to `logFile`.
 */
export async function runSetup(c: WorktreeConfig, worktree: string, env: Env, signal: AbortSignal, logFile: string, timeLimit: (ms: number) => number = (ms) => ms): Promise<SetupResult> {
  mkdirSync(dirname(logFile), { recursive: true });
  writeFileSync(logFile, `[${utcTimestamp()}] worktree.setup: ${c.setup} (in ${worktree})\n`, { flag: 'a' });
  const from = existsSync(logFile) ? lstatSync(logFile).size : 0;
  const r = await runAgent({ argv: c.setupWords, cwd: worktree, env, signal, timeoutMs: timeLimit(c.setupTimeoutMs), stdoutFile: logFile, stderrFile: logFile, graceMs: 2000 });
  if (r.canceled) return { kind: 'canceled', code: r.code };
  if (r.code === 0 && r.cause === 'exit') return { kind: 'ok' };
  const tail = textSince(logFile, from, SETUP_TAIL_BYTES).trim();
  const why = r.startError
    ? `could not start ${c.setupWords[0]}: ${r.startError}`
    : r.timedOut
      ? `ran out of time (worktree.setup_timeout_seconds = ${c.setupTimeoutMs / 1000})`
      : `failed with exit status ${r.code}`;
  return { kind: 'failed', code: r.code || 1, message: `worktree.setup (${c.setup}) ${why}${tail ? `; the end of its output: ${tail}` : ''}` };
}
