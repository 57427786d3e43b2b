// One cancellation story (docs/ARCHITECTURE.md "Cancellation"): libraries take an
// AbortSignal and return, every child runs in a group that is ended and awaited, and
// a design asked of a plain CI tool has the same time limit as a preset's.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCiCaptured } from '../../agents/ci_tool.js';
import { bashArgv, superviseGroup } from '../../core/child.js';
import { onTermination } from '../../core/termination.js';
import { groupMembers, pidAlive } from '../../core/proc.js';
import { built } from './built.js';
import { until } from './helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');

const temps: string[] = [];
const groups: number[] = []; // process groups a test started itself, ended by pid in afterEach
const pids: number[] = []; // processes a test started itself (a handler, a tool's child)
afterEach(() => {
  const kill = (target: number) => {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  for (const pid of groups.splice(0)) kill(-pid);
  for (const pid of pids.splice(0)) kill(pid);
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'argo-cancel-'));
  temps.push(d);
  return d;
}

function stub(body: string): string {
  const file = join(tempDir(), 'stub_ci');
  writeFileSync(file, `#!/bin/bash\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

const readPid = (file: string) => Number(readFileSync(file, 'utf8').trim());

describe('runCiCaptured (a library: it returns, never exits)', () => {
  it('an aborted signal ends the whole group and returns the signal\'s status once it is gone', async () => {
    const dir = tempDir();
    const kid = join(dir, 'kid');
    const tool = stub(`sleep 30 & echo $! > ${kid}; echo started; wait`);
    const abort = new AbortController();
    const run = runCiCaptured(tool, 'p', dir, { PATH: process.env.PATH }, { signal: abort.signal, graceMs: 2000 });
    await until('the tool started its child', () => existsSync(kid) && readFileSync(kid, 'utf8').endsWith('\n'));
    abort.abort('SIGTERM');
    const r = await run;
    expect(r.cause).toBe('cancel');
    expect(r.code).toBe(143);
    expect(r.output).toBe('started\n');
    expect(pidAlive(readPid(kid))).toBe(false); // the child in the tool's group ended with it
  });

  it('timeoutMs ends the group (cause timeout)', async () => {
    const dir = tempDir();
    const r = await runCiCaptured(stub('sleep 30'), 'p', dir, { PATH: process.env.PATH }, { timeoutMs: 300, graceMs: 1000 });
    expect(r.cause).toBe('timeout');
    expect(r.code).toBe(143);
  });
});

describe('superviseGroup', () => {
  it('after the grace period the group gets KILL (a TERM-proof member) and is awaited until gone', async () => {
    const child = spawn('bash', ['-c', "trap '' TERM; sleep 30 & trap '' TERM; wait"], { detached: true, stdio: 'ignore' });
    groups.push(child.pid!);
    const g = superviseGroup(child, { graceMs: 200 });
    await new Promise((r) => setTimeout(r, 100));
    g.end('cancel');
    const end = await g.ended;
    expect(end).toMatchObject({ cause: 'cancel', forced: true, status: 137, startError: null });
    expect(groupMembers(child.pid!)).toEqual([]);
  });

  it('a program that cannot start: status 127 and its errno, no group signalled', async () => {
    const child = spawn('/nonexistent/program', [], { detached: true, stdio: 'ignore' });
    const end = await superviseGroup(child, { timeoutMs: 1000 }).ended;
    expect(end).toMatchObject({ status: 127, startError: 'ENOENT', cause: 'exit', forced: false });
  });

  it('the first cause wins: a timeout after a cancel stays a cancel', async () => {
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    groups.push(child.pid!);
    const abort = new AbortController();
    const g = superviseGroup(child, { signal: abort.signal, timeoutMs: 150, graceMs: 1000 });
    abort.abort();
    g.end('timeout');
    expect((await g.ended).cause).toBe('cancel');
  });
});

describe('bashArgv (every `bash -c` argo runs)', () => {
  // Node's 'pipe' stdio is a socket pair, as is a test runner's stdin: bash without SHLVL
  // then takes itself for a command sshd ran and sources ~/.bashrc (a pyenv bashrc held
  // runCiCaptured for 60 s that way).
  const run = (argv: string[], home: string) =>
    spawnSync(argv[0]!, argv.slice(1), { env: { PATH: process.env.PATH, HOME: home }, stdio: ['pipe', 'pipe', 'pipe'], encoding: 'utf8' });
  it('does not source ~/.bashrc when stdin is a socket and SHLVL is unset; arguments stay positional', () => {
    const home = tempDir();
    writeFileSync(join(home, '.bashrc'), 'touch "$HOME/sourced"\n');
    run(['bash', '-c', 'true'], home);
    expect(existsSync(join(home, 'sourced'))).toBe(true); // the condition is real here
    rmSync(join(home, 'sourced'));
    const r = run(bashArgv('printf "%s|" "$0" "$@"', 'zero', 'a b', '$x'), home);
    expect([r.status, r.stdout, existsSync(join(home, 'sourced'))]).toEqual([0, 'zero|a b|$x|', false]);
  });
});

describe('onTermination (the one signal edge of an entry point)', () => {
  it('the first signal aborts, names the reason and the status; later ones change nothing; dispose removes the handlers', () => {
    const before = process.listenerCount('SIGHUP');
    const seen: string[] = [];
    const t = onTermination({ signals: ['SIGHUP'], onSignal: (s) => seen.push(s) });
    expect(process.listenerCount('SIGHUP')).toBe(before + 1);
    expect(t.signal.aborted).toBe(false);
    process.emit('SIGHUP', 'SIGHUP');
    process.emit('SIGHUP', 'SIGHUP');
    expect([t.signal.aborted, t.signal.reason, t.reason(), t.status(), seen]).toEqual([true, 'SIGHUP', 'SIGHUP', 129, ['SIGHUP']]);
    t.dispose();
    t.dispose();
    expect(process.listenerCount('SIGHUP')).toBe(before);
  });
});

// ------------------------------------------------------------------ design_program

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function project(fields: Record<string, unknown>): string {
  const dir = join(tempDir(), 'proj');
  mkdirSync(join(dir, '.argo-project', 'logs'), { recursive: true });
  const doc = { project_name: 'demo', phase: 'init', action_owner: 'code', action_needed: 'design_program', design: null, execution: null, merge: null, error_recovery: { last_error: null, retry_count: 0, recovery_action: null }, ...fields };
  writeFileSync(join(dir, '.argo-project', 'state.json'), JSON.stringify(doc, null, 2) + '\n');
  return dir;
}
const state = (dir: string) => JSON.parse(readFileSync(join(dir, '.argo-project', 'state.json'), 'utf8'));

function designProgram(dir: string, env: Record<string, string>): { pid: number; done: Promise<Run> } {
  const base: Record<string, string | undefined> = { ...process.env, ARGO_SHIM_SERVER: '0' };
  for (const k of ['CI_COMMAND', 'STATE_FILE', 'STATE_LOCK', 'LOG_DIR', 'WORKFLOW_LOG', 'CONFIG_FILE', 'ARGO_STATE_LOCK_HELD']) delete base[k];
  let pid = 0;
  const done = new Promise<Run>((resolve) => {
    const child = execFile(process.execPath, [built('phases/design_program.ts'), dir], { cwd: tmpdir(), env: { ...base, ...env } }, (err, stdout, stderr) =>
      resolve({ code: child.exitCode ?? (err as { code?: number } | null)?.code ?? 0, stdout, stderr }),
    );
    pid = child.pid!;
    pids.push(pid);
  });
  return { pid, done };
}

describe('design_program', () => {
  it('a plain CI tool has limits.design_timeout_seconds, as a preset and a builder have: its group ended, ERROR naming the limit', async () => {
    const dir = project({ user_query: 'q', limits: { design_timeout_seconds: 1 } });
    const kid = join(tempDir(), 'kid');
    const { done } = designProgram(dir, { CI_COMMAND: stub(`sleep 60 & echo $! > ${kid}; wait`) });
    await until('the tool running', () => existsSync(kid) && readFileSync(kid, 'utf8').endsWith('\n'));
    pids.push(readPid(kid));
    const r = await done;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ERROR: CI query failed with exit code 143: no answer within limits\.design_timeout_seconds \(1 s\)$/m);
    expect(pidAlive(readPid(kid))).toBe(false);
    expect(state(dir).design).toBe(null);
    expect(state(dir).error_recovery.last_error).toBe('CI query failed');
  }, 30_000);

  it('SIGTERM while the tool answers: exits 143 once the tool\'s group is gone (no ERROR, no design)', async () => {
    const dir = project({ user_query: 'q' });
    const t = tempDir();
    // The tool takes a moment to wind down on TERM: the handler must wait for it.
    const tool = stub(`trap 'sleep 0.5; echo wound-down > ${t}/down; exit 0' TERM; sleep 60 & echo $! > ${t}/kid; echo $$ > ${t}/pid; wait`);
    const { pid, done } = designProgram(dir, { CI_COMMAND: tool });
    await until('the tool running', () => existsSync(join(t, 'pid')) && readFileSync(join(t, 'pid'), 'utf8').endsWith('\n'));
    pids.push(readPid(join(t, 'pid')), readPid(join(t, 'kid')));
    process.kill(pid, 'SIGTERM');
    const r = await done;
    expect(r.code).toBe(143);
    // When the handler has exited, the tool has too (it finished its clean-up).
    expect(existsSync(join(t, 'down'))).toBe(true);
    expect(pidAlive(readPid(join(t, 'pid')))).toBe(false);
    expect(r.stderr).not.toMatch(/ERROR/);
    expect(state(dir).design).toBe(null);
  }, 30_000);
});

// ------------------------------------------------------------------ orchestrator stop

describe('orchestrator stop()', () => {
  it('is memoised: called twice, the same promise; run() resolves when it begins', async () => {
    const { Orchestrator } = await import('../../orchestrator.js');
    const dir = project({ user_query: 'q', phase: 'storage', action_owner: 'user' });
    const o = new Orchestrator(dir, tempDir(), {});
    const running = o.run(); // phase storage: the first look stops it
    const first = o.stop();
    expect(first).toBeInstanceOf(Promise);
    expect(o.stop()).toBe(first);
    await Promise.all([running, first]);
    await o.notifier.close(100);
  });

  it('awaits its handler: the pid file goes only once the handler\'s group is gone and its last write is done', async () => {
    const root = tempDir(); // an install whose design_program is a user's bash handler
    const marks = tempDir();
    mkdirSync(join(root, 'phases'));
    // On TERM it finishes its work for a moment (as merge_build finishes its merge), then writes.
    const handler = join(root, 'phases', 'design_program.sh');
    writeFileSync(handler, `#!/bin/bash\ntrap 'sleep 0.7; echo done > ${marks}/last-write; exit 143' TERM\nsleep 60 & echo $! > ${marks}/kid\necho $$ > ${marks}/handler\nwait\n`);
    chmodSync(handler, 0o755);
    const dir = project({ user_query: 'q' });
    const base: Record<string, string | undefined> = { ...process.env, ARGO_SHIM_SERVER: '0', ARGO_ROOT: root };
    for (const k of ['STATE_FILE', 'STATE_LOCK', 'LOG_DIR', 'WORKFLOW_LOG', 'CONFIG_FILE', 'ARGO_STATE_LOCK_HELD']) delete base[k];
    const orch = spawn(process.execPath, [built('orchestrator.ts'), dir], { env: base, stdio: 'ignore', detached: true });
    groups.push(orch.pid!);
    const pidFile = join(dir, '.argo-project', 'orchestrator.pid');
    await until('the handler running', () => existsSync(join(marks, 'handler')) && readFileSync(join(marks, 'handler'), 'utf8').endsWith('\n'), 20_000);
    pids.push(readPid(join(marks, 'handler')), readPid(join(marks, 'kid')));
    expect(existsSync(pidFile)).toBe(true);
    process.kill(orch.pid!, 'SIGTERM');
    await until('the pid file released', () => !existsSync(pidFile), 10_000);
    // At the moment the pid file went: the handler's last write was done, its group gone.
    expect(existsSync(join(marks, 'last-write'))).toBe(true);
    expect(pidAlive(readPid(join(marks, 'handler')))).toBe(false);
    expect(pidAlive(readPid(join(marks, 'kid')))).toBe(false);
    const code = await new Promise((r) => (orch.exitCode !== null ? r(orch.exitCode) : orch.once('exit', r)));
    expect(code).toBe(0);
  }, 40_000);
});

// ------------------------------------------------------------------ notify.command

describe('notify.command (runCommand) through superviseGroup', () => {
  const d = { event_id: 'control-1', event: 'control', project: '/p', phase: 'design', action_owner: 'user', action_needed: 'approve_design', title: 't', message: 'm' } as const;
  it('at its limit the hook gets TERM first (it may clean up); when runCommand settles its group is gone', async () => {
    const { runCommand } = await import('../../notify/channels.js');
    const dir = tempDir();
    const command = `trap 'echo cleaned > ${dir}/cleaned; exit 1' TERM; echo $$ > ${dir}/leader; sleep 1000 & echo $! > ${dir}/kid; wait`;
    const reports: string[] = [];
    const run = runCommand(command, d, dir, { commandTimeoutMs: 300, report: (l) => reports.push(l) });
    await until('the hook running', () => existsSync(join(dir, 'kid')) && readFileSync(join(dir, 'kid'), 'utf8').endsWith('\n'));
    groups.push(readPid(join(dir, 'leader')));
    await run;
    expect(readFileSync(join(dir, 'cleaned'), 'utf8')).toBe('cleaned\n');
    expect(groupMembers(readPid(join(dir, 'leader')))).toEqual([]); // no polling: gone when it settled
    expect(reports).toEqual([`notify.command timed out after 300 ms: ${command}`]);
  });
});

// ------------------------------------------------------------------ dashboard actions

describe('the dashboard\'s argo commands (runArgo)', () => {
  it('past its time limit the whole group is ended and awaited, not only the leader', async () => {
    const { runArgo } = await import('../../dashboard/actions.js');
    const root = tempDir();
    const marks = tempDir();
    mkdirSync(join(root, 'dist', 'compat'), { recursive: true });
    // an `argo` that started a helper in its group and hangs
    writeFileSync(join(root, 'dist', 'compat', 'argo.js'), `
      const { spawn } = require('node:child_process');
      const { writeFileSync } = require('node:fs');
      const kid = spawn('sleep', ['1000'], { stdio: 'ignore' });
      writeFileSync(${JSON.stringify(join(marks, 'pids'))}, process.pid + ' ' + kid.pid + '\\n');
      process.stdout.write('working');
      setInterval(() => {}, 1000);
    `.replace(/^ +/gm, ''));
    writeFileSync(join(root, 'dist', 'package.json'), '{"type": "commonjs"}');
    // The limit leaves a loaded machine time to start node and write the pids (500 ms did not: CI).
    const run = runArgo(root, ['stop', '/nowhere'], marks, 3000);
    await until('argo running', () => existsSync(join(marks, 'pids')) && readFileSync(join(marks, 'pids'), 'utf8').endsWith('\n'));
    const [leader, kid] = readFileSync(join(marks, 'pids'), 'utf8').trim().split(' ').map(Number) as [number, number];
    groups.push(leader);
    pids.push(kid);
    const r = await run;
    expect(r).toEqual({ ok: false, output: 'working' });
    expect(pidAlive(kid)).toBe(false);
    expect(groupMembers(leader)).toEqual([]);
  });
});

// ------------------------------------------------------------------ the layout holds

describe('one place for each (greps over the sources)', () => {
  const sources = (() => {
    const out: { file: string; text: string }[] = [];
    const walk = (rel: string) => {
      for (const e of readdirSync(join(ROOT, rel), { withFileTypes: true })) {
        const path = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) {
          if (!['node_modules', 'dist', 'tests', 'reports'].includes(e.name) && !e.name.startsWith('.')) walk(path);
        } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push({ file: path, text: readFileSync(join(ROOT, path), 'utf8') });
      }
    };
    walk('');
    return out;
  })();
  const filesWith = (re: RegExp) => sources.filter((s) => re.test(s.text)).map((s) => s.file).sort();

  it('one /proc reader: core/proc.ts', () => {
    expect(filesWith(/\/proc\//)).toEqual(['core/proc.ts']);
  });
  it('one signal → exit status table: core/proc.ts signalStatus', () => {
    expect(filesWith(/128 \+/)).toEqual(['core/proc.ts']);
    expect(filesWith(/\b13[07]\b.*\b14[03]\b|SIGKILL' \? (9|137)/)).toEqual([]);
  });
  it('signal handlers are installed in one file (core/termination.ts); pidAlive is not in core/lock.ts', () => {
    expect(filesWith(/process\.(on|once|addListener)\(\s*(?!'(uncaughtException|exit)')/)).toEqual(['core/termination.ts']);
    expect(filesWith(/export function pidAlive/)).toEqual(['core/proc.ts']);
  });
  it('bash -c only through bashArgs / bashArgv (core/child.ts)', () => {
    expect(filesWith(/['"]bash['"],\s*\[\s*['"]-c['"]|\[\s*['"]bash['"],\s*['"]-c['"]/).filter((f) => !f.startsWith('bench/'))).toEqual([]);
  });
  it('process.exit only in entry points: never in lib/, core/, agents/ or a phase', () => {
    const exits = filesWith(/process\.exit\(/);
    expect(exits.filter((f) => /^(lib|core|agents|view|notify|distributed)\//.test(f) || f === 'phases/design_program.ts')).toEqual([]);
    expect(exits).toEqual(['compat/shim_server.ts', 'orchestrator.ts', 'phases/execution.ts']);
  });
});
