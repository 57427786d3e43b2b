// Issue 21 on the page: the review gate's actions (approve, request changes, a batch of line
// comments through a 0600 temp file) and starting a workflow — each body checked before any
// command runs, the argv `argo` gets, the temp file's mode, content and removal, the token.
import { statSync, existsSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { handle, parseAction, type Deps, type Req } from '../../dashboard/handlers.js';
import { actWithCli, commandFor, startWithCli, type ArgoRunner } from '../../dashboard/actions.js';
import type { ActionRequest, ProjectSummary, StartRequest } from '../../dashboard/messages.js';
import { reviewReader } from '../../dashboard/server.js';
import { REVIEW_COMMENTS_SHOWN, shownReview } from '../../view/builder_review.js';
import { diffLines } from '../../dashboard/static/review.js';
import { tempDir, ROOT } from './helpers.js';

const TOKEN = 'secret-token-123';
const PROJECT: ProjectSummary = { id: 'demo-1', name: 'demo', path: '/p q', problem: null, view: null };
const bearer = { authorization: `Bearer ${TOKEN}` };
const post = (url: string, body: unknown, headers: Record<string, string> = {}): Req => ({
  method: 'POST',
  url,
  headers: { host: '127.0.0.1:7787', origin: 'http://127.0.0.1:7787', 'sec-fetch-site': 'same-origin', ...bearer, ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

function deps(acted: ActionRequest[], started: StartRequest[]): Deps {
  return {
    token: TOKEN,
    projects: () => [PROJECT],
    project: (id) => (id === PROJECT.id ? PROJECT : undefined),
    asset: () => undefined,
    act: async (_p, r) => (acted.push(r), { ok: true, output: 'done' }),
    start: async (r) => (started.push(r), { ok: false, output: 'ERROR: .argo-project directory not found in /x' }),
    mergeDiff: () => undefined,
    review: async () => undefined,
  };
}

const review = (o: unknown) => parseAction('review', JSON.stringify(o));
const comment = (text = 'Use a constant here', file: string | null = 'src/a.ts', line: number | null = 12) => ({ file, line, text });

describe('review requests from the page, checked before anything runs', () => {
  it('approve, request changes, a batch of comments', () => {
    expect(review({ builder: 'ui', approve: true })).toEqual({ action: 'review', builder: 'ui', verdict: { approve: true } });
    expect(review({ builder: 'ui', request_changes: 'Rename it' })).toEqual({ action: 'review', builder: 'ui', verdict: { request_changes: 'Rename it' } });
    const batch = [comment(), comment('general', null, null), comment('whole file', 'b.ts', null)];
    expect(review({ builder: 'ui', comments: batch })).toEqual({ action: 'review', builder: 'ui', verdict: { comments: batch } });
    // An absent file or line is null (the contract's shape).
    expect(review({ builder: 'ui', comments: [{ text: 'x' }] })).toEqual({ action: 'review', builder: 'ui', verdict: { comments: [{ file: null, line: null, text: 'x' }] } });
  });

  it.each([
    ['no builder', { approve: true }, /^review needs/],
    ['a builder that looks like an option', { builder: '--approve', approve: true }, /^review needs/],
    ['no verdict', { builder: 'ui' }, /^review needs/],
    ['two verdicts', { builder: 'ui', approve: true, request_changes: 'x' }, /^review needs/],
    ['approve not true', { builder: 'ui', approve: 'yes' }, /approve must be true/],
    ['an empty request', { builder: 'ui', request_changes: '   ' }, /request_changes must be text of 1 to 2048 bytes/],
    ['a request over 2 KB', { builder: 'ui', request_changes: 'é'.repeat(1025) }, /request_changes must be text/],
    ['comments not an array', { builder: 'ui', comments: { text: 'x' } }, /comments must be a JSON array of 1 to 100/],
    ['no comments', { builder: 'ui', comments: [] }, /comments must be a JSON array of 1 to 100/],
    ['101 comments', { builder: 'ui', comments: Array.from({ length: 101 }, () => comment()) }, /1 to 100/],
    ['a comment over 2 KB', { builder: 'ui', comments: [comment(), comment('x'.repeat(2049))] }, /^comments\[1\]\.text must be text of 1 to 2048 bytes/],
    ['an empty comment', { builder: 'ui', comments: [comment(' ')] }, /comments\[0\]\.text/],
    ['a comment with NUL', { builder: 'ui', comments: [comment('a\0b')] }, /comments\[0\]\.text must be text of 1 to 2048 bytes, without NUL/],
    ['a request with NUL', { builder: 'ui', request_changes: 'a\0b' }, /request_changes must be text/],
    ['a line 0', { builder: 'ui', comments: [comment('x', 'a.ts', 0)] }, /comments\[0\]\.line must be a line number/],
    ['a fractional line', { builder: 'ui', comments: [comment('x', 'a.ts', 1.5)] }, /\.line must be a line number/],
    ['a line as text', { builder: 'ui', comments: [{ file: 'a.ts', line: '3', text: 'x' }] }, /\.line must be a line number/],
    ['a line without a file', { builder: 'ui', comments: [comment('x', null, 3)] }, /\.line needs a file/],
    ['a file that is a number', { builder: 'ui', comments: [{ file: 7, line: null, text: 'x' }] }, /\.file must be a path/],
    ['a file with a line break', { builder: 'ui', comments: [comment('x', 'a\nb', 1)] }, /\.file must be a path/],
    ['an unknown key', { builder: 'ui', comments: [{ ...comment(), html: '<b>' }] }, /unknown key "html"/],
    ['a comment that is no object', { builder: 'ui', comments: ['x'] }, /comments\[0\] must be an object/],
  ])('refused: %s', (_n, body, why) => {
    expect(review(body)).toMatch(why);
  });

  it('the argv: argo review <path> <builder> --approve | --comments FILE (one argument each, never a shell; the free text goes in the file)', () => {
    expect(commandFor({ action: 'review', builder: 'ui', verdict: { approve: true } }, '/p q')).toEqual(['review', '/p q', 'ui', '--approve']);
    expect(commandFor({ action: 'review', builder: 'ui', verdict: { request_changes: '--approve $(rm -rf ~)' } }, '/p q', '/tmp/f.json')).toEqual(['review', '/p q', 'ui', '--comments', '/tmp/f.json']);
    expect(commandFor({ action: 'review', builder: 'ui', verdict: { comments: [comment()] } }, '/p q', '/tmp/f.json')).toEqual(['review', '/p q', 'ui', '--comments', '/tmp/f.json']);
  });
});

describe('the comment batch goes to argo through a 0600 temp file, removed afterwards', () => {
  it('one --comments file holding the whole batch, readable by its owner only; gone after the run', async () => {
    const seen: { args: string[]; cwd: string; mode: number; dirMode: number; content: unknown }[] = [];
    const run: ArgoRunner = async (_root, args, cwd) => {
      const file = args[args.indexOf('--comments') + 1]!;
      seen.push({ args, cwd, mode: statSync(file).mode & 0o777, dirMode: statSync(dirname(file)).mode & 0o777, content: JSON.parse(readFileSync(file, 'utf8')) });
      return { ok: true, output: 'sent' };
    };
    const batch = [comment(), comment('<b>second</b>', 'src/b.ts', 3)];
    const out = await actWithCli('/root', run)(PROJECT, { action: 'review', builder: 'ui', verdict: { comments: batch } });
    expect(out).toEqual({ ok: true, output: 'sent' });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.args.slice(0, 4)).toEqual(['review', '/p q', 'ui', '--comments']);
    expect(seen[0]!.cwd).toBe('/p q');
    expect(seen[0]!.mode).toBe(0o600);
    expect(seen[0]!.dirMode).toBe(0o700);
    expect(seen[0]!.content).toEqual(batch);
    expect(existsSync(seen[0]!.args[4]!)).toBe(false);
    expect(existsSync(dirname(seen[0]!.args[4]!))).toBe(false);
  });

  it('the free-text request goes as one comment on no line, in the same kind of file (a text starting with -- stays text)', async () => {
    const seen: unknown[] = [];
    const run: ArgoRunner = async (_r, args) => (seen.push([args.slice(0, 4), statSync(args[4]!).mode & 0o777, JSON.parse(readFileSync(args[4]!, 'utf8'))]), { ok: true, output: '' });
    await actWithCli('/root', run)(PROJECT, { action: 'review', builder: 'ui', verdict: { request_changes: '--approve: no, split it' } });
    expect(seen).toEqual([[['review', '/p q', 'ui', '--comments'], 0o600, [{ file: null, line: null, text: '--approve: no, split it' }]]]);
  });

  it('the file is removed when argo fails or the runner throws; approve needs none', async () => {
    let file = '';
    const throwing: ArgoRunner = async (_r, args) => {
      file = args[4]!;
      throw new Error('spawn failed');
    };
    await expect(actWithCli('/root', throwing)(PROJECT, { action: 'review', builder: 'ui', verdict: { comments: [comment()] } })).rejects.toThrow('spawn failed');
    expect(file).toMatch(/comments\.json$/);
    expect(existsSync(dirname(file))).toBe(false);
    const argvs: string[][] = [];
    const run: ArgoRunner = async (_r, args) => (argvs.push(args), { ok: false, output: 'ERROR: builder ui is not waiting for review' });
    expect(await actWithCli('/root', run)(PROJECT, { action: 'review', builder: 'ui', verdict: { approve: true } })).toEqual({ ok: false, output: 'ERROR: builder ui is not waiting for review' });
    expect(argvs).toEqual([['review', '/p q', 'ui', '--approve']]);
  });
});

describe('POST /api/projects/<id>/review', () => {
  it('needs the token and this origin; a bad body is 400 and runs nothing; a good one reaches the runner once', async () => {
    const acted: ActionRequest[] = [];
    const d = deps(acted, []);
    const body = { builder: 'ui', comments: [comment(), comment('two', 'b.ts', 2)] };
    expect((await handle(post('/api/projects/demo-1/review', body, { authorization: '' }), d)).status).toBe(401);
    expect((await handle(post('/api/projects/demo-1/review', body, { origin: 'http://evil.example' }), d)).status).toBe(403);
    const bad = await handle(post('/api/projects/demo-1/review', { builder: 'ui', comments: [comment('x', 'a.ts', -1)] }), d);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatch(/comments\[0\]\.line/);
    expect(acted).toEqual([]);
    expect((await handle(post('/api/projects/demo-1/review', body), d)).status).toBe(200);
    expect(acted).toEqual([{ action: 'review', builder: 'ui', verdict: { comments: body.comments } }]);
  });
});

describe('POST /api/start (start a workflow from the page)', () => {
  it('needs the token and this origin; checks the query and the path before argo start runs', async () => {
    const started: StartRequest[] = [];
    const d = deps([], started);
    const good = { query: 'Build a todo API', path: '/work/todo' };
    expect((await handle(post('/api/start', good, { authorization: '' }), d)).status).toBe(401);
    expect((await handle(post('/api/start', good, { origin: 'http://evil.example' }), d)).status).toBe(403);
    for (const body of [{}, { query: '', path: '/x' }, { query: 'q', path: 'relative/dir' }, { query: 'q', path: '/x\0y' }, { query: 'q', path: '/x\ny' }, { query: 'x'.repeat(32 * 1024 + 1), path: '/x' }, { query: 5, path: '/x' }]) {
      const res = await handle(post('/api/start', body), d);
      expect(res.status, JSON.stringify(body).slice(0, 40)).toBe(400);
      expect(JSON.parse(res.body).error).toMatch(/^start needs \{"query"/);
    }
    expect((await handle(post('/api/start', 'not json'), d)).status).toBe(400);
    expect(started).toEqual([]);
    const res = await handle(post('/api/start', good), d);
    expect(res.status).toBe(409); // the CLI refused: its ERROR line is the answer
    expect(JSON.parse(res.body).output).toBe('ERROR: .argo-project directory not found in /x');
    expect(started).toEqual([good]);
    expect((await handle(post('/api/start', good), { ...d, start: undefined })).status).toBe(404);
  });

  it('runs argo start <query> <path> from the install root', async () => {
    const calls: [string, string[], string][] = [];
    const run: ArgoRunner = async (root, args, cwd) => (calls.push([root, args, cwd]), { ok: true, output: '' });
    await startWithCli('/install', run)({ query: '-x; rm -rf ~', path: '/work/todo' });
    expect(calls).toEqual([['/install', ['start', '-x; rm -rf ~', '/work/todo'], '/install']]);
  });

  it.skipIf(!existsSync(join(ROOT, 'dist', 'compat', 'argo.js')))("the real CLI's refusal comes back as its ERROR line", async () => {
    const dir = tempDir();
    const out = await startWithCli(ROOT)({ query: 'Build it', path: dir });
    expect(out.ok).toBe(false);
    expect(out.output).toBe(`ERROR: .argo-project directory not found in ${dir}\nRun templates/project_setup.sh first to initialise the project`);
  });
});

describe("the review endpoint carries the row's review record, bounded", () => {
  it('status, the last 20 comments (each cut to 2 KB) and the reply (cut to 4 KB)', async () => {
    const comments = Array.from({ length: 25 }, (_, i) => ({ at: `2026-01-01T00:00:${String(i).padStart(2, '0')}Z`, text: i === 24 ? 'y'.repeat(5000) : `c${i}`, file: 'a.ts', line: i + 1 }));
    const shown = shownReview({ status: 'pending', comments, reply: 'r'.repeat(9000), updated: null })!;
    expect(shown.comments).toHaveLength(REVIEW_COMMENTS_SHOWN);
    expect(shown.comments[0]!.text).toBe('c5');
    expect(shown.comments[19]!.text).toHaveLength(2048);
    expect(shown.reply).toHaveLength(4096);
    expect(shownReview(null)).toBeNull();
    const dir = tempDir();
    mkdirSync(join(dir, '.argo-project'));
    const row = { id: 'ui', status: 'completed', review: { status: 'changes_requested', comments: [{ at: '2026-01-01T00:00:00Z', text: 'Rename <x>', file: 'a.ts', line: 3 }], reply: 'Renamed.', updated: '2026-01-01T00:00:00Z' } };
    writeFileSync(join(dir, '.argo-project', 'state.json'), JSON.stringify({ execution: { builders: [row, { id: 'plain', status: 'completed' }] } }));
    const p = { ...PROJECT, path: dir };
    expect((await reviewReader(p, 'ui'))!.review).toEqual(row.review);
    // Through the endpoint's reader too: a long history comes back bounded.
    const long = { ...row, review: { ...row.review, comments } };
    writeFileSync(join(dir, '.argo-project', 'state.json'), JSON.stringify({ execution: { builders: [long, { id: 'plain', status: 'completed' }] } }));
    expect((await reviewReader(p, 'ui'))!.review!.comments.map((c) => c.text.length)).toEqual([...Array.from({ length: 19 }, (_, i) => `c${i + 5}`.length), 2048]);
    expect((await reviewReader(p, 'plain'))!.review).toBeNull();
  });
});

describe('diffLines: which line of the builder\'s file a diff line stands for', () => {
  it('added and context lines carry the new side\'s number; removed lines and headers none', () => {
    const diff = 'diff --git a/x.ts b/x.ts\nindex 1..2 100644\n--- a/x.ts\n+++ b/x.ts\n@@ -3,2 +3,3 @@ fn\n a\n-b\n+c\n+d\n\\ No newline at end of file\ndiff --git a/gone b/gone\n--- a/gone\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n';
    expect(diffLines(diff).map((l: { text: string; file: string | null; line: number | null }) => [l.text, l.file, l.line])).toEqual([
      ['diff --git a/x.ts b/x.ts', null, null],
      ['index 1..2 100644', null, null],
      ['--- a/x.ts', null, null],
      ['+++ b/x.ts', null, null],
      ['@@ -3,2 +3,3 @@ fn', null, null],
      [' a', 'x.ts', 3],
      ['-b', null, null],
      ['+c', 'x.ts', 4],
      ['+d', 'x.ts', 5],
      ['\\ No newline at end of file', null, null],
      ['diff --git a/gone b/gone', null, null],
      ['--- a/gone', null, null],
      ['+++ /dev/null', null, null],
      ['@@ -1 +0,0 @@', null, null],
      ['-x', null, null],
    ]);
  });
});
