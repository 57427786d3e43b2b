// Can we serve this folder? Builders are worktrees branched from HEAD and merged
// back into main (else master, COMPAT §8): a folder that is not the top of a git
// repository, a repository without a commit, or one with neither branch fails
// later with hidden causes — so start_workflow and design_build say so up front.
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

/** `env`: git's environment (default: this process's; the shim helper passes its caller's). */
export function repoFacts(dir: string, env?: NodeJS.ProcessEnv): RepoFacts {
  const real = git(['rev-parse', '--path-format=absolute', '--show-toplevel'], dir, env);
  const top = real.ok ? real.stdout.trim() : undefined;
  const here = git(['rev-parse', '--show-prefix'], dir, env);
  // --show-prefix is empty exactly at the top of the work tree (symlinks resolved by git)
  const atTop = here.ok && here.stdout.trim() === '';
  return {
    top,
    dir: atTop && top !== undefined ? top : dir,
    hasCommit: top !== undefined && git(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], dir, env).ok,
    branches: top === undefined ? [] : ['main', 'master'].filter((b) => git(['rev-parse', '--verify', '--quiet', `refs/heads/${b}`], dir, env).ok),
  };
}

/** Why `dir` cannot be served (one line with the fix), or undefined. */
export function repoProblem(dir: string, env?: NodeJS.ProcessEnv): RepoProblem | undefined {
  return repoProblemOf(repoFacts(dir, env), dir);
}
