// The conflict resolver (issue 20): merge.resolver read, the prompt, the judge, and
// resolveConflict on a real conflict in a git repository with scripted resolvers.
import { describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tempDir } from '../helpers.js';
import { readResolver } from '../../../merge/resolver_config.js';
import { resolverPrompt } from '../../../merge/resolver_prompt.js';
import { hasConflictMarkers, judgeResolution, type ResolutionProbe } from '../../../merge/resolver_judge.js';
import { resolveConflict, type ConflictInput } from '../../../merge/resolver.js';
import { spendSoFar } from '../../../workflow/budget.js';
import { recordedUsage } from '../../../workflow/limits.js';
import { parseJson, type JsonObject } from '../../../core/json_doc.js';

const CFG = '/p/.argo-project/config.json';

describe('merge.resolver (readResolver)', () => {
  it('absent: the builders\' preset when ci.agent is one, else none', () => {
    const r = readResolver({ ci: { agent: 'claude', model: 'm1' } }, {}, CFG);
    expect(r.kind).toBe('agent');
    if (r.kind === 'agent' && r.choice.kind === 'preset') expect([r.choice.preset.name, r.choice.model]).toEqual(['claude', 'm1']);
    else throw new Error('expected a preset');
    expect(readResolver({ ci: { tool: 'my-ci' } }, {}, CFG).kind).toBe('none');
    expect(readResolver({}, {}, CFG).kind).toBe('none');
    expect(readResolver({ ci: { agent: 'claude' }, merge: { target: 'main' } }, {}, CFG).kind).toBe('agent');
    expect(readResolver({ ci: { agent: 'claude' }, merge: { resolver: 'null' } }, {}, CFG).kind).toBe('agent');
    expect(readResolver({ ci: { agent: 'claude' } }, { ARGO_AGENT: 'codex' }, CFG)).toMatchObject({ kind: 'agent', choice: { preset: { name: 'codex' } } });
  });

  it('"none" disables it, even with a preset for the builders', () => {
    expect(readResolver({ ci: { agent: 'claude' }, merge: { resolver: 'none' } }, {}, CFG)).toEqual({ kind: 'none', why: 'merge.resolver is "none"' });
  });

  it('a preset name (with its ci.agents override) or a command line', () => {
    const p = readResolver({ merge: { resolver: 'codex' }, ci: { agents: { codex: { program: '/opt/codex' } } } }, {}, CFG);
    expect(p.kind === 'agent' && p.choice.kind === 'preset' && p.choice.preset.program).toBe('/opt/codex');
    const c = readResolver({ merge: { resolver: 'my-resolver --fast {prompt_file}' } }, {}, CFG);
    expect(c.kind === 'agent' && c.choice).toEqual({ kind: 'command', words: ['my-resolver', '--fast', '{prompt_file}'], source: 'merge.resolver' });
    const w = readResolver({ merge: { resolver: 'resolve-it' } }, {}, CFG);
    expect(w.kind === 'agent' && w.choice.kind).toBe('word');
  });

  it('a bad value: one sentence naming the key, the value and what is accepted', () => {
    for (const [v, why] of [[5, 'not a string'], ['', 'empty'], [['claude'], 'not a string']] as const) {
      const r = readResolver({ merge: { resolver: v } }, {}, CFG);
      expect(r).toEqual({ kind: 'error', message: `merge.resolver is ${JSON.stringify(v)} in ${CFG}: ${why}; accepted: an agent preset (claude, codex, gemini, aider, opencode, cursor), a command line, or "none"` });
    }
    expect(readResolver({ merge: { resolver: 'x "unbalanced' } }, {}, CFG).kind).toBe('error');
    expect(readResolver({ merge: 'main' }, {}, CFG)).toMatchObject({ kind: 'error', message: expect.stringContaining('merge is "main"') });
  });
});

const incoming = { id: 'cli', description: 'The command line', paths: ['src/cli.ts'], acceptance: 'argo --help works' };
const core = { id: 'core', description: 'The core', paths: ['src/core.ts'], acceptance: 'npm test passes' };

describe('the resolver prompt', () => {
  it('names the files, both sides, the target and the verify command, and how to conclude', () => {
    const p = resolverPrompt({ target: 'main', incoming, merged: [core], files: ['src/a.ts', 'odd "name".txt'], verify: 'npm test' });
    for (const s of ['builder \'cli\' into main', '"src/a.ts"', JSON.stringify('odd "name".txt'), 'The command line', 'src/cli.ts', 'argo --help works', 'The core', 'src/core.ts', 'npm test passes', 'verify command: npm test', 'git add', 'git commit', 'Merge builder: cli']) {
      expect(p).toContain(s);
    }
    expect(resolverPrompt({ target: 'argo/x', incoming, merged: [], files: ['a'], verify: null })).not.toContain('verify command');
  });
});

describe('the judge', () => {
  const base: ResolutionProbe = { startHead: 'h0', mergeHead: 'm1', head: 'h1', mergeHeadNow: null, parents: ['h0', 'm1'], unmerged: [], marked: [] };
  it('resolved: a commit concluding the merge, nothing unmerged, no markers', () => {
    expect(judgeResolution(base)).toEqual({ kind: 'resolved' });
  });
  it('staged but not committed: we commit', () => {
    expect(judgeResolution({ ...base, head: 'h0', mergeHeadNow: 'm1', parents: ['hx'] })).toEqual({ kind: 'commit' });
  });
  it('gave up: unmerged files, markers, an abort, a commit that is not the merge, another merge', () => {
    expect(judgeResolution({ ...base, head: 'h0', mergeHeadNow: 'm1', unmerged: ['a'] })).toEqual({ kind: 'gave_up', message: 'files still unmerged: "a"' });
    expect(judgeResolution({ ...base, marked: ['b'] })).toEqual({ kind: 'gave_up', message: 'conflict markers left in "b"' });
    expect(judgeResolution({ ...base, head: 'h0', parents: ['hp'] })).toEqual({ kind: 'gave_up', message: 'the merge was aborted' });
    expect(judgeResolution({ ...base, parents: ['h0'] }).kind).toBe('gave_up');
    expect(judgeResolution({ ...base, parents: ['m1', 'h0'] }).kind).toBe('gave_up');
    expect(judgeResolution({ ...base, parents: ['hx', 'm1'] }).kind).toBe('gave_up'); // a merge of the incoming tip onto another commit
    expect(judgeResolution({ ...base, head: 'h0', mergeHeadNow: 'other' }).kind).toBe('gave_up');
  });
  it('markers: git\'s lines, not a lone ======= (a heading underline)', () => {
    expect(hasConflictMarkers('a\n<<<<<<< HEAD\nx\n=======\ny\n>>>>>>> b\n')).toBe(true);
    expect(hasConflictMarkers('x\n>>>>>>> theirs\n')).toBe(true);
    expect(hasConflictMarkers('Title\n=======\ntext\n')).toBe(false);
  });
});

// ---- resolveConflict on a real conflict ----

const g = (dir: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, encoding: 'utf8' }).trim();

/** A project whose integration worktree (here: the checkout) has the merge of `cli` stopped on a conflict in app.txt. */
function conflicted(config: Record<string, unknown>, limits: Record<string, unknown> = {}) {
  const dir = tempDir();
  g(dir, 'init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'app.txt'), 'line\n');
  g(dir, 'add', '.');
  g(dir, 'commit', '-qm', 'base');
  g(dir, 'checkout', '-qb', 'argo-builder-cli');
  writeFileSync(join(dir, 'app.txt'), 'cli\n');
  g(dir, 'commit', '-qam', 'cli');
  g(dir, 'checkout', '-q', 'main');
  writeFileSync(join(dir, 'app.txt'), 'core\n');
  g(dir, 'commit', '-qam', 'core');
  mkdirSync(join(dir, '.argo-project', 'logs'), { recursive: true });
  writeFileSync(join(dir, '.git', 'info', 'exclude'), '.argo-project/\nbin/\n');
  writeFileSync(join(dir, '.argo-project', 'config.json'), JSON.stringify(config));
  writeFileSync(join(dir, '.argo-project', 'state.json'), JSON.stringify({ phase: 'merge', limits, merge: { merged: ['core'] } }));
  try {
    g(dir, 'merge', '--no-ff', '-m', 'Merge builder: cli', 'argo-builder-cli');
  } catch {
    /* the conflict */
  }
  const head = g(dir, 'rev-parse', 'HEAD');
  const input: ConflictInput = {
    project: { dir, configFile: join(dir, '.argo-project', 'config.json'), state: { stateFile: join(dir, '.argo-project', 'state.json'), lockFile: join(dir, '.argo-project', 'state.lock') }, logs: { logDir: join(dir, '.argo-project', 'logs'), workflowLog: join(dir, '.argo-project', 'logs', 'workflow.log') } },
    dir, target: 'main', incoming, merged: [core], files: ['app.txt'], verify: 'grep -q core app.txt', signal: new AbortController().signal,
  };
  return { dir, head, mergeHead: g(dir, 'rev-parse', 'argo-builder-cli'), input };
}

/** A script in the project's bin/ (the resolver), given a body. */
function script(dir: string, name: string, body: string): string {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  const p = join(dir, 'bin', name);
  writeFileSync(p, `#!/bin/bash\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

const stateOf = (dir: string) => JSON.parse(readFileSync(join(dir, '.argo-project', 'state.json'), 'utf8'));
const claudeResult = (cost: number) => `echo '{"type":"result","subtype":"success","is_error":false,"result":"done","session_id":"s1","total_cost_usd":${cost},"usage":{"input_tokens":100,"output_tokens":20}}'`;

describe('resolveConflict', () => {
  it('a command line that resolves and commits: resolved, HEAD the merge commit, its prompt names the conflict', async () => {
    const { dir, head, mergeHead, input } = conflicted({});
    const bin = script(dir, 'resolve', 'cp "$1" "$PWD/../prompt-seen.txt"; printf "core\\ncli\\n" > app.txt && git add -- app.txt && git -c user.name=a -c user.email=a@a commit -qm "Merge builder: cli"');
    writeFileSync(input.project.configFile, JSON.stringify({ merge: { resolver: `${bin} {prompt_file}` } }));
    const r = await resolveConflict(input);
    expect(r).toMatchObject({ kind: 'resolved', agent: bin, usage: null });
    expect(r.kind === 'resolved' && r.commit).toBe(g(dir, 'rev-parse', 'HEAD'));
    expect(g(dir, 'rev-list', '--parents', '-n', '1', 'HEAD').split(' ').slice(1)).toEqual([head, mergeHead]);
    const seen = readFileSync(join(dir, '..', 'prompt-seen.txt'), 'utf8');
    for (const s of ['"app.txt"', 'The command line', 'src/core.ts', 'grep -q core app.txt']) expect(seen).toContain(s);
  });

  it('resolved and staged, not committed: argo concludes the merge as "Merge builder: <id>"', async () => {
    const { dir, head, mergeHead, input } = conflicted({});
    const bin = script(dir, 'stage', 'printf "core\\ncli\\n" > app.txt && git add -- app.txt');
    writeFileSync(input.project.configFile, JSON.stringify({ merge: { resolver: bin } }));
    const r = await resolveConflict(input);
    expect(r.kind).toBe('resolved');
    expect(g(dir, 'log', '-1', '--format=%s')).toBe('Merge builder: cli');
    expect(g(dir, 'rev-list', '--parents', '-n', '1', 'HEAD').split(' ').slice(1)).toEqual([head, mergeHead]);
  });

  it('an agent that leaves markers (even committed): gave up; one that does nothing: gave up, the merge still in progress', async () => {
    const a = conflicted({});
    writeFileSync(a.input.project.configFile, JSON.stringify({ merge: { resolver: script(a.dir, 'nothing', 'true') } }));
    const r = await resolveConflict(a.input);
    expect(r).toMatchObject({ kind: 'gave_up', message: 'files still unmerged: "app.txt"' });
    expect(g(a.dir, 'rev-parse', 'MERGE_HEAD')).toBe(a.mergeHead);
    expect(readFileSync(join(a.dir, 'app.txt'), 'utf8')).toContain('<<<<<<<');
    const b = conflicted({});
    writeFileSync(b.input.project.configFile, JSON.stringify({ merge: { resolver: script(b.dir, 'marks', 'git add -A && git -c user.name=a -c user.email=a@a commit -qm bad') } }));
    expect(await resolveConflict(b.input)).toMatchObject({ kind: 'gave_up', message: 'conflict markers left in "app.txt"' });
  });

  it('no resolver ("none", a plain CI tool) or a bad one: gave up at once, the merge untouched', async () => {
    const a = conflicted({ ci: { agent: 'claude' }, merge: { resolver: 'none' } });
    expect(await resolveConflict(a.input)).toEqual({ kind: 'gave_up', agent: null, message: 'merge.resolver is "none"', usage: null });
    const b = conflicted({ ci: { tool: 'ci' } });
    expect((await resolveConflict(b.input)).message).toContain('no merge.resolver configured');
    const c = conflicted({ merge: { resolver: 42 } });
    expect((await resolveConflict(c.input)).message).toContain('merge.resolver is 42');
    expect(g(c.dir, 'rev-parse', 'MERGE_HEAD')).toBe(c.mergeHead);
  });

  it('limits.builder_timeout_seconds ends it; a stop (the signal) ends it', async () => {
    const a = conflicted({}, { builder_timeout_seconds: 1 });
    writeFileSync(a.input.project.configFile, JSON.stringify({ merge: { resolver: script(a.dir, 'slow', 'sleep 30') } }));
    const t0 = Date.now();
    expect((await resolveConflict(a.input)).message).toContain('limits.builder_timeout_seconds');
    expect(Date.now() - t0).toBeLessThan(15_000);
    const b = conflicted({});
    writeFileSync(b.input.project.configFile, JSON.stringify({ merge: { resolver: script(b.dir, 'slow', 'sleep 30') } }));
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 300);
    expect(await resolveConflict({ ...b.input, signal: stop.signal })).toMatchObject({ kind: 'gave_up', message: 'stopped' });
    expect(g(b.dir, 'rev-parse', 'MERGE_HEAD')).toBe(b.mergeHead);
  }, 30_000);

  it('a preset: its usage is added to merge.usage (never replaced) and counts for the budget', async () => {
    const { dir, input } = conflicted({});
    const fake = script(dir, 'claude', `printf "core\\ncli\\n" > app.txt && git add -- app.txt\n${claudeResult(0.25)}`);
    writeFileSync(input.project.configFile, JSON.stringify({ ci: { agent: 'claude', agents: { claude: { program: fake } } } }));
    const r = await resolveConflict(input);
    expect(r).toMatchObject({ kind: 'resolved', agent: 'claude', usage: { cost_usd: 0.25, input_tokens: 100 } });
    // a second conflict resolved by the same agent adds to it
    const state = stateOf(dir);
    expect(state.merge.usage).toEqual({ input_tokens: 100, output_tokens: 20, cache_read_tokens: null, cost_usd: 0.25, agent: 'claude', model: null });
    expect(state.merge.merged).toEqual(['core']);
    const again = conflicted({});
    writeFileSync(again.input.project.state.stateFile, JSON.stringify({ ...state, execution: { builders: [{ id: 'a', usage: { cost_usd: 1, agent: 'claude' } }] } }));
    writeFileSync(again.input.project.configFile, JSON.stringify({ merge: { resolver: 'claude' }, ci: { agents: { claude: { program: script(again.dir, 'claude', claudeResult(0.5)) } } } }));
    expect((await resolveConflict(again.input)).kind).toBe('gave_up'); // changed nothing: still unmerged, its usage counted all the same
    const after = stateOf(again.dir);
    expect(after.merge.usage.cost_usd).toBe(0.75);
    expect(after.merge.usage.input_tokens).toBe(200);
    expect(spendSoFar(after).total_usd).toBe(1.75);
    expect(spendSoFar(after).by_agent).toEqual([{ agent: 'claude', cost_usd: 1.75, input_tokens: 200, output_tokens: 40, runs: ['a', 'merge'] }]);
    expect([...recordedUsage(parseJson(JSON.stringify(after)) as JsonObject, []).keys()]).toEqual(['/merge']);
    expect(existsSync(join(again.dir, '.argo-project', 'logs', 'merge-cli.resolver.out'))).toBe(true);
  });
});
