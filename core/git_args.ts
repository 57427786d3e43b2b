// Values from state, config, a queue job or an agent that reach git's command line.
// They are data: a remote must not smuggle an option (`--upload-pack=…`) or a transport
// that runs a command (`ext::sh -c …`), a commit must be an object id, a branch a plain
// name. Every git call that touches a remote also runs with GIT_ALLOW_PROTOCOL (gitRemoteEnv).

/** The transports git may use for a remote we were handed (git's own list syntax). */
export const GIT_ALLOWED_PROTOCOLS = 'file:git:ssh:http:https';

export const REMOTE_ACCEPTED =
  'a path, a file://, git://, ssh://, http:// or https:// URL, or user@host:path (no leading "-", no "<helper>::" transport such as ext::)';

const URL_SCHEMES = new Set(['file', 'git', 'ssh', 'http', 'https', 'git+ssh', 'ssh+git']);

/** null when `remote` is a remote git may be handed as an operand; else why not. */
export function validateRemote(remote: unknown): string | null {
  if (typeof remote !== 'string' || remote === '') return 'it is empty or not a string';
  if (/[\x00-\x1f\x7f]/.test(remote)) return 'it holds a control character';
  if (remote.startsWith('-')) return 'it starts with "-" (git would read it as an option)';
  const helper = /^([A-Za-z][A-Za-z0-9+.-]*)::/.exec(remote);
  if (helper) return `the "${helper[1]}::" transport runs a helper program`;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(remote);
  if (scheme) {
    if (!URL_SCHEMES.has(scheme[1]!.toLowerCase())) return `the URL scheme "${scheme[1]}" is not one of file, git, ssh, http, https`;
    const host = remote.slice(scheme[0].length).replace(/^[^@/]*@/, '');
    if (host.startsWith('-')) return 'its host starts with "-"';
    return null;
  }
  // scp-like user@host:path (git's rule: a colon before any slash).
  const colon = remote.indexOf(':');
  const slash = remote.indexOf('/');
  if (colon > 0 && (slash < 0 || colon < slash)) {
    const host = remote.slice(0, colon).replace(/^[^@]*@/, '');
    if (host === '' || host.startsWith('-')) return 'its host is empty or starts with "-"';
  }
  return null;
}

/** A full object id (SHA-1 or SHA-256), as the coordinator and the workers pass them. */
export function isObjectId(s: unknown): s is string {
  return typeof s === 'string' && /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(s);
}

/** A branch name that is a plain name: never an option, a revision expression or a path trick. */
export function isPlainBranch(s: unknown): s is string {
  return (
    typeof s === 'string' &&
    /^[A-Za-z0-9_][A-Za-z0-9._/-]*$/.test(s) &&
    s.length <= 200 &&
    !s.includes('..') &&
    !s.includes('//') &&
    !s.endsWith('/') &&
    !s.endsWith('.') &&
    !s.endsWith('.lock') &&
    !s.split('/').some((part) => part.startsWith('.') || part.startsWith('-'))
  );
}

/** The environment of a git call that talks to a remote: only the allowed transports. */
export function gitRemoteEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, GIT_ALLOW_PROTOCOL: GIT_ALLOWED_PROTOCOLS };
}
