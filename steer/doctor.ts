// argo doctor [project_path]: is this machine ready to run a workflow? node, bash and
// git versions; the configured agent (found on PATH, its --version); whether its
// credential (a variable or the agent's own login; never its value); the traps we know
// (claude as root, a CLI too old for our flags); the project's state and config.
// One line per check; exit 1 when something needed is missing.
import { sliceReviewChecks } from './kind_checks.js';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { agentEnvPath, recordedAgentEnv } from '../store/agent_env.js';
import { runIfEntry } from '../core/cli.js';
import { bashArgs } from '../core/child.js';
import { readConfigObject } from '../store/config.js';
import { errorMessage } from '../core/errors.js';
import { isDir, resolveProjectDir } from '../store/project_dir.js';
import { readStateDoc } from '../store/state.js';
import { toPlain } from '../core/json_doc.js';
import { chooseCi, choiceLabel, choiceProgram, DESIGN_AGENT_KEY, designChoice, type CiChoice } from '../agents/select.js';
import { readFallback } from '../agents/failover.js';
import { effectiveText, problemText, readLimits, UNUSED_LIMITS } from '../workflow/limits.js';
import type { AgentName, Preset } from '../agents/presets/contract.js';
import { argoPaths } from '../store/layout.js';
import { designPromptStatus } from '../workflow/plan_prompt.js';
import { designTakesSchema } from '../agents/presets/index.js';
import { BUILDER_PLACEHOLDERS, builderPromptKind, unknownPlaceholders } from '../workflow/builder_prompt.js';
import { readWorktreeConfig } from '../agents/worktree_config.js';
import { readTemplate, templateFile } from '../workflow/prompt_template.js';
import { readResolver, RESOLVER_KEY } from '../merge/resolver_config.js';
import { handlerFileIn, missingHandler, readPhases } from '../workflow/phase_list.js';
import { installRoot } from '../core/install_root.js';
import { templateChecks } from '../view/template_use.js';

type Check = { ok: boolean | null; line: string };

function firstLine(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): { ok: boolean; text: string } {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  const text = ((r.stdout || '') + (r.stderr || '')).trim().split('\n')[0] ?? '';
  return { ok: r.status === 0, text };
}

/** Where bash finds `word` (PATH program, path, function), or null. */
function locate(word: string, cwd: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const r = spawnSync('bash', bashArgs('command -v -- "$1"', 'bash', word), { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** The version of a tool as `<name>: <first line>`; `min` is the least major version we need. */
function versionCheck(name: string, cmd: string, args: string[], min: number, cwd: string): Check {
  const v = firstLine(cmd, args, cwd);
  if (!v.ok) return { ok: false, line: `${name}: not found` };
  const major = Number(/(\d+)\.\d+/.exec(v.text)?.[1]);
  const ok = Number.isFinite(major) && major >= min;
  return { ok, line: `${name}: ${v.text}${ok ? '' : ` (need ${min} or newer)`}` };
}

/**
 * The oldest version of each preset's CLI known to take the flags we pass (docs/AGENTS.md);
 * a preset without an entry is not checked. An older one fails `argo doctor`.
 */
export const MIN_VERSIONS: Partial<Record<AgentName, { version: string; flags: string }>> = {
  claude: { version: '1.0.0', flags: '--permission-mode bypassPermissions / plan, --output-format json' },
  codex: { version: '0.40.0', flags: 'exec --json, --sandbox workspace-write, exec resume' },
};

/** Where each preset keeps a login of its own (relative to HOME unless said), and other settings that stand for a key. */
const LOGINS: Partial<Record<AgentName, { files: (env: NodeJS.ProcessEnv, home: string) => string[]; vars: string[] }>> = {
  claude: { files: (_e, h) => [join(h, '.claude', '.credentials.json')], vars: ['ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_USE_BEDROCK', 'CLAUDE_CODE_USE_VERTEX'] },
  codex: { files: (e, h) => [join(e.CODEX_HOME || join(h, '.codex'), 'auth.json')], vars: [] },
  gemini: { files: (_e, h) => [join(h, '.gemini', 'oauth_creds.json')], vars: ['GOOGLE_GENAI_USE_VERTEXAI', 'GOOGLE_APPLICATION_CREDENTIALS'] },
  opencode: { files: (e, h) => [join(e.XDG_DATA_HOME || join(h, '.local', 'share'), 'opencode', 'auth.json')], vars: [] },
};

/** The first x.y[.z] in a text as numbers, or null. */
export function versionOf(text: string): number[] | null {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : null;
}

export function versionBelow(have: number[], min: number[]): boolean {
  for (let i = 0; i < 3; i++) if ((have[i] ?? 0) !== (min[i] ?? 0)) return (have[i] ?? 0) < (min[i] ?? 0);
  return false;
}

export interface Machine {
  uid: number | null;
  home: string;
  exists: (file: string) => boolean;
}

const thisMachine = (env: NodeJS.ProcessEnv): Machine => ({
  uid: typeof process.getuid === 'function' ? process.getuid() : null,
  home: env.HOME || homedir(),
  exists: existsSync,
});

/** Claude Code refuses to bypass permissions for root (AGENT-CLIS.md): the trap, before any builder hits it. */
export function rootCheck(preset: Preset, env: NodeJS.ProcessEnv, uid: number | null): Check | null {
  if (preset.name !== 'claude' || uid !== 0) return null;
  const bypasses = [...preset.builder, ...(preset.resume ?? [])].flat().some((a) => a === 'bypassPermissions' || a === '--dangerously-skip-permissions');
  if (!bypasses) return null;
  if (env.IS_SANDBOX === '1') return { ok: null, line: 'root: IS_SANDBOX=1 lets claude bypass permissions as root - only ever in a disposable container' };
  return {
    ok: false,
    line: 'root: claude refuses --permission-mode bypassPermissions when run as root (uid 0), so every builder would fail: run argo as a normal user, or set IS_SANDBOX=1 in the workflow\'s environment only inside a disposable container',
  };
}

/** Is a credential (a key variable, a provider setting or the agent's own login) there? Never prints a value. */
export function credentialCheck(preset: Preset, env: NodeJS.ProcessEnv, machine: Machine): Check {
  const set = preset.credentials.filter((n) => !!env[n]);
  if (set.length > 0) return { ok: true, line: `credential: ${set.join(', ')} set` };
  const login = LOGINS[preset.name];
  const vars = (login?.vars ?? []).filter((n) => !!env[n]);
  if (vars.length > 0) return { ok: true, line: `credential: ${vars.join(', ')} set` };
  const file = login?.files(env, machine.home).find((f) => machine.exists(f));
  if (file) return { ok: true, line: `credential: ${preset.program}'s own login (${file})` };
  if (!login) {
    // Keys may come from places we cannot see (aider's .env and config files, cursor's login).
    return { ok: null, line: `credential: none of ${preset.credentials.join(', ')} is set (fine only if ${preset.program} finds a key or login of its own)` };
  }
  const where = [...preset.credentials, ...login.vars].join(', ');
  return { ok: false, line: `credential: none of ${where} is set and there is no ${preset.program} login (${login.files(env, machine.home).join(', ')}): every run would fail` };
}

export function agentChecks(choice: CiChoice, env: NodeJS.ProcessEnv, cwd: string, machine: Machine = thisMachine(env)): Check[] {
  const checks: Check[] = [];
  const program = choiceProgram(choice);
  const where = locate(program, cwd, env);
  checks.push({ ok: where !== null, line: `agent: ${choiceLabel(choice)} (from ${choice.source}) - ${where ? `found: ${where}` : `${program} not found on PATH`}` });
  if (where !== null && choice.kind !== 'word') {
    const v = firstLine(program, ['--version'], cwd, env);
    const min = choice.kind === 'preset' ? MIN_VERSIONS[choice.preset.name] : undefined;
    const have = v.ok ? versionOf(v.text) : null;
    const old = min !== undefined && have !== null && versionBelow(have, versionOf(min.version)!);
    checks.push({
      ok: old ? false : null,
      line: `agent version: ${v.ok ? v.text : `${program} --version failed${v.text ? ': ' + v.text : ''}`}${old ? ` (need ${min!.version} or newer for ${min!.flags})` : ''}`,
    });
  }
  if (choice.kind === 'preset') {
    checks.push(credentialCheck(choice.preset, env, machine));
    const root = rootCheck(choice.preset, env, machine.uid);
    if (root) checks.push(root);
  }
  return checks;
}

/** Every limit in force and where it comes from; each bad one a failure naming what is accepted. */
export function limitChecks(stateLimits: unknown, config: unknown): Check[] {
  const reading = readLimits(stateLimits, config);
  const checks: Check[] = reading.effective.map((e) => ({ ok: e.clamped ? null : true, line: `limit: ${effectiveText(e)}` }));
  for (const p of reading.problems) checks.push({ ok: false, line: `limit: ERROR: ${problemText(p)}` });
  const unused = stateLimits !== null && typeof stateLimits === 'object' ? UNUSED_LIMITS.filter((k) => k in stateLimits) : [];
  for (const k of unused) checks.push({ ok: null, line: `limit: limits.${k} is not enforced (kept from the original's initial state.json)` });
  return checks;
}

/** Which first prompt the builders get (a template with an unknown placeholder fails), and the worktree settings. */
export function builderChecks(project: string, choice: CiChoice, config: unknown): Check[] {
  const checks: Check[] = [];
  try {
    const k = builderPromptKind(project, choice.kind, config);
    if (k.kind === 'original') {
      const unused = readTemplate(project, 'builder') !== null ? `; ${templateFile(project, 'builder')} is not used` : '';
      checks.push({ ok: null, line: `builder prompt: the original's (a single-word CI tool; config design.plan: true gives it the requirement, the design and its boundaries${unused})` });
    }
    else if (k.kind === 'built-in') checks.push({ ok: true, line: 'builder prompt: built-in, with the requirement, the design (.argo/design.md) and its boundaries' });
    else if (k.kind === 'slice') checks.push({ ok: true, line: 'builder prompt: built-in slice prompt (workflow.kind "slices": the one instruction and the files of its slice)' });
    else {
      const unknown = unknownPlaceholders(k.text);
      checks.push(
        unknown.length === 0
          ? { ok: true, line: `builder prompt: ${k.file} (the project's template)` }
          : { ok: false, line: `builder prompt: ERROR: ${k.file}: unknown placeholder {{${unknown[0]}}}; accepted: ${Object.keys(BUILDER_PLACEHOLDERS).map((p) => `{{${p}}}`).join(', ')}` },
      );
    }
  } catch (e) {
    checks.push({ ok: false, line: `builder prompt: ${errorMessage(e)}` });
  }
  const wt = readWorktreeConfig(config, argoPaths(project).config);
  if (!wt.ok) checks.push({ ok: false, line: `worktree: ERROR: ${wt.error}` });
  else if (wt.config.setup || wt.config.copy.length > 0) {
    const c = wt.config;
    const parts = [c.setup ? `setup '${c.setup}' (time limit ${c.setupTimeoutMs > 0 ? `${c.setupTimeoutMs / 1000} s` : 'none'})` : '', c.copy.length > 0 ? `copy ${c.copy.join(' ')}` : ''].filter(Boolean);
    checks.push({ ok: true, line: `worktree: ${parts.join(', ')}; ports from ${c.portBase} in blocks of ${c.portBlock}` });
  }
  return checks;
}

/** merge.resolver (issue 20): the agent that resolves merge conflicts, checked as the builders' agent is; a bad value fails. */
export function resolverChecks(config: unknown, env: NodeJS.ProcessEnv, cwd: string, configFile: string): Check[] {
  const r = readResolver(config, env, configFile, (w) => locate(w, cwd, env) !== null);
  if (r.kind === 'error') return [{ ok: false, line: `resolver: ERROR: ${r.message}` }];
  if (r.kind === 'none') return [{ ok: null, line: `resolver: none (${r.why}): merge conflicts go to you` }];
  const own = r.source === RESOLVER_KEY ? agentChecks(r.choice, env, cwd) : [];
  return [{ ok: true, line: `resolver: ${choiceLabel(r.choice)} from ${r.source}` }, ...own];
}

/** workflow.phases (workflow/phase_list.ts), when the project has one: its steps, each handler's file in the install `root`; a bad list fails. */
export function stepChecks(config: unknown, root: string): Check[] {
  const read = readPhases(config);
  if ('problem' in read) return [{ ok: false, line: `steps: ERROR: ${read.problem}` }];
  if (!read.custom) return [];
  const missing = missingHandler(read.phases, (n) => handlerFileIn(root, n), join(root, 'phases'));
  if (missing) return [{ ok: false, line: `steps: ERROR: ${missing}` }];
  return [{ ok: true, line: `steps: ${read.phases.join(' -> ')} (workflow.phases; handlers from ${join(root, 'phases')})` }];
}

export async function main(argv: string[]): Promise<number> {
  const arg = argv[0] ?? '.';
  const project = resolveProjectDir(arg) ?? arg;
  const checks: Check[] = [
    versionCheck('node', process.execPath, ['--version'], 20, project),
    versionCheck('bash', 'bash', ['--version'], 4, project),
    versionCheck('git', 'git', ['--version'], 2, project),
  ];
  const hasProject = isDir(argoPaths(project).dir);
  let config: Record<string, unknown> = {};
  if (hasProject) {
    const configFile = argoPaths(project).config;
    try {
      config = readConfigObject(configFile);
      checks.push({ ok: true, line: `config: ${configFile} is valid` });
    } catch (e) {
      checks.push({ ok: false, line: `config: ${errorMessage(e)}` });
    }
    checks.push(...templateChecks(project));
    const stateFile = argoPaths(project).state;
    try {
      const doc = await readStateDoc(stateFile);
      const text = (k: string) => String(toPlain(doc.get(k)) ?? 'null');
      checks.push({ ok: true, line: `state: ${stateFile} is valid (phase ${text('phase')}, owner ${text('action_owner')}, action ${text('action_needed')})` });
      checks.push(...limitChecks(toPlain(doc.get('limits')), config));
    } catch (e) {
      checks.push({ ok: false, line: `state: ${errorMessage(e)}` });
    }
  } else {
    checks.push({ ok: null, line: `project: no .argo-project/ in ${project} (machine checks only)` });
  }
  // What the workflow's agents will run with: its recorded environment, when it has one.
  let env: NodeJS.ProcessEnv = process.env;
  if (hasProject) {
    try {
      const recorded = recordedAgentEnv(project);
      if (recorded) {
        env = recorded;
        checks.push({ ok: null, line: `environment: the workflow's recorded one (${agentEnvPath(project)}; argo resume --env-from-here replaces it)` });
      }
    } catch (e) {
      checks.push({ ok: false, line: `environment: ${errorMessage(e)}` });
    }
  }
  try {
    const choice = chooseCi(env, config, (w) => locate(w, project, env) !== null);
    checks.push(...agentChecks(choice, env, project));
    // ci.fallback: checked as the execution phase reads it, each fallback as the primary is.
    for (const f of readFallback(config, choice)) checks.push(...agentChecks(f, env, project));
    // design.agent (a template's agents.design): the design phase's own agent, checked as the builders' is.
    const design = designChoice(env, config, (w) => locate(w, project, env) !== null);
    if (design.source === DESIGN_AGENT_KEY) checks.push(...agentChecks(design, env, project).map((c) => ({ ...c, line: `design ${c.line}` })));
    // Which design prompt the project uses (its design.md, the plan prompt, the original's).
    if (hasProject) checks.push(designPromptStatus(project, choice.kind, choice.kind === 'preset' && designTakesSchema(choice.preset), config));
    if (hasProject) checks.push(...builderChecks(project, choice, config));
  } catch (e) {
    checks.push({ ok: false, line: `agent: ${errorMessage(e)}` });
  }
  if (hasProject) checks.push(...resolverChecks(config, env, project, argoPaths(project).config));
  if (hasProject) checks.push(...stepChecks(config, installRoot()));
  if (hasProject) checks.push(...sliceReviewChecks(project, config));
  for (const c of checks) process.stdout.write(`${c.ok === true ? 'ok  ' : c.ok === false ? 'FAIL' : 'note'} ${c.line}\n`);
  const failed = checks.filter((c) => c.ok === false).length;
  process.stdout.write(failed === 0 ? 'Ready.\n' : `${failed} problem(s) found.\n`);
  return failed === 0 ? 0 : 1;
}

runIfEntry('steer/doctor', main);
