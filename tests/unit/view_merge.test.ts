// What a person sees of the integration engine (issue 20, items 4 and 5): hand-written
// states holding builder `merge` records — hostile ones too — through the view model, the
// status text and the one reader of a conflict's diff.
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildView, type ViewInput } from '../../view/model.js';
import { DIFF_LIMIT, MAX_FILES_SHOWN, MAX_NAME, printable } from '../../view/merge.js';
import { mergeDiffsOf, readMergeDiff } from '../../view/merge_diff.js';
import { statusText } from '../../view/text.js';
import { tempDir } from './helpers.js';

function input(state: Record<string, unknown>, over: Partial<ViewInput> = {}): ViewInput {
  return {
    path: '/p',
    state: { project_name: 'demo', phase: 'merge_build', action_owner: 'ci', action_needed: 'resolve_conflicts', ...state },
    orchestrator: { pidFile: true, pid: 42, alive: true },
    workflowLog: [],
    builderLogs: {},
    now: 0,
    argo: 'argo',
    ...over,
  };
}

const conflict = (id: string, over: Record<string, unknown> = {}) => ({
  status: 'conflict',
  commit: null,
  target: 'main',
  attempts: 0,
  output: null,
  files: ['src/a.ts', 'src/b.ts'],
  diff: `.argo-project/logs/merge-${id}.diff`,
  worktree: `/p/.argo-project/builders/${id}`,
  branch: `argo-builder-${id}`,
  message: 'the resolver gave up: both sides rewrote parse()',
  ...over,
});

/** merge_build's new records: core merged, ui resolved by the agent, cli conflicted, api failed the gate, docs skipped. */
const RECORDS = {
  merge_conflicts: ['cli'],
  merge: { target: 'main', merged: ['core', 'ui'], conflicts: ['cli'], skipped: ['docs'], missing: [], failed: [], resolved_by_agent: ['ui'], verify_failed: ['api'], strategy: 'merge' },
  execution: {
    builders: [
      { id: 'core', status: 'completed', merge: { status: 'merged', commit: 'abc', target: 'main', attempts: 1, files: [] } },
      { id: 'ui', status: 'completed', merge: { status: 'resolved_by_agent', commit: 'def', target: 'main', attempts: 1, files: ['src/ui.ts'] } },
      { id: 'cli', status: 'completed', merge: conflict('cli') },
      { id: 'api', status: 'completed', merge: { status: 'verify_failed', target: 'main', attempts: 3, output: '.argo-project/logs/merge-verify-api.log', worktree: '/p/.argo-project/builders/api', branch: 'argo-builder-api', message: 'npm test exited 1' } },
      { id: 'docs', status: 'failed', merge: { status: 'skipped' } },
    ],
  },
};

describe('the view: merge records and totals', () => {
  it('each builder carries its record; the totals count every merge status (the five always)', () => {
    const v = buildView(input(RECORDS));
    expect(v.builders.map((b) => b.merge)).toEqual(['merged', 'resolved_by_agent', 'conflict', 'verify_failed', 'skipped']);
    expect(v.totals.by_merge).toEqual({ merged: 1, conflict: 1, resolved_by_agent: 1, verify_failed: 1, skipped: 1 });
    expect(v.builders[2]!.merge_detail).toMatchObject({ status: 'conflict', files: ['src/a.ts', 'src/b.ts'], files_total: 2, worktree: '/p/.argo-project/builders/cli', branch: 'argo-builder-cli', diff: '.argo-project/logs/merge-cli.diff', diff_text: null, diff_problem: null });
    expect(v.merge).toMatchObject({ resolved_by_agent: ['ui'], verify_failed: ['api'], strategy: 'merge' });
  });

  it('resolve_conflicts names, per conflicted builder, the files, worktree, branch and diff, and the one command argo merge', () => {
    const v = buildView(input(RECORDS));
    expect(v.next.what).toBe(
      'Resolve the merge conflicts of cli on their branches, then merge again: cli: 2 conflicted files (src/a.ts, src/b.ts) - work in /p/.argo-project/builders/cli on branch argo-builder-cli, bring main in there, resolve and commit; diff: .argo-project/logs/merge-cli.diff.',
    );
    expect(v.next.commands).toEqual(['argo merge /p']);
    expect(v.next.what).not.toMatch(/state update|state\.json|update_state/);
  });

  it('review_merge names the builders that failed the verify gate, their output and where to fix them, and those the resolver merged', () => {
    const v = buildView(input({ ...RECORDS, action_owner: 'user', action_needed: 'review_merge', merge_conflicts: [] }));
    expect(v.next.what).toContain('the verify command failed on the merged tree: api (after 3 verify runs, output .argo-project/logs/merge-verify-api.log; fix it: work in /p/.argo-project/builders/api on branch argo-builder-api)');
    expect(v.next.what).toContain('(the resolver agent merged ui)');
    expect(v.next.what).toContain('failed: docs');
    expect(v.next.commands).toEqual(['argo retry /p docs', 'argo merge /p']);
  });

  it('COMPAT: rows without a merge record keep today\'s sentence, per-builder merge words and text', () => {
    const old = { merge_conflicts: ['b1'], merge: { target: 'main', merged: ['a'], conflicts: ['b1'], skipped: [], missing: [], failed: [] }, execution: { builders: [{ id: 'a', status: 'completed' }, { id: 'b1', status: 'completed' }] } };
    const v = buildView(input(old));
    expect(v.next.what).toBe('Resolve the merge conflicts of b1 on their branches, then merge again.');
    expect(v.builders.map((b) => [b.merge, b.merge_detail])).toEqual([['merged', null], ['conflict', null]]);
    expect(v.totals.by_merge).toEqual({ merged: 1, conflict: 1, resolved_by_agent: 0, verify_failed: 0, skipped: 0 });
    const text = statusText(v);
    expect(text).not.toContain('Where to step in');
    expect(text).not.toContain('Merge outcomes');
    expect(text).toContain('Merge into main: merged: a; conflicts: b1\n');
    const review = buildView(input({ ...old, action_owner: 'user', action_needed: 'review_merge', execution: { builders: [{ id: 'x', status: 'failed' }] } }));
    expect(review.next.what).toBe('Some builders were not merged (failed: x): retry them or merge again.');
  });

  it('hostile records: a huge file list is bounded, a name with a newline or markup never starts a line, odd shapes are no record', () => {
    const files = [...Array.from({ length: 10_000 }, (_, i) => `f${i}.ts`)];
    files[0] = 'evil\nNext: user - run rm -rf ~\n<img src=x onerror=alert(1)>';
    files[1] = 'x'.repeat(5000);
    const v = buildView(input({ merge_conflicts: ['cli'], execution: { builders: [{ id: 'cli', status: 'completed', merge: conflict('cli', { files, worktree: '/p/wt\n$(touch /tmp/pwned)', branch: 'b\u202eevil' }) }, { id: 'odd', merge: { status: 'exploded' } }, { id: 'str', merge: 'conflict' }] } }));
    const d = v.builders[0]!.merge_detail!;
    expect(d.files).toHaveLength(MAX_FILES_SHOWN);
    expect(d.files_total).toBe(10_000);
    expect(d.files[1]!.length).toBe(MAX_NAME);
    expect(v.builders[1]!.merge_detail).toBeNull();
    expect(v.builders[2]!.merge_detail).toBeNull();
    expect(v.builders[2]!.merge).toBe('conflict');
    // The sentence: one line, the newline shown as \n, the worktree one quoted shell word, at most 5 names.
    expect(v.next.what).not.toContain('\n');
    expect(v.next.what).toContain('evil\\nNext: user - run rm -rf ~\\n<img src=x onerror=alert(1)>');
    expect(v.next.what).toContain("work in '/p/wt\\n$(touch /tmp/pwned)' on branch 'b\\u202eevil'");
    expect(v.next.what).toContain('(+9995 more)');
    expect(v.next.what.length).toBeLessThan(2000);
    const text = statusText(v);
    // every line of the text is ours: no line starts with the injected "Next:"
    expect(text.split('\n').filter((l) => l.startsWith('Next:'))).toHaveLength(1);
    expect(text).toContain('  cli: conflict in 10000 files: evil\\nNext: user');
    expect(text).toContain('(+9980 more)');
  });

  it('the row\'s record wins over the root lists (a later run\'s outcome over an earlier one\'s)', () => {
    const v = buildView(input({ merge: { merged: ['cli'], conflicts: [] }, execution: { builders: [{ id: 'cli', status: 'completed', merge: conflict('cli') }] } }));
    expect(v.builders[0]!.merge).toBe('conflict');
    expect(v.totals.by_merge.conflict).toBe(1);
  });

  it('many conflicted builders: the sentence describes ten and counts the rest', () => {
    const builders = Array.from({ length: 40 }, (_, i) => ({ id: `b${i}`, status: 'completed', merge: conflict(`b${i}`) }));
    const v = buildView(input({ merge_conflicts: builders.map((b) => b.id), execution: { builders } }));
    expect(v.next.what.match(/conflicted files/g)).toHaveLength(10);
    expect(v.next.what).toContain('; and 30 more (argo status lists them).');
    expect(statusText(v).match(/^  b\d+: conflict in/gm)).toHaveLength(40);
  });

  it('printable: control characters, separators and bidi overrides become escapes', () => {
    expect(printable('a\nb\tc\r\x1b[31m\u2028\u202e\u2066d')).toBe('a\\nb\\tc\\r\\x1b[31m\\u2028\\u202e\\u2066d');
    expect(printable('plain/ok-name_1.ts')).toBe('plain/ok-name_1.ts');
  });
});

describe('the status text: where a person steps in', () => {
  it('per builder: the files, where to work, the diff (size, or why not shown), the message; the totals line', () => {
    const v = buildView(input(RECORDS, { mergeDiffs: { cli: { text: 'diff --git', bytes: 1234, cut: false, problem: null } } }));
    const text = statusText(v);
    expect(text).toContain('Merge into main: merged: core, ui; conflicts: cli; skipped: docs; resolved_by_agent: ui; verify_failed: api\n');
    expect(text).toContain('Merge outcomes: 1 merged, 1 conflict, 1 resolved_by_agent, 1 verify_failed, 1 skipped\n');
    expect(text).toContain(
      [
        'Where to step in:',
        '  cli: conflict in 2 files: src/a.ts, src/b.ts',
        '    work in /p/.argo-project/builders/cli on branch argo-builder-cli (target main)',
        '    diff: .argo-project/logs/merge-cli.diff (1234 bytes)',
        '    resolver: the resolver gave up: both sides rewrote parse()',
        '  api: the verify command failed on the merged tree after 3 runs: output .argo-project/logs/merge-verify-api.log',
        '    work in /p/.argo-project/builders/api on branch argo-builder-api (target main)',
        '    gate: npm test exited 1',
      ].join('\n'),
    );
    expect(text).toContain('\n  argo merge /p\n');
    const refused = statusText(buildView(input(RECORDS, { mergeDiffs: { cli: { text: null, bytes: null, cut: false, problem: 'diff not shown: /etc/passwd is not inside the project\'s .argo-project/logs folder (refused)' } } })));
    expect(refused).toContain("    diff not shown: /etc/passwd is not inside the project's .argo-project/logs folder (refused)\n");
    expect(refused).not.toContain('    diff: ');
  });
});

/** A project folder with .argo-project/logs, and a file outside it. */
function project(): { dir: string; logs: string; outside: string } {
  const dir = tempDir();
  const logs = join(dir, '.argo-project', 'logs');
  mkdirSync(logs, { recursive: true });
  const outside = join(dir, 'secret.txt');
  writeFileSync(outside, 'SECRET');
  return { dir, logs, outside };
}

describe('readMergeDiff: the path from state is proven before it is read', () => {
  it('a regular file inside the logs folder, relative or absolute: its text; a bigger one cut at the limit with its size', () => {
    const p = project();
    writeFileSync(join(p.logs, 'merge-cli.diff'), 'diff --git a/x b/x\n<<<<<<< HEAD\n');
    expect(readMergeDiff(p.dir, '.argo-project/logs/merge-cli.diff')).toEqual({ text: 'diff --git a/x b/x\n<<<<<<< HEAD\n', bytes: 32, cut: false, problem: null });
    expect(readMergeDiff(p.dir, join(p.logs, 'merge-cli.diff')).text).toContain('<<<<<<<');
    writeFileSync(join(p.logs, 'merge-big.diff'), 'y'.repeat(DIFF_LIMIT * 4));
    const big = readMergeDiff(p.dir, '.argo-project/logs/merge-big.diff');
    expect(big).toMatchObject({ bytes: DIFF_LIMIT * 4, cut: true, problem: null });
    expect(big.text).toHaveLength(DIFF_LIMIT);
    const v = buildView(input({ execution: { builders: [{ id: 'big', merge: conflict('big') }] } }, { mergeDiffs: mergeDiffsOf(p.dir, { execution: { builders: [{ id: 'big', merge: conflict('big') }] } }) }));
    expect(v.builders[0]!.merge_detail).toMatchObject({ diff_cut: true, diff_bytes: DIFF_LIMIT * 4, diff_note: `cut at ${DIFF_LIMIT} of ${DIFF_LIMIT * 4} bytes; the whole diff is .argo-project/logs/merge-big.diff` });
  });

  it.each([
    ['a path outside the logs folder', (p: ReturnType<typeof project>) => p.outside, /is not inside the project's .argo-project\/logs folder/],
    ['a climb out of the logs folder', () => '.argo-project/logs/../../secret.txt', /is not inside/],
    ['/etc/passwd', () => '/etc/passwd', /is not inside/],
    ['the logs folder itself', () => '.argo-project/logs', /is not inside/],
    ['a symlink in logs pointing out', (p: ReturnType<typeof project>) => (symlinkSync(p.outside, join(p.logs, 'merge-x.diff')), '.argo-project/logs/merge-x.diff'), /is not inside/],
    ['a symlinked folder in logs pointing out', (p: ReturnType<typeof project>) => (symlinkSync(p.dir, join(p.logs, 'up')), '.argo-project/logs/up/secret.txt'), /is not inside/],
    ['a folder inside logs', (p: ReturnType<typeof project>) => (mkdirSync(join(p.logs, 'd')), '.argo-project/logs/d'), /is not a regular file/],
    ['a FIFO inside logs (never waited on)', (p: ReturnType<typeof project>) => (execFileSync('mkfifo', [join(p.logs, 'fifo')]), '.argo-project/logs/fifo'), /is not a regular file/],
    ['a file that does not exist', () => '.argo-project/logs/merge-none.diff', /does not exist/],
    ['a name with a newline', () => '.argo-project/logs/a\nb', /a\\nb does not exist/],
  ])('%s: nothing shown, one line why', (_n, make, why) => {
    const p = project();
    const r = readMergeDiff(p.dir, make(p));
    expect(r.text).toBeNull();
    expect(r.problem).toMatch(/^diff not shown: /);
    expect(r.problem).toMatch(why);
    expect(r.problem).not.toContain('\n');
    expect(JSON.stringify(r)).not.toContain('SECRET');
  });

  it('a project without a logs folder: nothing shown', () => {
    expect(readMergeDiff(tempDir(), '.argo-project/logs/x.diff').problem).toBe('diff not shown: the project has no .argo-project/logs folder');
  });
});
