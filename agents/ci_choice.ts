// The CI tool a handler runs (design_program, execution): the project's config and the
// choice it makes, read after entering the project (D14), so another project's config
// never decides. A module of its own so that handlers which run no CI tool do not load
// the agent presets.
import { readConfig, readConfigObject } from '../store/config.js';
import type { Env } from '../core/context.js';
import { presetNamed } from './presets/index.js';
import { ciToolAvailable } from './ci_tool.js';
import { errorMessage } from '../core/errors.js';
import { chooseCi, type CiChoice } from './select.js';
import type { Project } from '../store/project.js';

/** The config and the choice, or why either is unusable (the file, the key and the value). */
export function readCiChoice(project: Project): { config: Record<string, unknown>; choice: CiChoice } | { error: string } {
  try {
    const config = readConfigObject(project.configFile);
    return { config, choice: chooseCi(process.env, config, (w) => ciToolAvailable(w, project.dir, process.env)) };
  } catch (e) {
    return { error: errorMessage(e) };
  }
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
