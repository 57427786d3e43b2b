import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseJson, stringifyJq, toPlain } from '../../core/json_doc.js';
import { bashFunctions } from '../../lib/state_file.js';
import {
  initStateFile,
  mutateState,
  projectStatePaths,
  readState,
  updateState,
  validateStateFile,
  withStateLock,
} from '../../store/state.js';
import { ctxIn, ROOT, tempDir } from './helpers.js';

const run = promisify(execFile);

async function project() {
  const dir = tempDir();
  await initStateFile('demo', dir);
  return { dir, paths: projectStatePaths(dir, {}) };
}
const stateOf = (dir: string) => toPlain(parseJson(readFileSync(join(dir, '.argo-project/state.json'), 'utf8'), 's')) as Record<string, any>;

describe('initStateFile', () => {
  it('writes the original document, jq-pretty, created == last_update', async () => {
    const { dir } = await project();
    const text = readFileSync(join(dir, '.argo-project/state.json'), 'utf8');
    expect(text).toBe(execFileSync('jq', ['.'], { input: text, encoding: 'utf8' }));
    const s = stateOf(dir);
    expect(Object.keys(s)).toEqual(['project_name', 'phase', 'action_owner', 'action_needed', 'created', 'last_update', 'last_checkpoint', 'limits', 'design', 'execution', 'merge', 'error_recovery', 'user_query', 'checkpoints']);
    expect(s).toMatchObject({ project_name: 'demo', phase: 'init', action_owner: 'ci', action_needed: 'gather_requirements' });
    expect(s.limits).toEqual({ max_parallel_builders: 10, max_builder_retries: 5, max_workflow_hours: 48, checkpoint_retention_days: 30 });
    expect(s.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(s.created).toBe(s.last_update);
  });

  it('escapes a name with quotes and backslashes (D17)', async () => {
    const dir = tempDir();
    await initStateFile('a "b" \\c', dir);
    expect(stateOf(dir).project_name).toBe('a "b" \\c');
  });
});

describe('updateState', () => {
  it('stores strings at dotted paths, creates objects, bumps last_update last', async () => {
    const { dir, paths } = await project();
    await mutateState(paths, (doc) => void doc.set('last_update', '2000-01-01T00:00:00Z'));
    const before = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await updateState(paths, 'design.deep.n', '5');
    await updateState(paths, 'phase', 'design');
    const s = stateOf(dir);
    expect(s.design).toEqual({ deep: { n: '5' } });
    expect(s.phase).toBe('design');
    // bumped: a fresh timestamp, in its place (not moved to the end)
    expect(s.last_update).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(s.last_update >= before).toBe(true);
    expect(Object.keys(s).indexOf('last_update')).toBe(5);
    // last: set after the key, so updating last_update itself keeps the timestamp (D8, kept on purpose)
    await updateState(paths, 'last_update', 'X');
    expect(stateOf(dir).last_update).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('appends last_update at the end when it was missing', async () => {
    const { dir, paths } = await project();
    writeFileSync(paths.stateFile, '{"phase":"x"}');
    await updateState(paths, 'a', 'b');
    expect(Object.keys(stateOf(dir))).toEqual(['phase', 'a', 'last_update']);
  });

  it('indexes arrays for name[n] segments (D8) and refuses out-of-range ones without touching the file', async () => {
    const { dir, paths } = await project();
    await mutateState(paths, (doc) => void doc.set('execution', parseJson('{"builders":[{"id":"a","status":"pending"}]}', 't')));
    await updateState(paths, 'execution.builders[0].status', 'running');
    expect(stateOf(dir).execution.builders).toEqual([{ id: 'a', status: 'running' }]);
    const before = readFileSync(paths.stateFile, 'utf8');
    await expect(updateState(paths, 'execution.builders[3].status', 'x')).rejects.toThrow(/out of range/);
    await expect(updateState(paths, 'phase.x', 'y')).rejects.toThrow(/cannot set member "x" of a string/);
    expect(readFileSync(paths.stateFile, 'utf8')).toBe(before);
  });

  it('keeps special characters, newlines, unicode and 1 MB values intact', async () => {
    const { dir, paths } = await project();
    const values = ['He said "hi" and \'bye\'', 'two\nlines\n', 'tab\tand \\ backslash', 'é 日本 😀', 'x'.repeat(1 << 20), '-n'];
    for (const [i, v] of values.entries()) await updateState(paths, `v${i}`, v);
    const s = stateOf(dir);
    values.forEach((v, i) => expect(s[`v${i}`]).toBe(v));
    // read_state prints as the original's `value=$(jq -r …); echo "$value"`: trailing newlines go
    for (const [i, v] of values.entries()) expect(await readState(paths, `v${i}`)).toBe(v.replace(/\n+$/, '') + '\n');
  });

  it('fails clearly on a missing file and on invalid JSON, leaving no temp files', async () => {
    const { dir, paths } = await project();
    await expect(updateState({ ...paths, stateFile: join(dir, 'nope.json') }, 'a', 'b')).rejects.toThrow(/state file not found/);
    writeFileSync(paths.stateFile, '{"broken": ');
    await expect(updateState(paths, 'a', 'b')).rejects.toThrow(/invalid JSON in .*state\.json/);
    expect(readFileSync(paths.stateFile, 'utf8')).toBe('{"broken": ');
    expect(readdirSync(join(dir, '.argo-project')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('loses nothing with 8 processes × 25 keys writing at once', async () => {
    const { dir, paths } = await project();
    const fixture = join(ROOT, 'tests/unit/fixtures/writer.mjs');
    await Promise.all(
      Array.from({ length: 8 }, (_, w) => run(process.execPath, [fixture, paths.stateFile, paths.lockFile, `w${w}`, '25'], { cwd: ROOT })),
    );
    const s = stateOf(dir);
    for (let w = 0; w < 8; w++) for (let i = 0; i < 25; i++) expect(s[`w${w}`][`k${i}`]).toBe(`v${i}`);
  });

  it('never overwrites a change an external `jq … > tmp && mv` made after its read: it redoes its own on top', async () => {
    const { dir, paths } = await project();
    let calls = 0;
    await mutateState(paths, (doc) => {
      calls++;
      if (calls === 1) {
        // an old-style script replaces the file between our read and our rename
        execFileSync('bash', ['-c', `jq '.external = "yes"' "$1" > "$1.tmp" && mv "$1.tmp" "$1"`, 'bash', paths.stateFile]);
      }
      doc.set('ours', 'yes');
    });
    expect(calls).toBe(2);
    expect(stateOf(dir)).toMatchObject({ external: 'yes', ours: 'yes' });
  });
});

describe('readState', () => {
  it('prints like `jq -r .KEY` and turns null into an empty line', async () => {
    const { paths } = await project();
    expect(await readState(paths, 'phase')).toBe('init\n');
    expect(await readState(paths, 'limits.max_parallel_builders')).toBe('10\n');
    expect(await readState(paths, 'design')).toBe('\n');
    expect(await readState(paths, 'nope.deeper')).toBe('\n');
    expect(await readState(paths, 'error_recovery')).toBe('{\n  "last_error": null,\n  "retry_count": 0,\n  "recovery_action": null\n}\n');
    await updateState(paths, 'q', 'null');
    expect(await readState(paths, 'q')).toBe('\n');
  });

  it('evaluates other keys as jq programs', async () => {
    const { paths } = await project();
    expect(await readState(paths, 'phase | length')).toBe('4\n');
    expect(await readState(paths, 'error_recovery|keys[]')).toBe('last_error\nrecovery_action\nretry_count\n');
    expect(await readState(paths, 'phase |||')).toBe('\n');
  });
});

describe('validateStateFile', () => {
  it('names the first problem', async () => {
    const { paths } = await project();
    await expect(validateStateFile(paths.stateFile)).resolves.toBeUndefined();
    await expect(validateStateFile(paths.stateFile + '.x')).rejects.toThrow(/state file not found/);
    writeFileSync(paths.stateFile, '{"project_name":"p","phase":"null","action_owner":"c"}');
    await expect(validateStateFile(paths.stateFile)).rejects.toThrow('Required field missing: phase');
    writeFileSync(paths.stateFile, '{');
    await expect(validateStateFile(paths.stateFile)).rejects.toThrow(/Invalid JSON/);
  });
});

describe('bash functions', () => {
  it('answer with the original messages and exit codes', async () => {
    const { dir } = await project();
    const ctx = ctxIn(dir);
    expect(await bashFunctions.update_state!([], ctx)).toBe(1);
    expect(ctx.stderr).toBe('ERROR: key required\n');
    const other = ctxIn(dir, { STATE_FILE: 'elsewhere.json' });
    expect(await bashFunctions.read_state!(['phase'], other)).toBe(1);
    expect(other.stderr).toBe('ERROR: state file not found: elsewhere.json\n');
    const ok = ctxIn(dir);
    expect(await bashFunctions.read_state!(['phase'], ok)).toBe(0);
    expect(ok.stdout).toBe('init\n');
    const init = ctxIn(dir);
    expect(await bashFunctions.init_state_file!([''], init)).toBe(1);
    expect(init.stderr).toBe('ERROR: project_name required\n');
  });
});

describe('withStateLock', () => {
  it('returns the command status, 128+N for signals, errno when the lock cannot be opened', async () => {
    const { dir, paths } = await project();
    const ctx = ctxIn(dir, { PATH: process.env.PATH });
    expect(await withStateLock(paths, ['exit 7'], ctx)).toBe(7);
    expect(await withStateLock(paths, [], ctx)).toBe(0);
    expect(await withStateLock(paths, ['kill -TERM $$'], ctx)).toBe(143);
    expect(await withStateLock(paths, ['bash', '-c', 'test "$1" = "a  b"', 'x', 'a  b'], ctx)).toBe(0);
    mkdirSync(join(dir, 'lockdir'));
    const err = ctxIn(dir);
    expect(await withStateLock({ ...paths, lockFile: join(dir, 'lockdir') }, ['true'], err)).toBe(21);
    expect(err.stderr).toMatch(/^ERROR: cannot open lock file .*lockdir: EISDIR/);
    expect(existsSync(paths.lockFile)).toBe(true);
  });

  it('excludes other holders, and lets its own command update the state (no deadlock)', async () => {
    const { dir, paths } = await project();
    const ctx = ctxIn(dir, { PATH: process.env.PATH });
    const inside = join(dir, 'inside');
    const release = join(dir, 'release');
    const probe = join(dir, 'probe');
    const order: string[] = [];
    // the holder checks that the lock file is really locked (a non-blocking flock(1) on it
    // fails: true whatever the load), says when it holds the lock, and keeps it until the
    // test releases it (bounded)
    const holder = `{ flock -n ${paths.lockFile} true && echo free || echo held; } > ${probe}; touch ${inside}; for ((i = 0; i < 1200; i++)); do [[ -e ${release} ]] && break; sleep 0.05; done`;
    const held = withStateLock(paths, [holder], ctx).then(() => order.push('holder'));
    for (let i = 0; i < 600 && !existsSync(inside); i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(inside)).toBe(true);
    expect(readFileSync(probe, 'utf8')).toBe('held\n');
    // The update runs in a process whose lock wait is a blocking flock(2) (the flock(1)
    // back-end), which /proc/locks lists as a waiter ("->") on the lock file: no fixed
    // window, the test goes on once the update has finished or is seen waiting.
    const cli = join(ROOT, 'dist/compat/argo.js');
    const env: Record<string, string | undefined> = { ...process.env, ARGO_LOCK_BACKEND: 'flock' };
    delete env.ARGO_STATE_LOCK_HELD;
    delete env.STATE_FILE;
    const update = new Promise<void>((done) => execFile(process.execPath, [cli, 'call', 'update_state', 'after', 'lock'], { cwd: dir, env }, () => done())).then(() => order.push('update'));
    const waiting = () => {
      const ino = String(statSync(paths.lockFile).ino);
      return readFileSync('/proc/locks', 'utf8').split('\n').some((l) => / -> FLOCK /.test(l) && l.split(/\s+/).some((f) => f.endsWith(`:${ino}`)));
    };
    for (let i = 0; i < 600 && order.length === 0 && !waiting(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(order).toEqual([]); // not finished: it waits for the lock the holder has
    expect(stateOf(dir).after).toBeUndefined();
    writeFileSync(release, '');
    await Promise.all([held, update]);
    expect(order).toEqual(['holder', 'update']); // the update waited for the lock holder
    expect(stateOf(dir).after).toBe('lock');
    const nested = `node ${cli} call update_state nested yes`;
    expect(await withStateLock(paths, [nested], ctxIn(dir, { PATH: process.env.PATH }))).toBe(0);
    expect(stateOf(dir).nested).toBe('yes');
    expect(stringifyJq(parseJson(readFileSync(paths.stateFile, 'utf8'), 's'))).toBe(readFileSync(paths.stateFile, 'utf8'));
  });
});
