// The fix run (issue 20): what a builder sent back by the merge gate is told, the merge of
// the target into its branch before its agent starts, and how the attempts begin.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers.js';
import { conflictLeft, filesWithMarkers, mergeFixBrief, mergeFixPrompt, mergeTargetInto, mergeVerifyCommand } from '../../../agents/merge_fix.js';
import { firstPrompt } from '../../../agents/build.js';
import { LIMIT_RESUME_PROMPT } from '../../../workflow/rate_limits.js';
import { admitJob } from '../../../distributed/worker_policy.js';
import type { MergeFeedback } from '../../../store/builders.js';

const feedback: MergeFeedback = { kind: 'verify', target: 'main', base: 'a'.repeat(40), output: '/p/.argo-project/logs/merge-verify-cli-1.log', tail: 'FAIL test/cli.test.ts\nexpected 2, got 3\n', merged_since: ['core', 'gone'], files: [], attempt: 2 };
const rows = [
  { id: 'core', description: 'The calculator core', acceptance: 'npm test passes' },
  { id: 'cli', description: 'The command line', acceptance: null },
];

describe('mergeFixPrompt (pure)', () => {
  const brief = mergeFixBrief(feedback, rows, 'npm test');
  it('the verify command and its output tail, the components merged since (description, acceptance), make verify pass and commit', () => {
    const p = mergeFixPrompt('cli', brief, []);
    for (const s of ["'cli' component", 'attempt 2', 'the verify command failed on main', `main at ${'a'.repeat(12)} has been merged into your branch`, '- core: The calculator core', 'acceptance: npm test passes', '- gone: (no description)', 'The verify command: npm test', 'expected 2, got 3', 'Make the verify command pass', 'commit']) {
      expect(p).toContain(s);
    }
    expect(p).not.toContain('conflicted;');
  });
  it('a conflict from merging the target: the files, and how to conclude', () => {
    const p = mergeFixPrompt('cli', brief, ['src/app.ts', 'we"ird.txt']);
    expect(p).toContain('Merging main into your branch conflicted');
    expect(p).toContain('- "src/app.ts"');
    expect(p).toContain(`- ${JSON.stringify('we"ird.txt')}`);
  });
  it('a conflict sent back (kind conflict), no verify command, no tail', () => {
    const p = mergeFixPrompt('cli', mergeFixBrief({ ...feedback, kind: 'conflict', tail: '', merged_since: [] }, rows, null), []);
    expect(p).toContain('merging your work into main conflicted');
    expect(p).toContain('No verify command is configured.');
    expect(p).toContain('- (none)');
    expect(p).not.toContain('```');
  });
  it('the gate\'s command: verify.merge_command, else verify.command', () => {
    expect(mergeVerifyCommand({ verify: { command: 'npm test', merge_command: 'npm run e2e' } })).toBe('npm run e2e');
    expect(mergeVerifyCommand({ verify: { command: 'npm test', merge_command: ' ' } })).toBe('npm test');
    expect(mergeVerifyCommand({})).toBeNull();
  });
});

describe('firstPrompt (pure)', () => {
  const task = { id: 'cli', prompt: 'You are building the \'cli\' component.', afterLimit: false, retryOf: { failure: 'merge_verify' } };
  it('a resumed fix run gets the fix alone; a fresh one its task, then the fix', () => {
    expect(firstPrompt(task, true, 'FIX')).toBe('FIX');
    expect(firstPrompt(task, false, 'FIX')).toBe("You are building the 'cli' component.\n\nFIX");
  });
  it('without a fix: as before (the task; a retry note; the continue after a limit)', () => {
    expect(firstPrompt(task, false, null)).toBe(task.prompt);
    expect(firstPrompt(task, true, null)).toContain('the last attempt failed (merge_verify)');
    expect(firstPrompt({ ...task, afterLimit: true, retryOf: null }, true, null)).toBe(LIMIT_RESUME_PROMPT);
  });
});

const g = (dir: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, encoding: 'utf8' }).trim();

/** A repository: main moved on (core merged) after the builder branch argo-builder-cli forked; `clash`: both changed app.txt. */
function repo(clash: boolean) {
  const dir = tempDir();
  g(dir, 'init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'app.txt'), 'base\n');
  g(dir, 'add', '.');
  g(dir, 'commit', '-qm', 'base');
  g(dir, 'checkout', '-qb', 'argo-builder-cli');
  writeFileSync(join(dir, clash ? 'app.txt' : 'cli.txt'), 'cli\n');
  g(dir, 'add', '.');
  g(dir, 'commit', '-qm', 'cli');
  g(dir, 'checkout', '-q', 'main');
  writeFileSync(join(dir, clash ? 'app.txt' : 'core.txt'), 'core\n');
  g(dir, 'add', '.');
  g(dir, 'commit', '-qm', 'core');
  const base = g(dir, 'rev-parse', 'main');
  g(dir, 'checkout', '-q', 'argo-builder-cli');
  return { dir, base };
}

describe('mergeTargetInto', () => {
  it('merges the gate\'s commit into the builder\'s branch; again: nothing to do', async () => {
    const { dir, base } = repo(false);
    const r = await mergeTargetInto(dir, 'argo-builder-cli', { ...feedback, base });
    expect(r).toEqual({ kind: 'merged', conflicted: [], message: `main (${base.slice(0, 12)}) merged into argo-builder-cli` });
    expect(readFileSync(join(dir, 'core.txt'), 'utf8')).toBe('core\n');
    expect(g(dir, 'log', '-1', '--format=%s')).toBe('argo: merge main into argo-builder-cli (sent back by the merge gate)');
    expect((await mergeTargetInto(dir, 'argo-builder-cli', { ...feedback, base })).message).toContain('is already in argo-builder-cli');
  });
  it('a conflict is left in progress for the agent, its files named; conflictLeft says so until it is resolved and committed', async () => {
    const { dir, base } = repo(true);
    const r = await mergeTargetInto(dir, 'argo-builder-cli', { ...feedback, base });
    expect(r).toMatchObject({ kind: 'merged', conflicted: ['app.txt'] });
    expect(g(dir, 'rev-parse', 'MERGE_HEAD')).toBe(base);
    expect(conflictLeft(dir, ['app.txt'])).toContain('still in progress');
    // run again (a restart, a retry): the merge in progress is the agent's to finish, never aborted
    writeFileSync(join(dir, 'app.txt'), 'half resolved\n');
    g(dir, 'add', 'app.txt');
    expect(await mergeTargetInto(dir, 'argo-builder-cli', { ...feedback, base })).toMatchObject({ kind: 'merged', conflicted: [], message: expect.stringContaining('still in progress: left for the agent') });
    expect(g(dir, 'rev-parse', 'MERGE_HEAD')).toBe(base);
    expect(readFileSync(join(dir, 'app.txt'), 'utf8')).toBe('half resolved\n');
    g(dir, 'checkout', '-m', '--', 'app.txt'); // the markers back, as git left them
    g(dir, 'commit', '-qam', 'markers committed');
    expect(conflictLeft(dir, ['app.txt'])).toBe('conflict markers left in app.txt');
    writeFileSync(join(dir, 'app.txt'), 'core\ncli\n');
    expect(conflictLeft(dir, ['app.txt'])).toBeNull();
    expect(conflictLeft(dir, [])).toBeNull();
  });
  it('a commit that is not there: failed, nothing touched; names leading outside the worktree are not read', async () => {
    const { dir } = repo(false);
    const head = g(dir, 'rev-parse', 'HEAD');
    expect(await mergeTargetInto(dir, 'argo-builder-cli', { ...feedback, base: 'b'.repeat(40) })).toEqual({ kind: 'failed', message: `the target's commit ${'b'.repeat(40)} is not in this repository` });
    expect(g(dir, 'rev-parse', 'HEAD')).toBe(head);
    writeFileSync(join(dir, '..', 'outside.txt'), '<<<<<<< HEAD\n');
    expect(filesWithMarkers(dir, ['../outside.txt'])).toEqual([]);
  });
});

describe('a fix run\'s job on a worker', () => {
  it('is refused when merge_fix.feedback.base is not a commit id', () => {
    const job = { workflow: 'w', project: 'p', builder: 'x', prompt: 'p', tool: 'ci', remote: '/r', base: 'c'.repeat(40), branch: 'argo-builder-x', timeoutSeconds: null };
    const allow = { commands: ['ci'] };
    expect(admitJob({ ...job, merge_fix: { feedback: { ...feedback, base: '--upload-pack=x' }, merged: [], verify: null } }, allow)).toEqual({ ok: false, reason: 'merge_fix.feedback.base "--upload-pack=x" is not a commit id' });
    expect(admitJob({ ...job, merge_fix: { feedback: { ...feedback, base: 'd'.repeat(40) }, merged: [], verify: null } }, allow).ok).toBe(true);
  });
});
