// The CI tool a handler runs (design_program, execution): the project's config and the
// choice it makes, read after entering the project (D14), so another project's config
// never decides. A module of its own so that handlers which run no CI tool do not load
// the agent presets.
import { readConfigObject } from '../lib/config.js';
import { ciToolAvailable } from '../lib/ci_tool.js';
import { errorMessage } from '../lib/errors.js';
import { chooseCi, type CiChoice } from '../agents/select.js';
import type { Project } from './handler.js';

/** The config and the choice, or why either is unusable (the file, the key and the value). */
export function readCiChoice(project: Project): { config: Record<string, unknown>; choice: CiChoice } | { error: string } {
  try {
    const config = readConfigObject(project.configFile);
    return { config, choice: chooseCi(process.env, config, (w) => ciToolAvailable(w, project.dir, process.env)) };
  } catch (e) {
    return { error: errorMessage(e) };
  }
}

