// argo list [--json]: every registered project with its phase, owner and who must act.
import { runIfEntry } from '../core/cli.js';
import { argoCommand } from './argo_command.js';
import { registeredProjects } from './projects.js';
import { listWaitLine, localOffset, waitingBuilders } from './waiting.js';

export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const bad = argv.find((a) => a !== '--json');
  if (bad !== undefined) {
    process.stderr.write(`ERROR: unexpected argument: ${bad} (usage: argo list [--json])\n`);
    return 2;
  }
  const items = registeredProjects(undefined, { argo: argoCommand(), logLines: 0 });
  if (json) {
    process.stdout.write(JSON.stringify(items.map((i) => ({ id: i.id, name: i.name, path: i.path, problem: i.problem, phase: i.view?.phase ?? null, action_owner: i.view?.action_owner ?? null, action_needed: i.view?.action_needed ?? null, orchestrator_running: i.view?.orchestrator.running ?? false, next: i.view?.next ?? null, waiting: waitingBuilders(i.view?.builders ?? []) }))) + '\n');
    return 0;
  }
  if (items.length === 0) {
    process.stdout.write('No registered projects (templates/project_setup.sh registers one)\n');
    return 0;
  }
  const rows = [['ID', 'PHASE', 'OWNER', 'NEEDED', 'ORCHESTRATOR', 'PATH']];
  for (const i of items) {
    const v = i.view;
    rows.push([i.id, v?.phase || '-', v?.action_owner || '-', v?.action_needed || '-', v ? (v.orchestrator.running ? `running (${v.orchestrator.pid})` : 'stopped') : `? ${i.problem}`, i.path]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows) process.stdout.write(r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ') + '\n');
  // Builders waiting on a rate or usage limit, under the table (its columns stay as they were).
  const now = Date.now();
  const waits = items.map((i) => listWaitLine(i.id, i.view?.builders ?? [], now, localOffset(now))).filter((l): l is string => l !== null);
  if (waits.length > 0) process.stdout.write(['', 'Waiting on limits:', ...waits.map((l) => `  ${l}`)].join('\n') + '\n');
  return 0;
}

runIfEntry('view/list', main);
