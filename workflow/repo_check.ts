// Can we serve this folder? Builders are worktrees branched from HEAD and merged
// back into main (else master, COMPAT §8): a folder that is not the top of a git
// repository, a repository without a commit, or one with neither branch fails
// later with hidden causes — so start_workflow and design_build say so up front.
import { spawn, spawnSync } from 'node:child_process';
import { git } from '../core/git.js';
import { gitAsync } from '../core/git_async.js';

export type RepoProblemKind = 'not-a-repository' | 'no-commit' | 'no-main-or-master';

export interface RepoProblem {
  kind: RepoProblemKind;
  /** One line: what is wrong with which folder, and the fix. */
  message: string;
}

/** What git says about `dir` (the I/O half; `repoProblemOf` decides). */
export interface RepoFacts {
  top: string | undefined; // the work tree's top folder (real path), or undefined outside any
  dir: string; // `dir` as a real path
  hasCommit: boolean;
  branches: string[]; // local branch names that exist among main, master
}

/** Pure: the reason `facts` cannot be served, or undefined when it can. */
export function repoProblemOf(facts: RepoFacts, shown: string): RepoProblem | undefined {
  if (facts.top === undefined) {
    return { kind: 'not-a-repository', message: `${shown} is not a git repository (fix: cd ${shown} && git init && git add -A && git commit -m "initial commit")` };
  }
  if (facts.top !== facts.dir) {
    return {
      kind: 'not-a-repository',
      message: `${shown} is not the top folder of a git repository (it lies inside ${facts.top}; fix: run argo in ${facts.top}, or git init in ${shown})`,
    };
  }
  if (!facts.hasCommit) {
    return { kind: 'no-commit', message: `the git repository ${shown} has no commit yet (fix: cd ${shown} && git add -A && git commit -m "initial commit")` };
  }
  if (facts.branches.length === 0) {
    return {
      kind: 'no-main-or-master',
      message: `the git repository ${shown} has neither a main nor a master branch, where builders are merged (fix: cd ${shown} && git branch main)`,
    };
  }
  return undefined;
}

const WHERE = ['rev-parse', '--path-format=absolute', '--show-toplevel', '--show-prefix'];
const NAMES = ['HEAD^{commit}', 'refs/heads/main', 'refs/heads/master'];

/**
 * Pure: the facts from two git answers — `where` (rev-parse: "<top>\n<prefix>\n", the prefix
 * empty exactly at the top of the work tree, symlinks resolved by git) and `batch` (cat-file
 * --batch-check of NAMES: one line each, "<object> <type> <size>", or "<name> missing").
 */
function factsOf(dir: string, where: { ok: boolean; stdout: string }, batch: { ok: boolean; stdout: string }): RepoFacts {
  const lines = where.stdout.replace(/\n$/, '');
  const cut = lines.lastIndexOf('\n');
  const top = where.ok && cut >= 0 ? lines.slice(0, cut).trim() : undefined;
  if (top === undefined) return { top, dir, hasCommit: false, branches: [] };
  const atTop = lines.slice(cut + 1).trim() === '';
  const found = (batch.ok ? batch.stdout : '').split('\n').map((l) => /^[0-9a-f]{40,64} \w+ \d+$/.test(l));
  return { top, dir: atTop ? top : dir, hasCommit: found[0] === true, branches: ['main', 'master'].filter((_, i) => found[i + 1] === true) };
}

/** What git says about `dir`, in two git processes at most. `env`: git's (default: this process's). */
export function repoFacts(dir: string, env?: NodeJS.ProcessEnv): RepoFacts {
  const where = git(WHERE, dir, env);
  if (!where.ok) return factsOf(dir, where, { ok: false, stdout: '' });
  const r = spawnSync('git', ['cat-file', '--batch-check'], { cwd: dir, env, input: NAMES.join('\n') + '\n', encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] });
  return factsOf(dir, where, { ok: r.status === 0, stdout: r.stdout ?? '' });
}

/** `git cat-file --batch-check` of NAMES, without blocking the event loop. */
function batchCheck(dir: string, env?: NodeJS.ProcessEnv): Promise<{ ok: boolean; stdout: string }> {
  return new Promise((done) => {
    const child = spawn('git', ['cat-file', '--batch-check'], { cwd: dir, env, stdio: ['pipe', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stdin.on('error', () => undefined); // outside a repository git exits before reading
    child.on('error', () => done({ ok: false, stdout: '' }));
    child.on('close', (code) => done({ ok: code === 0, stdout }));
    child.stdin.end(NAMES.join('\n') + '\n');
  });
}

/**
 * repoFacts without blocking the event loop, both git processes at once (a start waits for
 * them; in the shim helper other callers are served meanwhile).
 */
export async function repoFactsAsync(dir: string, env?: NodeJS.ProcessEnv): Promise<RepoFacts> {
  const [where, batch] = await Promise.all([gitAsync(WHERE, dir, env), batchCheck(dir, env)]);
  return factsOf(dir, where, batch);
}

/** repoProblem without blocking the event loop. */
export async function repoProblemAsync(dir: string, env?: NodeJS.ProcessEnv): Promise<RepoProblem | undefined> {
  return repoProblemOf(await repoFactsAsync(dir, env), dir);
}

/** Why `dir` cannot be served (one line with the fix), or undefined. */
export function repoProblem(dir: string, env?: NodeJS.ProcessEnv): RepoProblem | undefined {
  return repoProblemOf(repoFacts(dir, env), dir);
}
