// execution.backend, the database URL and git.remote, read from a project's config and
// the environment. Pure decision first (backendOf), file reading second.
import { existsSync, readFileSync } from 'node:fs';
import type { Env } from '../core/context.js';
import { parseJson, toPlain } from '../core/json_doc.js';
import { REMOTE_ACCEPTED, validateRemote } from '../core/git_args.js';

export type Backend =
  | { kind: 'local' }
  | { kind: 'postgres'; databaseUrl: string; remote: string }
  | { kind: 'error'; message: string };

function section(config: unknown, name: string): Record<string, unknown> {
  const v = (config as Record<string, unknown> | null)?.[name];
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** Which backend runs the builders; `local` unless the config says `postgres`. */
export function backendOf(config: unknown, env: Env, configFile = 'config.json'): Backend {
  const execution = section(config, 'execution');
  const kind = execution.backend ?? 'local';
  if (kind === 'local' || kind === null) return { kind: 'local' };
  if (kind !== 'postgres') return { kind: 'error', message: `execution.backend in ${configFile} is ${JSON.stringify(kind)}: expected "local" or "postgres"` };
  const databaseUrl = env.ARGO_DATABASE_URL || (typeof execution.database_url === 'string' ? execution.database_url : '');
  if (!databaseUrl) return { kind: 'error', message: `execution.backend is "postgres" in ${configFile} but neither ARGO_DATABASE_URL nor execution.database_url is set` };
  const remote = section(config, 'git').remote;
  if (typeof remote !== 'string' || remote === '') {
    return { kind: 'error', message: `execution.backend is "postgres" in ${configFile} but git.remote (a git URL or path the workers can reach) is not set` };
  }
  // The remote reaches git's command line here and, through the jobs, on every worker.
  const bad = validateRemote(remote);
  if (bad) return { kind: 'error', message: `git.remote in ${configFile} is ${JSON.stringify(redactUrl(remote))}: ${bad}; accepted: ${REMOTE_ACCEPTED}` };
  return { kind: 'postgres', databaseUrl, remote };
}

export function readBackend(configFile: string, env: Env): Backend {
  if (!existsSync(configFile)) return { kind: 'local' };
  let config: unknown;
  try {
    config = toPlain(parseJson(readFileSync(configFile, 'utf8'), configFile));
  } catch {
    return { kind: 'local' }; // an unreadable config is the local runner's business, as today
  }
  return backendOf(config, env, configFile);
}

/** A database URL with its password masked, for lines that reach a log or a terminal. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}
