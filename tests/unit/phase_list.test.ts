// workflow.phases (workflow/phase_list.ts): the list is checked in one place with one problem
// line, and each step's successor comes from it; absent, the built-ins hand on as they always did.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_PHASES, END, firstAction, handlerFileIn, missingHandler, nextAfter, nextAfterBuiltIn, nextEnv, readPhases } from '../../workflow/phase_list.js';
import { WRITE_ORDERS } from '../../store/write_orders.js';
import { stepChecks } from '../../steer/doctor.js';
import { tempDir } from './helpers.js';

const cfg = (phases: unknown) => ({ workflow: { phases } });
const LINT = ['design_program', 'design_build', 'execution', 'lint_scan', 'merge_build', 'changelog'];

describe('readPhases', () => {
  it('absent or null: the built-ins alone, not custom', () => {
    for (const c of [{}, null, { workflow: {} }, cfg(null), { workflow: { kind: 'bugfix' } }]) expect(readPhases(c)).toEqual({ phases: BUILT_IN_PHASES, custom: false });
  });

  it('handlers before, between and after the built-ins', () => {
    const phases = ['setup', ...LINT];
    expect(readPhases(cfg(phases))).toEqual({ phases, custom: true });
  });

  it.each([
    ['not a list', 'lint', /^workflow\.phases is "lint" in config\.json; accepted: a list of the built-ins design_program, design_build, execution, merge_build/],
    ['not a name', ['design_program', 'design_build', 'execution', '../bin/sh', 'merge_build'], /^workflow\.phases\[3\] is "\.\.\/bin\/sh" in config\.json: not a handler name; accepted: /],
    ['a number', ['design_program', 7], /^workflow\.phases\[1\] is 7 in config\.json: not a handler name/],
    ['starts with a dash', ['-x', ...BUILT_IN_PHASES], /^workflow\.phases\[0\] is "-x"/],
    ['an alias', ['design_program', 'design_build', 'spawn_builders', 'merge_build'], /^workflow\.phases\[2\] is "spawn_builders" in config\.json: that is an action for a person or an alias, not a step/],
    ['a person\'s action', [...BUILT_IN_PHASES, 'none'], /^workflow\.phases\[4\] is "none"/],
    ['a duplicate', ['design_program', 'design_build', 'execution', 'lint', 'merge_build', 'lint'], /^workflow\.phases\[5\] is "lint" in config\.json, which is already at \[3\]: each step runs once/],
    ['a missing built-in', ['design_program', 'design_build', 'lint', 'merge_build'], /^workflow\.phases is .* in config\.json: its built-ins are \[design_program, design_build, merge_build\]; accepted: /],
    ['built-ins out of order', ['design_program', 'execution', 'design_build', 'merge_build'], /its built-ins are \[design_program, execution, design_build, merge_build\]/],
    ['empty', [], /its built-ins are \[\]/],
  ])('refuses %s with one line naming the key, the value and what is accepted', (_what, value, line) => {
    const read = readPhases(cfg(value));
    expect(read).toEqual({ problem: expect.stringMatching(line) });
    expect((read as { problem: string }).problem).not.toContain('\n');
  });
});

describe('missingHandler and handlerFileIn', () => {
  it('a handler without an executable file is named (a typo of a built-in is one)', () => {
    const problem = missingHandler(['design_program', 'design_build', 'execution', 'merge_builds'], () => false, '/inst/phases');
    expect(problem).toMatch(/^workflow\.phases names "merge_builds" in config\.json, which is neither a built-in \(design_program, design_build, execution, merge_build\) nor a handler in \/inst\/phases \(an executable merge_builds\.sh, merge_builds\.ts or merge_builds\.mjs\)/);
    expect(missingHandler(LINT, (n) => n === 'lint_scan' || n === 'changelog', '/x')).toBeUndefined();
  });

  it('only an executable .sh, .ts or .mjs file counts', () => {
    const root = tempDir();
    mkdirSync(join(root, 'phases'));
    writeFileSync(join(root, 'phases', 'plain.sh'), '#!/bin/bash\n');
    writeFileSync(join(root, 'phases', 'lint.ts'), '');
    chmodSync(join(root, 'phases', 'lint.ts'), 0o755);
    writeFileSync(join(root, 'phases', 'other.js'), '');
    chmodSync(join(root, 'phases', 'other.js'), 0o755);
    mkdirSync(join(root, 'phases', 'dir.sh'));
    expect(['plain', 'lint', 'other', 'dir', 'gone'].map((n) => handlerFileIn(root, n))).toEqual([false, true, false, false, false]);
  });
});

describe('nextAfter: who acts after a step', () => {
  it('without workflow.phases: each built-in hands on to the original action names', () => {
    expect(firstAction(BUILT_IN_PHASES)).toBe('design_program');
    expect(nextAfter(BUILT_IN_PHASES, 'design_program')).toEqual({ owner: 'code', action: 'design_build' });
    expect(nextAfter(BUILT_IN_PHASES, 'design_build')).toEqual({ owner: 'code', action: 'spawn_builders' });
    expect(nextAfter(BUILT_IN_PHASES, 'execution')).toEqual({ owner: 'code', action: 'merge_branches' });
    expect(nextAfter(BUILT_IN_PHASES, 'merge_build')).toEqual(END);
    expect(END).toEqual({ phase: 'storage', owner: 'user', action: 'none' });
  });

  it('with handlers: execution hands to the lint scan, the scan to merge_branches, merge_build to the changelog, the changelog to the end', () => {
    expect(nextAfter(LINT, 'execution')).toEqual({ owner: 'code', action: 'lint_scan' });
    expect(nextAfter(LINT, 'spawn_builders')).toEqual({ owner: 'code', action: 'lint_scan' }); // the alias the orchestrator may run it by
    expect(nextAfter(LINT, 'lint_scan')).toEqual({ owner: 'code', action: 'merge_branches' });
    expect(nextAfter(LINT, 'merge_build')).toEqual({ owner: 'code', action: 'changelog' });
    expect(nextAfter(LINT, 'changelog')).toEqual(END);
    expect(firstAction(['setup', ...BUILT_IN_PHASES])).toBe('setup');
  });

  it('a handler not in the list gets no successor: its variables are empty', () => {
    expect(nextAfter(LINT, 'my_step')).toBeUndefined();
    expect(nextEnv(LINT, 'my_step')).toEqual({ ARGO_NEXT_PHASE: '', ARGO_NEXT_OWNER: '', ARGO_NEXT_ACTION: '' });
    expect(nextEnv(LINT, 'lint_scan')).toEqual({ ARGO_NEXT_PHASE: '', ARGO_NEXT_OWNER: 'code', ARGO_NEXT_ACTION: 'merge_branches' });
    expect(nextEnv(LINT, 'changelog')).toEqual({ ARGO_NEXT_PHASE: 'storage', ARGO_NEXT_OWNER: 'user', ARGO_NEXT_ACTION: 'none' });
  });
});

describe('the built-ins hand on through the list (write orders)', () => {
  it('without workflow.phases the orders are byte for byte the COMPAT ones', () => {
    const file = join(tempDir(), 'config.json');
    writeFileSync(file, JSON.stringify({ ci: { tool: 'x' } }));
    expect(WRITE_ORDERS.builders_ready(nextAfterBuiltIn(file, 'design_build').action)).toEqual(WRITE_ORDERS.builders_ready());
    expect(WRITE_ORDERS.builders_done(nextAfterBuiltIn(file, 'execution').action)).toEqual(WRITE_ORDERS.builders_done());
    expect(nextAfterBuiltIn(join(tempDir(), 'none.json'), 'merge_build')).toEqual(END);
  });

  it('with a lint scan: execution writes it as the next action, in the same order', () => {
    const file = join(tempDir(), 'config.json');
    writeFileSync(file, JSON.stringify(cfg(LINT)));
    const writes = WRITE_ORDERS.builders_done(nextAfterBuiltIn(file, 'execution').action);
    expect(writes.map(([k, v]) => `${k}=${v}`).join(' ')).toBe('phase=merge_build execution.status=completed action_needed=lint_scan');
    expect(WRITE_ORDERS.merged_then(nextAfterBuiltIn(file, 'merge_build').action).map(([k, v]) => `${k}=${v}`).join(' ')).toBe('action_owner=code action_needed=changelog');
  });

  it('a bad list is an error naming it, before anything is written', () => {
    const file = join(tempDir(), 'config.json');
    writeFileSync(file, JSON.stringify(cfg(['design_program', 'execution'])));
    expect(() => nextAfterBuiltIn(file, 'execution')).toThrow(/^workflow\.phases is \["design_program","execution"\] in config\.json: its built-ins are/);
  });
});

describe('argo doctor: the steps', () => {
  it('says nothing without workflow.phases; lists the steps with one; fails a bad list or a missing handler', () => {
    const root = tempDir();
    mkdirSync(join(root, 'phases'));
    expect(stepChecks({}, root)).toEqual([]);
    expect(stepChecks(cfg(LINT), root)).toEqual([{ ok: false, line: expect.stringMatching(/^steps: ERROR: workflow\.phases names "lint_scan" in config\.json, which is neither a built-in/) }]);
    for (const n of ['lint_scan', 'changelog']) writeFileSync(join(root, 'phases', `${n}.sh`), '#!/bin/bash\n', { mode: 0o755 });
    expect(stepChecks(cfg(LINT), root)).toEqual([{ ok: true, line: `steps: design_program -> design_build -> execution -> lint_scan -> merge_build -> changelog (workflow.phases; handlers from ${join(root, 'phases')})` }]);
    expect(stepChecks(cfg(['merge_build']), root)).toEqual([{ ok: false, line: expect.stringMatching(/^steps: ERROR: workflow\.phases is \["merge_build"\] in config\.json: its built-ins are \[merge_build\]/) }]);
  });
});
