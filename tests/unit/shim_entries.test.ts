// The programs the shim helper runs (compat/entries.ts): the full-environment request,
// the ordered output, the two tables kept apart, and a start the caller gave up on.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { FULL_ENV_FIELD, orderedCtx } from '../../compat/entries.js';
import { answer, decodeRequest, encodeRequest, parseRequest, type Request } from '../../compat/shim_server.js';
import { WriteGate } from '../../core/context.js';
import { initStateFile } from '../../store/state.js';
import { startWorkflow } from '../../start_workflow.js';
import { repoFacts, repoFactsAsync } from '../../workflow/repo_check.js';
import { ctxIn, tempDir } from './helpers.js';

const request = (r: Partial<Request>): Request => ({ token: 't', cwd: '/', env: {}, fn: 'status', args: [], ...r });

/** What __argo_entry prints: the segments <1|2><bytes>:<text> replayed to two streams, in order. */
function replay(encoded: string): [1 | 2, string][] {
  const out: [1 | 2, string][] = [];
  let rest = Buffer.from(encoded, 'utf8');
  for (;;) {
    const m = /^([12])([0-9]+):/.exec(rest.subarray(0, 24).toString('latin1'));
    if (!m) return out;
    const start = m[0].length;
    const n = Number(m[2]);
    out.push([Number(m[1]) as 1 | 2, rest.subarray(start, start + n).toString('utf8')]);
    rest = rest.subarray(start + n);
  }
}

describe('full-environment requests', () => {
  it('are marked by their first variable field, which is not part of the environment', () => {
    const wire = encodeRequest(request({ env: { PATH: '/bin', 'X': 'a=b\nc' }, fullEnv: true, args: ['start_workflow.sh', 'q'] }));
    const back = decodeRequest(parseRequest(wire)!);
    expect(back.fullEnv).toBe(true);
    expect(back.env).toEqual({ PATH: '/bin', X: 'a=b\nc' });
    expect(back.args).toEqual(['start_workflow.sh', 'q']);
    // the marker anywhere else (or absent) is no full-environment request
    const plain = decodeRequest(parseRequest(encodeRequest(request({ env: { A: '1' } })))!);
    expect(plain.fullEnv).toBeUndefined();
    expect(FULL_ENV_FIELD.split('=')[0]).not.toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/); // no shell variable can send it
  });

  it('run only programs, and programs only with the whole environment', async () => {
    expect(await answer(request({ fn: 'read_state', args: ['x', 'phase'], fullEnv: true }))).toEqual({ rc: 127, stdout: '', stderr: 'ERROR: not a shim command: read_state\n' });
    expect(await answer(request({ fn: 'status', args: ['.'] }))).toEqual({ rc: 127, stdout: '', stderr: 'ERROR: not a shim function: status\n' });
    expect(await answer(request({ fn: 'start_workflow', args: ['q', '.'] }))).toEqual({ rc: 127, stdout: '', stderr: 'ERROR: not a shim function: start_workflow\n' });
  });

  it("run status in the caller's folder, with its name ($0) and output in order", async () => {
    const dir = tempDir();
    const reply = await answer(request({ cwd: dir, env: { PWD: dir }, fn: 'status', args: ['/x/status.sh', 'nowhere'], fullEnv: true }));
    expect(reply.rc).toBe(1);
    expect(replay(reply.stdout)).toEqual([[2, `ERROR: Invalid project path: nowhere\n`]]);
    const usage = await answer(request({ cwd: dir, fn: 'start_workflow', args: ['/x/start_workflow.sh'], fullEnv: true }));
    expect(usage.rc).toBe(1);
    expect(replay(usage.stdout)[0]![1]).toContain('Usage: /x/start_workflow.sh <user_query> [project_path]');
  });
});

describe('orderedCtx', () => {
  it('keeps the order of stdout and stderr writes, counts bytes, joins same-stream writes and drops NUL', () => {
    const ctx = orderedCtx('/', {});
    ctx.out('a\n');
    ctx.out('é€\n');
    ctx.err('warn\0ing\n');
    ctx.out('');
    ctx.out('b:1\n');
    expect(ctx.encoded()).toBe('18:a\né€\n28:warning\n14:b:1\n');
    expect(replay(ctx.encoded())).toEqual([[1, 'a\né€\n'], [2, 'warning\n'], [1, 'b:1\n']]);
  });
});

describe('a start the caller gave up on', () => {
  it('does nothing once the helper abandoned it (WriteGate), even when the project is fine', async () => {
    const project = tempDir();
    await initStateFile('demo', project);
    const before = readFileSync(join(project, '.argo-project', 'state.json'), 'utf8');
    const gate = new WriteGate();
    expect(gate.abandon()).toBe(true);
    const ctx = { ...ctxIn(project, { PWD: project, PATH: process.env.PATH }), gate };
    expect(await startWorkflow(['a query', project], ctx, 'start_workflow.sh')).toBe(1);
    expect(readFileSync(join(project, '.argo-project', 'state.json'), 'utf8')).toBe(before);
    expect(existsSync(join(project, '.argo-project', 'orchestrator.pid'))).toBe(false);
    expect(existsSync(join(project, '.argo-project', 'agent-env.json'))).toBe(false);
  });
});

describe('repoFacts (one git process; the start does not block on it)', () => {
  it('says the same, in and outside a repository, with and without a commit and branches', async () => {
    const base = realpathSync(tempDir());
    const repo = join(base, 'r');
    mkdirSync(join(repo, 'sub'), { recursive: true });
    const g = (...a: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', ...a], { stdio: 'ignore' });
    const look = async (dir: string) => {
      const sync = repoFacts(dir);
      expect(await repoFactsAsync(dir)).toEqual(sync);
      return sync;
    };
    expect(await look(base)).toEqual({ top: undefined, dir: base, hasCommit: false, branches: [] });
    g('init', '-q', '-b', 'trunk');
    expect(await look(repo)).toEqual({ top: repo, dir: repo, hasCommit: false, branches: [] });
    g('commit', '-q', '--allow-empty', '-m', 'i');
    expect(await look(repo)).toEqual({ top: repo, dir: repo, hasCommit: true, branches: [] });
    g('branch', 'master');
    expect(await look(join(repo, 'sub'))).toEqual({ top: repo, dir: join(repo, 'sub'), hasCommit: true, branches: ['master'] });
    g('branch', 'main');
    expect(await look(repo)).toEqual({ top: repo, dir: repo, hasCommit: true, branches: ['main', 'master'] });
    expect(await look(join(repo, '.git'))).toEqual({ top: undefined, dir: join(repo, '.git'), hasCommit: false, branches: [] });
    g('checkout', '-q', '--detach');
    expect(await look(repo)).toEqual({ top: repo, dir: repo, hasCommit: true, branches: ['main', 'master'] });
    g('checkout', '-q', '--orphan', 'fresh'); // HEAD names a branch without a commit
    expect(await look(repo)).toEqual({ top: repo, dir: repo, hasCommit: false, branches: ['main', 'master'] });
  });
});
