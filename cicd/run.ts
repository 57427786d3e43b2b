// `argo run "query" [project]`: one workflow, unattended, in the foreground — for CI
// pipelines and servers (issue 23). It sets the project up when the checkout has none,
// names the integration branch (merge.target), starts the workflow, approves the plan by
// policy, prints one progress line per event, and exits with the codes of cicd/report.ts
// RUN_EXIT; --report and --junit write what it found. A cancel (SIGTERM, SIGINT: the
// CI's cancel, Ctrl-C) stops the workflow through stop_workflow and exits non-zero.
import { randomBytes } from 'node:crypto';
import { runIfEntry } from '../core/cli.js';
import { onTermination } from '../core/termination.js';
import { utcTimestamp } from '../core/time.js';
import { setConfigValue } from '../store/config.js';
import { projectConfig } from '../store/config_object.js';
import { argoPaths } from '../store/layout.js';
import { isDir, resolveProjectDir } from '../store/project_dir.js';
import { repoProblem } from '../workflow/repo_check.js';
import { readMergeSettings } from '../merge/settings.js';
import { follow, type FollowEnd } from './follow.js';
import { ProgressPrinter } from './progress.js';
import { RUN_EXIT } from './report.js';
import { RUN_USAGE, defaultBranch, parseRunArgs, type RunArgs } from './run_args.js';
import { finishRun } from './run_end.js';
import { linesOf, setupProject, startWorkflow } from './steps.js';
import { publishModulesProblem } from './publish_call.js';

const say = (line: string) => void process.stdout.write(line + '\n');
const complain = (line: string) => void process.stderr.write(line + '\n');

class SetupError extends Error {}

/** The checkout made ready: a git repository with .argo-project/, the branch and template in config. */
async function prepare(args: RunArgs): Promise<{ project: string; branch: string }> {
  const unpublishable = publishModulesProblem(args);
  if (unpublishable) throw new SetupError(unpublishable);
  const project = resolveProjectDir(args.project);
  if (!project) throw new SetupError(`the project path "${args.project}" is not a folder`);
  const repo = repoProblem(project);
  if (repo) throw new SetupError(repo.message);
  if (!isDir(argoPaths(project).dir)) {
    const r = await setupProject(project);
    if (r.code !== 0) throw new SetupError(`setting up ${argoPaths(project).dir} failed: ${linesOf(r.stderr).join('; ') || `exit ${r.code}`}`);
    say(`argo: set up ${argoPaths(project).dir} (the checkout had none)`);
  }
  const { configError } = projectConfig(project);
  if (configError) throw new SetupError(configError);
  const file = argoPaths(project).config;
  const branch = args.branch ?? defaultBranch(args.query, randomBytes(3).toString('hex'));
  await setConfigValue(file, ['merge', 'target'], branch);
  // `argo start --template` sets this same key (issue 22's templates read it from config).
  if (args.template) await setConfigValue(file, ['workflow', 'template'], args.template);
  const settings = readMergeSettings(projectConfig(project).config);
  if ('problems' in settings) throw new SetupError(settings.problems.join('; '));
  say(`argo: integration branch ${branch} (merge.target)${args.template ? `, template ${args.template} (workflow.template)` : ''}`);
  return { project, branch };
}

/** Starts the workflow through start_workflow; its refusal (a bad limit, a bad repository) is a set-up error. */
async function start(query: string, project: string): Promise<void> {
  const r = await startWorkflow(query, project);
  const pid = /^Orchestrator PID: (\d+)$/m.exec(r.stdout)?.[1];
  for (const l of linesOf(r.stderr)) complain(l);
  if (r.code !== 0 || !pid) throw new SetupError(`the workflow did not start (start_workflow exited ${r.code})`);
  say(`argo: workflow started (orchestrator PID ${pid})`);
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
    say(RUN_USAGE);
    say('Exit: 0 done, 1 builders or verify failed, 2 a person is needed, 3 budget or time limit, 4 set-up error (docs/CI.md)');
    return 0;
  }
  const parsed = parseRunArgs(argv);
  if ('problems' in parsed) {
    for (const p of parsed.problems) complain(`ERROR: ${p}`);
    complain(RUN_USAGE);
    return RUN_EXIT.setup_error;
  }
  const args = parsed.args;
  const started = utcTimestamp();
  // Installed before anything starts: a cancel during the start still stops what started.
  const termination = onTermination();
  try {
    let prepared: { project: string; branch: string };
    try {
      prepared = await prepare(args);
      await start(args.query, prepared.project);
    } catch (e) {
      if (!(e instanceof SetupError)) throw e;
      complain(`ERROR: ${e.message}`);
      say(`argo: setup_error (exit ${RUN_EXIT.setup_error}): ${e.message}`);
      return RUN_EXIT.setup_error;
    }
    const github = process.env.GITHUB_ACTIONS === 'true';
    const printer = new ProgressPrinter(say, github);
    const policy = { approve: args.approve, maxComponents: args.maxComponents };
    const end: FollowEnd = await follow(prepared.project, policy, printer, termination.signal, { say });
    printer.close();
    return await finishRun({ args, project: prepared.project, branch: prepared.branch, started, end, signal: termination.reason() ?? null, say, complain });
  } finally {
    termination.dispose();
  }
}

runIfEntry('cicd/run', main);
