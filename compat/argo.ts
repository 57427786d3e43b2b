// `argo`: the one command line every shim and subcommand lands in.
import { readFileSync } from 'node:fs';
import { processCtx } from '../core/context.js';
import { runIfEntry, type Main } from '../core/cli.js';
import { loadFunction } from './functions.js';

type Entry = () => Promise<{ main: Main }>;

/** Programs, under the names users know (the .sh shims run the same main). */
const PROGRAMS: Record<string, [Entry, string]> = {
  start: [() => import('../start_workflow.js'), '[--template NAME] <user_query> [project_path]   start a workflow (start_workflow.sh)'],
  status: [() => import('../status.js'), '[--json] [--watch] [project_path]  show where a workflow is (status.sh)'],
  list: [() => import('../view/list.js'), '[--json]                      every registered project: phase, owner, who acts'],
  logs: [() => import('../view/logs.js'), '[builder-id|--orchestrator] [project_path] [-f]  a log, followed live with -f'],
  diff: [() => import('../view/diff.js'), '[project_path] [builder-id] [--stat]  a builder\'s changes against its base (every builder\'s --stat without an id)'],
  say: [() => import('../steer/say.js'), '[project_path] <builder-id> "text"  a message to a builder\'s agent session (resumed in its worktree)'],
  review: [() => import('../steer/review.js'), '[project_path] [<builder-id> (--approve | --request-changes "text" | --comments FILE)]  the review gate: approve a builder, or send comments back to its agent; no id: the list'],
  resume: [() => import('../steer/resume.js'), '[--env-from-here] [project_path]  start the orchestrator again, resetting nothing'],
  merge: [() => import('../steer/merge.js'), '[project_path]                conflicts resolved: merge again (merge_branches)'],
  dashboard: [() => import('../dashboard/main.js'), '[--port N] [--host H] [--allow-remote]  every project in a browser (token in the URL)'],
  run: [() => import('../cicd/run.js'), '"<query>" [project_path] [--approve auto|never] [--max-components N] [--branch argo/NAME] [--template NAME] [--report FILE.json] [--junit FILE.xml] [--push] [--pr]  one workflow, unattended, in the foreground (CI); exit 0 done, 1 failed, 2 a person is needed, 3 budget/time limit, 4 set-up error'],
  stop: [() => import('../stop_workflow.js'), '[project_path]                stop the orchestrator and builders (stop_workflow.sh)'],
  approve: [() => import('../approve.js'), '[--components FILE] [project_path]  approve the design'],
  orchestrator: [() => import('../orchestrator.js'), '<project_path>                run the orchestrator in the foreground'],
  setup: [() => import('../templates/project_setup.js'), '<project_name> [project_path]  create .argo-project/ (project_setup.sh)'],
  cleanup: [() => import('../templates/project_cleanup.js'), '[project_path] [partial|full|nuclear]  (project_cleanup.sh)'],
  design_program: [() => import('../phases/design_program.js'), '<project_path>  run one phase handler by hand'],
  design_build: [() => import('../phases/design_build.js'), '<project_path>'],
  execution: [() => import('../phases/execution.js'), '<project_path>'],
  merge_build: [() => import('../phases/merge_build.js'), '<project_path>'],
  worker: [() => import('../distributed/worker_cli.js'), '--database URL [--concurrency N] [--workdir DIR] [--allow-command LINE]  run builders for other hosts\' workflows'],
  retry: [() => import('../steer/retry.js'), '[--env-from-here] [project_path] [builder-id …]  run failed builders again (resuming agent sessions)'],
  budget: [() => import('../steer/budget.js'), '[project_path] [--raise USD]  the budget and the spend per agent; --raise: the new total limit (continues a workflow stopped by it)'],
  templates: [() => import('../templates/templates_cli.js'), 'list | show NAME | new NAME [project_path]  the workflow templates (docs/TEMPLATES.md)'],
  doctor: [() => import('../steer/doctor.js'), '[project_path]                check node, bash, git, the agent, its credential, the project'],
  server: [() => import('./shim_server.js'), '                              run the bash shims\' helper in the foreground'],
};

/** `argo state <verb>` → the original function it stands for. */
const STATE_VERBS: Record<string, string> = {
  update: 'update_state',
  read: 'read_state',
  init: 'init_state_file',
  validate: 'validate_state_file',
  'with-lock': 'with_state_lock',
};

function usage(): string {
  const lines = ['Usage: argo <command> [arguments]', ''];
  for (const [name, [, help]] of Object.entries(PROGRAMS)) lines.push(`  argo ${name.padEnd(15)} ${help}`);
  lines.push(`  argo state ${Object.keys(STATE_VERBS).join('|')} …   the state_file functions`);
  lines.push('  argo call <bash_function> [args…]   any function of lib/*.sh (what the shims run)');
  lines.push('  argo --version                      the installed argo-ts version');
  return lines.join('\n') + '\n';
}

async function callFunction(name: string, args: string[]): Promise<number> {
  const fn = await loadFunction(name);
  if (!fn) {
    process.stderr.write(`ERROR: unknown function: '${name}' (see lib/*.sh for the list)\n`);
    return 2;
  }
  return fn(args, processCtx());
}

/** "argo-ts X.Y.Z" from the package.json beside dist/ (one small file read, nothing imported). */
function versionLine(): string {
  // dist/compat/argo.js (the built program) or compat/argo.ts (tests running the source).
  const built = new URL('../../package.json', import.meta.url);
  const file = import.meta.url.includes('/dist/compat/') ? built : new URL('../package.json', import.meta.url);
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name: string; version: string };
  return `${pkg.name} ${pkg.version}\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd = '', ...rest] = argv;
  if (cmd === '--version' || cmd === '-V') {
    process.stdout.write(versionLine());
    return 0;
  }
  if (cmd === '' || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    (cmd === '' ? process.stderr : process.stdout).write(usage());
    return cmd === '' ? 2 : 0;
  }
  if (cmd === 'call') {
    // The shims pass CONFIG_FILE under this name (it is readonly in their shell).
    const config = process.env.ARGO_SHIM_CONFIG_FILE;
    if (config !== undefined) {
      process.env.CONFIG_FILE = config;
      delete process.env.ARGO_SHIM_CONFIG_FILE;
    }
    return callFunction(rest[0] ?? '', rest.slice(1));
  }
  if (cmd === 'state') {
    const fn = STATE_VERBS[rest[0] ?? ''];
    if (!fn) {
      process.stderr.write(`ERROR: unknown state command: '${rest[0] ?? ''}' (expected ${Object.keys(STATE_VERBS).join(', ')})\n`);
      return 2;
    }
    return callFunction(fn, rest.slice(1));
  }
  const program = Object.hasOwn(PROGRAMS, cmd) ? PROGRAMS[cmd] : undefined;
  if (!program) {
    process.stderr.write(`ERROR: unknown command: '${cmd}' (argo --help lists them)\n`);
    return 2;
  }
  return (await program[0]()).main(rest);
}

runIfEntry('compat/argo', main);
