// Reading .argo-project/config.json as one document, in a module of its own so that
// light commands (status, the view) read config without loading anything else.
import { existsSync, readFileSync } from 'node:fs';
import { ArgoError, errorMessage } from '../core/errors.js';
import { argoPaths } from './layout.js';

/**
 * The whole config as plain JSON ({} when there is none). A file that is there but is
 * not a JSON object is an error naming it: settings must not silently fall back.
 */
export function readConfigObject(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ArgoError(`config file ${file} is not valid JSON: ${errorMessage(e)}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ArgoError(`config file ${file} does not hold a JSON object`);
  return v as Record<string, unknown>;
}

/** A project's config for readers that show a problem rather than stop on it: {} and why, when it cannot be read. */
export function projectConfig(project: string): { config: Record<string, unknown>; configError: string | null } {
  try {
    return { config: readConfigObject(argoPaths(project).config), configError: null };
  } catch (e) {
    return { config: {}, configError: errorMessage(e) };
  }
}
