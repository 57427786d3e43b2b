// workflow.kind "slices" (issue 22), the pure parts: slices.* read with one problem line each,
// slices.paths → files → components (per file, per folder), ids safe as branch names, and the
// slice builder's prompt (chosen for every CI tool unless the project has a builder.md).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { componentIdProblem, MAX_ID_LENGTH } from '../../../../workflow/components.js';
import { builderPromptKind, promptFor, type BuilderContext } from '../../../../workflow/builder_prompt.js';
import { filesOf, planSlices, readSliceSettings, sliceId, type SliceSettings } from '../../../../workflow/kinds/slices.js';

const FILES = ['README.md', 'src/a.ts', 'src/b.ts', 'src/deep/c.ts', 'lib/x.js', 'docs/guide.md'];

describe('readSliceSettings', () => {
  it.each([
    [{ slices: { paths: ['src/**'] } }, { paths: ['src/**'], per: 'file', max: 50 }],
    [{ slices: { paths: 'src', per: 'dir', max_slices: 3 } }, { paths: ['src'], per: 'dir', max: 3 }],
  ])('reads %j', (config, settings) => {
    expect(readSliceSettings(config)).toEqual({ settings });
  });

  it.each([
    [{}, 'slices is null in config.json (workflow.kind is "slices"); accepted: an object {"paths": [...], "per": "file" or "dir"}'],
    [{ slices: { paths: [] } }, 'slices.paths is [] in config.json; accepted: a non-empty list of files, folders or globs relative to the repository (e.g. ["src/**/*.ts"])'],
    [{ slices: { paths: ['a', 3] } }, 'slices.paths is ["a",3] in config.json; accepted: a non-empty list of files, folders or globs relative to the repository (e.g. ["src/**/*.ts"])'],
    [{ slices: { paths: ['src', '/etc'] } }, 'slices.paths entry "/etc" is outside the repository; accepted: paths relative to the repository (no leading "/", "~" or "..")'],
    [{ slices: { paths: ['src/../../x'] } }, 'slices.paths entry "src/../../x" is outside the repository; accepted: paths relative to the repository (no leading "/", "~" or "..")'],
    [{ slices: { paths: ['src'], per: 'module' } }, 'slices.per is "module" in config.json; accepted: "file" (one builder per file, the default) or "dir" (one builder per folder)'],
    [{ slices: { paths: ['src'], max_slices: 0 } }, 'slices.max_slices is 0 in config.json; accepted: a whole number of at least 1 (default 50)'],
  ])('refuses %j in one line', (config, problem) => {
    expect(readSliceSettings(config)).toEqual({ problem });
  });
});

describe('filesOf', () => {
  it.each([
    ['src/*.ts', ['src/a.ts', 'src/b.ts']],
    ['src/**/*.ts', ['src/a.ts', 'src/b.ts', 'src/deep/c.ts']],
    ['**/*.md', ['README.md', 'docs/guide.md']],
    ['src', ['src/a.ts', 'src/b.ts', 'src/deep/c.ts']],
    ['./src/', ['src/a.ts', 'src/b.ts', 'src/deep/c.ts']],
    ['lib/x.js', ['lib/x.js']],
    ['.', FILES],
    ['sr', []],
    ['src/?.ts', ['src/a.ts', 'src/b.ts']],
  ])('%s', (entry, files) => {
    expect(filesOf(entry, FILES)).toEqual(files);
  });
});

const settings = (over: Partial<SliceSettings>): SliceSettings => ({ paths: ['src'], per: 'file', max: 50, ...over });

describe('planSlices', () => {
  it('one component per file, each file once, in path order, owning its file', () => {
    const r = planSlices(settings({ paths: ['src/**', 'src/a.ts', 'lib'] }), FILES);
    expect(r).toEqual({
      components: [
        { id: 'lib-x.js', description: 'Slice: lib/x.js', paths: ['lib/x.js'] },
        { id: 'src-a.ts', description: 'Slice: src/a.ts', paths: ['src/a.ts'] },
        { id: 'src-b.ts', description: 'Slice: src/b.ts', paths: ['src/b.ts'] },
        { id: 'src-deep-c.ts', description: 'Slice: src/deep/c.ts', paths: ['src/deep/c.ts'] },
      ],
    });
  });

  it('one component per folder, owning the folder\'s matched files; the root is "root"', () => {
    const r = planSlices(settings({ paths: ['**/*.md', 'src/**/*.ts'], per: 'dir' }), FILES);
    expect(r).toEqual({
      components: [
        { id: 'root', description: 'Slice: the repository root (1 file)', paths: ['README.md'] },
        { id: 'docs', description: 'Slice: docs/ (1 file)', paths: ['docs/guide.md'] },
        { id: 'src', description: 'Slice: src/ (2 files)', paths: ['src/a.ts', 'src/b.ts'] },
        { id: 'src-deep', description: 'Slice: src/deep/ (1 file)', paths: ['src/deep/c.ts'] },
      ],
    });
  });

  it.each([
    [settings({ paths: ['src', 'src/*.rs'] }), 'slices.paths entry "src/*.rs" matches no file committed at HEAD; accepted: files, folders or globs (*, ? within a name, ** any depth) naming files of the repository'],
    [settings({ paths: ['.'], max: 5 }), 'slices.paths makes 6 slices (one per file), more than slices.max_slices (5); accepted: narrower paths, slices.per "dir", or a larger slices.max_slices'],
  ])('refuses %j', (s, problem) => {
    expect(planSlices(s, FILES)).toEqual({ problem });
  });
});

describe('sliceId', () => {
  it.each([
    ['src/a.ts', 'src-a.ts'],
    ['app/x y.txt', 'app-x-y.txt'],
    ['odd..dir/w.txt', 'odd.dir-w.txt'],
    ['.github/ci.yml', 'github-ci.yml'],
    ['-x/--y', 'x-y'],
    ['pkg/yarn.lock', 'pkg-yarn-lock'],
    ['.', 'root'],
    ['日本/語.md', 'md'],
    ['@@@', expect.stringMatching(/^slice-[0-9a-f]{8}$/)],
  ])('%s → %s', (path, id) => {
    const got = sliceId(path, new Set());
    expect(got).toEqual(id);
    expect(componentIdProblem(got)).toBeUndefined();
  });

  it('a taken id gets -2, -3; a long path is cut and tagged by a hash, still unique and valid', () => {
    expect(sliceId('a/b', new Set(['a-b']))).toBe('a-b-2');
    expect(sliceId('a/b', new Set(['a-b', 'a-b-2']))).toBe('a-b-3');
    const long = `${'d'.repeat(50)}/${'f'.repeat(50)}.ts`;
    const other = `${'d'.repeat(50)}/${'f'.repeat(50)}.js`;
    const [x, y] = [sliceId(long, new Set()), sliceId(other, new Set())];
    expect(x.length).toBeLessThanOrEqual(MAX_ID_LENGTH);
    expect(x).not.toBe(y);
    expect(componentIdProblem(x)).toBeUndefined();
    const full = new Set([x]);
    expect(componentIdProblem(sliceId(long, full))).toBeUndefined();
    expect(sliceId(long, full)).not.toBe(x);
  });
});

describe('the slice builder prompt', () => {
  const a = { id: 'src-a.ts', description: 'Slice: src/a.ts', paths: ['src/a.ts'], acceptance: null, branch: 'argo-builder-src-a.ts', worktree: '/w/a', depends_on: [] };
  const b = { ...a, id: 'src-b.ts', paths: ['src/b.ts'], worktree: '/w/b' };
  const ctx: BuilderContext = { requirement: 'Replace var with const', verify: 'npm test', builders: [a, b] };
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'argo-slice-'));
    mkdirSync(join(d, '.argo-project', 'prompts'), { recursive: true });
    return d;
  };
  const config = { workflow: { kind: 'slices' } };

  it('every CI tool gets it with workflow.kind slices (a single word too); a builder.md still wins', () => {
    const d = dir();
    for (const tool of ['word', 'command', 'preset'] as const) expect(builderPromptKind(d, tool, config)).toEqual({ kind: 'slice' });
    expect(builderPromptKind(d, 'word', {})).toEqual({ kind: 'original' });
    writeFileSync(join(d, '.argo-project', 'prompts', 'builder.md'), 'Do {{requirement}} to {{paths}}');
    expect(builderPromptKind(d, 'word', config)).toMatchObject({ kind: 'template' });
  });

  it('says the instruction, its own files, the other slices and the verify command; its id is the first quoted word', () => {
    const text = promptFor({ kind: 'slice' }, ctx, a, '/w/a');
    expect(text.split('\n')[0]).toBe("You are applying a change to the 'src-a.ts' slice of this repository.");
    expect(text).toContain('\nReplace var with const\n');
    expect(text).toContain('Your slice - change these files, and only these: src/a.ts\n');
    expect(text).toContain('1 other slice is changed at the same time by other agents (.argo/design.md lists them)');
    expect(text).toContain('`npm test` is run in your working directory and must pass');
    expect(text).toContain('Work in the directory: /w/a');
  });
});
