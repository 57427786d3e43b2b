// The floor plan (docs/ARCHITECTURE.md, "Layers"): every folder has a layer, and a module
// imports only from its own folder or a lower layer — so no two folders import each other,
// and a helper has one obvious home. Also: no folder grows past 20 modules.
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';
import { LAYERS, folderOf, layerViolations, sourceFiles } from './floor_plan.js';

describe('the floor plan', () => {
  const files = sourceFiles().map((file) => ({ file, text: readFileSync(join(ROOT, file), 'utf8') }));

  it('knows every folder that holds modules', () => {
    const unknown = [...new Set(files.map((f) => folderOf(f.file)))].filter((f) => !(f in LAYERS));
    expect(unknown).toEqual([]);
  });

  it('every import goes to the same folder or a lower layer (so no two folders import each other)', () => {
    expect(layerViolations(files)).toEqual([]);
  });

  it('refuses an upward import and an import between folders of one layer (the rule can fail)', () => {
    expect(layerViolations([{ file: 'store/x.ts', text: "import { a } from '../agents/run/runner.js';" }])).toHaveLength(1);
    expect(layerViolations([{ file: 'view/x.ts', text: "import type { B } from '../distributed/backend.js';" }])).toHaveLength(1);
    expect(layerViolations([{ file: 'phases/x.ts', text: "const m = await import('../store/state.js');" }])).toEqual([]);
  });

  it('no folder holds more than 20 modules directly', () => {
    const counts = new Map<string, number>();
    for (const { file } of files) {
      const dir = posix.dirname(file);
      counts.set(dir, (counts.get(dir) ?? 0) + 1);
    }
    expect([...counts].filter(([, n]) => n > 20)).toEqual([]);
  });

  it('only store/layout.ts spells a path under .argo-project (messages may name it)', () => {
    const code = (text: string) => text.split('\n').filter((l) => !/^\s*(\/\/|\*|\/\*)/.test(l)).join('\n');
    const spelled = (text: string) => [...code(text).matchAll(/['"`]\.argo-project(?:['"`]|\/[\w.$-])/g)].length;
    expect(spelled("join(dir, '.argo-project', 'state.json')") + spelled("'.argo-project/config.json'")).toBe(2);
    expect(spelled('`ERROR: no .argo-project/ in ${p}`') + spelled('// `.argo-project/builders/<id>`')).toBe(0);
    expect(files.filter((f) => f.file !== 'store/layout.ts' && spelled(f.text) > 0).map((f) => f.file)).toEqual([]);
  });
});
