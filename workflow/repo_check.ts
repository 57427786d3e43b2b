// Can we serve this folder? Builders are worktrees branched from HEAD and merged
// back into main (else master, COMPAT §8): a folder that is not the top of a git
// repository, a repository without a commit, or one with neither branch fails
// later with hidden causes — so start_workflow and design_build say so up front.
import { spawnSync } from 'node:child_process';
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
 * What git says about `dir`, in two git processes at most (a start waits for them: each costs
 * ~10 ms from node): rev-parse for the top folder and our place under it, then one
 * `cat-file --batch-check` for HEAD's commit and both branches. `env`: git's environment
 * (default: this process's; the shim helper passes its caller's).
 */
export function repoFacts(dir: string, env?: NodeJS.ProcessEnv): RepoFacts {
  const where = git(['rev-parse', '--path-format=absolute', '--show-toplevel', '--show-prefix'], dir, env);
  // "<top>\n<prefix>\n"; the prefix is empty exactly at the top of the work tree (symlinks resolved by git)
  const lines = where.stdout.replace(/\n$/, '');
  const cut = lines.lastIndexOf('\n');
  const top = where.ok && cut >= 0 ? lines.slice(0, cut).trim() : undefined;
  const atTop = top !== undefined && lines.slice(cut + 1).trim() === '';
  if (top === undefined) return { top, dir, hasCommit: false, branches: [] };
  const names = ['HEAD^{commit}', 'refs/heads/main', 'refs/heads/master'];
  const r = spawnSync('git', ['cat-file', '--batch-check'], { cwd: dir, env, input: names.join('\n') + '\n', encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  // one line per name: "<object> <type> <size>", or "<name> missing" (or "ambiguous")
  const found = (r.status === 0 ? (r.stdout ?? '') : '').split('\n').map((l) => /^[0-9a-f]{40,64} \w+ \d+$/.test(l));
  return {
    top,
    dir: atTop ? top : dir,
    hasCommit: found[0] === true,
    branches: ['main', 'master'].filter((_, i) => found[i + 1] === true),
  };
}

/** Why `dir` cannot be served (one line with the fix), or undefined. */
export function repoProblem(dir: string, env?: NodeJS.ProcessEnv): RepoProblem | undefined {
  return repoProblemOf(repoFacts(dir, env), dir);
}
