import { describe, expect, it } from 'vitest';
import { checkPlan, findCycles, normalizePath, outsideRepository, pathsOverlap } from '../../../workflow/plan_check.js';
import { partitionComponents } from '../../../workflow/components.js';

/** A plan as an answer gives it: the components and the raw entries. */
const plan = (raw: unknown[]) => checkPlan(partitionComponents(raw, 't').components, raw);

describe('plan check', () => {
  it('a sound plan passes without a warning', () => {
    const r = plan([
      { id: 'core', description: 'c', paths: ['src/core/**'], depends_on: [], acceptance: 'tests pass' },
      { id: 'ui', description: 'u', paths: ['src/ui/**', 'index.html'], depends_on: ['core'], acceptance: 'renders' },
    ]);
    expect(r.warnings).toEqual([]);
    expect(r.cycles).toEqual([]);
    expect(r.components[1]).toEqual({ id: 'ui', description: 'u', paths: ['src/ui/**', 'index.html'], depends_on: ['core'], acceptance: 'renders' });
  });

  it('an unknown depends_on id is dropped from the component and warned', () => {
    const r = plan([
      { id: 'a', description: '', depends_on: ['b', 'ghost'] },
      { id: 'b', description: '' },
    ]);
    expect(r.components[0]!.depends_on).toEqual(['b']);
    expect(r.warnings).toEqual(["component 'a' depends on 'ghost', which is not a component of the plan (dropped)"]);
  });

  it('a dependency cycle is warned naming it, and reported once', () => {
    const r = plan([
      { id: 'a', description: '', depends_on: ['b'] },
      { id: 'b', description: '', depends_on: ['a'] },
      { id: 'c', description: '', depends_on: ['c'] },
      { id: 'd', description: '', depends_on: ['a'] },
    ]);
    expect(r.cycles).toEqual([['a', 'b', 'a'], ['c', 'c']]);
    expect(r.warnings).toEqual(['dependency cycle: a → b → a (these components can never start)', 'dependency cycle: c → c (these components can never start)']);
    expect(findCycles([{ id: 'x', depends_on: ['y'] }, { id: 'y', depends_on: ['z'] }, { id: 'z', depends_on: ['x'] }])).toEqual([['x', 'y', 'z', 'x']]);
    expect(findCycles([{ id: 'x', depends_on: ['y'] }, { id: 'y' }, { id: 'z', depends_on: ['x', 'y'] }])).toEqual([]);
  });

  it('two components owning the same path, or a folder holding the other one\'s path, are warned naming both', () => {
    const r = plan([
      { id: 'a', description: '', paths: ['./src//lib/', 'README.md'] },
      { id: 'b', description: '', paths: ['src/lib'] },
      { id: 'c', description: '', paths: ['docs'] },
      { id: 'd', description: '', paths: ['docs/guide.md'] },
    ]);
    expect(r.warnings).toEqual([
      "components 'a' and 'b' both own './src//lib/' / 'src/lib': their builders may edit the same files",
      "components 'c' and 'd' both own 'docs' / 'docs/guide.md': their builders may edit the same files",
    ]);
  });

  it('globs: what they match overlaps, siblings do not', () => {
    expect(pathsOverlap('src/ui/**', 'src/ui/button.ts')).toBe(true);
    expect(pathsOverlap('src/*.ts', 'src/main.ts')).toBe(true);
    expect(pathsOverlap('src/*.ts', 'src/ui/**')).toBe(false);
    expect(pathsOverlap('src/**', 'src/ui/**')).toBe(true);
    expect(pathsOverlap('src/core/**', 'src/ui/**')).toBe(false);
    expect(pathsOverlap('src', 'src/ui/**')).toBe(true);
    expect(pathsOverlap('src/core.ts', 'src/core.test.ts')).toBe(false);
    expect(pathsOverlap('.', 'anything.txt')).toBe(true);
    expect(normalizePath('./a//b/')).toBe('a/b');
  });

  it('a path outside the repository is dropped and warned; the rest of the component stays', () => {
    const r = plan([{ id: 'a', description: '', paths: ['/etc/passwd', '../other/x', 'src/../../up', 'C:\\win', 'src/ok.ts', 'a/../b'] }]);
    expect(r.components[0]!.paths).toEqual(['src/ok.ts', 'a/../b']);
    expect(r.warnings).toEqual([
      "component 'a' owns '/etc/passwd', which is outside the repository (dropped)",
      "component 'a' owns '../other/x', which is outside the repository (dropped)",
      "component 'a' owns 'src/../../up', which is outside the repository (dropped)",
      "component 'a' owns 'C:\\win', which is outside the repository (dropped)",
    ]);
    expect(outsideRepository('~/x')).toBe(true);
    expect(outsideRepository('..foo/x')).toBe(false);
  });

  it('a plan field of the wrong type is warned (planFields leaves it out)', () => {
    const r = plan([{ id: 'a', description: '', paths: 'src/a.ts', depends_on: [1], acceptance: 42 }, { id: 'b', description: '', acceptance: null }]);
    expect(r.components[0]).toEqual({ id: 'a', description: '' });
    expect(r.warnings).toEqual([
      `component 'a': "paths" must be a list of non-empty strings, got "src/a.ts" (ignored)`,
      `component 'a': "depends_on" must be a list of non-empty strings, got [1] (ignored)`,
      `component 'a': "acceptance" must be a non-empty string, got 42 (ignored)`,
    ]);
  });
});
