// The design step of a slices workflow (workflow.kind "slices"): no design agent — the plan
// is made here from slices.paths and the files committed at HEAD (what the builders' worktrees
// branch from), checked as any plan, saved as the design and handed to `ci` for approval as
// today. A bad setting is one ERROR line and nothing is saved. The decisions are slices.ts.
import { spawnSync } from 'node:child_process';
import { say, complain } from '../../core/cli.js';
import { fromPlain } from '../../core/json_doc.js';
import { utcTimestamp } from '../../core/time.js';
import { logStateTransition, writeLog } from '../../store/logs.js';
import type { Project } from '../../store/project.js';
import { mutateState, readState, updateState } from '../../store/state.js';
import { WRITE_ORDERS, writeInOrder } from '../../store/write_orders.js';
import { checkPlan } from '../plan_check.js';
import { planSlices, readSliceSettings, slicesSummary } from './slices.js';

/** A listing larger than git()'s default buffer (1 MiB) must not be cut short: a cut list would name the wrong slices. */
const LIST_BYTES = 256 * 1024 * 1024;

/** The files committed at HEAD, or why they cannot be listed. */
export function committedFiles(dir: string): string[] | { problem: string } {
  const r = spawnSync('git', ['ls-tree', '-r', '-z', '--name-only', '--full-tree', 'HEAD'], { cwd: dir, encoding: 'utf8', maxBuffer: LIST_BYTES, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) return { problem: `cannot list the files committed at HEAD in ${dir} (slices.paths names files of the repository): ${(r.stderr || r.error?.message || 'git failed').trim()}` };
  return r.stdout.split('\0').filter((f) => f !== '');
}

async function refuse(project: Project, problem: string): Promise<number> {
  complain(`ERROR: ${problem}`);
  await updateState(project.state, 'error_recovery.last_error', `Slices refused: ${problem}`).catch(() => undefined);
  return 1;
}

/** design_program for workflow.kind "slices": the plan from slices.paths, awaiting approval. Returns the exit code. */
export async function designSlices(project: Project, config: unknown): Promise<number> {
  const read = readSliceSettings(config);
  if ('problem' in read) return refuse(project, read.problem);
  const query = (await readState(project.state, 'user_query')).replace(/\n$/, '');
  if (query === '' || query === 'null') return refuse(project, 'No user query found in state (the instruction every slice gets)');
  const files = committedFiles(project.dir);
  if (!Array.isArray(files)) return refuse(project, files.problem);
  const planned = planSlices(read.settings, files);
  if ('problem' in planned) return refuse(project, planned.problem);
  const checked = checkPlan(planned.components);
  for (const w of checked.warnings) say(`WARNING: plan: ${w}`);
  say(`User query: ${query}`);
  say(`Slicing the repository per ${read.settings.per} from slices.paths (no design agent)`);
  const design: Record<string, unknown> = {
    summary: slicesSummary(query, read.settings, checked.components.length),
    components: checked.components,
    created: utcTimestamp(),
    approved: false,
    slices: { paths: read.settings.paths, per: read.settings.per },
  };
  if (checked.warnings.length > 0) design.warnings = checked.warnings;
  await mutateState(project.state, (d) => void d.set('design', fromPlain(design)));
  writeLog(project.logs, 'INFO', `Slices planned: ${checked.components.length} (per ${read.settings.per})`);
  say(`Design saved to state (${checked.components.length} components)`);
  logStateTransition(project.logs, 'init', 'design');
  await writeInOrder(project.state, WRITE_ORDERS.designed());
  say('Design phase complete - awaiting design approval');
  say();
  return 0;
}
