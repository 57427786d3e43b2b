// Issue 6 (processes side): the pure decisions behind pid ownership, component ids
// under git's ref rules, lenient component lists and repository refusals.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { branchNameProblem, componentIdProblem, extractComponentsLenient, partitionComponents } from '../../workflow/components.js';
import { builderIdOf, environHasToken, isOrchestratorOf, orchestratorProof, runTokenProof, runTokenSince } from '../../store/processes.js';
import { parsePid, pidAlive, procInfo, terminate } from '../../core/proc.js';
import { newRunToken, tokenProcesses } from '../../store/sweep.js';
import { repoProblemOf } from '../../workflow/repo_check.js';
import { tempDir } from './helpers.js';

describe('parsePid', () => {
  it.each([
    ['2', 2],
    [' 4242\n', 4242],
    ['2147483647', 2147483647],
    [31337, 31337],
  ])('accepts %j', (text, pid) => expect(parsePid(text)).toBe(pid));
  it.each(['', '0', '1', '-1', '-42', 'abc', '12abc', '1.5', '+5', '0x10', '2147483648', '99999999999', ' ', '1 2', null, undefined, {}])(
    'rejects %j',
    (text) => expect(parsePid(text)).toBeUndefined(),
  );
});

describe('isOrchestratorOf', () => {
  const P = '/work/proj';
  const same = (p: string) => p.replace(/\/+$/, '');
  it.each([
    [['/opt/argo/orchestrator.sh', '/opt/argo/dist/orchestrator.js', P], undefined],
    [['./orchestrator.sh', '/opt/argo/dist/orchestrator.js', 'proj'], '/work'],
    [['./orchestrator.sh', '/opt/argo/dist/orchestrator.js', 'proj'], '/work/proj'], // it entered its project
    [['/bin/bash', '/opt/argo/orchestrator.sh', P], undefined],
    [['node', '/opt/argo/dist/compat/argo.js', 'orchestrator', P], undefined],
    [['/usr/bin/node', '/opt/argo/dist/orchestrator.js', '/work/proj/'], undefined],
  ])('ours: %j (cwd %s)', (args, cwd) => expect(isOrchestratorOf(args, cwd, P, same)).toBe(true));
  it.each([
    [['sleep', '300'], undefined],
    [['/opt/argo/orchestrator.sh', '/opt/argo/dist/orchestrator.js', '/work/other'], undefined],
    [['/opt/argo/orchestrator.sh', '/opt/argo/dist/orchestrator.js', 'proj'], undefined], // relative, cwd unknown
    [['/opt/argo/orchestrator.sh', '/opt/argo/dist/orchestrator.js', 'proj'], '/elsewhere'],
    [['vim', '/opt/argo/orchestrator.ts', P], undefined],
    [['node', '/opt/argo/dist/compat/argo.js', 'status', P], undefined],
    [['/opt/argo/orchestrator.sh'], undefined],
  ])('not ours: %j (cwd %s)', (args, cwd) => expect(isOrchestratorOf(args, cwd, P, same)).toBe(false));
});

describe('builderIdOf', () => {
  const P = '/work/proj';
  const wrapper = ['bash', '-c', 'script', 'argo-builder', '/opt/argo/lib', 'ci', 'prompt'];
  it('names the worktree folder of our wrapper', () => {
    expect(builderIdOf(wrapper, '/work/proj/.argo-project/builders/api', P)).toBe('api');
    expect(builderIdOf(wrapper, '/work/proj/.argo-project/builders/api/src', P)).toBe('api');
  });
  it.each([
    [wrapper, '/work/proj'],
    [wrapper, '/work/proj/.argo-project/builders'],
    [wrapper, '/work/proj/.argo-project/builders-x/api'],
    [wrapper, '/work/other/.argo-project/builders/api'],
    [wrapper, undefined],
    [['bash', '-c', 'script', 'argo-ci'], '/work/proj/.argo-project/builders/api'],
  ])('not ours: %j in %s', (args, cwd) => expect(builderIdOf(args, cwd, P)).toBeUndefined());
});

describe('orchestratorProof on real processes', () => {
  it('this test process is not an orchestrator; pid 1 and garbage are refused before /proc is read', () => {
    const dir = tempDir();
    expect(orchestratorProof(String(process.pid), dir)).toEqual({ ours: false, reason: expect.stringMatching(new RegExp(`^not ours: PID ${process.pid} runs `)) });
    expect(orchestratorProof('1', dir)).toEqual({ ours: false, reason: 'invalid PID "1"' });
    expect(orchestratorProof('abc\n', dir)).toEqual({ ours: false, reason: 'invalid PID "abc"' });
  });
});

describe('terminate: SIGKILL after the grace period only while the pid is still proven ours', () => {
  /**
   * A process that passes orchestratorProof for `project` (its arguments read
   * `…/dist/orchestrator.js <project>`) and runs `onTerm` when it gets SIGTERM; it leads
   * its own group, ended by the test in the end.
   */
  async function fakeOrchestrator(onTerm: string) {
    const project = tempDir();
    const ready = join(project, 'ready');
    const script = `trap '${onTerm}' TERM; : > ${JSON.stringify(ready)}; while :; do sleep 30 & wait; done`;
    const child = spawn('bash', ['-c', script, '/install/dist/orchestrator.js', project], { detached: true, stdio: 'ignore' });
    const pid = child.pid!;
    for (let i = 0; i < 200 && !existsSync(ready); i++) await new Promise((r) => setTimeout(r, 25));
    expect(orchestratorProof(String(pid), project).ours).toBe(true);
    let proofs = 0;
    const stillOurs = () => {
      proofs++;
      return orchestratorProof(String(pid), project).ours;
    };
    const end = () => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    };
    return { pid, stillOurs, proofs: () => proofs, end };
  }

  it('a pid that became another program during the grace period gets no SIGKILL', async () => {
    // on SIGTERM it turns into a plain sleep (same pid): no longer our orchestrator
    const p = await fakeOrchestrator('exec sleep 30');
    try {
      await terminate(p.pid, 2000, p.stillOurs);
      expect(pidAlive(p.pid)).toBe(true);
      expect(procInfo(p.pid)?.args).toEqual(['sleep', '30']);
      expect(p.proofs()).toBe(1); // asked once, after the grace period
    } finally {
      p.end();
    }
  });

  it('a pid still proven ours after the grace period is killed', async () => {
    const p = await fakeOrchestrator(''); // ignores SIGTERM, stays what it was
    try {
      await terminate(p.pid, 300, p.stillOurs);
      expect(p.proofs()).toBe(1);
      expect(pidAlive(p.pid)).toBe(false);
    } finally {
      p.end();
    }
  });
});

// ------------------------------------------------------------------ point 7

describe('branchNameProblem (git check-ref-format --branch)', () => {
  it.each(['main', 'argo-builder-api', 'a/b', 'x.y', 'with@sign', 'UPPER_9', 'ünïcode', 'a.loc', 'a-', 'lock.a'])('accepts %j', (name) => {
    expect(branchNameProblem(name)).toBeUndefined();
  });
  it.each([
    ['', /empty/],
    ['-x', /"-"/],
    ['a.', /end with "\."/],
    ['a..b', /"\.\."/],
    ['.hidden', /start with "\."/],
    ['a/.b', /start with "\."/],
    ['x.lock', /\.lock/],
    ['x.lock/y', /\.lock/],
    ['a//b', /empty/],
    ['a/', /empty/],
    ['/a', /empty/],
    ['a b', /" "/],
    ['a~1', /"~"/],
    ['a^', /"\^"/],
    ['a:b', /":"/],
    ['a?', /"\?"/],
    ['a*', /"\*"/],
    ['a[b', /"\["/],
    ['a\\b', /"\\\\"/],
    ['a\tb', /control/],
    ['a\x7fb', /control/],
    ['a@{b', /"@\{"/],
  ])('rejects %j', (name, why) => expect(branchNameProblem(name)).toMatch(why));

  it('agrees with `git check-ref-format --branch` on a corpus', () => {
    const corpus = [
      'main', 'a.', 'a..b', '.a', 'a/.b', 'x.lock', 'x.lock/y', 'a.lock.b', 'a//b', 'a/', '/a', 'a b', 'a~b', 'a^b', 'a:b', 'a?b', 'a*b',
      'a[b', 'a]b', 'a\\b', 'a\tb', 'a@{b', 'a@b', '-a', 'a-', 'a_b', 'ü', 'a{b', 'a}b', '!a', 'a#b', "a'b", 'a"b', 'a,b', 'a;b', 'a=b',
      'a$b', 'a%b', 'a&b', 'a(b', 'a+b', 'a|b', 'a<b', 'a>b', '.', '..', 'a/b/c', 'a/b.', 'lock', '.lock', 'a.lock', 'argo-builder-x.',
      'argo-builder-' + 'x'.repeat(300), 'HEAD', 'a\x7fb', 'a\x01b', '0', '9lives',
    ];
    const repo = tempDir();
    spawnSync('git', ['init', '-q', repo]);
    const disagreements = corpus.filter((name) => {
      const gitOk = spawnSync('git', ['check-ref-format', '--branch', name], { cwd: repo, stdio: 'ignore' }).status === 0;
      return gitOk !== (branchNameProblem(name) === undefined);
    });
    expect(disagreements).toEqual([]);
  });
});

describe('componentIdProblem (issue 6 point 7)', () => {
  it('refuses what git or the file system would refuse later', () => {
    expect(componentIdProblem('a.')).toMatch(/git refuses the branch argo-builder-a\.: .*end with "\."/);
    expect(componentIdProblem('x'.repeat(300))).toMatch(/longer than 64 characters \(300\)/);
    expect(componentIdProblem('x'.repeat(64))).toBeUndefined();
    expect(componentIdProblem('x'.repeat(65))).toMatch(/longer than 64/);
  });
});

describe('partitionComponents / extractComponentsLenient', () => {
  it('keeps the valid ones in order and reports each rejected one with its reason', () => {
    const { components, rejected } = partitionComponents(
      [{ id: 'api', description: 'A' }, { id: 'a.' }, 'text', { id: 'x'.repeat(300) }, { description: 'no id' }, { id: 'api' }, { id: 'ui', description: 'U' }],
      'CI answer',
    );
    expect(components).toEqual([{ id: 'api', description: 'A' }, { id: 'ui', description: 'U' }]);
    expect(rejected.map((r) => r.id)).toEqual(['a.', null, 'x'.repeat(300), null, 'api']);
    expect(rejected[0]!.reason).toMatch(/^CI answer: invalid component id 'a\.': git refuses/);
    expect(rejected[1]!.reason).toBe('CI answer: component 2 is not an object');
    expect(rejected[3]!.reason).toMatch(/component 4 has no usable "id"/);
    expect(rejected[4]!.reason).toMatch(/'api' appears twice/);
  });
  it('reads the list from an answer; undefined when there is none', () => {
    expect(extractComponentsLenient('```json\n[{"id":"ok","description":"d"},{"id":"../bad"}]\n```')).toEqual({
      components: [{ id: 'ok', description: 'd' }],
      rejected: [{ id: '../bad', reason: expect.stringContaining("'../bad'") }],
    });
    expect(extractComponentsLenient('no list')).toBeUndefined();
  });
});

// ------------------------------------------------------------------ point 6

describe('repoProblemOf', () => {
  const ok = { top: '/r', dir: '/r', hasCommit: true, branches: ['main'] };
  it('serves a repository top with a commit and main or master', () => {
    expect(repoProblemOf(ok, '/r')).toBeUndefined();
    expect(repoProblemOf({ ...ok, branches: ['master'] }, '/r')).toBeUndefined();
  });
  it.each([
    [{ ...ok, top: undefined }, 'not-a-repository', /^\/r is not a git repository \(fix: cd \/r && git init/],
    [{ ...ok, top: '/', dir: '/r' }, 'not-a-repository', /not the top folder of a git repository \(it lies inside \/;/],
    [{ ...ok, hasCommit: false }, 'no-commit', /has no commit yet \(fix: .*git commit/],
    [{ ...ok, branches: [] }, 'no-main-or-master', /neither a main nor a master branch.*fix: cd \/r && git branch main/],
  ])('%j → %s', (facts, kind, message) => {
    const p = repoProblemOf(facts, '/r');
    expect(p?.kind).toBe(kind);
    expect(p?.message).toMatch(message);
  });
});

// ------------------------------------------------------------------ point 8

describe('runCiCaptured (bounded memory)', () => {
  it('keeps at most keepBytes in memory, cuts before a split character, and streams everything to the file', async () => {
    const { runCiCaptured } = await import('../../agents/ci_tool.js');
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const dir = tempDir();
    const file = join(dir, 'sub', 'answer.txt');
    const r = await runCiCaptured('printf', 'ééé-and-more', dir, { PATH: process.env.PATH }, { file, keepBytes: 5 });
    expect(r).toEqual({ code: 0, output: 'éé', bytes: Buffer.byteLength('ééé-and-more'), truncated: true, cause: 'exit' });
    expect(readFileSync(file, 'utf8')).toBe('ééé-and-more');
    const small = await runCiCaptured('printf', 'ok', dir, { PATH: process.env.PATH }, { file, keepBytes: 5 });
    expect([small.output, small.truncated]).toEqual(['ok', false]);
  });
});

// ------------------------------------------------------------------ point 10

describe('withStartLock', () => {
  it('waits for a holder, says so once, and gives up after the deadline without running fn', async () => {
    const { acquireLock } = await import('../../core/lock.js');
    const { startLockPath, withStartLock } = await import('../../store/start_lock.js');
    const { mkdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    const project = tempDir();
    mkdirSync(join(project, '.argo-project'));
    const held = await acquireLock(startLockPath(project));
    const waited: string[] = [];
    let ran = false;
    const r = await withStartLock(project, (f) => waited.push(f), async () => (ran = true), 150);
    expect([r, ran, waited]).toEqual([undefined, false, [startLockPath(project)]]);
    held.release();
    expect(await withStartLock(project, (f) => waited.push(f), async () => 7, 150)).toEqual({ value: 7 });
    expect(waited).toHaveLength(1);
  });
});

describe('run tokens (issue 15: processes that leave the builder group)', () => {
  const tok = newRunToken(1_700_000_000_000);

  it('a token carries its run start and 32 hex digits; malformed ones are refused', () => {
    expect(tok).toMatch(/^1700000000000-[0-9a-f]{32}$/);
    expect(runTokenSince(tok)).toBe(1_700_000_000_000);
    expect(newRunToken()).not.toBe(newRunToken());
    for (const bad of ['', 'abc', `${tok}0`, tok.slice(0, -1), '1-' + 'a'.repeat(32), null, 42, tok.toUpperCase()]) expect(runTokenSince(bad)).toBeUndefined();
  });

  it('environHasToken matches the exact entry only', () => {
    const env = (...e: string[]) => e.join('\0') + '\0';
    expect(environHasToken(env('A=1', `ARGO_RUN_TOKEN=${tok}`, 'B=2'), tok)).toBe(true);
    expect(environHasToken(env(`ARGO_RUN_TOKEN=${tok}`), tok)).toBe(true);
    expect(environHasToken(env(`ARGO_RUN_TOKEN=${tok}0`), tok)).toBe(false);
    expect(environHasToken(env(`ARGO_RUN_TOKEN=x${tok}`), tok)).toBe(false);
    expect(environHasToken(env(`OTHER=${tok}`), tok)).toBe(false);
    expect(environHasToken(env(`XARGO_RUN_TOKEN=${tok}`), tok)).toBe(false);
    expect(environHasToken(env('A=1'), tok)).toBe(false);
  });

  it('runTokenProof: a child carrying the token is ours; ourselves, a look-alike, a process older than the run and bad pids are not', async () => {
    const now = newRunToken();
    const child = spawn('sleep', ['30'], { env: { PATH: process.env.PATH, ARGO_RUN_TOKEN: now }, stdio: 'ignore' });
    const other = spawn('sleep', ['30'], { env: { PATH: process.env.PATH, ARGO_RUN_TOKEN: `${now}0` }, stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 100)); // exec'd: its environ is sleep's
      expect(runTokenProof(child.pid, now).ours).toBe(true);
      expect(tokenProcesses([now])).toEqual([child.pid]);
      expect(runTokenProof(other.pid, now)).toMatchObject({ ours: false, reason: `PID ${other.pid} does not carry the run token` });
      // a token whose run began after the process started (a reused pid): not ours
      const later = now.replace(/^\d{13}/, String(Date.now() + 60_000));
      const inherit = spawn('sleep', ['30'], { env: { PATH: process.env.PATH, ARGO_RUN_TOKEN: later }, stdio: 'ignore' });
      try {
        await new Promise((r) => setTimeout(r, 100));
        expect(runTokenProof(inherit.pid, later)).toMatchObject({ ours: false, reason: `PID ${inherit.pid} started before the run` });
      } finally {
        inherit.kill('SIGKILL');
      }
      expect(runTokenProof(process.pid, now).ours).toBe(false);
      for (const bad of ['1', '0', '-1', 'abc']) expect(runTokenProof(bad, now).ours).toBe(false);
      expect(runTokenProof(child.pid, 'forged').ours).toBe(false);
    } finally {
      child.kill('SIGKILL');
      other.kill('SIGKILL');
    }
  });
});
