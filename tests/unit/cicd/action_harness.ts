// A small stand-in for the GitHub Actions runner, enough to run action.yml's composite
// steps in order on this machine: `${{ inputs.* }}` / `${{ github.* }}` / `${{ steps.*.outputs.* }}`
// resolved where Actions resolves them (env, with, outputs — a `run:` script holding one is
// refused, as action.test.ts checks), each step's own $GITHUB_OUTPUT read into its outputs,
// $GITHUB_PATH added to PATH for the steps after it. `uses:` steps are not downloaded: the
// ones the action uses are emulated (actions/setup-node: the Node on PATH must be new enough).
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Yaml } from './yaml_subset.js';

export interface StepResult {
  name: string;
  code: number;
  stdout: string;
  stderr: string;
}

export interface ActionRun {
  steps: StepResult[];
  outputs: Record<string, string>;
}

type Map = { [k: string]: Yaml };
const asMap = (y: Yaml | undefined): Map => (y && typeof y === 'object' && !Array.isArray(y) ? y : {});
const asText = (y: Yaml | undefined): string => (typeof y === 'string' ? y : '');

/** `name=value` and `name<<DELIM … DELIM` entries of an Actions output file. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(l);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2]!, i + 1);
      if (end < 0) throw new Error(`output ${heredoc[1]}: no closing ${heredoc[2]}`);
      out[heredoc[1]!] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (l.includes('=')) out[l.slice(0, l.indexOf('='))] = l.slice(l.indexOf('=') + 1);
  }
  return out;
}

export interface Context {
  inputs: Record<string, string>;
  github: Record<string, string>;
  steps: Record<string, Record<string, string>>;
}

/** Every `${{ … }}` in `text` resolved from the context; an unknown one throws. */
export function resolve(text: string, ctx: Context): string {
  return text.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_, expr: string) => {
    const m = /^(inputs|github)\.([A-Za-z0-9_-]+)$/.exec(expr) ?? /^steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)$/.exec(expr);
    if (!m) throw new Error(`expression not known to the harness: ${expr}`);
    if (expr.startsWith('steps.')) return ctx.steps[m[1]!]?.[m[2]!] ?? '';
    const table = m[1] === 'inputs' ? ctx.inputs : ctx.github;
    if (!Object.hasOwn(table, m[2]!)) throw new Error(`unknown ${m[1]}.${m[2]}`);
    return table[m[2]!]!;
  });
}

function emulateUses(uses: string, w: Map, ctx: Context, env: NodeJS.ProcessEnv): StepResult {
  if (!uses.startsWith('actions/setup-node@')) throw new Error(`the harness cannot emulate uses: ${uses}`);
  const want = Number(resolve(asText(w['node-version']), ctx));
  const have = Number(execFileSync('node', ['-p', 'process.versions.node.split(".")[0]'], { env, encoding: 'utf8' }).trim());
  return { name: uses, code: have >= want ? 0 : 1, stdout: `node ${have} (wanted ${want})`, stderr: '' };
}

export interface RunOptions {
  inputs: Record<string, string>;
  /** The checkout the steps run in (GITHUB_WORKSPACE). */
  workspace: string;
  actionPath: string;
  /** A folder of the runner's own: GITHUB_PATH, the output and summary files, RUNNER_TEMP. */
  runnerDir: string;
  env: NodeJS.ProcessEnv;
  /** Stop (without running it) at the step of this id. */
  stopBefore?: string;
}

/** Runs the composite action's steps in order until one fails (or stopBefore). */
export function runAction(action: Yaml, o: RunOptions): ActionRun {
  const a = asMap(action);
  const inputs: Record<string, string> = {};
  const ctx: Context = { inputs, github: { token: 'ghs_harness_token', action_path: o.actionPath, workspace: o.workspace }, steps: {} };
  for (const [name, spec] of Object.entries(asMap(a.inputs))) inputs[name] = o.inputs[name] ?? resolve(asText(asMap(spec).default), ctx);
  const pathFile = join(o.runnerDir, 'path');
  writeFileSync(pathFile, '');
  const steps: StepResult[] = [];
  const list = asMap(a.runs).steps;
  for (const [index, s] of (Array.isArray(list) ? list : []).entries()) {
    const step = asMap(s);
    const id = asText(step.id) || `step${index}`;
    if (o.stopBefore === id) break;
    const added = readFileSync(pathFile, 'utf8').split('\n').filter(Boolean).reverse();
    const outFile = join(o.runnerDir, `output-${index}`);
    writeFileSync(outFile, '');
    const env: NodeJS.ProcessEnv = { ...o.env, PATH: [...added, o.env.PATH].join(':'), GITHUB_ACTION_PATH: o.actionPath, GITHUB_PATH: pathFile, GITHUB_OUTPUT: outFile, GITHUB_WORKSPACE: o.workspace, RUNNER_TEMP: o.runnerDir, GITHUB_STEP_SUMMARY: join(o.runnerDir, 'summary.md'), GITHUB_ACTIONS: 'true' };
    let result: StepResult;
    if (step.uses) result = emulateUses(asText(step.uses), asMap(step.with), ctx, env);
    else {
      for (const [k, v] of Object.entries(asMap(step.env))) env[k] = resolve(asText(v), ctx);
      // bash as Actions runs `shell: bash`: --noprofile --norc -eo pipefail {0}.
      const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', asText(step.run)], { cwd: o.workspace, env, encoding: 'utf8', timeout: 300_000 });
      result = { name: asText(step.name), code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
    }
    ctx.steps[id] = parseOutputFile(readFileSync(outFile, 'utf8'));
    steps.push({ ...result, name: asText(step.name) || result.name });
    if (result.code !== 0) break;
  }
  const outputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(asMap(a.outputs))) outputs[name] = resolve(asText(asMap(spec).value), ctx);
  return { steps, outputs };
}
