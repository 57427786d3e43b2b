// workflow.kind "bugfix" (issue 22), the pure half: the fixed two-step plan, the command
// that judges red and green, which stage the workflow is at, and the red/green judgement.
// The I/O (running the command, the fix's worktree, the hand-offs) is phases/modes/bugfix_merge.ts.
//
// Test first: the builder `bugfix-test` writes a test that reproduces the bug, and the
// command must FAIL with it on the base (red) — else the test proves nothing and the fix
// is refused before it is even built. Then `bugfix-fix`, whose branch starts at the test's
// branch (it sees the test), and the command must PASS there (green). Only the fix's
// branch is merged: it carries the test's commits too.
import type { Component } from '../components.js';

export const TEST_ID = 'bugfix-test';
export const FIX_ID = 'bugfix-fix';

/** What the person is asked to do when the bugfix workflow stops (action_needed). */
export const BUGFIX_ACTION = 'review_bugfix';

import { isRecord as isObj } from '../../core/record.js';

/** The two components, for the plan the person approves (no design agent). */
export function bugfixPlan(bug: string): Component[] {
  return [
    {
      id: TEST_ID,
      description: [
        'Write an automated test that reproduces this bug, and nothing else:',
        bug,
        'Add the test to the project\'s test suite. Do NOT fix the bug: the test must fail on the code as it is now, because of the bug.',
      ].join('\n'),
      acceptance: 'the test command fails with the new test on the current code (red)',
    },
    {
      id: FIX_ID,
      description: [
        'Fix this bug:',
        bug,
        `A test that reproduces it is already in this branch (written by ${TEST_ID}); make it pass without weakening it, and keep the other tests passing.`,
      ].join('\n'),
      acceptance: 'the test command passes (green)',
    },
  ];
}

/** The command that judges red and green: bugfix.test_command, else verify.command; or the problem. */
export function bugfixCommand(config: unknown): { command: string; key: string } | { problem: string } {
  const c = isObj(config) ? config : {};
  const section = c.bugfix;
  if (section !== undefined && section !== null && !isObj(section)) {
    return { problem: `bugfix is ${JSON.stringify(section)} in config.json; accepted: an object ({"test_command": "npm test"})` };
  }
  const t = isObj(section) ? section.test_command : undefined;
  if (t !== undefined && t !== null && (typeof t !== 'string' || t.trim() === '')) {
    return { problem: `bugfix.test_command is ${JSON.stringify(t)} in config.json; accepted: a non-empty shell command, or absent (verify.command)` };
  }
  if (typeof t === 'string') return { command: t, key: 'bugfix.test_command' };
  const v = isObj(c.verify) ? c.verify.command : undefined;
  if (typeof v === 'string' && v.trim() !== '') return { command: v, key: 'verify.command' };
  return { problem: `workflow.kind is "bugfix" but neither bugfix.test_command nor verify.command is set in config.json; accepted: a shell command that runs the tests (it must fail with the new test before the fix, and pass after)` };
}

/** Where a bugfix workflow stands, from its builder rows' ids and statuses. */
export type BugfixStage =
  | { kind: 'red'; test: string } // the test builder ended, no fix yet: judge red
  | { kind: 'green'; fix: string } // the fix builder ended: judge green
  | { kind: 'stopped'; reason: string }; // a builder did not complete

export function bugfixStage(rows: readonly { id: string; status: string }[]): BugfixStage {
  const test = rows.find((r) => r.id === TEST_ID);
  const fix = rows.find((r) => r.id === FIX_ID);
  if (!test) return { kind: 'stopped', reason: `the bugfix workflow has no ${TEST_ID} builder` };
  if (!fix) {
    if (test.status !== 'completed') return { kind: 'stopped', reason: `the test builder ${TEST_ID} did not complete (status: ${test.status}); nothing merged` };
    return { kind: 'red', test: TEST_ID };
  }
  if (fix.status !== 'completed') return { kind: 'stopped', reason: `the fix builder ${FIX_ID} did not complete (status: ${fix.status}); nothing merged` };
  return { kind: 'green', fix: FIX_ID };
}

/** The builders' own verify gate: none while only the test is built (it must fail there); verify.command for the fix. */
export function bugfixBuilderVerify(verify: string | null, rows: readonly { id: string }[]): string | null {
  return rows.some((r) => r.id === FIX_ID) ? verify : null;
}

/** One run of the command, as state root `bugfix` keeps it (evidence). */
export interface BugfixRun {
  command: string;
  passed: boolean;
  exit_code: number;
  output_tail: string;
  at: string;
  /** The builder whose worktree it ran in. */
  builder: string;
}

export type Judgement = { ok: true } | { ok: false; reason: string };

/** Red: the command must fail with the test on the base (a pass means the test does not reproduce the bug). */
export function judgeRed(run: Pick<BugfixRun, 'passed' | 'exit_code' | 'command'>, timedOut = false): Judgement {
  if (timedOut) return { ok: false, reason: `the test command (${run.command}) ran out of time on the base with the new test: no evidence it fails because of the bug` };
  if (run.passed) return { ok: false, reason: `the test written by ${TEST_ID} does not fail on the base (${run.command} passed), so it does not reproduce the bug: the fix is refused, nothing merged` };
  return { ok: true };
}

/** Green: the command must pass on the fix's branch (which carries the test). */
export function judgeGreen(run: Pick<BugfixRun, 'passed' | 'exit_code' | 'command'>): Judgement {
  if (!run.passed) return { ok: false, reason: `the test command (${run.command}) still fails with the fix of ${FIX_ID} (exit status ${run.exit_code}): nothing merged` };
  return { ok: true };
}
