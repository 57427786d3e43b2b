// project_cleanup [path] [partial|full|nuclear] [--discard-unmerged]: removes workflow
// data. D18 fixes: worktrees are removed through git before builders/ goes, merged
// argo-builder-* branches really go, a held state.lock is kept, no git noise outside a
// repository, and `nuclear` also takes the project out of the registry.
// Safety (docs/SAFETY.md): no commit reachable before a cleanup becomes unreachable
// after it — uncommitted work in a worktree is committed to its branch first, unmerged
// branches move to refs/argo/kept/<id> (deleted only with --discard-unmerged), and
// only worktrees proven ours are removed.
import { existsSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { basename, join, sep } from 'node:path';
import { runIfEntry } from '../core/cli.js';
import { flockHeld } from '../core/lock.js';
import { processCtx } from '../core/context.js';
import { branchExists, git, insideGitRepo, isAncestor } from '../core/git.js';
import {
  BUILDERS_ROOT,
  BUILDER_BRANCH_PREFIX,
  MERGING_ROOT,
  commitLeftovers,
  listWorktrees,
  proveOurWorktree,
  removeOurWorktree,
} from '../workflow/worktrees.js';
import { deregisterProject, findProjectByPath, registryPath } from '../store/registry.js';
import { resolveProjectDir } from '../store/project_dir.js';
import { runningWorkflow } from '../store/processes.js';
import { installRoot } from '../core/install_root.js';
import { argoPaths } from '../store/layout.js';

const ROOT = installRoot();

const out = (line = '') => void process.stdout.write(line + '\n');

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** True when someone holds a flock on `file` (then it must not be deleted). */
function lockHeld(file: string): boolean {
  try {
    return flockHeld(file) ?? false;
  } catch {
    return true; // cannot tell: keep the file
  }
}

function removeTempAndLockFiles(dir: string, spare: Set<string>): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!spare.has(real(p))) removeTempAndLockFiles(p, spare); // a kept worktree's yarn.lock is the user's
    }
    else if (entry.name.endsWith('.tmp') || (entry.name.endsWith('.lock') && !lockHeld(p))) rmSync(p, { force: true });
  }
}

interface Kept {
  ref: string;
  commit: string;
  from: string;
}

/** What a cleanup kept or could not remove: printed at the end, and spared by the deletions. */
interface Keeping {
  kept: Kept[];
  /** Worktree folders (real paths) that stay because git would not remove them safely. */
  worktrees: Set<string>;
}

function shortSha(c: string): string {
  return c.slice(0, 12);
}

/** A free name under refs/argo/kept/ for `name` (an existing ref on the same commit is reused). */
function keptRef(project: string, name: string, commit: string): string {
  for (let i = 1; ; i++) {
    const ref = `refs/argo/kept/${name}${i === 1 ? '' : `-${i}`}`;
    const r = git(['rev-parse', '-q', '--verify', '--end-of-options', ref], project);
    if (!r.ok || r.stdout.trim() === commit) return ref;
  }
}

function keepCommit(project: string, name: string, commit: string, from: string, keeping: Keeping): boolean {
  const ref = keptRef(project, name, commit);
  if (!git(['update-ref', '--', ref, commit], project).ok) return false;
  keeping.kept.push({ ref, commit, from });
  return true;
}

/** Branches we compare against: a commit on one of them is merged work. */
function mainlines(project: string): string[] {
  return ['main', 'master'].filter((b) => branchExists(`refs/heads/${b}`, project)).map((b) => `refs/heads/${b}`);
}

const onMainline = (project: string, commit: string, lines: string[]) => lines.some((l) => isAncestor(commit, l, project));

/**
 * Every worktree git lists under our folders: uncommitted work is committed to its
 * branch first (a detached HEAD is kept under refs/argo/kept/), then git removes it.
 * A worktree git will not remove safely stays, and is reported.
 */
function saveAndRemoveWorktrees(project: string, lines: string[], keeping: Keeping): void {
  for (const w of listWorktrees(project).slice(1)) {
    for (const root of [BUILDERS_ROOT, MERGING_ROOT]) {
      const proof = proveOurWorktree(project, w.path, root);
      if (proof.kind !== 'ours') continue;
      const name = basename(proof.path);
      let force = false;
      if (root === BUILDERS_ROOT && w.branch) {
        const id = w.branch.startsWith(BUILDER_BRANCH_PREFIX) ? w.branch.slice(BUILDER_BRANCH_PREFIX.length) : name;
        const saved = commitLeftovers(proof.path, id, w.branch);
        if (saved.kind === 'committed') out(`  - Committed uncommitted work in ${proof.path} to ${w.branch} (${shortSha(saved.commit)})`);
        force = saved.kind !== 'failed';
      } else if (!w.branch && w.head && !onMainline(project, w.head, lines)) {
        // A detached HEAD is reachable only through its worktree: keep it before the worktree goes.
        keepCommit(project, name, w.head, `detached HEAD of ${proof.path}`, keeping);
      }
      const problem = removeOurWorktree(project, proof.path, { root, force });
      if (problem) {
        keeping.worktrees.add(proof.path);
        out(`  - Kept worktree ${proof.path}: ${problem}`);
      }
    }
  }
  git(['worktree', 'prune'], project);
}

/**
 * argo-builder-* branches: merged ones (on main/master) are deleted; unmerged ones
 * move to refs/argo/kept/<id> (their commits stay reachable), or with
 * --discard-unmerged are deleted, together with what earlier cleanups kept.
 */
function settleBranches(project: string, lines: string[], discard: boolean, keeping: Keeping): void {
  const refs = git(['for-each-ref', '--format=%(objectname) %(refname:short)', `refs/heads/${BUILDER_BRANCH_PREFIX}*`], project).stdout;
  for (const line of refs.split('\n').filter(Boolean)) {
    const [commit = '', branch = ''] = line.split(' ');
    if (onMainline(project, commit, lines)) {
      git(['branch', '-D', '--', branch], project);
      continue;
    }
    if (discard) {
      if (git(['branch', '-D', '--', branch], project).ok) out(`  - Deleted unmerged branch ${branch} (${shortSha(commit)}): --discard-unmerged`);
      continue;
    }
    const id = branch.slice(BUILDER_BRANCH_PREFIX.length);
    // The branch goes only once its commits are held by the kept ref.
    if (keepCommit(project, id, commit, branch, keeping)) git(['branch', '-D', '--', branch], project);
  }
  if (!discard) return;
  const kept = git(['for-each-ref', '--format=%(objectname) %(refname)', 'refs/argo/kept/'], project).stdout;
  for (const line of kept.split('\n').filter(Boolean)) {
    const [commit = '', ref = ''] = line.split(' ');
    if (git(['update-ref', '-d', '--', ref], project).ok) out(`  - Deleted ${ref} (${shortSha(commit)}): --discard-unmerged`);
  }
}

function removeWorktreesAndBranches(project: string, discard: boolean): Keeping {
  const keeping: Keeping = { kept: [], worktrees: new Set() };
  if (!insideGitRepo(project)) return keeping;
  const lines = mainlines(project);
  saveAndRemoveWorktrees(project, lines, keeping);
  const listed = argoPaths(project).worktreesList;
  if (existsSync(listed)) rmSync(listed, { force: true });
  settleBranches(project, lines, discard, keeping);
  return keeping;
}

function reportKept(project: string, keeping: Keeping): void {
  if (keeping.kept.length === 0) return;
  out('Kept unmerged work (its commits stay reachable):');
  for (const k of keeping.kept) out(`  ${k.ref}  ${shortSha(k.commit)}  (was ${k.from})`);
  out('  To look at it:  git log <ref>');
  out('  To restore it:  git branch <name> <ref>');
  out('  To drop one:    git update-ref -d <ref>');
  out(`  To drop all:    templates/project_cleanup.sh ${project} <type> --discard-unmerged`);
}

/**
 * Deletes `dir` except the worktrees in `keep` (and the folders leading to them):
 * a worktree git would not remove is never deleted by hand.
 */
function removeExcept(dir: string, keep: Set<string>): void {
  const kept = [...keep];
  if (kept.length === 0 || !existsSync(dir)) return void rmSync(dir, { recursive: true, force: true });
  const here = real(dir);
  if (keep.has(here)) return;
  if (!kept.some((k) => k.startsWith(here + sep))) return void rmSync(dir, { recursive: true, force: true });
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory() && !entry.isSymbolicLink()) removeExcept(p, keep);
    else rmSync(p, { force: true });
  }
}

function partial(project: string, discard: boolean): Keeping {
  out('Partial cleanup:');
  out('  - Removing builder worktrees (builders/)');
  out('  - Removing temporary files');
  out('  - Keeping logs/ and checkpoints/');
  const keeping = removeWorktreesAndBranches(project, discard);
  removeExcept(argoPaths(project).builders, keeping.worktrees);
  removeExcept(argoPaths(project).merging, keeping.worktrees);
  removeTempAndLockFiles(argoPaths(project).dir, keeping.worktrees);
  reportKept(project, keeping);
  out('Partial cleanup complete');
  return keeping;
}

export const DISCARD_UNMERGED = '--discard-unmerged';

export async function main(argv: string[]): Promise<number> {
  const discard = argv.includes(DISCARD_UNMERGED);
  const [pathArg = '', type = 'partial'] = argv.filter((a) => a !== DISCARD_UNMERGED);
  const project = resolveProjectDir(pathArg || '.');
  if (!project) {
    process.stderr.write(`ERROR: Invalid project path: ${pathArg}\n`);
    return 1;
  }
  process.chdir(project);
  const data = argoPaths(project).dir;
  if (!existsSync(data) || !statSync(data).isDirectory()) {
    out(`No .argo-project directory found in ${project}`);
    return 0;
  }
  const running = runningWorkflow(project);
  if (running) {
    process.stderr.write(`ERROR: the workflow of ${project} is still running (${running}); nothing removed. Stop it first: ${join(ROOT, 'stop_workflow.sh')} ${project}\n`);
    return 1;
  }
  out(`Cleaning up Argo project: ${project}`);
  out(`Cleanup type: ${type || 'partial'}`);
  switch (type || 'partial') {
    case 'partial':
      partial(project, discard);
      return 0;
    case 'full':
      out('Full cleanup:');
      out('  - Removing builders/ and temporary files');
      out('  - Removing logs/');
      out('  - Keeping checkpoints/');
      partial(project, discard);
      out('  - Removing logs...');
      rmSync(join(data, 'logs'), { recursive: true, force: true });
      out('Full cleanup complete');
      return 0;
    case 'nuclear': {
      out('NUCLEAR cleanup: removing ALL Argo data');
      out('WARNING: this deletes:');
      out('  - the workflow state');
      out('  - the configuration');
      out('  - all logs');
      out('  - all checkpoints');
      out('  - all build artifacts');
      const keeping = removeWorktreesAndBranches(project, discard);
      removeExcept(data, keeping.worktrees);
      reportKept(project, keeping);
      const registry = registryPath(processCtx(project));
      try {
        await deregisterProject(registry, findProjectByPath(registry, project));
      } catch {
        /* not registered: nothing to remove */
      }
      out('Nuclear cleanup complete');
      out('Run templates/project_setup.sh to initialise the project again');
      return 0;
    }
    default:
      process.stderr.write(`ERROR: Invalid cleanup type: ${type}\nValid types: partial, full, nuclear\n`);
      return 1;
  }
}

runIfEntry('templates/project_cleanup', main);
