// merge_build for a mode (issue 22): the one hook (phases/merge_build.ts) before the merge.
// It answers the builder rows to merge (bugfix: the fix, which carries the test; best_of_n:
// the winner), or an exit status when the workflow went elsewhere instead (back to execution
// for the fix, or to a person with the reason). Other kinds: the rows as they are.
import { readConfigObject } from '../../store/config.js';
import type { Project } from '../handler.js';
import { modeOf } from './fixed_plan.js';
import { bugfixMerge } from './bugfix_merge.js';
import { bestOfNMerge } from './best_of_n_merge.js';

export async function modeMergeRows(project: Project, rows: unknown[]): Promise<unknown[] | number> {
  let config: Record<string, unknown>;
  try {
    config = readConfigObject(project.configFile);
  } catch {
    return rows; // the merge's own settings reading names the problem
  }
  const kind = modeOf(config);
  if (kind === 'bugfix') return bugfixMerge(project, rows, config);
  if (kind === 'best_of_n') return bestOfNMerge(project, rows, config);
  return rows;
}
