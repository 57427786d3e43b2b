// merge_build for workflow.kind "bugfix" (issue 22): the red and green judgements and what
// follows each. Called twice per workflow:
//   1. the test builder ended: the command runs in its worktree (base + test) and must FAIL
//      (red). A pass refuses the fix (the test proves nothing): the person gets the reason,
//      nothing merged. A fail: the fix's builder is added on a branch that starts at the
//      test's, and the workflow goes back to execution.
//   2. the fix builder ended: the command must PASS in its worktree (green); then only the
//      fix's row is merged (its branch carries the test's commits), through merge/ as usual.
// Both runs are kept in state root `bugfix` (red, green) as evidence; status shows them.
import { fromPlain, JsonObject } from '../../core/json_doc.js';
import { utcTimestamp } from '../../core/time.js';
import { builderRecord } from '../../store/builders.js';
import { builderBranch } from '../../store/layout.js';
import { logStateTransition } from '../../store/logs.js';
import { mutateState, readStateDoc } from '../../store/state.js';
import { WRITE_ORDERS, writeInOrder } from '../../store/write_orders.js';
import { toPlain } from '../../core/json_doc.js';
import { BUGFIX_ACTION, FIX_ID, TEST_ID, bugfixCommand, bugfixPlan, bugfixStage, judgeGreen, judgeRed, type BugfixRun } from '../../workflow/modes/bugfix.js';
import { say, type Project } from '../handler.js';
import { retireInto, saveWork, worktreeFrom } from './git_steps.js';
import { commandTimeoutMs, handToPerson, runEvidence, setRoot } from './evidence.js';

export async function bugfixMerge(project: Project, rows: unknown[], config: unknown): Promise<unknown[] | number> {
  const records = rows.map(builderRecord);
  const stage = bugfixStage(records.map((r) => ({ id: r.id, status: r.status ?? 'pending' })));
  if (stage.kind === 'stopped') return handToPerson(project, BUGFIX_ACTION, stage.reason, 'bugfix');
  const cmd = bugfixCommand(config);
  if ('problem' in cmd) return handToPerson(project, BUGFIX_ACTION, cmd.problem, 'bugfix');
  const id = stage.kind === 'red' ? TEST_ID : FIX_ID;
  const row = records.find((r) => r.id === id)!;
  if (!row.worktree) return handToPerson(project, BUGFIX_ACTION, `builder ${id} has no worktree to run ${cmd.command} in; nothing merged`, 'bugfix');
  const unsaved = saveWork(row.worktree, id);
  if (unsaved) return handToPerson(project, BUGFIX_ACTION, `cannot commit what ${id} left: ${unsaved}; nothing merged`, 'bugfix');
  say(stage.kind === 'red' ? `Bugfix, red: the test of ${TEST_ID} must fail on the base` : `Bugfix, green: the test must pass with the fix of ${FIX_ID}`);
  const ran = await runEvidence(project, cmd.command, row.worktree, `bugfix-${stage.kind}`, await commandTimeoutMs(project, config));
  const run: BugfixRun = { command: cmd.command, passed: ran.passed, exit_code: ran.exit_code, output_tail: ran.output_tail, at: ran.at, builder: id };
  await mutateState(project.state, (d) => setRoot(d, 'bugfix', stage.kind, { ...run, log: ran.log }));
  if (stage.kind === 'red') {
    const verdict = judgeRed(run, ran.timedOut);
    if (!verdict.ok) return handToPerson(project, BUGFIX_ACTION, verdict.reason, 'bugfix');
    say(`Red: ${cmd.command} fails with the new test (exit status ${run.exit_code}), as it must`);
    return startFix(project, rows.length);
  }
  const verdict = judgeGreen(run);
  if (!verdict.ok) return handToPerson(project, BUGFIX_ACTION, verdict.reason, 'bugfix');
  say(`Green: ${cmd.command} passes with the fix; merging ${FIX_ID} (it carries the test of ${TEST_ID})`);
  await mutateState(project.state, (d) => setRoot(d, 'bugfix', 'refused', null));
  say(`Builder ${TEST_ID}: ${retireInto(project.dir, TEST_ID, records.find((r) => r.id === TEST_ID)?.worktree ?? null, FIX_ID)}`);
  return rows.filter((r) => builderRecord(r).id === FIX_ID);
}

/** The fix's builder: a worktree on a branch from the test's, its row added, and the workflow back to execution. */
async function startFix(project: Project, index: number): Promise<number> {
  const at = worktreeFrom(project.dir, FIX_ID, TEST_ID);
  if ('problem' in at) return handToPerson(project, BUGFIX_ACTION, `${at.problem}; nothing merged`, 'bugfix');
  const plan = bugfixPlan(await queryOf(project)).find((c) => c.id === FIX_ID)!;
  const row = {
    id: FIX_ID, description: plan.description, status: 'pending', worktree: at.path, branch: builderBranch(FIX_ID),
    pid: null, progress: 0, started: null, completed: null, created: utcTimestamp(), acceptance: plan.acceptance,
    // not depends_on: that would merge the test into the target before the fix (dependency waves)
    based_on: TEST_ID,
  };
  await mutateState(project.state, (d) => {
    const exec = d.get('execution');
    if (!(exec instanceof JsonObject)) return;
    const list = exec.get('builders');
    const builders = Array.isArray(list) ? list : [];
    if (!builders.some((b) => b instanceof JsonObject && b.get('id') === FIX_ID)) builders.splice(index, 0, fromPlain(row));
    exec.set('builders', builders);
    exec.set('status', 'running');
    setRoot(d, 'bugfix', 'refused', null);
  });
  say(`Added builder ${FIX_ID} on a branch from ${builderBranch(TEST_ID)}: execution comes next`);
  logStateTransition(project.logs, 'merge_build', 'execution');
  await writeInOrder(project.state, WRITE_ORDERS.builders_ready());
  return 0;
}

async function queryOf(project: Project): Promise<string> {
  const q = toPlain((await readStateDoc(project.state.stateFile)).get('user_query') ?? null);
  return typeof q === 'string' ? q : '';
}
