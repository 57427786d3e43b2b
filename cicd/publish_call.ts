// The one call from `argo run` into publishing (cicd/publish.ts: push, pull request;
// cicd/github_env.ts: $GITHUB_STEP_SUMMARY and $GITHUB_OUTPUT), loaded only when a run
// asks for it. Those modules are another part of issue 23; an install without them says
// so (--push/--pr are refused before the workflow starts: publishModulesProblem).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { errorMessage } from '../core/errors.js';
import type { RunReport } from './report.js';
import type { RunArgs } from './run_args.js';

type Publish = (report: RunReport, opts: { project: string; push: boolean; pr: boolean; remote?: string; env: NodeJS.ProcessEnv }) => Promise<{ report: RunReport; problems: string[] }>;
type GithubFiles = (report: RunReport, env: NodeJS.ProcessEnv) => void;

// Named at run time, not as literals: the bundler would otherwise need them at build time.
const PUBLISH = './publish.js';
const GITHUB_ENV = './github_env.js';

const present = (spec: string) => existsSync(fileURLToPath(new URL(spec, import.meta.url)));

/** In GitHub Actions (or with its files named), the summary and outputs are written. */
export const githubEnv = (env: NodeJS.ProcessEnv): boolean => env.GITHUB_ACTIONS === 'true' || !!env.GITHUB_STEP_SUMMARY || !!env.GITHUB_OUTPUT;

/** Why --push/--pr cannot be done by this install, or null. */
export function publishModulesProblem(args: Pick<RunArgs, 'push' | 'pr'>): string | null {
  if (!args.push && !args.pr) return null;
  return present(PUBLISH) ? null : `--push/--pr need cicd/publish.js, which this install does not have (${fileURLToPath(new URL(PUBLISH, import.meta.url))}); nothing was started`;
}

/** Publishes the result as asked; problems are said and answered (an absent module is one). */
export async function publishAfterRun(report: RunReport, args: RunArgs, project: string, env: NodeJS.ProcessEnv, complain: (l: string) => void): Promise<{ report: RunReport; problems: string[] }> {
  const problems: string[] = [];
  try {
    if (args.push || args.pr) {
      const { publishResult } = (await import(PUBLISH)) as { publishResult: Publish };
      const r = await publishResult(report, { project, push: args.push, pr: args.pr, ...(args.remote ? { remote: args.remote } : {}), env });
      report = r.report;
      problems.push(...r.problems);
    }
    if (githubEnv(env)) {
      if (present(GITHUB_ENV)) ((await import(GITHUB_ENV)) as { writeGithubFiles: GithubFiles }).writeGithubFiles(report, env);
      else complain(`WARNING: the GitHub step summary and outputs are not written: this install has no cicd/github_env.js`);
    }
  } catch (e) {
    problems.push(`publishing the result failed: ${errorMessage(e)}`);
  }
  for (const p of problems) complain(`ERROR: ${p}`);
  return { report, problems };
}
