// git without blocking the event loop: a worker's heartbeats must keep going while it
// fetches and pushes.
import { execFile } from 'node:child_process';

export interface GitOut {
  ok: boolean;
  stdout: string;
  stderr: string;
}

export function gitAsync(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<GitOut> {
  return new Promise((done) => {
    execFile('git', args, { cwd, env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => done({ ok: !err, stdout: String(stdout), stderr: String(stderr) }));
  });
}

/** Like gitAsync, but a failure throws with the command, folder and git's own words. */
export async function gitOrThrow(args: string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<string> {
  const r = await gitAsync(args, cwd, env);
  if (!r.ok) throw new Error(`git ${args.join(' ')} failed in ${cwd}: ${r.stderr.trim().split('\n').slice(-2).join(' ')}`);
  return r.stdout.trim();
}

/** Serialises work on one repository (git's own locks would make concurrent jobs fail). */
export class RepoMutex {
  private tails = new Map<string, Promise<unknown>>();
  run<T>(repo: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(repo) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    this.tails.set(repo, next.catch(() => undefined));
    return next;
  }
}

export const attemptRef = (jobId: string, attempt: number) => `refs/argo/attempts/${jobId}/${attempt}`;
export const baseRef = (commit: string) => `refs/argo/base/${commit}`;
