// Publishing an `argo run` result: `--push` sends the integration branch to the remote,
// `--pr` opens a pull request (GitHub: `gh pr create`) or merge request (GitLab: `glab mr
// create`) when that CLI is on PATH with its token in the environment, else prints the
// page that opens one. Never the remote's default branch (nor main / master): refused with
// one problem (argo run prints it as an ERROR line). Tokens stay in the environment the CLIs read them from: none is put in a
// URL, an argument, a printed line or the report.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { branchExists, git } from '../core/git.js';
import { gitRemoteEnv, isPlainBranch, validateRemote } from '../core/git_args.js';
import { prBody, prTitle } from './pr_body.js';
import { compareUrl, forgeOf, parseRemoteUrl, withoutCredentials, type Forge, type RemoteRepo } from './remote_url.js';
import type { RunReport } from './report.js';

export interface PublishOptions {
  project: string;
  push: boolean;
  pr: boolean;
  /** A remote's name or URL; default "origin". */
  remote?: string;
  env: NodeJS.ProcessEnv;
  /** Where progress lines go (default stdout). */
  out?: (line: string) => void;
}

export interface PublishResult {
  report: RunReport;
  /** What went wrong, one message each, not printed: the caller says them as `ERROR: …` lines (cicd/publish_call.ts). Empty when all went well. */
  problems: string[];
}

/** Branches never pushed to or used as a pull request's head, whatever the remote says. */
const ALWAYS_PROTECTED = ['main', 'master'];

const CLI: Record<Forge, { program: string; tokens: string[] }> = {
  github: { program: 'gh', tokens: ['GH_TOKEN', 'GITHUB_TOKEN', 'GH_ENTERPRISE_TOKEN'] },
  gitlab: { program: 'glab', tokens: ['GITLAB_TOKEN'] },
};

interface Target {
  remote: string;
  branch: string;
  /** The remote's default branch (the pull request's base). */
  base: string;
}

export async function publishResult(report: RunReport, opts: PublishOptions): Promise<PublishResult> {
  const out = opts.out ?? ((l: string) => process.stdout.write(l + '\n'));
  const problems: string[] = [];
  const fail = (line: string): PublishResult => {
    problems.push(withoutCredentials(line));
    return { report, problems };
  };
  if (!opts.push && !opts.pr) return { report, problems };
  if (report.status !== 'done') {
    out(`argo run: not publishing: the run ended "${report.status}" (${report.reason})`);
    return { report, problems };
  }
  const target = resolveTarget(report, opts);
  if (typeof target === 'string') return fail(target);
  if (opts.push) {
    const pushed = pushBranch(target, opts);
    if (pushed) return fail(pushed);
    out(`argo run: pushed ${target.branch} to ${withoutCredentials(target.remote)}`);
  } else if (!remoteHasBranch(target, opts)) {
    return fail(`--pr: branch '${target.branch}' is not on remote '${withoutCredentials(target.remote)}'; accepted: add --push, or push it first`);
  }
  if (!opts.pr) return { report, problems };
  return openRequest(report, target, opts, out, fail);
}

/** The branch and remote to publish, checked; or the problem saying why not. */
function resolveTarget(report: RunReport, opts: PublishOptions): Target | string {
  const remote = opts.remote ?? 'origin';
  const badRemote = validateRemote(remote);
  if (badRemote) return `remote '${remote}' refused: ${badRemote}`;
  const branch = report.branch;
  if (branch === null) return `nothing to publish: the run merged nothing (report.branch is null); accepted: a run that ends "done" on its --branch`;
  if (!isPlainBranch(branch)) return `branch ${JSON.stringify(branch)} refused: not a plain branch name; accepted: letters, digits, . _ / - (no "..", no leading "-")`;
  if (!branchExists(`refs/heads/${branch}`, opts.project)) return `branch '${branch}' does not exist in ${opts.project}; accepted: the run's integration branch (argo run --branch)`;
  const head = git(['ls-remote', '--symref', '--', remote, 'HEAD'], opts.project, gitRemoteEnv(opts.env));
  if (!head.ok) return `remote '${remote}' could not be read (git ls-remote exit ${head.code}): ${firstLine(head.stderr)}`;
  const remoteDefault = /^ref: refs\/heads\/(\S+)\s+HEAD$/m.exec(head.stdout)?.[1] ?? null;
  const protectedBranches = new Set([...ALWAYS_PROTECTED, ...(remoteDefault ? [remoteDefault] : []), ...localRemoteHead(remote, opts.project)]);
  if (protectedBranches.has(branch)) {
    return `branch '${branch}' refused: it is the default branch of remote '${remote}' (protected: ${[...protectedBranches].join(', ')}); accepted: a branch of its own (argo run --branch argo/…)`;
  }
  return { remote, branch, base: remoteDefault ?? 'main' };
}

/** What refs/remotes/<remote>/HEAD points at, when the remote is a name and a clone recorded it. */
function localRemoteHead(remote: string, project: string): string[] {
  if (!isPlainBranch(remote)) return [];
  const r = git(['symbolic-ref', '--quiet', '--short', `refs/remotes/${remote}/HEAD`], project);
  const ref = r.ok ? r.stdout.trim() : '';
  return ref.startsWith(`${remote}/`) ? [ref.slice(remote.length + 1)] : [];
}

/** null when pushed; else the problem. Never forced: a remote branch that moved stays. */
function pushBranch(t: Target, opts: PublishOptions): string | null {
  const ref = `refs/heads/${t.branch}`;
  const r = git(['push', '--', t.remote, `${ref}:${ref}`], opts.project, gitRemoteEnv(opts.env));
  return r.ok ? null : `git push of '${t.branch}' to '${t.remote}' failed (exit ${r.code}): ${firstLine(r.stderr)}`;
}

function remoteHasBranch(t: Target, opts: PublishOptions): boolean {
  const r = git(['ls-remote', '--heads', '--', t.remote, `refs/heads/${t.branch}`], opts.project, gitRemoteEnv(opts.env));
  return r.ok && r.stdout.trim() !== '';
}

function firstLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).find((l) => l !== '' && !/^hint:/.test(l)) ?? '(no message)';
}

/** The forge and repository: from the remote's URL, else from the CI's own variables. */
function forgeRepo(t: Target, opts: PublishOptions): { forge: Forge; repo: RemoteRepo } | null {
  // The URL as configured: `git remote get-url` would apply url.<base>.insteadOf rewrites.
  const url = isPlainBranch(t.remote) ? git(['config', '--get', `remote.${t.remote}.url`], opts.project).stdout.trim() : t.remote;
  const repo = parseRemoteUrl(url);
  const forge = repo ? forgeOf(repo.host, opts.env) : null;
  if (repo && forge) return { forge, repo };
  const env = opts.env;
  const ghHost = /^https?:\/\/([^/:]+)/i.exec(env.GITHUB_SERVER_URL ?? '')?.[1];
  if (ghHost && env.GITHUB_REPOSITORY) return { forge: 'github', repo: { host: ghHost.toLowerCase(), path: env.GITHUB_REPOSITORY } };
  if (env.CI_SERVER_HOST && env.CI_PROJECT_PATH) return { forge: 'gitlab', repo: { host: env.CI_SERVER_HOST.toLowerCase(), path: env.CI_PROJECT_PATH } };
  return null;
}

const lastUrl = (text: string) => text.split('\n').map((l) => l.trim()).filter((l) => /^https:\/\/\S+$/.test(l)).pop();

/** `name` as an executable file in one of PATH's folders. */
export function onPath(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(':')) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not in this folder
    }
  }
  return null;
}

/** The CLI's command line (every value after `=`, so none can pass for an option). */
function requestArgs(forge: Forge, repo: RemoteRepo, t: Target, title: string, body: string): string[] {
  if (forge === 'github') {
    return ['pr', 'create', `--repo=${repo.host}/${repo.path}`, `--base=${t.base}`, `--head=${t.branch}`, `--title=${title}`, '--body-file=-'];
  }
  return ['mr', 'create', `--repo=https://${repo.host}/${repo.path}`, `--target-branch=${t.base}`, `--source-branch=${t.branch}`, `--title=${title}`, `--description=${body}`, '--yes', '--no-editor'];
}

/** Opens the request with the forge's CLI, or prints the page that opens one. */
function openRequest(report: RunReport, t: Target, opts: PublishOptions, out: (l: string) => void, fail: (l: string) => PublishResult): PublishResult {
  const found = forgeRepo(t, opts);
  if (!found) {
    return fail(`--pr: remote '${t.remote}' is neither GitHub nor GitLab, and GITHUB_REPOSITORY / CI_PROJECT_PATH are unset; accepted: a github.com or gitlab.com remote, or the CI's variables`);
  }
  const { forge, repo } = found;
  const cli = CLI[forge];
  const page = compareUrl(forge, repo, t.base, t.branch);
  const program = onPath(cli.program, opts.env);
  const token = cli.tokens.find((name) => (opts.env[name] ?? '') !== '');
  if (!program || !token) {
    const why = !program ? `${cli.program} is not on PATH` : `${cli.tokens.join(' / ')} is not set`;
    out(`argo run: open the ${forge === 'github' ? 'pull' : 'merge'} request at ${page} (${why})`);
    return { report, problems: [] };
  }
  const body = prBody(report);
  const r = spawnSync(program, requestArgs(forge, repo, t, prTitle(report), body), {
    cwd: opts.project,
    env: opts.env,
    input: forge === 'github' ? body : '',
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 4 * 1024 * 1024,
  });
  // A request already open for the branch (a re-run of the same branch) is the one to name.
  const url = r.status === 0 ? lastUrl(r.stdout ?? '') : /already exists/i.test(r.stderr ?? '') ? lastUrl(r.stderr ?? '') : undefined;
  if (!url) {
    out(`argo run: open the ${forge === 'github' ? 'pull' : 'merge'} request at ${page}`);
    return fail(`${cli.program} ${requestArgs(forge, repo, t, '', '').slice(0, 2).join(' ')} failed (exit ${r.status ?? r.signal ?? r.error?.message}): ${firstLine(r.stderr ?? '')}`);
  }
  out(`argo run: ${forge === 'github' ? 'pull' : 'merge'} request: ${withoutCredentials(url)}`);
  return { report: { ...report, pr_url: withoutCredentials(url) }, problems: [] };
}
