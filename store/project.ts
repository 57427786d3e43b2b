// A project as a handler, a coordinator or a command holds it once it has entered the
// project folder: the folder and the paths its work goes through.
import { projectStatePaths, type StatePaths } from './state.js';
import { projectLogPaths, type LogPaths } from './logs.js';
import { argoPaths } from './layout.js';

export interface Project {
  dir: string;
  state: StatePaths;
  logs: LogPaths;
  configFile: string;
}

/** The project in `dir` (absolute), with the state and log files honouring STATE_FILE & co. as the original. */
export function projectAt(dir: string): Project {
  return { dir, state: projectStatePaths(dir), logs: projectLogPaths(dir), configFile: argoPaths(dir).config };
}
