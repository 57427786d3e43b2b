// .argo-project/config.json: which CI tool to ask, and settings nothing else reads yet.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Ctx, Env } from '../core/context.js';
import { withFileLock } from '../core/lock.js';
import { ArgoError } from '../core/errors.js';
import { JsonObject, fromPlain, getIn, parseJson, setIn, stringifyJq, type Json } from '../core/json_doc.js';
import { queryKey } from '../core/query.js';
import { writeFileAtomic } from '../core/atomic_file.js';
import { BUILDER_BRANCH_PREFIX, DEFAULT_CONFIG_FILE } from './layout.js';
import { readConfigLayers } from './config_object.js';

export { DEFAULT_CONFIG_FILE };

export function configPath(ctx: Ctx): string {
  return resolve(ctx.cwd, ctx.env.CONFIG_FILE || DEFAULT_CONFIG_FILE);
}

export function defaultConfig(): Json {
  return fromPlain({
    ci: { tool: 'ci', model: null },
    providers: { default: 'claude_code', fallback: 'claude_api' },
    git: { auto_commit: false, branch_prefix: BUILDER_BRANCH_PREFIX },
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
  const out = await queryKey(withTemplate(text, file), file, key);
  return out === '' || out === 'null' ? dflt : out;
}

/**
 * The text read_config queries: the file itself, or — when it names a workflow template —
 * the effective config (the template's defaults under the project's settings), so the
 * bash doors see what every other reader sees. A file that is no JSON stays as it is
 * (the query reports it, as before).
 */
function withTemplate(text: string, file: string): string {
  if (!text.includes('"template"')) return text;
  try {
    JSON.parse(text);
  } catch {
    return text;
  }
  const { template, effective } = readConfigLayers(file);
  return template === null ? text : JSON.stringify(effective);
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
 * Sets the JSON value at `path` (a number stays a number, unlike update_config's strings),
 * under the same flock on `<file>.lock`; answers the value that was there (undefined: none).
 */
export async function setConfigValue(file: string, path: string[], value: Json, env: Env = process.env): Promise<Json | undefined> {
  if (!existsSync(file)) throw new ArgoError(`Config file not found: ${file}`);
  return withFileLock(`${file}.lock`, env, async () => {
    const doc = parseJson(readFileSync(file, 'utf8'), file);
    if (!(doc instanceof JsonObject)) throw new ArgoError(`config file ${file} does not hold a JSON object`);
    const before = getIn(doc, path);
    setIn(doc, path, value);
    writeFileAtomic(file, stringifyJq(doc));
    return before;
  });
}


export { readConfigObject } from './config_object.js';
