// Dependency waves end to end (issue 18 item 4): design_build → execution → merge_build run
// for real (node + tsx on the sources) on a temp git repository with a stub CI tool, where
// `ui` depends on `core`.
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { built } from './built.js';
import { ROOT, tempDir } from './helpers.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const statePath = (dir: string) => join(dir, '.argo-project', 'state.json');
const state = (dir: string) => JSON.parse(readFileSync(statePath(dir), 'utf8'));

/** A git repository on main with a project whose design has these components. */
function project(components: unknown[]): string {
  const dir = join(tempDir(), 'proj');
  mkdirSync(join(dir, '.argo-project', 'logs'), { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.name', 'Test');
  git(dir, 'config', 'user.email', 'test@example.invalid');
  writeFileSync(join(dir, 'main.txt'), 'main\n');
  writeFileSync(join(dir, '.gitignore'), '.argo-project/\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'initial');
  const doc = {
    project_name: 'demo', phase: 'design', action_owner: 'code', action_needed: 'design_approved', created: 'T', last_update: 'T', last_checkpoint: null,
    limits: { max_parallel_builders: 10, max_builder_retries: 5, max_workflow_hours: 48, checkpoint_retention_days: 30 },
    design: { summary: 's', components, created: 'T', approved: true }, execution: null, merge: null,
    error_recovery: { last_error: null, retry_count: 0, recovery_action: null }, user_query: 'q', checkpoints: {},
  };
  writeFileSync(statePath(dir), JSON.stringify(doc, null, 2) + '\n');
  return dir;
}

function handler(name: string, dir: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const base: Record<string, string | undefined> = { ...process.env, ARGO_SHIM_SERVER: '0' };
  for (const k of ['CI_COMMAND', 'STATE_FILE', 'STATE_LOCK', 'LOG_DIR', 'WORKFLOW_LOG', 'CONFIG_FILE', 'ARGO_STATE_LOCK_HELD']) delete base[k];
  return new Promise((done) => {
    execFile(process.execPath, [built(`phases/${name}.ts`), dir], { cwd: dir, env: { ...base, ...env } }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * The fake agent: commits `<id>.txt` (core also changes main.txt when CORE_EDITS_MAIN is
 * set) and, before that, notes what it sees: the files of its worktree and main's log.
 */
function fakeAgent(notes: string, project: string): string {
  const file = join(tempDir(), 'agent');
  writeFileSync(file, `#!/bin/bash
id=$(printf '%s' "$1" | sed -n "1s/[^']*'\\([^']*\\)'.*/\\1/p")
{ echo "files: $(ls | tr '\\n' ' ')"; echo "main: $(git -C ${project} log --format=%s main | tr '\\n' '|')"; } > ${notes}/$id
echo "$id" > $id.txt
[ "$id" = core ] && [ -n "$CORE_EDITS_MAIN" ] && echo "core's main" > main.txt
git add -A -- . ':(exclude).build_result' && git commit -qm "$id work"
`);
  chmodSync(file, 0o755);
  return file;
}

describe('dependency waves: ui depends on core', () => {
  it('core is merged into main before ui starts, ui works on top of it, merge_build merges ui and not core twice, storage', async () => {
    const dir = project([{ id: 'ui', description: 'the UI', depends_on: ['core'] }, { id: 'core', description: 'the core' }]);
    expect((await handler('design_build', dir)).code).toBe(0);
    const notes = tempDir();
    const r = await handler('execution', dir, { CI_COMMAND: fakeAgent(notes, dir) });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Builder ui waits for: core\n');
    expect(r.stdout).toContain('Merging builder core into main now: other builders depend on it\n');
    // ui's worktree had core's committed file when its agent started, and main had core merged.
    expect(readFileSync(join(notes, 'ui'), 'utf8')).toMatch(/^files: .*core\.txt/m);
    expect(readFileSync(join(notes, 'ui'), 'utf8')).toMatch(/^main: Merge builder: core\|/m);
    expect(readFileSync(join(notes, 'core'), 'utf8')).not.toContain('ui.txt');
    let s = state(dir);
    expect(s.execution.builders.map((b: { status: string }) => b.status)).toEqual(['completed', 'completed']);
    expect(s.execution.builders[0].waiting_for).toBeNull();
    expect(s.merge.merged).toEqual(['core']);
    expect(s.phase).toBe('merge_build');

    const m = await handler('merge_build', dir);
    expect(m.code).toBe(0);
    s = state(dir);
    expect(s.phase).toBe('storage');
    expect([...s.merge.merged].sort()).toEqual(['core', 'ui']);
    const merges = git(dir, 'log', '--format=%s', 'main').split('\n').filter((l) => l.startsWith('Merge builder: '));
    expect(merges).toEqual(['Merge builder: ui', 'Merge builder: core']); // core once
    expect(git(dir, 'show', 'main:core.txt')).toBe('core\n');
    expect(git(dir, 'show', 'main:ui.txt')).toBe('ui\n');
  });

  it('merge.target argo/next: core is merged early into argo/next, ui starts on it, main is never touched (issue 20)', async () => {
    const dir = project([{ id: 'ui', description: 'the UI', depends_on: ['core'] }, { id: 'core', description: 'the core' }]);
    writeFileSync(join(dir, '.argo-project', 'config.json'), JSON.stringify({ merge: { target: 'argo/next' } }));
    const main = git(dir, 'rev-parse', 'main').trim();
    expect((await handler('design_build', dir)).code).toBe(0);
    const notes = tempDir();
    const r = await handler('execution', dir, { CI_COMMAND: fakeAgent(notes, dir) });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Merging builder core into argo/next now: other builders depend on it\n');
    expect(readFileSync(join(notes, 'ui'), 'utf8')).toMatch(/^files: .*core\.txt/m);
    expect((await handler('merge_build', dir)).code).toBe(0);
    expect(state(dir).phase).toBe('storage');
    expect(git(dir, 'rev-parse', 'main').trim()).toBe(main);
    expect(git(dir, 'show', 'argo/next:ui.txt')).toBe('ui\n');
  });

  it('a conflict while merging core early: nothing half done, ui fails with failure dependency naming the file; merge_build reports core as a conflict', async () => {
    const dir = project([{ id: 'core', description: 'the core' }, { id: 'ui', description: 'the UI', depends_on: ['core'] }]);
    expect((await handler('design_build', dir)).code).toBe(0);
    writeFileSync(join(dir, 'main.txt'), 'the user changed main\n'); // main moves on after the worktrees were made
    git(dir, 'commit', '-qam', 'user work');
    const notes = tempDir();
    const r = await handler('execution', dir, { CI_COMMAND: fakeAgent(notes, dir), CORE_EDITS_MAIN: '1' });
    expect(r.code).toBe(0);
    expect(existsSync(join(notes, 'ui'))).toBe(false); // never started
    const [core, ui] = state(dir).execution.builders;
    expect(core.status).toBe('completed');
    expect(ui).toMatchObject({ status: 'failed', failure: 'dependency', exit_code: 1 });
    expect(ui.failure_message).toBe('dependency core could not be merged into the base branch: merging it into main conflicts in main.txt');
    expect(git(dir, 'status', '--porcelain', '--untracked-files=no')).toBe(''); // the merge was aborted
    expect(git(dir, 'log', '-1', '--format=%s', 'main').trim()).toBe('user work');
    expect(state(dir).merge).toBeNull();

    const m = await handler('merge_build', dir);
    expect(m.code).toBe(0);
    expect(m.stdout).toContain('Merge conflicts detected in builders: core\n');
  });

  it('no depends_on anywhere: nothing is merged during execution and nothing waits', async () => {
    const dir = project([{ id: 'a', description: 'A' }, { id: 'b', description: 'B' }]);
    expect((await handler('design_build', dir)).code).toBe(0);
    const r = await handler('execution', dir, { CI_COMMAND: fakeAgent(tempDir(), dir) });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('waits for');
    expect(r.stdout).not.toContain('Merging');
    const s = state(dir);
    expect(s.merge).toBeNull();
    expect(s.execution.builders.every((b: Record<string, unknown>) => b.status === 'completed' && !('waiting_for' in b))).toBe(true);
    expect(git(dir, 'log', '--format=%s', 'main').trim()).toBe('initial');
  });
});
