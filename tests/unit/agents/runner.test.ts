// The runner with tiny real programs: every test ends only the process groups it
// started, and waits on conditions, never on fixed sleeps.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAgent } from '../../../agents/run/runner.js';
import { groupMembers } from '../../../core/proc.js';
import { pidAlive } from '../../../core/proc.js';
import { tempDir } from '../helpers.js';

const env = { PATH: process.env.PATH, HOME: process.env.HOME };
const bash = (script: string) => ['bash', '-c', script];

describe('runAgent', () => {
  it('stdin is /dev/null, stdout is read, the exit status is returned', async () => {
    let out = '';
    const r = await runAgent({ argv: bash('readlink /proc/$$/fd/0; echo "$PWD"; exit 3'), cwd: '/tmp', env, onStdout: (d) => (out += d) });
    expect(r).toMatchObject({ code: 3, cause: 'exit', timedOut: false, stalled: false, canceled: false, startError: null });
    expect(out).toBe('/dev/null\n/tmp\n');
  });
  it('runs in its own process group', async () => {
    let out = '';
    const r = await runAgent({ argv: bash('ps -o pgid= -p $$'), cwd: '/tmp', env, onStdout: (d) => (out += d) });
    expect(Number(out.trim())).toBe(r.pid);
  });
  it('a program that is not there: 127 and why', async () => {
    const r = await runAgent({ argv: ['/no/such/agent'], cwd: '/tmp', env });
    expect(r).toMatchObject({ code: 127, startError: 'ENOENT' });
  });
  it('timeout ends the whole group (a background child too)', async () => {
    const dir = tempDir();
    const r = await runAgent({ argv: bash(`sleep 1000 & echo $! > ${dir}/child; wait`), cwd: dir, env, timeoutMs: 300, graceMs: 2000 });
    expect(r).toMatchObject({ cause: 'timeout', timedOut: true, code: 143, forced: false });
    expect(groupMembers(r.pid!)).toEqual([]);
    const child = Number(readFileSync(join(dir, 'child'), 'utf8'));
    // Ended: gone, or a zombie this machine's init has not reaped yet (pidAlive counts it as ended).
    expect(pidAlive(child)).toBe(false);
  });
  it('a group ignoring TERM gets KILL after the grace period', async () => {
    const r = await runAgent({ argv: bash('trap "" TERM; sleep 1000 & wait; wait'), cwd: '/tmp', env, timeoutMs: 200, graceMs: 200 });
    expect(r).toMatchObject({ timedOut: true, forced: true, code: 137 });
    expect(groupMembers(r.pid!)).toEqual([]);
  });
  it('stall: no output and no file change', async () => {
    const r = await runAgent({ argv: bash('sleep 1000'), cwd: '/tmp', env, stallMs: 300, graceMs: 1000 });
    expect(r).toMatchObject({ cause: 'stall', stalled: true });
  });
  it('output keeps it from stalling, and so do file changes in the watched folder', async () => {
    const dir = tempDir();
    const out = join(dir, 'out.log');
    const talk = await runAgent({ argv: bash('for i in $(seq 8); do echo $i; sleep 0.1; done'), cwd: dir, env, stallMs: 400, stdoutFile: out, stderrFile: out });
    expect(talk).toMatchObject({ cause: 'exit', code: 0 });
    expect(readFileSync(out, 'utf8')).toBe('1\n2\n3\n4\n5\n6\n7\n8\n');
    const work = await runAgent({ argv: bash('for i in $(seq 8); do echo $i > f$i; sleep 0.1; done'), cwd: dir, env, stallMs: 400, watchDir: dir });
    expect(work).toMatchObject({ cause: 'exit', code: 0 });
  });
  // stderr alone is output too (an agent's progress often goes there): every 0.1 s for
  // about 2.5 s, nothing on stdout, no file change, with a stall limit of 0.8 s.
  const stderrOnly = 'for i in $(seq 25); do echo "step $i" >&2; sleep 0.1; done';
  it('stderr alone keeps it from stalling, written to a file (the builder log) or a pipe', async () => {
    // the output files outside the watched worktree, as a builder's are (logs/)
    const [dir, logs] = [tempDir(), tempDir()];
    const viaFile = await runAgent({
      argv: bash(stderrOnly),
      cwd: dir,
      env,
      stallMs: 800,
      watchDir: dir,
      stdoutFile: join(logs, 'agent.out'),
      stderrFile: join(logs, 'builder.log'),
    });
    expect(viaFile).toMatchObject({ cause: 'exit', code: 0, stalled: false });
    expect(readFileSync(join(logs, 'agent.out'), 'utf8')).toBe('');
    expect(readFileSync(join(logs, 'builder.log'), 'utf8').split('\n')).toHaveLength(26);
    let said = '';
    const viaPipe = await runAgent({ argv: bash(stderrOnly), cwd: dir, env, stallMs: 800, onStderr: (d) => (said += d) });
    expect(viaPipe).toMatchObject({ cause: 'exit', code: 0, stalled: false });
    expect(said.split('\n')).toHaveLength(26);
  });
  it('one that writes nothing, with the same files and folder, is stalled and its group ended', async () => {
    const [dir, logs] = [tempDir(), tempDir()];
    const r = await runAgent({
      argv: bash('sleep 1000 & wait'),
      cwd: dir,
      env,
      stallMs: 800,
      graceMs: 1000,
      watchDir: dir,
      stdoutFile: join(logs, 'agent.out'),
      stderrFile: join(logs, 'builder.log'),
    });
    expect(r).toMatchObject({ cause: 'stall', stalled: true, code: 143 });
    expect(groupMembers(r.pid!)).toEqual([]);
  });
  it('the AbortSignal cancels; an already aborted signal starts nothing', async () => {
    const ac = new AbortController();
    const p = runAgent({ argv: bash('sleep 1000'), cwd: '/tmp', env, signal: ac.signal, onSpawn: () => ac.abort() });
    expect(await p).toMatchObject({ cause: 'cancel', canceled: true });
    const dir = tempDir();
    const r = await runAgent({ argv: bash(`touch ${dir}/ran`), cwd: dir, env, signal: ac.signal });
    expect(r).toMatchObject({ canceled: true, pid: null });
    expect(() => readFileSync(join(dir, 'ran'))).toThrow();
  });
  it('the first cause wins: an exit before the timeout is an exit', async () => {
    const r = await runAgent({ argv: bash('exit 0'), cwd: '/tmp', env, timeoutMs: 10_000, stallMs: 10_000 });
    expect(r).toMatchObject({ cause: 'exit', code: 0, timedOut: false });
  });
  it('leftover background processes end with the agent', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'x'), '');
    const r = await runAgent({ argv: bash(`sleep 1000 >/dev/null 2>&1 & echo $! > ${dir}/child`), cwd: dir, env, graceMs: 2000 });
    expect(r.code).toBe(0);
    expect(groupMembers(r.pid!)).toEqual([]);
  });
});
