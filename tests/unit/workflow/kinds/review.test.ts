// workflow.kind "review" (issue 22), the pure parts: review_run.* read with one problem line
// each (a revision is an operand, never an option), the reviewer's prompt, counting findings,
// the findings document, and what status shows of state `reviews`.
import { describe, expect, it } from 'vitest';
import { countFindings, findingsDocument, parseRange, PROMPT_LIMIT_BYTES, readReviewSettings, reviewIds, reviewLines, reviewPrompt, reviewsOf } from '../../../../workflow/kinds/review.js';

const ACCEPTED = 'accepted: a branch or commit ("feature": its changes since main/master), "A..B" or "A...B" (branches, tags or commits)';

describe('review_run.range', () => {
  it.each([
    ['feature', { base: null, tip: 'feature', mergeBase: false }],
    ['main..feature', { base: 'main', tip: 'feature', mergeBase: false }],
    ['main...feature/x', { base: 'main', tip: 'feature/x', mergeBase: true }],
    ['v1.0..abc1234', { base: 'v1.0', tip: 'abc1234', mergeBase: false }],
    ['refs/heads/a..b', { base: 'refs/heads/a', tip: 'b', mergeBase: false }],
  ])('%s', (text, r) => {
    expect(parseRange(text)).toEqual({ text, ...r });
  });

  it.each([
    ['--output=x..main', '"--output=x": a branch name must not start with "-"'],
    ['main..', 'a side of the range is empty'],
    ['a..b..c', 'more than one ".." in it'],
    ['main..fea ture', '"fea ture": a ref must not contain " "'],
    ['main..HEAD@{1}', '"HEAD@{1}": a ref must not contain "@{"'],
  ])('refuses %s', (text, why) => {
    expect(readReviewSettings({ review_run: { range: text } })).toEqual({ problem: `review_run.range is ${JSON.stringify(text)} in config.json (${why}); ${ACCEPTED}` });
  });
});

describe('readReviewSettings', () => {
  it('reviewers default to none (the workflow\'s CI tool); a name or a list', () => {
    expect(readReviewSettings({ review_run: { range: 'f' } })).toMatchObject({ settings: { reviewers: [] } });
    expect(readReviewSettings({ review_run: { range: 'f', reviewers: 'codex' } })).toMatchObject({ settings: { reviewers: ['codex'] } });
    expect(readReviewSettings({ review_run: { range: 'f', reviewers: ['claude', 'codex'] } })).toMatchObject({ settings: { reviewers: ['claude', 'codex'] } });
  });

  it.each([
    [{}, 'review_run is null in config.json (workflow.kind is "review"); accepted: an object {"range": "main..feature", "reviewers": ["claude"]}'],
    [{ review_run: {} }, `review_run.range is null in config.json; ${ACCEPTED}`],
    [{ review_run: { range: 'f', reviewers: ['claude', '--yolo'] } }, 'review_run.reviewers is ["claude","--yolo"] in config.json; accepted: a list of up to 8 agent preset names (e.g. ["claude", "codex"]), or absent for ci.agent'],
    [{ review_run: { range: 'f', reviewers: Array(9).fill('claude') } }, expect.stringContaining('review_run.reviewers is ["claude"')],
  ])('refuses %j', (config, problem) => {
    expect(readReviewSettings(config)).toEqual({ problem });
  });
});

const range = parseRange('main..feature') as Exclude<ReturnType<typeof parseRange>, string>;
const facts = { base: 'a'.repeat(40), tip: 'b'.repeat(40), commits: 'bbbbbbb add calc\n', stat: ' calc.sh | 1 +\n', diff: '+echo 1\n' };

describe('the reviewer prompt', () => {
  it('read-only, the range, the commits, the files, the diff and the form of a finding', () => {
    const p = reviewPrompt(range, facts, 'Look for missing tests');
    expect(p.startsWith(`You are reviewing the changes main..feature (aaaaaaaaaaaa..bbbbbbbbbbbb)`)).toBe(true);
    expect(p).toContain('Do not change anything: no edits, no commits');
    expect(p).toContain('What to look for:\nLook for missing tests');
    expect(p).toContain('The files changed:\n calc.sh | 1 +');
    expect(p).toContain('```diff\n+echo 1\n```');
    expect(p).toContain('- [high] path/to/file:line - what is wrong and why');
  });

  it('a diff too large to show: how to read it instead', () => {
    const p = reviewPrompt(range, { ...facts, diff: null }, '');
    expect(p).not.toContain('```diff');
    expect(p).toContain(`run \`git diff ${facts.base} ${facts.tip}\` (read-only)`);
    expect(p).not.toContain('What to look for');
  });
});

describe('the reviewer prompt stays one argv string Linux accepts (under 128 KiB)', () => {
  it('long lists are cut with a count', () => {
    const commits = Array.from({ length: 500 }, (_, i) => `c${i} subject`).join('\n') + '\n';
    const p = reviewPrompt(range, { ...facts, commits }, '');
    expect(p).toContain('c199 subject\n… and 300 more\n');
    expect(p).not.toContain('c200 subject');
  });

  it('a diff that would take the prompt over the limit is replaced by the command to read it', () => {
    const diff = '+x\n'.repeat(33 * 1024); // 99 KiB: under DIFF_IN_PROMPT_BYTES
    expect(reviewPrompt(range, { ...facts, diff }, 'q')).toContain('```diff');
    const p = reviewPrompt(range, { ...facts, diff }, 'q'.repeat(30 * 1024));
    expect(p).not.toContain('```diff');
    expect(p).toContain('The diff is too large to show here');
    expect(Buffer.byteLength(p)).toBeLessThanOrEqual(PROMPT_LIMIT_BYTES);
  });
});

describe('findings', () => {
  it.each([
    ['- [high] a.ts:1 - x\n* [Medium] b\n1. [low] c\n2) [low] d\n- [note] e\nNo findings', { high: 1, medium: 1, low: 2 }],
    ['No findings.', { high: 0, medium: 0, low: 0 }],
    ['text [high] inline - not a finding', { high: 0, medium: 0, low: 0 }],
  ])('%j', (text, counts) => {
    expect(countFindings(text)).toEqual(counts);
  });

  it('ids: the start stamp and the reviewer, unique per run', () => {
    expect(reviewIds('2026-12-03T13:00:00Z', ['claude', 'codex', 'claude', 'my tool'])).toEqual(['20261203T130000Z-claude', '20261203T130000Z-codex', '20261203T130000Z-claude-2', '20261203T130000Z-my-tool']);
  });

  it('the document names the range, the reviewer, its status and what it moved', () => {
    const doc = findingsDocument({ id: 'r1', reviewer: 'claude', status: 'done', error: null, moved: ['refs/heads/main moved'] }, range, facts, '- [high] x\n', 'T');
    expect(doc).toBe(`# Review r1\n\n- range: main..feature (${facts.base}..${facts.tip})\n- reviewer: claude\n- written: T\n- status: done\n- WARNING: the reviewer changed the repository: refs/heads/main moved\n\n## Findings\n\n- [high] x\n`);
  });
});

describe('status', () => {
  const state = {
    range: 'main..feature',
    base: facts.base,
    tip: facts.tip,
    reviewers: [
      { id: 'r1', reviewer: 'claude', status: 'done', findings: 3, by_severity: { high: 1, medium: 0, low: 2 }, file: '/p/r1.md', error: null, moved: [] },
      { id: 'r2', reviewer: 'codex', status: 'failed', findings: 0, by_severity: {}, file: '/p/r2.md', error: 'exit status 1', moved: ['its checkout is kept at /w'] },
      'garbage',
    ],
  };

  it('reviewsOf reads what it can; none is null', () => {
    expect(reviewsOf(undefined)).toBeNull();
    expect(reviewsOf(state)!.reviewers).toHaveLength(2);
    expect(reviewsOf(state)!.reviewers[1]!.by_severity).toEqual({ high: 0, medium: 0, low: 0 });
  });

  it('the lines', () => {
    expect(reviewLines(reviewsOf(state)!)).toEqual([
      '',
      'Review of main..feature (aaaaaaaaaaaa..bbbbbbbbbbbb): nothing is merged',
      '  claude: 3 findings (1 high, 2 low) - /p/r1.md',
      '  codex: failed: exit status 1 - /p/r2.md',
      '    WARNING: changed the repository: its checkout is kept at /w',
    ]);
  });
});
