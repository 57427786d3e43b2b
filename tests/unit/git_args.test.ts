// Values handed to git from state, config or a queue job (core/git_args.ts).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { GIT_ALLOWED_PROTOCOLS, gitRemoteEnv, isObjectId, isPlainBranch, validateRemote } from '../../core/git_args.js';

describe('validateRemote', () => {
  it.each([
    ['/srv/git/project.git', null],
    ['../remote.git', null],
    ['remote.git', null],
    ['file:///srv/git/project.git', null],
    ['git://git.example.com/p.git', null],
    ['ssh://git@git.example.com:2222/team/p.git', null],
    ['git+ssh://git@git.example.com/p.git', null],
    ['https://git.example.com/team/p.git', null],
    ['HTTP://git.example.com/p.git', null],
    ['git@github.com:team/project.git', null],
    ['host:path/p.git', null],
    ['--upload-pack=touch /tmp/x;false', 'it starts with "-" (git would read it as an option)'],
    ['-oProxyCommand=x', 'it starts with "-" (git would read it as an option)'],
    ['ext::sh -c touch% /tmp/x', 'the "ext::" transport runs a helper program'],
    ['fd::3', 'the "fd::" transport runs a helper program'],
    ['hg::https://example.com/repo', 'the "hg::" transport runs a helper program'],
    ['ftp://example.com/p.git', 'the URL scheme "ftp" is not one of file, git, ssh, http, https'],
    ['ssh://-oProxyCommand=x/p.git', 'its host starts with "-"'],
    ['ssh://user@-oProxyCommand=x/p.git', 'its host starts with "-"'],
    ['-host:path', 'it starts with "-" (git would read it as an option)'],
    ['user@-oProxyCommand=x:p.git', 'its host is empty or starts with "-"'],
    ['/srv/a\nb', 'it holds a control character'],
    ['', 'it is empty or not a string'],
  ])('%j → %j', (remote, problem) => {
    expect(validateRemote(remote)).toBe(problem);
  });
  it('anything but a string is refused', () => {
    expect(validateRemote(42)).toBe('it is empty or not a string');
    expect(validateRemote(null)).toBe('it is empty or not a string');
  });
});

describe('isObjectId and isPlainBranch', () => {
  it('object ids: 40 or 64 lower-case hex digits only', () => {
    expect(isObjectId('a'.repeat(40))).toBe(true);
    expect(isObjectId('b'.repeat(64))).toBe(true);
    for (const bad of ['abc', 'A'.repeat(40), '--all', `${'a'.repeat(40)}^`, 'HEAD']) expect(isObjectId(bad)).toBe(false);
  });
  it.each([
    ['argo-builder-a', true],
    ['argo-builder-team/api_v2.1', true],
    ['-f', false],
    ['--upload-pack=x', false],
    ['a..b', false],
    ['a/-b', false],
    ['a/.hidden', false],
    ['x.lock', false],
    ['a b', false],
    ['a~1', false],
    ['a^', false],
    ['a:b', false],
    ['a/', false],
  ])('%j → %s', (name, ok) => {
    expect(isPlainBranch(name)).toBe(ok);
  });
});

describe('gitRemoteEnv', () => {
  it('git then refuses the ext:: transport even when asked for it directly', () => {
    expect(gitRemoteEnv({ PATH: '/bin' })).toEqual({ PATH: '/bin', GIT_ALLOW_PROTOCOL: GIT_ALLOWED_PROTOCOLS });
    let err = '';
    try {
      execFileSync('git', ['ls-remote', '--', 'ext::sh -c true'], { env: gitRemoteEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      err = String((e as { stderr: Buffer }).stderr);
    }
    expect(err).toContain("transport 'ext' not allowed");
  });
});
