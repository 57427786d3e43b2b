import { describe, expect, it } from 'vitest';
import { compareUrl, forgeOf, parseRemoteUrl, withoutCredentials } from '../../../cicd/remote_url.js';

describe('a remote URL as a forge address', () => {
  it('reads https (with a token in it), ssh and scp-like remotes; the credentials are dropped', () => {
    expect(parseRemoteUrl('https://x-access-token:ghs_SECRET@github.com/acme/widgets.git')).toEqual({ host: 'github.com', path: 'acme/widgets' });
    expect(parseRemoteUrl('ssh://git@gitlab.example.org:2222/grp/sub/proj.git')).toEqual({ host: 'gitlab.example.org', path: 'grp/sub/proj' });
    expect(parseRemoteUrl('git@github.com:acme/widgets.git')).toEqual({ host: 'github.com', path: 'acme/widgets' });
    expect(parseRemoteUrl('/srv/git/bare.git')).toBeNull();
    expect(parseRemoteUrl('https://github.com/acme/w%20x')).toBeNull();
  });

  it('tells GitHub from GitLab by host or by the CI\'s server variables', () => {
    expect(forgeOf('github.com', {})).toBe('github');
    expect(forgeOf('gitlab.com', {})).toBe('gitlab');
    expect(forgeOf('git.corp.example', { GITHUB_SERVER_URL: 'https://git.corp.example' })).toBe('github');
    expect(forgeOf('code.corp.example', { CI_SERVER_HOST: 'code.corp.example' })).toBe('gitlab');
    expect(forgeOf('example.org', {})).toBeNull();
  });

  it('builds the compare / new merge request page with the branch encoded', () => {
    expect(compareUrl('github', { host: 'github.com', path: 'acme/w' }, 'main', 'argo/fix#1')).toBe('https://github.com/acme/w/compare/main...argo/fix%231?expand=1');
    expect(compareUrl('gitlab', { host: 'gitlab.com', path: 'g/p' }, 'main', 'argo/x')).toBe(
      'https://gitlab.com/g/p/-/merge_requests/new?merge_request%5Bsource_branch%5D=argo%2Fx&merge_request%5Btarget_branch%5D=main',
    );
  });

  it('removes user and token from URLs inside any text', () => {
    expect(withoutCredentials("fatal: unable to access 'https://oauth2:glpat-SECRET@gitlab.com/g/p.git/': 403")).toBe("fatal: unable to access 'https://gitlab.com/g/p.git/': 403");
  });
});
