// .argo-project/config.json: which CI tool to ask, and settings nothing else reads yet.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command, Ctx, Env } from './context.js';
import { ArgoError, errorMessage } from './errors.js';
import { JsonObject, fromPlain, parseJson, setIn, stringifyJq, type Json } from './json_doc.js';
import { queryKey } from './query.js';
import { writeFileAtomic } from './atomic_file.js';
import { withFileLock } from './lock.js';
import { presetNamed } from '../agents/presets.js';

export const DEFAULT_CONFIG_FILE = '.argo-project/config.json';

export function configPath(ctx: Ctx): string {
  return resolve(ctx.cwd, ctx.env.CONFIG_FILE || DEFAULT_CONFIG_FILE);
}

export function defaultConfig(): Json {
  return fromPlain({
    ci: { tool: 'ci', model: null },
    providers: { default: 'claude_code', fallback: 'claude_api' },
    git: { auto_commit: false, branch_prefix: 'argo-builder-' },
    workflow: { auto_checkpoint: true, checkpoint_on_phase_change: true },
  });
}

/** read_config: the value at KEY, or DEFAULT when missing/null (D15: `false` is a value). */
export async function readConfig(file: string, key: string, dflt = ''): Promise<string> {
  if (!existsSync(file)) return dflt;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return dflt;
  }
  const out = await queryKey(text, file, key);
  return out === '' || out === 'null' ? dflt : out;
}

/**
 * update_config (D15: it works): string VALUE at KEY split on dots, atomically. The
 * read-modify-write holds a flock on `<file>.lock` (as the registry does), so two
 * updates at once both survive instead of the later rename dropping the earlier change.
 */
export async function updateConfig(file: string, key: string, value: string, env: Env = process.env): Promise<void> {
  if (!existsSync(file)) throw new ArgoError(`Config file not found: ${file}`);
  if (!key) throw new ArgoError('key required');
  await withFileLock(`${file}.lock`, env, async () => {
    const doc = parseJson(readFileSync(file, 'utf8'), file);
    if (!(doc instanceof JsonObject)) throw new ArgoError(`config file ${file} does not hold a JSON object`);
    setIn(doc, key.split('.'), value);
    writeFileAtomic(file, stringifyJq(doc));
  });
}

/**
 * CI_COMMAND, else the program of the agent named by ARGO_AGENT or config ci.agent,
 * else config ci.tool, else `ci` (what get_ci_tool prints; agents/select.ts decides
 * how it is run).
 */
export async function getCiTool(env: Env, configFile: string): Promise<string> {
  if (env.CI_COMMAND) return env.CI_COMMAND;
  const agent = env.ARGO_AGENT || (await readConfig(configFile, 'ci.agent'));
  if (agent && agent !== 'null') return presetNamed(agent)?.program ?? agent;
  const tool = await readConfig(configFile, 'ci.tool');
  return tool && tool !== 'null' ? tool : 'ci';
}

export { readConfigObject } from './config_object.js';

export const bashFunctions: Record<string, Command> = {
  async read_config([key = '', dflt = ''], ctx) {
    ctx.out((await readConfig(configPath(ctx), key, dflt)) + '\n');
    return 0;
  },
  async get_ci_tool(_args, ctx) {
    ctx.out((await getCiTool(ctx.env, configPath(ctx))) + '\n');
    return 0;
  },
  async update_config([key = '', value = ''], ctx) {
    const file = configPath(ctx);
    if (!existsSync(file)) {
      ctx.err(`ERROR: Config file not found: ${ctx.env.CONFIG_FILE || DEFAULT_CONFIG_FILE}\n`);
      return 1;
    }
    try {
      await updateConfig(file, key, value, ctx.env);
      return 0;
    } catch (e) {
      ctx.err(`ERROR: Failed to update config (${key}): ${errorMessage(e)}\n`);
      return 1;
    }
  },
};
