// git, run synchronously from handlers (short commands; their order matters).
// A value from state, config, a job or an agent is an operand: after `--`, or after
// `--end-of-options` where `--` would mean paths (rev-parse, merge-base, merge).
import { spawn, spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';

export interface GitResult {
  ok: boolean;
  code: number;
  stdout: string;
  stderr: string;
}

/** `env`: for a call that talks to a remote (gitRemoteEnv); the process's own otherwise. */
export function git(args: string[], cwd: string, env?: NodeJS.ProcessEnv): GitResult {
  const r = spawnSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const code = r.status ?? 1;
  return { ok: code === 0, code, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/**
 * git in a process group of its own, for commands that rewrite a work tree (merge,
 * merge --abort, checkout): a SIGTERM to the handler's group must not stop git
 * half way through updating files and the index. The handler stops after it.
 */
export function gitShielded(args: string[], cwd: string): Promise<GitResult> {
  return new Promise((done) => {
    const child = spawn('git', args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e) => done({ ok: false, code: 127, stdout, stderr: stderr + e.message }));
    child.on('close', (code) => done({ ok: code === 0, code: code ?? 1, stdout, stderr }));
  });
}

/** `ancestor` is reachable from `descendant` (both revisions). */
export function isAncestor(ancestor: string, descendant: string, cwd: string): boolean {
  return git(['merge-base', '--is-ancestor', '--end-of-options', ancestor, descendant], cwd).ok;
}

/** Any git work tree contains `dir` (the original's check, used by merge_build). */
export function insideGitRepo(dir: string): boolean {
  return git(['rev-parse', '--git-dir'], dir).ok;
}

/** `dir` is itself the top of a git work tree (a parent repository does not count). */
export function isRepoRoot(dir: string): boolean {
  const r = git(['rev-parse', '--show-toplevel'], dir);
  if (!r.ok) return false;
  try {
    return realpathSync(r.stdout.trim()) === realpathSync(dir);
  } catch {
    return false;
  }
}

export function branchExists(branch: string, cwd: string): boolean {
  return git(['rev-parse', '--verify', '--quiet', '--end-of-options', branch], cwd).ok;
}

/** Files left unmerged by a failed merge: non-empty means a real conflict. */
export function unmergedFiles(cwd: string): string[] {
  return git(['diff', '--name-only', '--diff-filter=U'], cwd).stdout.split('\n').filter(Boolean);
}

export interface WorktreeEntry {
  path: string;
  head: string;
  /** Short branch name, or null when detached. */
  branch: string | null;
}

/** `git worktree list --porcelain` of the repository `repo` is in (main worktree first). */
export function listWorktrees(repo: string): WorktreeEntry[] {
  const r = git(['worktree', 'list', '--porcelain'], repo);
  if (!r.ok) return [];
  return parseWorktreeList(r.stdout);
}

export function parseWorktreeList(text: string): WorktreeEntry[] {
  const list: WorktreeEntry[] = [];
  for (const block of text.split('\n\n')) {
    const lines = block.split('\n');
    const path = lines.find((l) => l.startsWith('worktree '))?.slice('worktree '.length);
    if (!path) continue;
    const head = lines.find((l) => l.startsWith('HEAD '))?.slice('HEAD '.length) ?? '';
    const ref = lines.find((l) => l.startsWith('branch '))?.slice('branch '.length);
    list.push({ path, head, branch: ref ? ref.replace(/^refs\/heads\//, '') : null });
  }
  return list;
}
