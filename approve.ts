// argo approve [--components FILE] [project_path]: approves the design (optionally
// replacing its components) and hands control to code for design_build — what the
// original's users did by editing state.json by hand. Only at phase design with
// action_needed approve_design, and only a design with at least one usable component and
// no dependency cycle (a cycle can never run). The plan is checked (workflow/plan_check.ts)
// as design_program checks it; its warnings are printed and kept in design.warnings.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { runIfEntry } from './core/cli.js';
import { processCtx, type Ctx } from './core/context.js';
import { partitionComponents, validateComponents, type Component, type RejectedComponent } from './workflow/components.js';
import { checkPlan, cycleText } from './workflow/plan_check.js';
import { fieldText } from './workflow/dispatch.js';
import { ArgoError, errorMessage } from './core/errors.js';
import { JsonObject, fromPlain, toPlain } from './core/json_doc.js';
import { projectLogPaths, writeLog } from './store/logs.js';
import { relay } from './store/hand_off.js';
import { projectStatePaths } from './store/state.js';
import { projectArg } from './store/project_arg.js';
import { argoPaths } from './store/layout.js';
import { nextAfterBuiltIn } from './workflow/phase_list.js';

export async function main(argv: string[]): Promise<number> {
  return approveFor(argv, processCtx());
}

/** `argo approve` for a caller (its folder, environment and output): the one-shot and the shim helper run this. */
export async function approveFor(argv: string[], ctx: Ctx): Promise<number> {
  let componentsFile: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--components') componentsFile = argv[++i] ?? '';
    else rest.push(argv[i]!);
  }
  const project = projectArg(rest[0], ctx);
  if (!project) return 1;
  try {
    let components: Component[] | undefined;
    let raw: unknown[] = [];
    if (componentsFile !== undefined) {
      if (!componentsFile) throw new ArgoError('--components needs a file');
      let text: string;
      try {
        text = readFileSync(resolve(ctx.cwd, componentsFile), 'utf8');
      } catch (e) {
        throw new ArgoError(`cannot read ${componentsFile}: ${errorMessage(e)}`);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        throw new ArgoError(`invalid JSON in ${componentsFile}: ${errorMessage(e)}`);
      }
      components = validateComponents(parsed, componentsFile);
      raw = parsed as unknown[];
    }
    const state = projectStatePaths(project, ctx.env);
    // design_build, or the step workflow.phases puts after design_program (its handlers run once the design is approved).
    const next = nextAfterBuiltIn(argoPaths(project).config, 'design_program', ctx.env);
    // The check, the approval and the hand-off to code in one locked write: nobody ever
    // sees the approved design still owned by ci, or code owning approve_design.
    const { count, rejected, warnings } = await relay(state, { phase: 'design', needed: next.action, owner: 'code' }, (doc) => {
      const design = doc.get('design');
      if (!(design instanceof JsonObject)) throw new ArgoError(`no design to approve in ${state.stateFile} (run the design phase first)`);
      // Only the design awaiting approval may be approved (elsewhere it would rewind the workflow).
      const phase = fieldText(doc.get('phase'));
      const needed = fieldText(doc.get('action_needed'));
      if (phase !== 'design' || needed !== 'approve_design') {
        throw new ArgoError(`nothing awaits approval in ${state.stateFile}: phase is '${phase}', action_needed '${needed}' (argo approve works at phase 'design', action_needed 'approve_design'); nothing changed`);
      }
      if (components) {
        design.set('components', fromPlain(components));
        design.delete('rejected_components');
      }
      const list = toPlain(design.get('components') ?? null);
      const rejected = toPlain(design.get('rejected_components') ?? null);
      const count = Array.isArray(list) ? list.length : 0;
      const warnings = count > 0 ? checkDesignPlan(design, list as unknown[], components ? raw : (list as unknown[]), components !== undefined, componentsFile ?? state.stateFile) : [];
      if (count === 0) {
        const why = Array.isArray(rejected) && rejected.length > 0 ? ` (${rejected.length} rejected: ${rejected.map((r) => fieldText((r as RejectedComponent).id)).join(', ')})` : '';
        throw new ArgoError(`the design in ${state.stateFile} has no usable components${why}; give a list: argo approve --components FILE ${project}`);
      }
      design.set('approved', true);
      return { count, rejected: Array.isArray(rejected) ? (rejected as RejectedComponent[]) : [], warnings };
    });
    if (rejected.length > 0) {
      ctx.out(`Rejected components (not built): ${rejected.length}\n`);
      for (const r of rejected) ctx.out(`  ${r.id ?? '(no id)'}: ${r.reason}\n`);
    }
    if (warnings.length > 0) {
      ctx.out(`Plan warnings: ${warnings.length}\n`);
      for (const w of warnings) ctx.out(`  ${w}\n`);
    }
    writeLog(projectLogPaths(project), 'APPROVE', `Design approved with ${count} components`);
    ctx.out(`Design approved (${count} components); ${next.action} comes next\n`);
    return 0;
  } catch (e) {
    ctx.err(`ERROR: ${errorMessage(e)}\n`);
    return 1;
  }
}

/**
 * The plan check of the design being approved (inside the locked write): a dependency cycle
 * refuses the approval, naming it. A new list (--components) is kept cleaned (unknown
 * dependencies and paths outside the repository dropped) and its warnings replace
 * design.warnings; the design's own list was checked by design_program and keeps its warnings.
 */
function checkDesignPlan(design: JsonObject, list: unknown[], raw: unknown[], fromFile: boolean, source: string): string[] {
  const checked = checkPlan(partitionComponents(list, source).components, raw);
  if (checked.cycles.length > 0) {
    throw new ArgoError(`the plan in ${source} has a dependency cycle: ${checked.cycles.map(cycleText).join('; ')} (a cycle can never run: change depends_on); nothing changed`);
  }
  if (!fromFile) {
    const kept = toPlain(design.get('warnings') ?? null);
    return Array.isArray(kept) ? kept.map(String) : [];
  }
  design.set('components', fromPlain(checked.components));
  if (checked.warnings.length > 0) design.set('warnings', fromPlain(checked.warnings));
  else design.delete('warnings');
  return checked.warnings;
}

runIfEntry('approve', main);
