// No function over 80 lines (docs/ARCHITECTURE.md): a longer one does several things, and
// the next change to it is written twice. Measured with the TypeScript parser over every
// module of the floor plan (tests/unit/floor_plan.ts lists them).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';
import { sourceFiles } from './floor_plan.js';

export const MAX_FUNCTION_LINES = 80;

/** Functions (declarations, methods, arrows, function expressions) longer than `max` lines. */
export function longFunctions(file: string, text: string, max = MAX_FUNCTION_LINES): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > max) {
        const name = node.name && ts.isIdentifier(node.name) ? node.name.text : ts.isVariableDeclaration(node.parent) && ts.isIdentifier(node.parent.name) ? node.parent.name.text : '(anonymous)';
        found.push(`${file}:${start + 1} ${name} (${lines} lines)`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

describe('function size', () => {
  it(`no function over ${MAX_FUNCTION_LINES} lines`, () => {
    const long = sourceFiles().flatMap((f) => longFunctions(f, readFileSync(join(ROOT, f), 'utf8')));
    expect(long).toEqual([]);
  });

  it('finds a long function, an arrow and a method (the measure can fail)', () => {
    const body = Array.from({ length: 81 }, (_, i) => `  x(${i});`).join('\n');
    expect(longFunctions('a.ts', `function f() {\n${body}\n}`)).toEqual(['a.ts:1 f (83 lines)']);
    expect(longFunctions('a.ts', `const g = () => {\n${body}\n};`)).toEqual(['a.ts:1 g (83 lines)']);
    expect(longFunctions('a.ts', `class C {\n  m() {\n${body}\n  }\n}`)).toEqual(['a.ts:2 m (83 lines)']);
    expect(longFunctions('a.ts', `function f() {\n${body.split('\n').slice(3).join('\n')}\n}`)).toEqual([]);
  });
});
