// The original bash functions, by name, each loaded only when called: a one-shot
// shim call imports just the one module it needs.
import type { Command } from '../core/context.js';

type Table = Record<string, Command>;
const modules: Record<string, () => Promise<{ bashFunctions: Table }>> = {
  state_file: () => import('../lib/state_file.js'),
  logging_enhanced: () => import('../lib/logging_enhanced.js'),
  config: () => import('../lib/config.js'),
  project_registry: () => import('../lib/project_registry.js'),
  checkpoint: () => import('../lib/checkpoint.js'),
};

/** Which library defines each original function (COMPAT §4). */
export const FUNCTION_LIBRARY: Record<string, keyof typeof modules> = {
  init_state_file: 'state_file',
  update_state: 'state_file',
  read_state: 'state_file',
  validate_state_file: 'state_file',
  with_state_lock: 'state_file',
  ensure_log_dir: 'logging_enhanced',
  get_timestamp: 'logging_enhanced',
  write_log: 'logging_enhanced',
  progress: 'logging_enhanced',
  log_checkpoint: 'logging_enhanced',
  log_user_query: 'logging_enhanced',
  log_builder: 'logging_enhanced',
  log_merge: 'logging_enhanced',
  log_state_transition: 'logging_enhanced',
  read_config: 'config',
  get_ci_tool: 'config',
  update_config: 'config',
  init_registry: 'project_registry',
  register_project: 'project_registry',
  deregister_project: 'project_registry',
  list_projects: 'project_registry',
  get_project_info: 'project_registry',
  update_project_status: 'project_registry',
  find_project_by_path: 'project_registry',
  ensure_checkpoint_dir: 'checkpoint',
  save_checkpoint: 'checkpoint',
  restore_checkpoint: 'checkpoint',
  list_checkpoints: 'checkpoint',
  delete_checkpoint: 'checkpoint',
  cleanup_old_checkpoints: 'checkpoint',
};

export async function loadFunction(name: string): Promise<Command | undefined> {
  const lib = Object.hasOwn(FUNCTION_LIBRARY, name) ? FUNCTION_LIBRARY[name] : undefined;
  if (!lib) return undefined;
  return (await modules[lib]!()).bashFunctions[name];
}

/** The variables a shim hands over with every call (their current shell values). */
export const PASSED_VARIABLES = [
  'STATE_FILE',
  'STATE_LOCK',
  'LOG_DIR',
  'WORKFLOW_LOG',
  'CONFIG_FILE',
  'CHECKPOINT_DIR',
  'ARGO_PROJECTS_REGISTRY',
  'CI_COMMAND',
  'ARGO_AGENT',
  'HOME',
  'ARGO_STATE_LOCK_HELD',
  'ARGO_SHIM_TIMEOUT',
] as const;
