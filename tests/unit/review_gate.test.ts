// The review gate (issue 21): its pure decisions — review.required, which builders the
// engine holds, argo review's arguments and comments file, who may be reviewed now, the
// comments as one message, the fix run's prompt and answer, the view's bounds and step.
import { describe, expect, it } from 'vitest';
import { readMergeSettings, usesEngine, type MergeSettings } from '../../merge/settings.js';
import { reviewHolds } from '../../merge/engine.js';
import { commentsMessage, parseCommentsFile, parseReviewArgs, reviewRefusal, waitsForReview } from '../../steer/review_input.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers.js';
import { projectStatePaths } from '../../store/state.js';
import { mergeFixBrief, mergeFixPrompt, recordReviewAnswer, reviewAnswered } from '../../agents/merge_fix.js';
import { builderRecord, type MergeFeedback } from '../../store/builders.js';
import { reviewStep, reviewView, waitingForReview } from '../../view/review_row.js';
import { buildView } from '../../view/model.js';
import { statusText } from '../../view/text.js';
import { diffViews, snapshotOf } from '../../notify/events.js';
import { formatEvent } from '../../notify/format.js';

const settingsOf = (config: unknown): MergeSettings => {
  const r = readMergeSettings(config);
  if (!('settings' in r)) throw new Error(r.problems.join('; '));
  return r.settings;
};

describe('review.required (merge/settings.ts)', () => {
  it('true turns the engine on; false and absent leave it off', () => {
    expect(usesEngine(settingsOf({ review: { required: true } }))).toBe(true);
    expect(usesEngine(settingsOf({ review: { required: false } }))).toBe(false);
    expect(usesEngine(settingsOf({}))).toBe(false);
  });
  it('anything else: one problem naming the key, the value and what is accepted', () => {
    expect(readMergeSettings({ review: { required: 'yes' } })).toEqual({ problems: ['review.required is "yes" in config.json; accepted: true or false, or absent'] });
    expect(readMergeSettings({ review: { required: 1 } })).toEqual({ problems: ['review.required is 1 in config.json; accepted: true or false, or absent'] });
    expect(readMergeSettings({ review: true })).toEqual({ problems: ['review is true in config.json; accepted: an object ({"required": true}), or absent'] });
  });
});

const row = (o: Record<string, unknown>) => builderRecord({ id: 'core', status: 'completed', ...o });

describe('reviewHolds (the gate, pure)', () => {
  const on = { review: true };
  it('holds a builder not approved (none, pending, changes requested); lets an approved one through', () => {
    expect(reviewHolds(on, row({}), new Set())).toBe(true);
    expect(reviewHolds(on, row({ review: { status: 'pending', comments: [] } }), new Set())).toBe(true);
    expect(reviewHolds(on, row({ review: { status: 'changes_requested', comments: [] } }), new Set())).toBe(true);
    expect(reviewHolds(on, row({ review: { status: 'approved', comments: [] } }), new Set())).toBe(false);
  });
  it('never without review.required, nor a builder merged by an earlier pass', () => {
    expect(reviewHolds({ review: false }, row({}), new Set())).toBe(false);
    expect(reviewHolds({}, row({}), new Set())).toBe(false);
    expect(reviewHolds(on, row({}), new Set(['core']))).toBe(false);
  });
});

describe('parseReviewArgs', () => {
  const isProject = (p: string) => p === '/p';
  it('no flag: the list (of the current folder, or a project)', () => {
    expect(parseReviewArgs([], isProject)).toEqual({ action: { kind: 'list' } });
    expect(parseReviewArgs(['/p'], isProject)).toEqual({ path: '/p', action: { kind: 'list' } });
  });
  it('each flag, with and without the project, the flag anywhere', () => {
    expect(parseReviewArgs(['/p', 'core', '--approve'], isProject)).toEqual({ path: '/p', id: 'core', action: { kind: 'approve' } });
    expect(parseReviewArgs(['--approve', 'core'], isProject)).toEqual({ path: undefined, id: 'core', action: { kind: 'approve' } });
    expect(parseReviewArgs(['core', '--request-changes', 'use a map'], isProject)).toEqual({ path: undefined, id: 'core', action: { kind: 'request', comments: [{ file: null, line: null, text: 'use a map' }] } });
    expect(parseReviewArgs(['/p', 'core', '--comments', 'c.json'], isProject)).toEqual({ path: '/p', id: 'core', action: { kind: 'comments_file', file: 'c.json' } });
  });
  it('refused: a second flag, an unknown one, a missing value, an empty or oversized text, no id, an id without a flag', () => {
    expect(parseReviewArgs(['core', '--approve', '--comments', 'f'], isProject)).toMatch(/^one of --approve, --request-changes, --comments at a time/);
    expect(parseReviewArgs(['core', '--approve', '--approve'], isProject)).toMatch(/^one of/);
    expect(parseReviewArgs(['core', '--force'], isProject)).toMatch(/^unknown option: --force/);
    expect(parseReviewArgs(['core', '--request-changes'], isProject)).toMatch(/^--request-changes needs a value/);
    expect(parseReviewArgs(['core', '--request-changes', ' \n'], isProject)).toMatch(/^the --request-changes text is empty/);
    expect(parseReviewArgs(['core', '--request-changes', 'x'.repeat(2049)], isProject)).toMatch(/is 2049 bytes; accepted: at most 2048 bytes/);
    expect(parseReviewArgs(['--approve'], isProject)).toMatch(/^expected \[project_path\] and one builder id, got none/);
    expect(parseReviewArgs(['a', 'b', 'c', '--approve'], isProject)).toMatch(/got "a" "b" "c"/);
    expect(parseReviewArgs(['core'], isProject)).toMatch(/^a builder id needs --approve/);
  });
});

describe('parseCommentsFile (the page\'s line comments)', () => {
  it('a JSON array of {file, line, text}; file and line may be null or absent', () => {
    expect(parseCommentsFile('[{"file":"src/x.ts","line":12,"text":"rename"},{"text":"overall: fine"}]', 'c.json')).toEqual([
      { file: 'src/x.ts', line: 12, text: 'rename' },
      { file: null, line: null, text: 'overall: fine' },
    ]);
  });
  it('refused: not JSON, not an array, empty, over 100, another key, a bad line or file, an empty or oversized text', () => {
    const bad = (t: string) => parseCommentsFile(t, 'c.json') as string;
    expect(bad('nope')).toMatch(/^the comments file c.json is not JSON; accepted: a JSON array of 1 to 100/);
    expect(bad('{}')).toMatch(/holds no array/);
    expect(bad('[]')).toMatch(/holds 0 comments/);
    expect(bad(JSON.stringify(Array.from({ length: 101 }, () => ({ text: 'x' }))))).toMatch(/holds 101 comments/);
    expect(bad('[{"text":"x","by":"me"}]')).toMatch(/^comment 1 of c.json has the key "by"/);
    expect(bad('[{"text":"x","line":1.5}]')).toMatch(/line is 1.5/);
    expect(bad('[{"text":"x","line":"3"}]')).toMatch(/line is "3"/);
    expect(bad('[{"text":"x","file":7}]')).toMatch(/file is 7/);
    expect(bad('[{"text":""}]')).toMatch(/text is empty/);
    expect(bad('[{"text":5}]')).toMatch(/text is 5/);
    expect(bad(JSON.stringify([{ text: 'é'.repeat(1025) }]))).toMatch(/is 2050 bytes/);
    expect(bad('[1]')).toMatch(/comment 1 of c.json is not an object/);
  });
});

describe('who may be reviewed now', () => {
  const waiting = { action_needed: 'review_builder' };
  const held = row({ review: { status: 'pending', comments: [] } });
  it('a completed builder whose review is pending, while the workflow waits with review_builder', () => {
    expect(waitsForReview(held, waiting)).toBe(true);
    expect(waitsForReview(held, { action_needed: 'execution' })).toBe(false);
    expect(waitsForReview(row({ review: { status: 'approved', comments: [] } }), waiting)).toBe(false);
    expect(waitsForReview(row({ status: 'failed', review: { status: 'pending', comments: [] } }), waiting)).toBe(false);
  });
  it('refusals name the builder and why', () => {
    expect(reviewRefusal([held], 'nope', waiting)).toBe("no builder 'nope' (builders: core)");
    expect(reviewRefusal([held], 'core', waiting)).toBeNull();
    expect(reviewRefusal([row({})], 'core', waiting)).toMatch(/^builder 'core' is not waiting for review \(status completed, never held for review, workflow action review_builder\)/);
  });
});

describe('the comments as one message, and the fix run', () => {
  const comments = [
    { file: 'src/x.ts', line: 12, text: 'rename this' },
    { file: 'README.md', line: null, text: 'document it' },
    { file: null, line: null, text: 'and add a test' },
  ];
  const message = commentsMessage(comments);
  it('file:line: text lines', () => {
    expect(message).toBe('src/x.ts:12: rename this\nREADME.md: document it\nand add a test');
  });
  const feedback: MergeFeedback = { kind: 'review', target: 'main', base: 'b'.repeat(40), output: null, tail: message, merged_since: [], files: [], attempt: 1 };
  it("the prompt: a person's changes, make them, keep verify passing, commit", () => {
    const p = mergeFixPrompt('cli', mergeFixBrief(feedback, [], 'npm test'), []);
    expect(p).toContain("A person reviewed your work on the 'cli' component and asks for these changes:\n\nsrc/x.ts:12: rename this\nREADME.md: document it\nand add a test");
    expect(p).toContain('Make them, keep the verify command passing (npm test), and commit your changes.');
    expect(p).not.toContain('sent back by the merge gate');
    expect(mergeFixPrompt('cli', mergeFixBrief(feedback, [], null), ['a.ts'])).toContain('- "a.ts"');
  });
  it('its answer: review pending again, comments kept, the reply cut to 4 KB; no text keeps the last reply', () => {
    const before = { status: 'changes_requested' as const, comments: [{ at: 't', text: 'x', file: null, line: null }], reply: 'old', updated: 't' };
    expect(reviewAnswered(before, 'done: renamed', 'now')).toEqual({ status: 'pending', comments: before.comments, reply: 'done: renamed', updated: 'now' });
    expect(reviewAnswered(before, null, 'now').reply).toBe('old');
    const long = reviewAnswered(before, 'ü'.repeat(3000), 'now').reply!;
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(4096);
    expect(long.endsWith('…')).toBe(true);
    expect(long).not.toContain('\uFFFD');
  });
});

describe('the view (bounded) and the next step', () => {
  it('the last 20 comments, each cut at 2 KB; the reply at 4 KB; null when never reviewed', () => {
    const comments = Array.from({ length: 25 }, (_, i) => ({ at: 't', text: i === 24 ? 'z'.repeat(5000) : `c${i}`, file: null, line: null }));
    const v = reviewView(row({ review: { status: 'pending', comments, reply: 'r'.repeat(9000) } }))!;
    expect(v.comments).toHaveLength(20);
    expect(v.comments[0]!.text).toBe('c5');
    expect(v.comments[19]!.text.length).toBe(2048);
    expect(v.comments_total).toBe(25);
    expect(v.reply!.length).toBe(4096);
    expect(reviewView(row({}))).toBeNull();
  });
  it('review_builder: each waiting builder with argo diff, and the approve / request-changes commands', () => {
    const rows = [
      { id: 'core', status: 'completed', review: reviewView(row({ review: { status: 'pending', comments: [] } })) },
      { id: 'cli', status: 'completed', review: reviewView(row({ review: { status: 'approved', comments: [] } })) },
    ];
    expect(waitingForReview(rows)).toEqual(['core']);
    const step = reviewStep(['core'], '/opt/argo/compat/argo', '/w/p', (s) => s);
    expect(step.what).toContain('core (see: /opt/argo/compat/argo diff /w/p core)');
    expect(step.commands).toEqual(['/opt/argo/compat/argo review /w/p core --approve', '/opt/argo/compat/argo review /w/p core --request-changes "..."', '/opt/argo/compat/argo diff /w/p core']);
  });
});

describe('recordReviewAnswer (the coordinator\'s path: a worker\'s fix run completed)', () => {
  it('the row as it is now: review pending again, its comments kept, the reply recorded; other rows untouched', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, '.argo-project'), { recursive: true });
    const comments = [{ at: 't', text: 'rename', file: 'a.ts', line: 3 }];
    const state = { phase: 'execution', execution: { builders: [{ id: 'core', status: 'completed', review: { status: 'changes_requested', comments, reply: null, updated: 't' } }, { id: 'cli', status: 'completed' }] } };
    writeFileSync(join(dir, '.argo-project', 'state.json'), JSON.stringify(state));
    await recordReviewAnswer(projectStatePaths(dir), 'core', 'renamed it');
    const after = JSON.parse(readFileSync(join(dir, '.argo-project', 'state.json'), 'utf8'));
    expect(after.execution.builders[0].review).toMatchObject({ status: 'pending', comments, reply: 'renamed it' });
    expect(after.execution.builders[1]).toEqual({ id: 'cli', status: 'completed' });
  });
});

describe('status and the notification while builders wait for review', () => {
  const state = {
    project_name: 'demo', phase: 'merge_build', action_owner: 'user', action_needed: 'review_builder',
    execution: { builders: [
      { id: 'core', status: 'completed', review: { status: 'pending', comments: [], reply: null, updated: null }, merge: { status: 'skipped', message: 'waiting for review' } },
      { id: 'cli', status: 'completed', review: { status: 'approved', comments: [] } },
    ] },
  };
  const view = buildView({ path: '/w/p', state, orchestrator: { pidFile: true, pid: 42, alive: true }, workflowLog: [], builderLogs: {}, now: Date.now(), argo: 'argo' });
  it('the next step names the waiting builder with argo diff, and the approve / request-changes commands; each row carries its review', () => {
    expect(view.next.who).toBe('user');
    expect(view.next.what).toContain('core (see: argo diff /w/p core)');
    expect(view.next.what).not.toContain('cli (see');
    expect(view.next.commands.slice(0, 2)).toEqual(['argo review /w/p core --approve', 'argo review /w/p core --request-changes "..."']);
    expect(view.builders.map((b) => b.review?.status)).toEqual(['pending', 'approved']);
    expect(statusText(view)).toContain('argo review /w/p core --approve');
  });
  it('the hand-off notification carries the sentence and both commands', () => {
    const { events } = diffViews(snapshotOf({ ...view, action_owner: 'code', action_needed: 'merge_branches' }), view);
    const control = events.find((e) => e.kind === 'control')!;
    const text = formatEvent(control, view).text;
    expect(text).toContain('review_builder');
    expect(text).toContain('argo diff /w/p core');
    expect(text).toContain('argo review /w/p core --approve');
    expect(text).toContain('argo review /w/p core --request-changes');
  });
});
