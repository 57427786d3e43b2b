// A git remote's URL read as a forge's web address (pure): which host and repository,
// GitHub or GitLab, and the page that opens a pull / merge request. Credentials some
// remotes carry (https://TOKEN@host/…) never reach a printed line: the host is read
// without them and every URL here is built from host and path alone.

export type Forge = 'github' | 'gitlab';

export interface RemoteRepo {
  host: string;
  /** "owner/name" (GitLab: "group/subgroup/name"), without ".git". */
  path: string;
}

/** https://[user[:pass]@]host[:port]/path, ssh://[user@]host[:port]/path or user@host:path. */
export function parseRemoteUrl(url: string): RemoteRepo | null {
  const m = /^(?:https?|ssh|git|git\+ssh|ssh\+git):\/\/(?:[^@/]*@)?([^/:]+)(?::\d+)?\/(.+)$/i.exec(url) ?? /^(?:[^@/:]+@)?([^/:]+):(?!\/\/)(.+)$/.exec(url);
  if (!m) return null;
  const path = m[2]!.replace(/\.git$/, '').replace(/\/+$/, '').replace(/^\/+/, '');
  if (!/^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)+$/.test(path)) return null;
  return { host: m[1]!.toLowerCase(), path };
}

/** Which forge serves `host`: by name, or the server the CI names (GitHub Enterprise, self-managed GitLab). */
export function forgeOf(host: string, env: NodeJS.ProcessEnv): Forge | null {
  const hostOf = (u: string | undefined) => (u ? (/^https?:\/\/([^/:]+)/i.exec(u)?.[1] ?? '').toLowerCase() : '');
  if (host === 'github.com' || host === hostOf(env.GITHUB_SERVER_URL)) return 'github';
  if (host === 'gitlab.com' || host === (env.CI_SERVER_HOST ?? '').toLowerCase()) return 'gitlab';
  if (/(^|\.)github\./.test(host)) return 'github';
  if (/(^|\.)gitlab\./.test(host)) return 'gitlab';
  return null;
}

/** A branch name inside a URL: each path segment encoded, the slashes kept. */
function encodeBranch(branch: string): string {
  return branch.split('/').map(encodeURIComponent).join('/');
}

/** The web page that opens a pull request (GitHub) or merge request (GitLab) of `branch` into `base`. */
export function compareUrl(forge: Forge, repo: RemoteRepo, base: string, branch: string): string {
  const site = `https://${repo.host}/${repo.path}`;
  if (forge === 'github') return `${site}/compare/${encodeBranch(base)}...${encodeBranch(branch)}?expand=1`;
  const q = `merge_request%5Bsource_branch%5D=${encodeURIComponent(branch)}&merge_request%5Btarget_branch%5D=${encodeURIComponent(base)}`;
  return `${site}/-/merge_requests/new?${q}`;
}

/** Any `user[:secret]@` removed from URLs in `text` (git's messages may repeat the remote's URL). */
export function withoutCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^@/\s]*@/gi, '$1');
}
