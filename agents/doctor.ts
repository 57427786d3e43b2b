// argo doctor [project_path]: is this machine ready to run a workflow? node, bash and
// git versions; the configured agent (found on PATH, its --version); whether its
// credential variable is set (never its value); the project's state and config.
// One line per check; exit 1 when something needed is missing.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { runIfEntry } from '../lib/cli.js';
import { readConfigObject } from '../lib/config.js';
import { errorMessage } from '../lib/errors.js';
import { isDir, resolveProjectDir } from '../lib/project_dir.js';
import { readStateDoc } from '../lib/state_file.js';
import { toPlain } from '../lib/json_doc.js';
import { chooseCi, choiceLabel, choiceProgram, type CiChoice } from './select.js';
import { effectiveText, problemText, readLimits, UNUSED_LIMITS } from '../lib/limits.js';

type Check = { ok: boolean | null; line: string };

function firstLine(cmd: string, args: string[], cwd: string): { ok: boolean; text: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  const text = ((r.stdout || '') + (r.stderr || '')).trim().split('\n')[0] ?? '';
  return { ok: r.status === 0, text };
}

/** Where bash finds `word` (PATH program, path, function), or null. */
function locate(word: string, cwd: string): string | null {
  const r = spawnSync('bash', ['-c', 'command -v -- "$1"', 'bash', word], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
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

export function agentChecks(choice: CiChoice, env: NodeJS.ProcessEnv, cwd: string): Check[] {
  const checks: Check[] = [];
  const program = choiceProgram(choice);
  const where = locate(program, cwd);
  checks.push({ ok: where !== null, line: `agent: ${choiceLabel(choice)} (from ${choice.source}) - ${where ? `found: ${where}` : `${program} not found on PATH`}` });
  if (where !== null && choice.kind !== 'word') {
    const v = firstLine(program, ['--version'], cwd);
    checks.push({ ok: null, line: `agent version: ${v.ok ? v.text : `${program} --version failed${v.text ? ': ' + v.text : ''}`}` });
  }
  if (choice.kind === 'preset') {
    const names = choice.preset.credentials;
    const set = names.filter((n) => !!env[n]);
    // Some agents log in by themselves (claude, codex, opencode): a missing variable is a warning.
    checks.push({
      ok: set.length > 0 ? true : null,
      line: set.length > 0 ? `credential: ${set.join(', ')} set` : `credential: none of ${names.join(', ')} is set (fine only if ${program} has its own login)`,
    });
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

export async function main(argv: string[]): Promise<number> {
  const arg = argv[0] ?? '.';
  const project = resolveProjectDir(arg) ?? arg;
  const checks: Check[] = [
    versionCheck('node', process.execPath, ['--version'], 20, project),
    versionCheck('bash', 'bash', ['--version'], 4, project),
    versionCheck('git', 'git', ['--version'], 2, project),
  ];
  const hasProject = isDir(join(project, '.argo-project'));
  let config: Record<string, unknown> = {};
  if (hasProject) {
    const configFile = join(project, '.argo-project', 'config.json');
    try {
      config = readConfigObject(configFile);
      checks.push({ ok: true, line: `config: ${configFile} is valid` });
    } catch (e) {
      checks.push({ ok: false, line: `config: ${errorMessage(e)}` });
    }
    const stateFile = join(project, '.argo-project', 'state.json');
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
  try {
    checks.push(...agentChecks(chooseCi(process.env, config, (w) => locate(w, project) !== null), process.env, project));
  } catch (e) {
    checks.push({ ok: false, line: `agent: ${errorMessage(e)}` });
  }
  for (const c of checks) process.stdout.write(`${c.ok === true ? 'ok  ' : c.ok === false ? 'FAIL' : 'note'} ${c.line}\n`);
  const failed = checks.filter((c) => c.ok === false).length;
  process.stdout.write(failed === 0 ? 'Ready.\n' : `${failed} problem(s) found.\n`);
  return failed === 0 ? 0 : 1;
}

runIfEntry(import.meta.url, main);
