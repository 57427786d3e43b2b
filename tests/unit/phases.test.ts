// The four phase handlers run for real (node on their build in dist/) against temp
// projects and temp git repositories, with small stub CI scripts or compat/standin_ci.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { designPrompt } from '../../phases/design_program.js';
import { builderPrompt, planBuilder } from '../../phases/execution.js';
import { builderRecord } from '../../store/builders.js';
import { previouslyMerged } from '../../phases/merge_build.js';
import { pidAlive } from '../../core/proc.js';
import { built } from './built.js';

const ROOT = join(import.meta.dirname, '..', '..');
const STANDIN = join(ROOT, 'compat', 'standin_ci');
const TS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

const temps: string[] = [];
const started: number[] = []; // process groups a test started itself, ended by pid in afterEach
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'argo-phases-'));
  temps.push(d);
  return d;
}

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function gitRepo(dir: string, branch = 'master'): void {
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', branch);
  git(dir, 'config', 'user.name', 'Test');
  git(dir, 'config', 'user.email', 'test@example.invalid');
  writeFileSync(join(dir, 'main.txt'), 'main\n');
  writeFileSync(join(dir, '.gitignore'), '.argo-project/\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'initial');
}

const INITIAL = {
  project_name: 'demo',
  phase: 'init',
  action_owner: 'ci',
  action_needed: 'gather_requirements',
  created: '2026-01-01T00:00:00Z',
  last_update: '2026-01-01T00:00:00Z',
  last_checkpoint: null,
  limits: { max_parallel_builders: 10, max_builder_retries: 5, max_workflow_hours: 48, checkpoint_retention_days: 30 },
  design: null,
  execution: null,
  merge: null,
  error_recovery: { last_error: null, retry_count: 0, recovery_action: null },
  user_query: null,
  checkpoints: {},
};

/** A project folder (optionally a git repo) with a state file holding INITIAL + `fields`. */
function project(fields: Record<string, unknown> = {}, opts: { git?: boolean; dir?: string } = {}): string {
  const dir = opts.dir ?? join(tempDir(), 'proj');
  if (opts.git) gitRepo(dir);
  mkdirSync(join(dir, '.argo-project', 'logs'), { recursive: true });
  writeState(dir, { ...INITIAL, ...fields });
  return dir;
}

const statePath = (dir: string) => join(dir, '.argo-project', 'state.json');
const writeState = (dir: string, doc: unknown) => writeFileSync(statePath(dir), JSON.stringify(doc, null, 2) + '\n');
const state = (dir: string) => JSON.parse(readFileSync(statePath(dir), 'utf8'));
const patchState = (dir: string, fields: Record<string, unknown>) => writeState(dir, { ...state(dir), ...fields });

/** An executable bash stub in its own temp folder. */
function stub(body: string): string {
  const file = join(tempDir(), 'stub_ci');
  writeFileSync(file, `#!/bin/bash\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const baseEnv = () => {
  const env: Record<string, string | undefined> = { ...process.env, ARGO_SHIM_SERVER: '0' };
  for (const k of ['CI_COMMAND', 'STATE_FILE', 'STATE_LOCK', 'LOG_DIR', 'WORKFLOW_LOG', 'CONFIG_FILE', 'ARGO_STATE_LOCK_HELD']) delete env[k];
  for (const k of Object.keys(env)) if (k.startsWith('STANDIN_CI_') || k.startsWith('BASH_FUNC_')) delete env[k];
  return env;
};

function handler(name: string, args: string[], env: Record<string, string> = {}, cwd = tmpdir()): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [built(`phases/${name}.ts`), ...args], { cwd, env: { ...baseEnv(), ...env } }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

// ------------------------------------------------------------------ pure parts

describe('prompts', () => {
  it('design prompt: requirement line, keyword constraints of §5.5', () => {
    const p = designPrompt('Build a calculator');
    expect(p).toContain('\nRequirement: Build a calculator\n');
    for (const word of ['design', 'component', 'decomposition']) expect(p).toContain(word);
    for (const word of ['architecture', 'requirements', 'implement', 'test suite', 'tasks']) expect(p.toLowerCase()).not.toContain(word);
    expect(p.endsWith('\n')).toBe(false);
  });
  it('builder prompt: id in single quotes, Implement, Description, worktree', () => {
    const p = builderPrompt({ id: 'core', description: 'The core', status: 'pending', worktree: '/w/core', pid: null });
    expect(p.split('\n')[0]).toContain("'core'");
    expect(p).toContain('Implement');
    expect(p).toContain('\nDescription: The core\n');
    expect(p).toContain('\nWork in the directory: /w/core\n');
    expect(p).not.toContain('Requirement:');
  });
});

describe('planBuilder (D12)', () => {
  const b = (status: string, pid: number | null = null) => builderRecord({ id: 'x', description: '', status, worktree: '/w', pid });
  const alive = (pid: number) => pid === 42;
  it('leaves completed builders alone', () => expect(planBuilder(b('completed', 42), alive, () => 0).kind).toBe('done'));
  it('adopts a running builder whose pid lives', () => expect(planBuilder(b('running', 42), alive, () => undefined)).toEqual({ kind: 'adopt', pid: 42 }));
  it('takes the result of a dead running builder', () => expect(planBuilder(b('running', 7), alive, () => 4)).toEqual({ kind: 'result', code: 4 }));
  it('restarts a dead running builder without result, and pending/failed ones', () => {
    expect(planBuilder(b('running', 7), alive, () => undefined).kind).toBe('start');
    expect(planBuilder(b('pending'), alive, () => 0).kind).toBe('start');
    expect(planBuilder(b('failed', 42), alive, () => 0).kind).toBe('start');
  });
});

describe('small helpers', () => {
  it('previouslyMerged tolerates any shape', () => {
    expect([...previouslyMerged({ merged: ['a', 3, 'b'] })]).toEqual(['a', 'b']);
    expect(previouslyMerged(null).size).toBe(0);
    expect(previouslyMerged({ merged: 'a' }).size).toBe(0);
  });
});

// ------------------------------------------------------------------ prologue

describe.each(['design_program', 'design_build', 'execution', 'merge_build'])('%s prologue', (name) => {
  it('no argument: ERROR, exit 1', async () => {
    const r = await handler(name, []);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ERROR: /);
  });
  it('no .argo-project: ERROR naming the path, exit 1', async () => {
    const dir = tempDir();
    const r = await handler(name, [dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`ERROR: .argo-project not found in ${dir}`);
    expect(r.stdout).toBe('');
  });
});

// ------------------------------------------------------------------ design_program

describe('design_program', () => {
  it('asks the CI tool in the project folder and stores the design (D3: components from the answer)', async () => {
    const dir = project({ user_query: 'Build a calculator', phase: 'init', action_owner: 'code' });
    const r = await handler('design_program', [dir], { CI_COMMAND: STANDIN });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('=== design_program phase ===');
    expect(r.stdout).toContain('User query: Build a calculator\n');
    const s = state(dir);
    expect(Object.keys(s.design)).toEqual(['summary', 'components', 'created', 'approved']);
    expect(s.design.summary).toContain('Design for: Build a calculator');
    expect(s.design.summary.endsWith('\n')).toBe(false);
    expect(s.design.components.map((c: { id: string }) => c.id)).toEqual(['core', 'cli', 'docs']);
    expect(s.design.approved).toBe(false);
    expect(s.design.created).toMatch(TS);
    expect([s.phase, s.action_owner, s.action_needed]).toEqual(['design', 'ci', 'approve_design']);
    expect(s.last_update).not.toBe(INITIAL.last_update);
    expect(readFileSync(join(dir, '.argo-project/logs/workflow.log'), 'utf8')).toMatch(/\[STATE\] Phase transition: init -> design/);
  });

  it('STANDIN_CI_COMPONENTS=N gives part-1 … part-N', async () => {
    const dir = project({ user_query: 'x' });
    await handler('design_program', [dir], { CI_COMMAND: STANDIN, STANDIN_CI_COMPONENTS: '4' });
    expect(state(dir).design.components.map((c: { id: string }) => c.id)).toEqual(['part-1', 'part-2', 'part-3', 'part-4']);
  });

  it('passes the prompt as one argument, cwd = project, stdout+stderr merged into summary; no list → []', async () => {
    const dir = project({ user_query: 'Build a calculator' });
    const seen = join(tempDir(), 'seen');
    const ci = stub(`printf '%s' "$#" > ${seen}.argc; printf '%s' "$1" > ${seen}.prompt; pwd > ${seen}.cwd; echo out-line; echo err-line >&2`);
    const r = await handler('design_program', [dir], { CI_COMMAND: ci });
    expect(r.code).toBe(0);
    expect(readFileSync(`${seen}.argc`, 'utf8')).toBe('1');
    expect(readFileSync(`${seen}.prompt`, 'utf8')).toContain('Requirement: Build a calculator');
    expect(readFileSync(`${seen}.cwd`, 'utf8').trim()).toBe(dir);
    expect(state(dir).design.summary).toBe('out-line\nerr-line');
    expect(state(dir).design.components).toEqual([]);
  });

  it('an invalid component list: WARNING, components stay []', async () => {
    const dir = project({ user_query: 'q' });
    const ci = stub(`echo '[{"id": "../evil", "description": "x"}]'`);
    const r = await handler('design_program', [dir], { CI_COMMAND: ci });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^WARNING: .*'\.\.\/evil'/m);
    expect(state(dir).design.components).toEqual([]);
    expect(state(dir).phase).toBe('design');
  });

  it('D14: the tool comes from the project config even when started elsewhere', async () => {
    const dir = project({ user_query: 'q' });
    const marker = join(tempDir(), 'called');
    const ci = stub(`touch ${marker}; echo fine`);
    writeFileSync(join(dir, '.argo-project/config.json'), JSON.stringify({ ci: { tool: ci } }));
    const r = await handler('design_program', [dir], {}, '/');
    expect(r.code).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });

  it('missing query: ERROR, last_error, state otherwise unchanged', async () => {
    const dir = project();
    const r = await handler('design_program', [dir], { CI_COMMAND: STANDIN });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ERROR: /);
    const s = state(dir);
    expect(s.error_recovery.last_error).toBe('Missing user query');
    expect([s.phase, s.design]).toEqual(['init', null]);
  });

  it('CI tool not found: ERROR naming it, last_error', async () => {
    const dir = project({ user_query: 'q' });
    const r = await handler('design_program', [dir], { CI_COMMAND: '/nonexistent/ci-tool' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ERROR: CI tool not found: /nonexistent/ci-tool');
    expect(state(dir).error_recovery.last_error).toBe('CI tool not available');
  });

  it('CI failure: ERROR with the exit code, last_error, no design', async () => {
    const dir = project({ user_query: 'q' });
    const r = await handler('design_program', [dir], { CI_COMMAND: stub('echo "Error: boom"; exit 5') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ERROR: CI query failed with exit code 5$/m);
    expect(state(dir).error_recovery.last_error).toBe('CI query failed');
    expect(state(dir).design).toBe(null);
  });
});

// ------------------------------------------------------------------ design_build

const design = (components: unknown) => ({ design: { summary: 's', components, created: '2026-01-01T00:00:00Z', approved: false }, phase: 'design' });

describe('design_build', () => {
  it('creates one worktree + branch per component and hands on to execution (owner untouched)', async () => {
    const dir = project({ ...design([{ id: 'backend', description: 'API' }, { id: 'frontend', description: 'UI' }]), action_owner: 'code' }, { git: true });
    const r = await handler('design_build', [dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Components to build: 2\n');
    expect(r.stdout).toContain('Creating git worktree: .argo-project/builders/backend\n');
    const s = state(dir);
    expect([s.phase, s.action_owner, s.action_needed]).toEqual(['execution', 'code', 'spawn_builders']);
    expect(Object.keys(s.execution)).toEqual(['builders', 'status', 'started', 'completed']);
    const [b] = s.execution.builders;
    expect(Object.keys(b)).toEqual(['id', 'description', 'status', 'worktree', 'branch', 'pid', 'progress', 'started', 'completed', 'created']);
    expect(b).toMatchObject({ id: 'backend', description: 'API', status: 'pending', branch: 'argo-builder-backend', pid: null, progress: 0 });
    expect(b.worktree).toBe(join(dir, '.argo-project/builders/backend'));
    expect(git(b.worktree, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('argo-builder-backend');
    expect(s.execution.builders[1].created).toBe(b.created);
    expect(readFileSync(join(dir, '.argo-project/logs/workflow.log'), 'utf8')).toContain('Phase transition: design -> execution');
  });

  it('copies the plan fields (paths, depends_on, acceptance) onto the builder rows; a component without them gets none', async () => {
    const plan = { paths: ['src/ui/**', 'ui.ts'], depends_on: ['core'], acceptance: 'the page renders' };
    const dir = project(design([{ id: 'core', description: 'C' }, { id: 'ui', description: 'U', ...plan }]), { git: true });
    expect((await handler('design_build', [dir])).code).toBe(0);
    const [core, ui] = state(dir).execution.builders;
    expect(ui).toMatchObject(plan);
    for (const k of ['paths', 'depends_on', 'acceptance']) expect(core).not.toHaveProperty(k);
  });

  it('falls back to an existing branch', async () => {
    const dir = project(design([{ id: 'x', description: 'X' }]), { git: true });
    git(dir, 'branch', 'argo-builder-x');
    const r = await handler('design_build', [dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('WARNING');
    expect(state(dir).execution.builders[0].worktree).toBe(join(dir, '.argo-project/builders/x'));
  });

  it('not a repository top (D24: a parent repo does not count; issue 6: refused, handed to user)', async () => {
    const parent = tempDir();
    gitRepo(parent);
    const dir = project(design([{ id: 'a' }, { id: 'b' }]), { dir: join(parent, 'sub') });
    const r = await handler('design_build', [dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ERROR: .*not the top folder of a git repository/);
    expect(state(dir).execution).toBeNull();
    expect(state(dir).action_owner).toBe('user');
    expect(git(parent, 'branch', '--list', 'argo-builder-*')).toBe('');
  });

  it('zero components: empty builders, same transition', async () => {
    const dir = project(design([]), { git: true });
    expect((await handler('design_build', [dir])).code).toBe(0);
    expect(state(dir).execution.builders).toEqual([]);
    expect(state(dir).phase).toBe('execution');
  });

  it.each([
    [null, 'Missing design'],
    [{ summary: 's' }, 'Missing components'],
  ])('design %j: ERROR and last_error', async (d, why) => {
    const dir = project({ design: d });
    const r = await handler('design_build', [dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ERROR: /);
    expect(state(dir).error_recovery.last_error).toBe(why);
  });

  it.each(['../escape', 'has space', 'x.lock', '-flag'])('invalid id %j: ERROR naming it, nothing built (D24)', async (id) => {
    const dir = project(design([{ id: 'fine' }, { id }]), { git: true });
    const r = await handler('design_build', [dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`'${id}'`);
    const s = state(dir);
    expect(s.execution).toBe(null);
    expect(s.phase).toBe('design');
    expect(s.error_recovery.last_error).toContain(id);
    expect(existsSync(join(dir, '.argo-project/builders'))).toBe(false);
  });

  it('a repeated id is refused', async () => {
    const dir = project(design([{ id: 'a' }, { id: 'a' }]));
    const r = await handler('design_build', [dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("'a' appears twice");
  });
});

// ------------------------------------------------------------------ execution

/** Builders with plain folders as worktrees (enough for stub CIs). */
function executionProject(ids: string[], extra: Record<string, unknown> = {}) {
  const dir = project({ phase: 'execution', action_owner: 'code', action_needed: 'execution', ...extra });
  const builders = ids.map((id) => {
    const worktree = join(dir, '.argo-project', 'builders', id);
    mkdirSync(worktree, { recursive: true });
    return { id, description: `the ${id}`, status: 'pending', worktree, branch: `argo-builder-${id}`, pid: null, progress: 0, started: null, completed: null, created: 'T' };
  });
  patchState(dir, { execution: { builders, status: 'pending', started: null, completed: null } });
  return { dir, builders };
}

/** A CI stub that records its calls and waits (bounded) until every id in $WANT has started. */
function rendezvousCi(shared: string, waitTenths = 50): string {
  return stub(`id=$(printf '%s' "$1" | sed -n "1s/[^']*'\\([^']*\\)'.*/\\1/p")
echo "$id" >> ${shared}/calls
touch ${shared}/$id.started
for ((i = 0; i < ${waitTenths}; i++)); do
  all=1; for w in $WANT; do [[ -e ${shared}/$w.started ]] || all=0; done
  (( all )) && { echo "builder $id saw all started"; exit 0; }
  sleep 0.1
done
exit 9`);
}

describe('execution', () => {
  it('no execution: ERROR, exit 1', async () => {
    const dir = project();
    const r = await handler('execution', [dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ERROR: No execution in state');
  });

  it('zero builders (D9): merge_build, execution completed, merge_branches', async () => {
    const dir = project({ phase: 'execution', action_needed: 'execution', execution: { builders: [], status: 'pending', started: null, completed: null } });
    const r = await handler('execution', [dir]);
    expect(r.code).toBe(0);
    const s = state(dir);
    expect([s.phase, s.execution.status, s.action_needed]).toEqual(['merge_build', 'completed', 'merge_branches']);
  });

  it('runs builders really in parallel (D10) and records their results', async () => {
    const { dir, builders } = executionProject(['a', 'b']);
    const shared = tempDir();
    const r = await handler('execution', [dir], { CI_COMMAND: rendezvousCi(shared), WANT: 'a b' });
    expect(r.code).toBe(0);
    const s = state(dir);
    for (const b of s.execution.builders) {
      // each stub only exits 0 if it saw the other one running at the same time
      expect(b).toMatchObject({ status: 'completed', exit_code: 0, progress: 100 });
      expect(b.pid).toMatch(/^\d+$/);
      expect(b.started).toMatch(TS);
      expect(b.completed).toMatch(TS);
    }
    expect(readFileSync(join(builders[0]!.worktree, '.build_result'), 'utf8')).toBe('0\n');
    expect(readFileSync(join(dir, '.argo-project/logs/builder-a.log'), 'utf8')).toContain('builder a saw all started');
    expect([s.phase, s.execution.status, s.action_needed, s.action_owner]).toEqual(['merge_build', 'completed', 'merge_branches', 'code']);
    const log = readFileSync(join(dir, '.argo-project/logs/workflow.log'), 'utf8');
    expect(log).toMatch(/\[BUILDER\] \[a\] starting - /);
    expect(log).toMatch(/\[BUILDER\] \[b\] spawned - PID: \d+/);
    expect(log).toContain('Phase transition: execution -> merge_build');
  });

  it('max_parallel_builders=2 with 4 builders: 2 run at once, never 3', async () => {
    const { dir } = executionProject(['a', 'b', 'c', 'd']);
    patchState(dir, { limits: { ...INITIAL.limits, max_parallel_builders: 2 } });
    const S = tempDir();
    // Each builder counts itself in and out under a lock (start/end events with the count),
    // and is held until two run at once (or all four have started): with the limit the
    // count reaches 2 whatever the load; without it, a third would start meanwhile.
    const ci = stub(`id=$(printf '%s' "$1" | sed -n "1s/[^']*'\\([^']*\\)'.*/\\1/p")
count() { flock ${S}/lock bash -c 'r=$(( $(cat ${S}/running 2>/dev/null) + 0 $1 1 )); echo $r > ${S}/running; echo "$2 $3 $r" >> ${S}/events' _ "$@"; }
count + start "$id"
for ((i = 0; i < 600; i++)); do
  (( $(cat ${S}/running 2>/dev/null) + 0 >= 2 || $(grep -c '^start' ${S}/events) >= 4 )) && break
  sleep 0.05
done
count - end "$id"`);
    const r = await handler('execution', [dir], { CI_COMMAND: ci });
    expect(r.code).toBe(0);
    const events = readFileSync(join(S, 'events'), 'utf8').trim().split('\n').map((l) => l.split(' '));
    const starts = events.filter((e) => e[0] === 'start');
    expect(starts.map((e) => e[1]).sort()).toEqual(['a', 'b', 'c', 'd']);
    const counts = starts.map((e) => Number(e[2]));
    expect(Math.max(...counts)).toBe(2); // the limit is reached …
    expect(counts.every((n) => n <= 2)).toBe(true); // … and never passed
    expect(events.filter((e) => e[0] === 'end')).toHaveLength(4);
    // The handler starts its first builders before it says they are launched: exactly 2.
    const before = r.stdout.slice(0, r.stdout.indexOf('Builders launched'));
    expect(before.match(/^Spawning builder: /gm)).toHaveLength(2);
    expect(r.stdout).toContain('At most 2 builders run at once');
    expect(state(dir).execution.builders.map((b: { status: string }) => b.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
  });

  it('a failing builder ends failed with its exit code (D11), the others complete', async () => {
    const { dir, builders } = executionProject(['good', 'bad']);
    const r = await handler('execution', [dir], { CI_COMMAND: STANDIN, STANDIN_CI_FAIL: 'bad' });
    expect(r.code).toBe(0);
    const [good, bad] = state(dir).execution.builders;
    expect(bad).toMatchObject({ status: 'failed', exit_code: 3 });
    expect(bad.progress).toBe(0);
    expect(readFileSync(join(builders[1]!.worktree, '.build_result'), 'utf8')).toBe('3\n');
    expect(good.status).toBe('failed'); // plain folder, not a git worktree: the stand-in cannot commit
    expect(readFileSync(join(dir, '.argo-project/logs/builder-bad.log'), 'utf8')).toMatch(/failed - /);
  });

  it('no worktree or no CI tool: failed, not completed (D11)', async () => {
    const dir = project({ execution: { builders: [{ id: 'backend', status: 'pending', branch: 'argo-builder-backend' }], status: 'pending' } });
    const marker = join(tempDir(), 'ran');
    let r = await handler('execution', [dir], { CI_COMMAND: stub(`touch ${marker}`) });
    expect(r.code).toBe(0);
    expect(existsSync(marker)).toBe(false);
    expect(state(dir).execution.builders[0]).toMatchObject({ status: 'failed', exit_code: 1 });

    const { dir: dir2 } = executionProject(['x']);
    r = await handler('execution', [dir2], { CI_COMMAND: '/nonexistent/ci' });
    expect(r.stderr).toContain('ERROR: CI tool not found: /nonexistent/ci');
    expect(state(dir2).execution.builders[0]).toMatchObject({ status: 'failed', exit_code: 127 });
  });

  it('the CI tool gets the prompt, cwd = worktree, stdin /dev/null and the bash library functions', async () => {
    const { dir, builders } = executionProject(['core']);
    const seen = join(tempDir(), 'seen');
    const ci = stub(`printf '%s' "$1" > ${seen}.prompt; pwd > ${seen}.cwd; ls -l /proc/self/fd/0 > ${seen}.stdin; update_state from_ci yes`);
    const r = await handler('execution', [dir], { CI_COMMAND: ci });
    expect(r.code).toBe(0);
    const prompt = readFileSync(`${seen}.prompt`, 'utf8');
    expect(prompt).toContain("'core'");
    expect(prompt).toContain('Description: the core');
    expect(prompt).toContain(`Work in the directory: ${builders[0]!.worktree}`);
    expect(readFileSync(`${seen}.cwd`, 'utf8').trim()).toBe(builders[0]!.worktree);
    expect(readFileSync(`${seen}.stdin`, 'utf8')).toContain('/dev/null');
    expect(state(dir).from_ci).toBe('yes');
  });

  it('re-run (D12): completed left alone, dead running with a result taken, others restarted', async () => {
    const { dir, builders } = executionProject(['done', 'crashed', 'lost', 'again']);
    const s0 = state(dir);
    const dead = 2 ** 22 + 12345; // above pid_max on common systems: certainly not alive
    Object.assign(s0.execution.builders[0], { status: 'completed', started: 'OLD', pid: '1' });
    Object.assign(s0.execution.builders[1], { status: 'running', pid: String(dead) });
    Object.assign(s0.execution.builders[2], { status: 'running', pid: String(dead) });
    Object.assign(s0.execution.builders[3], { status: 'failed', exit_code: 2 });
    writeState(dir, s0);
    writeFileSync(join(builders[1]!.worktree, '.build_result'), '4\n');
    const shared = tempDir();
    const r = await handler('execution', [dir], { CI_COMMAND: rendezvousCi(shared, 1), WANT: '' });
    expect(r.code).toBe(0);
    expect(readFileSync(join(shared, 'calls'), 'utf8').split('\n').filter(Boolean).sort()).toEqual(['again', 'lost']);
    const [done, crashed, lost, again] = state(dir).execution.builders;
    expect(done).toMatchObject({ status: 'completed', started: 'OLD', pid: '1' });
    expect(crashed).toMatchObject({ status: 'failed', exit_code: 4 });
    expect(lost).toMatchObject({ status: 'completed', exit_code: 0 });
    expect(again).toMatchObject({ status: 'completed', exit_code: 0 });
  });

  it('re-run adopts a builder still running (not respawned) and takes its result', async () => {
    const { dir, builders } = executionProject(['busy']);
    const wt = builders[0]!.worktree;
    const release = join(tempDir(), 'release');
    // stands in for a builder left by an earlier handler: same wrapper name, writes its
    // result; it lives until the test releases it (bounded, 60 s), so it cannot end early
    const script = `for ((i = 0; i < 1200; i++)); do [[ -e ${release} ]] && break; sleep 0.05; done; echo 0 > .build_result`;
    const child = spawn('bash', ['-c', script, 'argo-builder'], { cwd: wt, detached: true, stdio: 'ignore' });
    started.push(child.pid!);
    const s0 = state(dir);
    Object.assign(s0.execution.builders[0], { status: 'running', pid: String(child.pid) });
    writeState(dir, s0);
    const marker = join(tempDir(), 'respawned');
    const h = spawn(process.execPath, [built('phases/execution.ts'), dir], {
      env: { ...baseEnv(), CI_COMMAND: stub(`touch ${marker}`) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const r: Run = { code: null, stdout: '', stderr: '' };
    h.stderr.on('data', (d) => (r.stderr += d));
    // released only once the handler has said it adopted the builder
    h.stdout.on('data', (d) => {
      r.stdout += d;
      if (r.stdout.includes('still running')) writeFileSync(release, '');
    });
    r.code = await new Promise<number | null>((res) => h.on('close', (code) => res(code)));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`still running (PID ${child.pid})`);
    expect(existsSync(marker)).toBe(false);
    expect(state(dir).execution.builders[0]).toMatchObject({ status: 'completed', exit_code: 0, pid: String(child.pid) });
  });

  it('re-run with max_parallel_builders=1: an adopted builder holds the one slot, the next starts only after it ends (one engine, as on workers)', async () => {
    const { dir, builders } = executionProject(['old', 'next'], { limits: { ...INITIAL.limits, max_parallel_builders: 1 } });
    const release = join(tempDir(), 'release');
    const script = `for ((i = 0; i < 1200; i++)); do [[ -e ${release} ]] && break; sleep 0.05; done; echo 0 > .build_result`;
    const child = spawn('bash', ['-c', script, 'argo-builder'], { cwd: builders[0]!.worktree, detached: true, stdio: 'ignore' });
    started.push(child.pid!);
    const s0 = state(dir);
    Object.assign(s0.execution.builders[0], { status: 'running', pid: String(child.pid) });
    writeState(dir, s0);
    const marker = join(tempDir(), 'next-started');
    // the next builder notes whether the adopted one was still held when it started
    const ci = stub(`[[ -e ${release} ]] && echo after > ${marker} || echo before > ${marker}`);
    const h = spawn(process.execPath, [built('phases/execution.ts'), dir], { env: { ...baseEnv(), CI_COMMAND: ci }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let timer: NodeJS.Timeout | undefined;
    h.stdout.on('data', (d) => {
      stdout += d;
      // held a while after the adoption, so that a second slot would have been used meanwhile
      if (stdout.includes('still running')) timer ??= setTimeout(() => writeFileSync(release, ''), 1500);
    });
    const code = await new Promise<number | null>((res) => h.on('close', (rc) => res(rc)));
    clearTimeout(timer);
    expect(code).toBe(0);
    expect(readFileSync(marker, 'utf8').trim()).toBe('after');
    expect(state(dir).execution.builders.map((b: { status: string }) => b.status)).toEqual(['completed', 'completed']);
  });

  it('re-run adopts only our own live builder: a live pid that is not one is run again, and left alone (SAFETY-PROCESSES.md)', async () => {
    const elsewhere = tempDir();
    const cases: { name: string; start: (wt: string) => ReturnType<typeof spawn> }[] = [
      { name: 'a plain sleep', start: (wt) => spawn('sleep', ['60'], { cwd: wt, detached: true, stdio: 'ignore' }) },
      { name: 'our marker outside the builders folder', start: () => spawn('bash', ['-c', 'sleep 60; :', 'argo-builder'], { cwd: elsewhere, detached: true, stdio: 'ignore' }) },
      { name: 'our marker, not leading its group', start: (wt) => spawn('bash', ['-c', 'sleep 60; :', 'argo-builder'], { cwd: wt, stdio: 'ignore' }) },
    ];
    for (const c of cases) {
      const { dir, builders } = executionProject(['busy']);
      const foreign = c.start(builders[0]!.worktree);
      try {
        const execd = () => {
          try {
            return /sleep|argo-builder/.test(readFileSync(`/proc/${foreign.pid}/cmdline`, 'utf8'));
          } catch {
            return false;
          }
        };
        for (let i = 0; i < 250 && !execd(); i++) await new Promise((res) => setTimeout(res, 20));
        const s0 = state(dir);
        Object.assign(s0.execution.builders[0], { status: 'running', pid: String(foreign.pid) });
        writeState(dir, s0);
        const marker = join(tempDir(), 'ran');
        const h = spawn(process.execPath, [built('phases/execution.ts'), dir], {
          env: { ...baseEnv(), CI_COMMAND: stub(`touch ${marker}`) },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        // an adoption would wait for the foreign process (60 s): stop it at once instead
        h.stdout.on('data', (d) => {
          stdout += d;
          if (stdout.includes('still running')) h.kill('SIGTERM');
        });
        const code = await new Promise<number | null>((res) => h.on('close', (rc) => res(rc)));
        expect(stdout, c.name).not.toContain('still running');
        expect(code, c.name).toBe(0);
        expect(existsSync(marker), c.name).toBe(true); // run again
        expect(state(dir).execution.builders[0].pid, c.name).not.toBe(String(foreign.pid));
        expect(pidAlive(foreign.pid!), c.name).toBe(true); // and never signalled
      } finally {
        // its `sleep` child first (read before the parent goes), then the process itself
        let children: string[] = [];
        try {
          children = readFileSync(`/proc/${foreign.pid}/task/${foreign.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
        } catch {
          /* gone */
        }
        for (const child of children) {
          try {
            process.kill(Number(child), 'SIGKILL');
          } catch {
            /* already gone */
          }
        }
        foreign.kill('SIGKILL');
      }
    }
  });

  it('max_workflow_hours stops a running builder when the workflow deadline passes, though its own limit is an hour', async () => {
    const created = new Date(Math.floor(Date.now() / 1000) * 1000);
    // the deadline 9 s after the design's creation; builder_timeout_seconds stays 3600
    const { dir, builders } = executionProject(['slow'], {
      design: { summary: 's', components: [], approved: true, created: created.toISOString().replace(/\.\d{3}Z$/, 'Z') },
      limits: { ...INITIAL.limits, max_workflow_hours: 0.0025 },
    });
    const beat = join(builders[0]!.worktree, 'beat');
    // works (a heartbeat, a background child in its group) for about 30 s, then succeeds
    const ci = stub(`sleep 1000 & echo $! > ${beat}.child; for ((i = 0; i < 300; i++)); do echo $i >> ${beat}; sleep 0.1; done; exit 0`);
    const r = await handler('execution', [dir], { CI_COMMAND: ci });
    expect(r.code).toBe(0);
    expect(existsSync(beat)).toBe(true); // it was running when the deadline came
    const s = state(dir);
    expect(s.execution.builders[0]).toMatchObject({ status: 'failed', failure: 'time_limit' });
    expect([s.action_owner, s.action_needed, s.phase]).toEqual(['user', 'review_time_limit', 'execution']);
    expect(s.execution.halt_reason).toBe('the workflow time limit (limits.max_workflow_hours) passed');
    expect(Date.now() - created.getTime()).toBeLessThan(25_000); // stopped at the deadline, not at its own end
    expect(pidAlive(Number(readFileSync(`${beat}.child`, 'utf8')))).toBe(false);
  }, 60_000);

  it('SIGTERM ends the builders it started, then the handler', async () => {
    const { dir, builders } = executionProject(['slow']);
    const beat = join(builders[0]!.worktree, 'beat');
    const ci = stub(`while :; do date +%s%N >> ${beat}; sleep 0.05; done`);
    const h = spawn(process.execPath, [built('phases/execution.ts'), dir], {
      env: { ...baseEnv(), CI_COMMAND: ci },
      stdio: 'ignore',
      detached: true,
    });
    started.push(h.pid!);
    const exited = new Promise<number | null>((res) => h.on('exit', (code) => res(code)));
    let pid = '';
    // wait until the builder is recorded and really working
    for (let i = 0; i < 200 && !(pid && existsSync(beat)); i++) {
      await new Promise((res) => setTimeout(res, 50));
      pid = state(dir).execution.builders[0].pid ?? '';
    }
    expect(pid).toMatch(/^\d+$/);
    started.push(Number(pid));
    h.kill('SIGTERM');
    expect(await exited).toBe(143);
    const alive = () => pidAlive(Number(pid)); // a zombie nobody reaped counts as gone
    for (let i = 0; i < 200 && alive(); i++) await new Promise((res) => setTimeout(res, 50));
    expect(alive()).toBe(false);
    const beats = readFileSync(beat, 'utf8');
    await new Promise((res) => setTimeout(res, 300));
    expect(readFileSync(beat, 'utf8')).toBe(beats); // nothing writes there any more
    expect(state(dir).execution.builders[0].status).toBe('running');
  });
});

// ------------------------------------------------------------------ merge_build

const completed = (id: string, extra: Record<string, unknown> = {}) => ({ id, status: 'completed', branch: `argo-builder-${id}`, ...extra });

/** A repo on master with branch argo-builder-<id> adding <id>.txt (HEAD left on master). */
function mergeRepo(ids: string[], builders: unknown[] = ids.map((id) => completed(id))) {
  const dir = join(tempDir(), 'proj');
  gitRepo(dir);
  for (const id of ids) {
    git(dir, 'checkout', '-q', '-b', `argo-builder-${id}`, 'master');
    writeFileSync(join(dir, `${id}.txt`), `${id}\n`);
    git(dir, 'add', `${id}.txt`);
    git(dir, 'commit', '-qm', `add ${id}`);
  }
  git(dir, 'checkout', '-q', 'master');
  project({ phase: 'merge_build', action_owner: 'code', action_needed: 'merge_build', execution: { builders, status: 'completed' } }, { dir });
  return dir;
}

describe('merge_build', () => {
  it('not a git repository: ERROR, exit 1', async () => {
    const dir = project({ execution: { builders: [] } });
    const r = await handler('merge_build', [dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ERROR: Not a git repository');
  });

  it('no execution: ERROR, exit 1', async () => {
    const dir = project({}, { git: true });
    const r = await handler('merge_build', [dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ERROR: No execution in state');
  });

  it('zero builders: storage, user, action_needed untouched', async () => {
    const dir = project({ action_needed: 'merge_build', execution: { builders: [] } }, { git: true });
    expect((await handler('merge_build', [dir])).code).toBe(0);
    const s = state(dir);
    expect([s.phase, s.action_owner, s.action_needed]).toEqual(['storage', 'user', 'merge_build']);
  });

  it('merges from a builder branch HEAD via the master fallback; cleans up; storage/user/none', async () => {
    const dir = mergeRepo(['backend', 'api']);
    git(dir, 'checkout', '-q', 'argo-builder-backend');
    patchState(dir, { merge_conflicts: ['old'] });
    const r = await handler('merge_build', [dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Merging 2 builder branches...\n');
    expect(git(dir, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('master');
    expect(existsSync(join(dir, 'backend.txt')) && existsSync(join(dir, 'api.txt'))).toBe(true);
    expect(git(dir, 'log', '--format=%s', '-2').split('\n').slice(0, 2)).toEqual(['Merge builder: api', 'Merge builder: backend']);
    expect(git(dir, 'rev-list', '--parents', '-1', 'HEAD').trim().split(' ')).toHaveLength(3); // --no-ff
    expect(git(dir, 'branch', '--list', 'argo-builder-*')).toBe('');
    const s = state(dir);
    expect([s.phase, s.action_owner, s.action_needed]).toEqual(['storage', 'user', 'none']);
    expect(s.merge).toMatchObject({ merged: ['backend', 'api'], conflicts: [], skipped: [], missing: [] });
    expect(s.merge.completed).toMatch(TS);
    expect(s.merge_conflicts).toEqual([]);
    expect(readFileSync(join(dir, '.argo-project/logs/workflow.log'), 'utf8')).toContain('Phase transition: merge_build -> storage');
  });

  /** A repository whose completed builder `core` has a real worktree with one commit. */
  function mergedCoreWorktree(): { dir: string; wt: string } {
    const dir = mergeRepo([]);
    const wt = join(dir, '.argo-project/builders/core');
    git(dir, 'worktree', 'add', '-q', wt, '-b', 'argo-builder-core');
    writeFileSync(join(wt, 'core.txt'), 'core\n');
    git(wt, 'add', 'core.txt');
    git(wt, 'commit', '-qm', 'core');
    patchState(dir, { execution: { builders: [completed('core', { worktree: wt })] } });
    return { dir, wt };
  }

  it('removes a real worktree of a merged builder', async () => {
    const { dir, wt } = mergedCoreWorktree();
    expect((await handler('merge_build', [dir])).code).toBe(0);
    expect(existsSync(wt)).toBe(false);
    expect(existsSync(join(dir, 'core.txt'))).toBe(true);
    expect(git(dir, 'worktree', 'list').trim().split('\n')).toHaveLength(1);
  });

  it('a builder branch that gained a commit after its merge is kept (not deleted), its commit reachable (SAFETY.md)', async () => {
    const { dir, wt } = mergedCoreWorktree();
    // The agent writes again right after the merge (git runs post-merge after a merge
    // commit): the cleanup commits that leftover to the branch, which is then not
    // on master any more and must not be deleted.
    writeFileSync(join(dir, '.git/hooks/post-merge'), `#!/bin/bash\necho late > ${JSON.stringify(join(wt, 'late.txt'))}\n`, { mode: 0o755 });
    expect((await handler('merge_build', [dir])).code).toBe(0);
    expect(state(dir).merge.merged).toEqual(['core']);
    expect(git(dir, 'log', '-1', '--format=%s', 'argo-builder-core').trim()).toBe('argo: uncommitted work left by builder core');
    expect(git(dir, 'show', 'argo-builder-core:late.txt')).toBe('late\n');
    expect(() => git(dir, 'merge-base', '--is-ancestor', 'argo-builder-core', 'master')).toThrow();
    expect(readFileSync(join(dir, '.argo-project/logs/workflow.log'), 'utf8')).toContain('[BUILDER] [core] kept - Branch argo-builder-core kept: it has commits that are not on master');
  });

  it('a real conflict: resolve_conflicts for ci, merge_conflicts, merge aborted, branch kept', async () => {
    const dir = mergeRepo(['backend']);
    writeFileSync(join(dir, 'backend.txt'), 'master version\n');
    git(dir, 'add', 'backend.txt');
    git(dir, 'commit', '-qm', 'conflicting');
    const r = await handler('merge_build', [dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Merge conflicts detected in builders: backend\n');
    const s = state(dir);
    expect([s.phase, s.action_owner, s.action_needed]).toEqual(['merge_build', 'ci', 'resolve_conflicts']);
    expect(s.merge_conflicts).toEqual(['backend']);
    expect(s.merge.conflicts).toEqual(['backend']);
    expect(existsSync(join(dir, '.git/MERGE_HEAD'))).toBe(false);
    expect(git(dir, 'branch', '--list', 'argo-builder-backend')).toContain('argo-builder-backend');
    expect(readFileSync(join(dir, '.argo-project/logs/builder-backend.log'), 'utf8').match(/conflict - /g)).toHaveLength(2);
  });

  it('a non-conflict merge failure is an error, not a conflict (D13)', async () => {
    const dir = mergeRepo(['backend']);
    writeFileSync(join(dir, 'backend.txt'), 'untracked in the way\n'); // "would be overwritten by merge"
    const r = await handler('merge_build', [dir]);
    expect(r.code).toBe(0);
    const s = state(dir);
    expect(s.merge).toMatchObject({ merged: [], conflicts: [], failed: ['backend'] });
    expect(s.merge_conflicts).toBeUndefined();
    expect([s.phase, s.action_owner, s.action_needed]).toEqual(['merge_build', 'user', 'review_merge']);
  });

  it('missing branch and skipped builder are recorded and do not end in storage (D13)', async () => {
    const dir = mergeRepo(['ok'], [completed('ok'), completed('ghost'), { id: 'late', status: 'failed', branch: 'argo-builder-late' }]);
    const r = await handler('merge_build', [dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Not merged: late ghost \(skipped: 1, branch missing: 1, failed: 0\)$/m);
    const s = state(dir);
    expect(s.merge).toMatchObject({ merged: ['ok'], missing: ['ghost'], skipped: ['late'], conflicts: [] });
    expect([s.phase, s.action_owner, s.action_needed]).toEqual(['merge_build', 'user', 'review_merge']);
    const log = readFileSync(join(dir, '.argo-project/logs/workflow.log'), 'utf8');
    expect(log).toContain('[BUILDER] [late] skipped - Not completed (status: failed)');
    expect(log).toContain('[BUILDER] [ghost] warning - Branch argo-builder-ghost not found');
    expect(log).not.toContain('merge_build -> storage');
  });

  it('after conflicts are resolved, a re-run counts the earlier merges and clears merge_conflicts', async () => {
    const dir = mergeRepo(['a', 'b']);
    writeFileSync(join(dir, 'b.txt'), 'clash\n');
    git(dir, 'add', 'b.txt');
    git(dir, 'commit', '-qm', 'clash');
    await handler('merge_build', [dir]);
    expect(state(dir).merge_conflicts).toEqual(['b']);
    // the conflict gets resolved on the builder branch
    git(dir, 'checkout', '-q', 'argo-builder-b');
    git(dir, 'merge', '-q', '-X', 'ours', 'master', '-m', 'resolve');
    git(dir, 'checkout', '-q', 'master');
    const r = await handler('merge_build', [dir]);
    expect(r.code).toBe(0);
    const s = state(dir);
    expect(s.merge.merged).toEqual(['a', 'b']);
    expect(s.merge_conflicts).toEqual([]);
    expect([s.phase, s.action_needed]).toEqual(['storage', 'none']);
  });
});
