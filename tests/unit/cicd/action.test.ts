// action.yml (issue 23): its structure, the rule that no `run:` script holds a `${{ }}`
// (inputs reach the shell through env only), the GitLab template and the intake examples
// read, and the composite steps run in order by a small harness (action_harness.ts) with
// the stand-in agent, a bare origin and a stand-in gh.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers.js';
import { requireTool } from '../require_tool.js';
import { runAction } from './action_harness.js';
import { parseYaml, type Yaml } from './yaml_subset.js';

type Map = { [k: string]: Yaml };
const m = (y: Yaml | undefined): Map => (y && typeof y === 'object' && !Array.isArray(y) ? y : {});
const read = (file: string) => parseYaml(readFileSync(join(ROOT, file), 'utf8'));
const action = () => m(read('action.yml'));

/** Every `run:` script anywhere in a parsed workflow / action / GitLab file. */
function scripts(y: Yaml, out: string[] = []): string[] {
  if (Array.isArray(y)) y.forEach((v) => scripts(v, out));
  else if (typeof y === 'object') for (const [k, v] of Object.entries(y)) (k === 'run' && typeof v === 'string' ? out.push(v) : scripts(v, out));
  return out;
}

describe('action.yml, structurally', () => {
  it('is a composite action with the inputs the issue names and the outputs argo run writes', () => {
    const a = action();
    expect(a.name).toBeTruthy();
    expect(a.description).toBeTruthy();
    expect(m(a.runs).using).toBe('composite');
    const inputs = m(a.inputs);
    for (const name of ['query', 'template', 'agent', 'budget', 'approve', 'push', 'pr']) expect(Object.keys(inputs)).toContain(name);
    expect(m(inputs.query).required).toBe('true');
    for (const [name, spec] of Object.entries(inputs)) expect(m(spec).description, name).toBeTruthy();
    const outputs = m(a.outputs);
    for (const name of ['status', 'branch', 'pr_url', 'cost_usd']) expect(m(outputs[name]).value).toBe(`\${{ steps.run.outputs.${name} }}`);
  });

  it('every step: a name, `shell: bash` for scripts, no `${{ }}` inside a script, its script file there; every input used', () => {
    const a = action();
    const steps = m(a.runs).steps as Yaml[];
    expect(steps.map((s) => m(s).name)).toEqual(['Set up Node.js', 'Install argo-ts', 'Install the agent CLI', 'argo run']);
    const used = new Set<string>();
    for (const s of steps.map(m)) {
      const text = JSON.stringify(s);
      for (const x of text.matchAll(/\$\{\{ inputs\.([A-Za-z0-9_-]+) \}\}/g)) used.add(x[1]!);
      if (s.uses) continue;
      expect(s.shell).toBe('bash');
      expect(s.run).not.toContain('${{');
      const file = /"\$GITHUB_ACTION_PATH\/([^"]+)"/.exec(s.run as string)?.[1];
      expect(file && existsSync(join(ROOT, file)), `${s.name}: ${s.run}`).toBe(true);
    }
    for (const name of Object.keys(m(a.inputs))) if (name !== 'github-token') expect(used, name).toContain(name);
    expect(JSON.stringify(steps)).toContain('GH_TOKEN":"${{ inputs.github-token }}');
  });

  it('the intake examples and the GitLab template read as YAML, and no script of theirs holds a `${{ }}`', () => {
    const gh = m(read('examples/ci/github-issue-intake.yml'));
    expect(Object.keys(m(gh.on))).toEqual(['issues', 'issue_comment']);
    expect(m(gh.concurrency).group).toContain('github.event.issue.number');
    const runs = scripts(gh);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    for (const r of runs) expect(r).not.toContain('${{');
    const job = m(m(gh.jobs).argo);
    const argoStep = m((job.steps as Yaml[]).map(m).find((s) => s.id === 'argo'));
    expect(m(argoStep.with).query).toContain('${{ github.event.issue.title }}');
    const lab = m(read('ci/gitlab/argo.gitlab-ci.yml'));
    expect(m(lab['.argo-run']).resource_group).toBe('argo-$CI_COMMIT_REF_SLUG');
    expect((m(lab['.argo-run']).script as string[]).join('\n')).toContain('ci/action/run.sh');
    const intake = m(read('examples/ci/gitlab-issue-intake.gitlab-ci.yml'));
    expect(m(intake['argo-issue']).extends).toBe('.argo-run');
  });
});

/** A checkout with main, origin = a bare repository reached under GitHub's URL. */
function workspace(dir: string): { repo: string; bare: string } {
  const repo = join(dir, 'repo');
  const bare = join(dir, 'origin.git');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
  mkdirSync(repo);
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', bare]);
  git('init', '-q', '-b', 'main');
  git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'init');
  git('remote', 'add', 'origin', 'https://github.com/acme/widgets.git');
  git('config', `url.${bare}.insteadOf`, 'https://github.com/acme/widgets.git');
  git('push', '-q', 'origin', 'main');
  return { repo, bare };
}

function harnessEnv(dir: string): NodeJS.ProcessEnv {
  return {
    PATH: `${join(ROOT, 'tests/fixtures/ci')}:${process.env.PATH}`,
    HOME: dir,
    CI_COMMAND: join(ROOT, 'compat/standin_ci'),
    GH_STANDIN_LOG: join(dir, 'gh'),
    ARGO_SHIM_SERVER: '0',
    ARGO_PROJECTS_REGISTRY: join(dir, 'projects.json'),
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'acme/widgets',
  };
}

describe('action.yml, run by the harness', () => {
  it('runs its steps in order: Node checked, argo on PATH (its version printed), no agent installed for none; then argo run to a pushed branch and a pull request', (ctx) => {
    const dir = tempDir();
    const { repo, bare } = workspace(dir);
    mkdirSync(join(dir, 'runner'));
    const opts = { inputs: { query: 'Build a calculator', agent: 'none' }, workspace: repo, actionPath: ROOT, runnerDir: join(dir, 'runner'), env: harnessEnv(dir) };
    const first = runAction(read('action.yml'), { ...opts, stopBefore: 'run' });
    expect(first.steps.map((s) => [s.name, s.code])).toEqual([
      ['Set up Node.js', 0],
      ['Install argo-ts', 0],
      ['Install the agent CLI', 0],
    ]);
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;
    expect(first.steps[1]!.stdout).toContain(`argo-ts ${version}`);
    expect(readFileSync(join(dir, 'runner/path'), 'utf8').trim()).toBe(join(dir, 'runner/argo-bin'));
    expect(first.steps[2]!.stdout).toContain('agent: none');
    requireTool(ctx, { name: 'argo run (dist/cicd/run.js)', have: existsSync(join(ROOT, 'dist/cicd/run.js')), install: 'merge the "run" helper\'s branch (cicd/run.ts) and npm run build' });
    const all = runAction(read('action.yml'), opts);
    expect(all.steps.map((s) => s.code), all.steps.at(-1)!.stdout + all.steps.at(-1)!.stderr).toEqual([0, 0, 0, 0]);
    expect(all.outputs.status).toBe('done');
    expect(all.outputs.exit_code).toBe('0');
    expect(all.outputs.pr_url).toBe('https://github.com/acme/widgets/pull/17');
    expect(all.outputs.branch).toMatch(/^argo\//);
    const pushed = execFileSync('git', ['--git-dir', bare, 'ls-tree', '--name-only', all.outputs.branch!], { encoding: 'utf8' });
    expect(pushed.split('\n')).toEqual(expect.arrayContaining(['core.txt', 'cli.txt', 'docs.txt']));
    expect(readFileSync(join(dir, 'runner/summary.md'), 'utf8')).toContain('## argo run: done (exit 0)');
  });
});

describe('ci/action/run.sh: the inputs as argo run\'s command line', () => {
  function standin(dir: string): { bin: string; argv: () => string[] } {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const log = join(dir, 'argv');
    writeFileSync(join(bin, 'argo'), `#!/usr/bin/env bash\nif [[ $1 == run ]]; then printf '%s\\0' "$@" > '${log}'; exit 2; fi\nexec '${ROOT}/compat/argo' "$@"\n`);
    chmodSync(join(bin, 'argo'), 0o755);
    return { bin, argv: () => readFileSync(log, 'utf8').split('\0').slice(0, -1) };
  }
  const run = (dir: string, bin: string, repo: string, env: Record<string, string>) => {
    try {
      return { code: 0, out: execFileSync('bash', [join(ROOT, 'ci/action/run.sh')], { cwd: repo, env: { ...harnessEnv(dir), PATH: `${bin}:${process.env.PATH}`, RUNNER_TEMP: join(dir, 'runner'), GITHUB_OUTPUT: join(dir, 'out'), ...env }, encoding: 'utf8', stdio: 'pipe' }) };
    } catch (e) {
      const err = e as { status: number; stderr: string };
      return { code: err.status, out: err.stderr };
    }
  };

  it('each input its option, the query one argument after `--` (shell text in it stays text), the budget in config, exit_code an output', () => {
    const dir = tempDir();
    const { repo } = workspace(dir);
    const { bin, argv } = standin(dir);
    // Shell text that, run as code, would only create files here (what the test looks for).
    const query = `--push $(touch ${dir}/pwned) \`touch ${dir}/pwned\`\n"; touch ${dir}/pwned; echo "`;
    const r = run(dir, bin, repo, {
      ARGO_INPUT_QUERY: query, ARGO_INPUT_TEMPLATE: 'bugfix', ARGO_INPUT_APPROVE: 'never', ARGO_INPUT_MAX_COMPONENTS: '3', ARGO_INPUT_BRANCH: 'argo/x',
      ARGO_INPUT_PUSH: 'true', ARGO_INPUT_PR: 'false', ARGO_INPUT_BUDGET: '2.5', ARGO_INPUT_AGENT: 'none',
    });
    expect(r.code).toBe(2);
    expect(argv()).toEqual(['run', '--approve', 'never', '--template', 'bugfix', '--max-components', '3', '--branch', 'argo/x', '--push', '--report', join(dir, 'runner/argo-report.json'), '--junit', join(dir, 'runner/argo-junit.xml'), '--', query]);
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
    expect(JSON.parse(readFileSync(join(repo, '.argo-project/config.json'), 'utf8')).limits.max_cost_usd).toBe(2.5);
    expect(readFileSync(join(dir, 'out'), 'utf8')).toBe('exit_code=2\n');
    expect(execFileSync('git', ['config', 'user.email'], { cwd: repo, encoding: 'utf8', env: { HOME: dir } }).trim()).toBe('argo-ts@users.noreply.github.com');
  });

  it('bad inputs: one ERROR line each, exit 4, argo run never called', () => {
    const dir = tempDir();
    const { repo } = workspace(dir);
    const { bin } = standin(dir);
    expect(run(dir, bin, repo, { ARGO_INPUT_QUERY: '  \n' })).toEqual({ code: 4, out: 'ERROR: input query is empty; accepted: the requirement, what to build\n' });
    expect(run(dir, bin, repo, { ARGO_INPUT_QUERY: 'q', ARGO_INPUT_PUSH: 'yes' })).toEqual({ code: 4, out: "ERROR: input push is 'yes'; accepted: true, false\n" });
    expect(run(dir, bin, repo, { ARGO_INPUT_QUERY: 'q', ARGO_INPUT_BUDGET: '5$' })).toEqual({ code: 4, out: "ERROR: input budget is '5$'; accepted: a number of USD, e.g. 5 or 12.50\n" });
    expect(existsSync(join(dir, 'argv'))).toBe(false);
  });
});
