// A project's limits as they are on disk now (config.json + state.json through
// workflow/limits.ts), for start_workflow, which refuses to start with a bad one. A config
// that is not a JSON object is a problem too (its limits cannot be known); a state that
// cannot be read sets none.
import { projectConfig } from '../store/config_object.js';
import { parseJson, toPlain } from '../core/json_doc.js';
import { problemText, readLimits, type LimitsReading } from './limits.js';
import { readStateText } from '../store/state.js';
import { argoPaths } from '../store/layout.js';

export interface ProjectLimits {
  reading: LimitsReading;
  /** Why the config could not be read (its limits are then unknown). */
  configError: string | null;
}

/** The limits of a project from its files. */
export function projectLimits(project: string, env: NodeJS.ProcessEnv = process.env): ProjectLimits {
  const { config, configError } = projectConfig(project, env);
  let stateLimits: unknown;
  const file = argoPaths(project).state;
  try {
    stateLimits = (toPlain(parseJson(readStateText(file), file)) as Record<string, unknown> | null)?.limits;
  } catch {
    stateLimits = undefined; // start_workflow's own checks say what is wrong with the state
  }
  return { reading: readLimits(stateLimits, config), configError };
}

/** Every problem as one sentence (the config's own first). */
export function limitProblemLines(p: ProjectLimits): string[] {
  return [...(p.configError ? [p.configError] : []), ...p.reading.problems.map(problemText)];
}
