// workflow.phases (config.json, or a template's defaults): the order of a workflow's steps —
// our four built-ins, with a team's handlers between or after them, e.g.
//   ["design_program", "design_build", "execution", "lint_scan", "merge_build", "changelog"]
// Each step hands on to the one after it in the list: a built-in through its COMPAT §2.6
// write order with the next step's action name (store/write_orders.ts), a handler through
// `state.handOffNext()` (handler/index.ts) or the ARGO_NEXT_* variables the orchestrator
// gives it. Absent, the list is the built-ins alone and every hand-off is what it always was.
// Pure, but for handlerFileIn (is there a handler file of that name in the install?).
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import { ALIASES } from './dispatch.js';
import { ArgoError } from '../core/errors.js';
import { readConfigObject } from '../store/config_object.js';
import { isRecord as isObj } from '../core/record.js';

/** The built-in steps, in the only order they can run. */
export const BUILT_IN_PHASES: readonly string[] = ['design_program', 'design_build', 'execution', 'merge_build'];

/** The action_needed that starts each built-in: the original's names (COMPAT). */
const BUILT_IN_ACTION: Readonly<Record<string, string>> = {
  design_program: 'design_program',
  design_build: 'design_build',
  execution: 'spawn_builders',
  merge_build: 'merge_branches',
};

/**
 * Action names that are not a handler's: the built-ins' aliases and what a person (or CI)
 * is asked to do. A handler of such a name would run where the workflow waits for someone.
 */
const RESERVED = ['spawn_builders', 'merge_branches', 'approve_design', 'resolve_conflicts', 'review_merge', 'review_builder', 'review_budget', 'review_time_limit', 'none', 'storage'];

/** A handler name: a file name under phases/ and an action name dispatch accepts. */
const HANDLER_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** Who acts after a step, as the step writes it: phase (only at the end), action_owner, action_needed. */
export interface HandOn {
  phase?: string;
  owner: 'code' | 'user';
  action: string;
}

/** After the last step the workflow is over, as merge_build ends it (WRITE_ORDERS.merged). */
export const END: HandOn = { phase: 'storage', owner: 'user', action: 'none' };

const ACCEPTED = `a list of the built-ins ${BUILT_IN_PHASES.join(', ')} (each once, in this order) with handler names (letters, digits, _ and -, starting with a letter) between or after them`;

/** The steps, or one problem line (without `ERROR: `) naming the key, the value and what is accepted. */
export function readPhases(config: unknown): { phases: readonly string[]; custom: boolean } | { problem: string } {
  const workflow = isObj(config) ? config.workflow : undefined;
  const v = isObj(workflow) ? workflow.phases : undefined;
  if (v === undefined || v === null) return { phases: BUILT_IN_PHASES, custom: false };
  const said = `workflow.phases is ${JSON.stringify(v)} in config.json`;
  if (!Array.isArray(v)) return { problem: `${said}; accepted: ${ACCEPTED}` };
  for (const [i, name] of v.entries()) {
    if (typeof name !== 'string' || !HANDLER_NAME.test(name)) return { problem: `workflow.phases[${i}] is ${JSON.stringify(name)} in config.json: not a handler name; accepted: ${ACCEPTED}` };
    if (RESERVED.includes(name)) return { problem: `workflow.phases[${i}] is "${name}" in config.json: that is an action for a person or an alias, not a step; accepted: ${ACCEPTED}` };
    if (v.indexOf(name) !== i) return { problem: `workflow.phases[${i}] is "${name}" in config.json, which is already at [${v.indexOf(name)}]: each step runs once; accepted: ${ACCEPTED}` };
  }
  const builtIns = (v as string[]).filter((n) => BUILT_IN_PHASES.includes(n));
  if (builtIns.join() !== BUILT_IN_PHASES.join()) return { problem: `${said}: its built-ins are [${builtIns.join(', ')}]; accepted: ${ACCEPTED}` };
  return { phases: v as string[], custom: true };
}

/** The first handler of `phases` that has no file: a typo, or a handler not installed. */
export function missingHandler(phases: readonly string[], isHandler: (name: string) => boolean, where: string): string | undefined {
  const name = phases.find((n) => !BUILT_IN_PHASES.includes(n) && !isHandler(n));
  if (name === undefined) return undefined;
  return `workflow.phases names "${name}" in config.json, which is neither a built-in (${BUILT_IN_PHASES.join(', ')}) nor a handler in ${where} (an executable ${name}.sh, ${name}.ts or ${name}.mjs); accepted: ${ACCEPTED}`;
}

/** Is there a handler file (executable <name>.sh, .ts or .mjs) for `name` in `root`/phases? */
export function handlerFileIn(root: string, name: string): boolean {
  return ['sh', 'ts', 'mjs'].some((ext) => {
    const file = join(root, 'phases', `${name}.${ext}`);
    try {
      if (!statSync(file).isFile()) return false;
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const actionOf = (step: string): string => BUILT_IN_ACTION[step] ?? step;

/** The action_needed that starts the workflow: the first step's. */
export function firstAction(phases: readonly string[]): string {
  return actionOf(phases[0] ?? 'design_program');
}

/**
 * Who acts after step `current` (a handler name, a built-in, or a built-in's alias); END after
 * the last step; undefined when `current` is not in the list (a handler chained by its own
 * hand-off decides for itself).
 */
export function nextAfter(phases: readonly string[], current: string): HandOn | undefined {
  const at = phases.indexOf(ALIASES[current] ?? current);
  if (at < 0) return undefined;
  const next = phases[at + 1];
  return next === undefined ? END : { owner: 'code', action: actionOf(next) };
}

/** The variables a handler gets: how to hand on to the step after it (all three empty when it is not in the list). */
export function nextEnv(phases: readonly string[], current: string): Record<'ARGO_NEXT_PHASE' | 'ARGO_NEXT_OWNER' | 'ARGO_NEXT_ACTION', string> {
  const next = nextAfter(phases, current);
  return { ARGO_NEXT_PHASE: next?.phase ?? '', ARGO_NEXT_OWNER: next?.owner ?? '', ARGO_NEXT_ACTION: next?.action ?? '' };
}

/**
 * Who acts after built-in `step` by the project's config (read when the step hands on, so an
 * edit meanwhile counts); a bad workflow.phases is an ArgoError naming it, and nothing is written.
 */
export function nextAfterBuiltIn(configFile: string, step: string, env: NodeJS.ProcessEnv = process.env): HandOn {
  const read = readPhases(readConfigObject(configFile, env));
  if ('problem' in read) throw new ArgoError(read.problem);
  return nextAfter(read.phases, step) ?? END;
}
