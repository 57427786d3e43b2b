// store/builders.ts: the one reading of `execution.builders[]` (one null convention) and
// the one write of a builder's fields, which keeps state.json's bytes (COMPAT.md).
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { projectStatePaths } from '../../../store/state.js';
import { builderBranchOf, builderRecord, builderRunTokens, liveJobIds, readBuilders, runningBuilderPids, setBuilderFields } from '../../../store/builders.js';

describe('builderRecord: one null convention', () => {
  it.each([
    ['absent', {}, null],
    ['JSON null', { status: null }, null],
    ['the text "null" (update_state key null)', { status: 'null' }, null],
    ['text', { status: 'running' }, 'running'],
    ['empty text stays empty', { status: '' }, ''],
    ['a number, as its text', { status: 3 }, '3'],
  ])('status %s', (_n, row, want) => expect(builderRecord(row).status).toBe(want));

  it('an id always exists: a row without one is "null", as jq prints it and setBuilderFields matches it', () => {
    expect(builderRecord({}).id).toBe('null');
    expect(builderRecord({ id: 7 }).id).toBe('7');
    expect(builderRecord(null).id).toBe('null');
  });

  it.each([
    [123, 123],
    ['456', 456],
    [0, null],
    [-5, null],
    [1.5, null],
    ['abc', null],
    [true, null],
    [null, null],
  ])('pid %j is %j (a positive whole number or nothing)', (pid, want) => expect(builderRecord({ pid }).pid).toBe(want));

  it('names (worktree, branch, failure, run_token, job_id) count only as text', () => {
    const r = builderRecord({ worktree: 5, branch: 'null', failure: { kind: 'x' }, run_token: 'tok', job_id: '' });
    expect([r.worktree, r.branch, r.failure, r.run_token, r.job_id]).toEqual([null, null, null, 'tok', null]);
    expect(builderBranchOf(r)).toBe('argo-builder-null');
    expect(builderBranchOf(builderRecord({ id: 'a', branch: 'feature' }))).toBe('feature');
  });

  it('usage as numbers, the session from usage.session_id, the raw row kept', () => {
    const row = { id: 'a', usage: { cost_usd: '0.25', input_tokens: 10, session_id: 's1' }, merge: { status: 'merged' } };
    const r = builderRecord(row);
    expect(r.usage).toEqual({ input_tokens: 10, output_tokens: null, cache_read_tokens: null, cost_usd: 0.25 });
    expect(r.session_id).toBe('s1');
    expect(r.raw).toBe(row);
  });
});

describe('readBuilders and the helpers over it', () => {
  const state = {
    execution: {
      builders: [
        { id: 'a', status: 'running', pid: 'abc', run_token: 't-a' },
        { id: 'b', status: 'pending', job_id: 'j1' },
        { id: 'c', status: 'completed', job_id: 'j2', pid: 9 },
        { id: 'd', status: 'running', job_id: 'j3' },
      ],
    },
  };
  it('every row in order; no execution or no list: none', () => {
    expect(readBuilders(state).map((b) => b.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(readBuilders({ execution: null })).toEqual([]);
    expect(readBuilders({ execution: { builders: 'x' } })).toEqual([]);
    expect(readBuilders(undefined)).toEqual([]);
  });
  it('running pids as recorded (stop proves each), run tokens, live job ids', () => {
    expect(runningBuilderPids(state)).toEqual([{ id: 'a', pid: 'abc' }]);
    expect(builderRunTokens(state)).toEqual([{ id: 'a', token: 't-a' }]);
    expect(liveJobIds(state)).toEqual(['j1', 'j3']);
  });
});

describe('setBuilderFields keeps the bytes', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  it('a record read and written back leaves state.json byte for byte as it was', async () => {
    dir = mkdtempSync(join(tmpdir(), 'argo-builders-'));
    mkdirSync(join(dir, '.argo-project'));
    const file = join(dir, '.argo-project', 'state.json');
    // the original's layout (jq's two-space indent), odd values included
    const text = `{\n  "phase": "execution",\n  "execution": {\n    "builders": [\n      {\n        "id": "a",\n        "status": "running",\n        "pid": "123",\n        "progress": 0,\n        "started": null,\n        "usage": {\n          "cost_usd": 0.1\n        },\n        "weird": [\n          1,\n          2.5\n        ]\n      }\n    ]\n  }\n}\n`;
    writeFileSync(file, text);
    const paths = projectStatePaths(dir);
    const [r] = readBuilders(JSON.parse(text));
    await setBuilderFields(paths, r!.id, { status: r!.raw.status, pid: r!.raw.pid, progress: r!.raw.progress, started: r!.raw.started });
    expect(readFileSync(file, 'utf8')).toBe(text);
  });
});

describe('builderRecord: the plan fields (issue 18)', () => {
  it('reads paths, depends_on and acceptance; none given is [] / null', () => {
    const b = builderRecord({ id: 'ui', paths: ['web/**', 7], depends_on: ['core'], acceptance: 'loads' });
    expect([b.paths, b.depends_on, b.acceptance]).toEqual([['web/**'], ['core'], 'loads']);
    const none = builderRecord({ id: 'x', paths: 'web', acceptance: '' });
    expect([none.paths, none.depends_on, none.acceptance]).toEqual([[], [], null]);
  });
});
