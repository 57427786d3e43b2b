// The CI tool a handler runs (design_program, execution): the project's config and the
// choice it makes, read after entering the project (D14), so another project's config
// never decides. A module of its own so that handlers which run no CI tool do not load
// the agent presets.
import { readConfigObject } from '../store/config.js';
import type { Env } from '../core/context.js';
import { presetNamed } from './presets/index.js';
import { ciToolAvailable } from './ci_tool.js';
import { errorMessage } from '../core/errors.js';
import { chooseCi, ciSource, designChoice, type CiChoice } from './select.js';
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

/** The design phase's config and agent: design.agent when set, else the same as readCiChoice. */
export function readDesignChoice(project: Project): { config: Record<string, unknown>; choice: CiChoice } | { error: string } {
  try {
    const config = readConfigObject(project.configFile);
    return { config, choice: designChoice(process.env, config, (w) => ciToolAvailable(w, project.dir, process.env)) };
  } catch (e) {
    return { error: errorMessage(e) };
  }
}

/**
 * What get_ci_tool prints: the value of the first source in CI_SOURCES (agents/select.ts),
 * an agent as its program — the same precedence chooseCi runs it by.
 */
export async function getCiTool(env: Env, configFile: string): Promise<string> {
  const pick = ciSource(env, readConfigObject(configFile));
  return pick.kind === 'agent' ? (presetNamed(pick.value)?.program ?? pick.value) : pick.value;
}
