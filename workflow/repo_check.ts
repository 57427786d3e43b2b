// Can we serve this folder? Builders are worktrees branched from HEAD and merged
// back into main (else master, COMPAT §8): a folder that is not the top of a git
// repository, a repository without a commit, or one with neither branch fails
// later with hidden causes — so start_workflow and design_build say so up front.
import { execFile } from 'node:child_process';
import { git } from '../core/git.js';

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

/**
 * One git process says it all (each costs ~10 ms, and a start waits for it): the top folder
 * and our place under it, the full names of main and master where they exist (a glob with a
 * bracket matches exactly that name), and — `--verify -q` of the one revision, printed by
 * nobody under --symbolic-full-name — whether HEAD is a commit: exit 0 yes, 1 no; 128 when
 * `dir` is in no work tree.
 */
const FACTS = ['rev-parse', '--path-format=absolute', '--show-toplevel', '--show-prefix', '--symbolic-full-name', '--glob=refs/heads/mai[n]', '--glob=refs/heads/maste[r]', '--verify', '-q', 'HEAD^{commit}'];
const BRANCH_REFS = ['refs/heads/main', 'refs/heads/master'];

/** Pure: the facts from that git process's exit status and output ("<top>\n<prefix>\n<branch refs…>"). */
export function factsOf(dir: string, code: number | null, stdout: string): RepoFacts {
  const lines = stdout.replace(/\n$/, '').split('\n');
  const refs: string[] = [];
  while (lines.length > 2 && BRANCH_REFS.includes(lines[lines.length - 1]!)) refs.unshift(lines.pop()!);
  // the prefix is empty exactly at the top of the work tree (symlinks resolved by git)
  const prefix = lines.length >= 2 ? lines.pop()! : undefined;
  const top = (code === 0 || code === 1) && prefix !== undefined ? lines.join('\n').trim() : undefined;
  if (top === undefined) return { top, dir, hasCommit: false, branches: [] };
  return { top, dir: prefix!.trim() === '' ? top : dir, hasCommit: code === 0, branches: ['main', 'master'].filter((b) => refs.includes(`refs/heads/${b}`)) };
}

/** What git says about `dir`, in one git process. `env`: git's (default: this process's). */
export function repoFacts(dir: string, env?: NodeJS.ProcessEnv): RepoFacts {
  const r = git(FACTS, dir, env);
  return factsOf(dir, r.code, r.stdout);
}

/** repoFacts without blocking the event loop (a start waits for it; in the shim helper other callers are served meanwhile). */
export async function repoFactsAsync(dir: string, env?: NodeJS.ProcessEnv): Promise<RepoFacts> {
  return new Promise((done) => {
    execFile('git', FACTS, { cwd: dir, env: env ?? process.env }, (err, stdout) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      done(factsOf(dir, code, String(stdout ?? '')));
    });
  });
}

/** repoProblem without blocking the event loop. */
export async function repoProblemAsync(dir: string, env?: NodeJS.ProcessEnv): Promise<RepoProblem | undefined> {
  return repoProblemOf(await repoFactsAsync(dir, env), dir);
}

/** Why `dir` cannot be served (one line with the fix), or undefined. */
export function repoProblem(dir: string, env?: NodeJS.ProcessEnv): RepoProblem | undefined {
  return repoProblemOf(repoFacts(dir, env), dir);
}
