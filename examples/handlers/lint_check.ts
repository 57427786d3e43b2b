// lint_check — a step before merge_build: runs the project's lint command (config
// `lint_check.command`, e.g. "npx eslint ." or "ruff check .") in each completed builder's
// worktree. All pass: hands on to the next step. One fails: the step fails — one ERROR line
// naming the builders, their output in state `lint_check.failed` — so the orchestrator
// retries it (limits.max_builder_retries) and then hands the workflow to a person with that
// line in error_recovery.last_error (argo status shows it).
//
// Install: cp examples/handlers/lint_check.ts <argo-install>/phases/ && chmod +x it, then:
//   "workflow": { "phases": ["design_program", "design_build", "execution", "lint_check", "merge_build"] },
//   "lint_check": { "command": "npx eslint ." }
// The command is the project owner's own setting (like verify.command): it runs with `sh -c`.
import { readFileSync, realpathSync } from 'node:fs';
import { join, sep } from 'node:path';
import { $, log, project, state } from 'argo-ts/handler';

interface Builder {
  id: string;
  status: string;
  worktree: string | null;
}

function lintCommand(): string {
  let config: { lint_check?: { command?: unknown } } = {};
  try {
    config = JSON.parse(readFileSync(project.configFile, 'utf8'));
  } catch {
    /* no config: the command is missing, said below */
  }
  const command = config.lint_check?.command;
  if (typeof command !== 'string' || command.trim() === '') {
    throw new Error(`lint_check.command is ${JSON.stringify(command ?? null)} in ${project.configFile}; accepted: a shell command run in each builder's worktree, e.g. "npx eslint ."`);
  }
  return command;
}

async function main(): Promise<number> {
  const command = lintCommand();
  const doc = await state.get();
  const builders = ((doc.execution as { builders?: Builder[] } | null)?.builders ?? []).filter((b) => b.status === 'completed' && b.worktree);
  // A worktree path is data from the state: the command runs only inside this project's builders folder.
  const home = realpathSync(join(project.argoDir, 'builders')) + sep;
  for (const b of builders) {
    if (!realpathSync(b.worktree!).startsWith(home)) throw new Error(`builder ${b.id}'s worktree ${b.worktree} is not in ${home}; nothing run`);
  }
  const failed: Record<string, string> = {};
  for (const b of builders) {
    const r = await $({ cwd: b.worktree!, nothrow: true })`sh -c ${command}`;
    if (r.exitCode !== 0) failed[b.id] = (r.stdout + r.stderr).trim().split('\n').slice(-20).join('\n');
  }
  const ids = Object.keys(failed);
  await state.set({ 'lint_check.command': command, 'lint_check.checked': builders.map((b) => b.id), 'lint_check.failed': failed });
  if (ids.length > 0) {
    log.error(`lint_check: \`${command}\` failed for ${ids.join(', ')}`);
    process.stderr.write(`ERROR: lint_check: \`${command}\` failed for ${ids.join(', ')} (their output: state lint_check.failed)\n`);
    return 1;
  }
  log.info(`lint_check: \`${command}\` passed for ${builders.length} builder(s)`);
  await state.handOffNext();
  return 0;
}

// (state.handOffNext sets exitCode 1 itself when it cannot hand on: never reset it to 0.)
try {
  if ((await main()) !== 0) process.exitCode = 1;
} catch (e) {
  process.stderr.write(`ERROR: lint_check: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
