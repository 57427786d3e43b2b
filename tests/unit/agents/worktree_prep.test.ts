// A builder's worktree made ready (issue 18): worktree.* read and checked, the info/exclude
// block, worktree.copy's globs, worktree.setup with its time limit and log.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NO_WORKTREE_CONFIG, readWorktreeConfig } from '../../../agents/worktree_config.js';
import { builderWrapperArgv } from '../../../agents/ci_tool.js';
import { builderVars, copyIntoWorktree, excludeFromCommits, runSetup, withExcludeBlock } from '../../../agents/worktree_prep.js';
import { tempDir } from '../helpers.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' });

function config(worktree: unknown, builders = 1) {
  return readWorktreeConfig({ worktree }, 'config.json', builders);
}

describe('worktree.* in config', () => {
  it('absent: no setup, no copy, ports from 20000 in blocks of 100', () => {
    expect(readWorktreeConfig({}, 'c')).toEqual({ ok: true, config: NO_WORKTREE_CONFIG });
    expect(NO_WORKTREE_CONFIG.setupTimeoutMs).toBe(600_000);
    expect(builderVars('ui', 2, NO_WORKTREE_CONFIG)).toEqual({ ARGO_BUILDER_ID: 'ui', ARGO_BUILDER_INDEX: '2', ARGO_PORT_BASE: '20200' });
  });

  it('reads a setup command line as words, its time limit, the copy list and the port blocks', () => {
    const r = config({ setup: "npm ci --prefer-offline 'a b'", setup_timeout_seconds: 30, copy: ['.env*', 'config/local.json'], port_base: 30000, port_block: 10 });
    expect(r).toEqual({ ok: true, config: { setup: "npm ci --prefer-offline 'a b'", setupWords: ['npm', 'ci', '--prefer-offline', 'a b'], setupTimeoutMs: 30_000, copy: ['.env*', 'config/local.json'], portBase: 30000, portBlock: 10 } });
  });

  it.each([
    [{ setup: 5 }, 'worktree.setup is 5 in config.json; accepted: a command line'],
    [{ setup: 'npm ci; rm -rf /' }, "worktree.setup is \"npm ci; rm -rf /\" in config.json; accepted: a command line such as \"npm ci\" (split into words and run as they are, never through a shell) - command line has the shell operator ';'"],
    [{ setup: "npm 'ci" }, 'unterminated'],
    [{ setup_timeout_seconds: 'ten' }, 'worktree.setup_timeout_seconds is "ten" in config.json; accepted: a number of seconds from 0 (no limit)'],
    [{ setup_timeout_seconds: -1 }, 'worktree.setup_timeout_seconds is -1'],
    [{ copy: '.env' }, 'worktree.copy is ".env" in config.json; accepted: a list of files or globs'],
    [{ copy: ['../secrets'] }, "worktree.copy is \"../secrets\" in config.json; accepted: a list of files or globs (* and ? within a name) relative to the checkout, e.g. [\".env*\"] - this one is refused: it escapes the checkout with '..'"],
    [{ copy: ['a/../../b'] }, "escapes the checkout with '..'"],
    [{ copy: ['/etc/passwd'] }, 'worktree.copy is "/etc/passwd" in config.json; accepted: a list of files or globs (* and ? within a name) relative to the checkout, e.g. [".env*"] - this one is refused: an absolute path'],
    [{ copy: ['**/.env'] }, "'**' is not supported"],
    [{ copy: ['.git/config'] }, 'it names .git'],
    [{ copy: [''] }, 'not a non-empty text'],
    [{ port_base: 80 }, 'worktree.port_base is 80 in config.json; accepted: a whole number from 1024 to 65535'],
    [{ port_block: 2.5 }, 'worktree.port_block is 2.5 in config.json; accepted: a whole number from 1 to 10000'],
    ['npm ci', 'worktree is "npm ci" in config.json; accepted: an object'],
  ])('refuses %j with one sentence naming the key, the value and what is accepted', (w, message) => {
    const r = config(w);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toContain(message);
  });

  it('refuses port blocks that would pass port 65535 for the builders there are', () => {
    expect(config({ port_base: 65000, port_block: 100 }, 5).ok).toBe(true);
    const r = config({ port_base: 65000, port_block: 100 }, 6);
    expect(!r.ok && r.error).toContain('worktree.port_block is 100 in config.json; accepted: a block small enough that 6 builders');
  });
});

function repoWithWorktree(): { main: string; wt: string } {
  const main = join(tempDir(), 'repo');
  mkdirSync(main);
  git(main, 'init', '-q', '-b', 'main');
  writeFileSync(join(main, 'a.txt'), 'a\n');
  git(main, 'add', '.');
  git(main, 'commit', '-qm', 'init');
  const wt = join(main, '.argo-project', 'builders', 'x');
  git(main, 'worktree', 'add', '-q', '-b', 'argo-builder-x', wt);
  return { main, wt };
}

describe('the info/exclude block', () => {
  it('is added once, replaced on the next run, and leaves the rest of the file alone', () => {
    const once = withExcludeBlock('# mine\n*.log\n', ['.argo/', '.env*']);
    expect(once).toBe('# mine\n*.log\n# >>> argo-ts: builder files, never committed (written by argo; edits here are replaced)\n/.argo/\n/.env*\n# <<< argo-ts\n');
    expect(withExcludeBlock(once, ['.argo/', '.env*'])).toBe(once);
    expect(withExcludeBlock(once, ['.argo/'])).toBe('# mine\n*.log\n# >>> argo-ts: builder files, never committed (written by argo; edits here are replaced)\n/.argo/\n# <<< argo-ts\n');
  });

  it("is written to the repository's common info/exclude, so an agent's git add -A leaves the files out", () => {
    const { main, wt } = repoWithWorktree();
    excludeFromCommits(wt, ['.env*']);
    mkdirSync(join(wt, '.argo'));
    writeFileSync(join(wt, '.argo', 'design.md'), 'design');
    writeFileSync(join(wt, '.env.local'), 'KEY=1');
    writeFileSync(join(wt, 'work.txt'), 'work');
    git(wt, 'add', '-A');
    expect(git(wt, 'diff', '--cached', '--name-only').trim()).toBe('work.txt');
    expect(readFileSync(join(main, '.git', 'info', 'exclude'), 'utf8')).toContain('/.env*\n');
  });
});

describe('worktree.copy', () => {
  it('leaves a file the branch tracks as the branch has it (only untracked files are copied)', () => {
    const { main, wt } = repoWithWorktree();
    writeFileSync(join(main, 'a.txt'), 'local edit\n');
    expect(copyIntoWorktree(main, wt, ['*.txt'])).toEqual({ copied: [], tracked: ['a.txt'], unmatched: [] });
    expect(readFileSync(join(wt, 'a.txt'), 'utf8')).toBe('a\n');
  });

  it('copies files and globs from the main checkout, never argo\'s or git\'s folders', () => {
    const { main, wt } = repoWithWorktree();
    writeFileSync(join(main, '.env'), 'A=1');
    writeFileSync(join(main, '.env.test'), 'B=2');
    mkdirSync(join(main, 'config'));
    writeFileSync(join(main, 'config', 'local.json'), '{}');
    const r = copyIntoWorktree(main, wt, ['.env*', 'config/*.json', 'missing.txt', '.*', 'a.txt']);
    expect(r.copied.sort()).toEqual(['.env', '.env', '.env.test', '.env.test', 'config/local.json']);
    expect(r.unmatched).toEqual(['missing.txt']);
    expect(r.tracked).toEqual(['a.txt']);
    expect(readFileSync(join(wt, '.env.test'), 'utf8')).toBe('B=2');
    expect(readFileSync(join(wt, 'config', 'local.json'), 'utf8')).toBe('{}');
  });

  it('refuses a match that is a link leading out of the checkout', () => {
    const { main, wt } = repoWithWorktree();
    const outside = join(tempDir(), 'secret');
    writeFileSync(outside, 'S');
    symlinkSync(outside, join(main, '.env'));
    expect(() => copyIntoWorktree(main, wt, ['.env'])).toThrow(/resolves outside/);
    expect(existsSync(join(wt, '.env'))).toBe(false);
  });
});

describe('worktree.setup', () => {
  const cfg = (setup: string[], timeoutMs = 10_000) => ({ ...NO_WORKTREE_CONFIG, setup: setup.join(' '), setupWords: setup, setupTimeoutMs: timeoutMs });
  const signal = new AbortController().signal;

  it('runs its words (no shell) in the worktree, output to its own log', async () => {
    const dir = tempDir();
    const log = join(dir, 'logs', 'builder-x.setup.log');
    const r = await runSetup(cfg(['bash', '-c', 'echo ran in $PWD; touch made', 'x']), dir, process.env, signal, log);
    expect(r).toEqual({ kind: 'ok' });
    expect(existsSync(join(dir, 'made'))).toBe(true);
    expect(readFileSync(log, 'utf8')).toContain(`ran in ${dir}`);
  });

  it('a failure says so with the end of its output', async () => {
    const dir = tempDir();
    const r = await runSetup(cfg(['bash', '-c', 'echo npm ERR! missing lockfile; exit 3']), dir, process.env, signal, join(dir, 's.log'));
    expect(r).toEqual({ kind: 'failed', code: 3, message: expect.stringContaining('failed with exit status 3; the end of its output: npm ERR! missing lockfile') });
  });

  it('its time limit is enforced: the whole group ends', async () => {
    const dir = tempDir();
    const t0 = Date.now();
    const r = await runSetup(cfg(['bash', '-c', 'echo slow; sleep 30'], 500), dir, process.env, signal, join(dir, 's.log'));
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.kind).toBe('failed');
    expect(r.kind === 'failed' && r.message).toContain('ran out of time (worktree.setup_timeout_seconds = 0.5); the end of its output: slow');
  });

  it('a program that is not there fails the setup too', async () => {
    const dir = tempDir();
    const r = await runSetup(cfg(['no-such-program-argo']), dir, process.env, signal, join(dir, 's.log'));
    expect(r.kind === 'failed' && r.message).toContain('could not start no-such-program-argo');
  });
});

describe("the builder wrapper's commit of leftover work", () => {
  it('leaves out .argo/ and the copied files even when git does not ignore them (a tracked .env.example overwritten)', () => {
    const { wt } = repoWithWorktree();
    git(wt, 'rm', '-q', 'a.txt');
    writeFileSync(join(wt, '.env.example'), 'tracked\n');
    git(wt, 'add', '.');
    git(wt, 'commit', '-qm', 'env example');
    writeFileSync(join(wt, '.env.example'), 'LOCAL SECRET\n');
    mkdirSync(join(wt, '.argo'));
    writeFileSync(join(wt, '.argo', 'design.md'), 'design');
    writeFileSync(join(wt, 'work.txt'), 'work');
    const [cmd, ...args] = builderWrapperArgv(['true'], { id: 'x', branch: 'argo-builder-x', exclude: ['.argo', '.env*'] });
    const r = spawnSync(cmd!, args, { cwd: wt, encoding: 'utf8' });
    expect(r.stdout).toContain('argo: committed the uncommitted work builder x left');
    expect(git(wt, 'show', '--name-only', '--format=', 'HEAD').trim()).toBe('work.txt');
    expect(readFileSync(join(wt, '.env.example'), 'utf8')).toBe('LOCAL SECRET\n');
  });
});
