// The builder's first prompt (issue 18): the original's text for a single-word CI tool,
// the context (requirement, design file, owned paths, siblings, acceptance, verify) for a
// preset or a command line, a project's builder.md template, and the design file's text.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  builderPrompt,
  builderPromptKind,
  checkBuilderTemplate,
  contextPrompt,
  DESIGN_FILE,
  designMarkdown,
  promptFor,
  unknownPlaceholders,
  type BuilderContext,
} from '../../../workflow/builder_prompt.js';
import { templateFile } from '../../../workflow/prompt_template.js';

const core = { id: 'core', description: 'The core', paths: ['src/core/**', 'src/index.ts'], acceptance: 'npm test passes for core', branch: 'argo-builder-core', worktree: '/w/core', depends_on: [] };
const ui = { id: 'ui', description: 'The UI', paths: ['src/ui/**'], acceptance: null, branch: null, worktree: '/w/ui', depends_on: ['core'] };
const docs = { id: 'docs', description: 'Docs', paths: [], acceptance: null, branch: null, worktree: '/w/docs', depends_on: [] };
const ctx: BuilderContext = { requirement: 'Build a calculator CLI', verify: 'npm test', builders: [core, ui, docs] };

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'argo-bp-'));
  mkdirSync(join(dir, '.argo-project', 'prompts'), { recursive: true });
  return dir;
}

describe('the builder prompt', () => {
  it("a single-word CI tool keeps the original's text byte for byte (COMPAT §5.7)", () => {
    const dir = project();
    const k = builderPromptKind(dir, 'word', {});
    expect(k).toEqual({ kind: 'original' });
    expect(promptFor(k, ctx, core, '/w/core')).toBe(
      "You are building the 'core' component.\n\nDescription: The core\n\nTasks:\n1. Implement this component following the design\n2. Add tests for it\n3. Make sure every test passes\n4. Record completion in the workflow state\n\nWork in the directory: /w/core\nCommit your changes when done.",
    );
    expect(promptFor(k, ctx, core, '/w/core')).toBe(builderPrompt(core));
    // a template is not applied to a plain word either, unless the project opts in
    writeFileSync(templateFile(dir, 'builder'), 'Build {{id}}');
    expect(() => builderPromptKind(dir, 'word', { design: { plan: 'yes' } })).toThrow('design.plan must be true or false, got "yes"');
    expect(builderPromptKind(dir, 'word', { design: { plan: true } }).kind).toBe('template');
  });

  it('a preset or a command line gets the requirement, the design file, its paths, its siblings, acceptance, verify, commit', () => {
    const dir = project();
    for (const kind of ['preset', 'command'] as const) {
      const k = builderPromptKind(dir, kind, {});
      expect(k).toEqual({ kind: 'built-in' });
      const p = promptFor(k, ctx, core, '/w/core');
      const lines = p.split('\n');
      expect(lines[0]).toBe("You are building the 'core' component.");
      expect(lines[2]).toBe('Description: The core');
      expect(p).toContain('Build a calculator CLI');
      expect(p).toContain(DESIGN_FILE);
      expect(p).toContain('Files this component owns: src/core/**, src/index.ts');
      expect(p).toContain('do not edit these; if you must, say so in your final message');
      expect(p).toContain('- ui: src/ui/**');
      expect(p).toContain('- docs: (paths not listed)');
      expect(p).not.toContain('- core:');
      expect(p).toContain('Done when: npm test passes for core');
      expect(p).toContain('`npm test` is run in your working directory');
      expect(p).toContain('Commit your changes when done.');
      expect(p).toContain('Implement');
      expect(p).not.toContain('Record completion');
      // the fake agents tell a design prompt by this word: a builder prompt must not carry it
      expect(p).not.toContain('Requirement:');
    }
  });

  it('says so when the design gives no paths, no acceptance, no siblings and there is no verify', () => {
    const p = contextPrompt(docs, { requirement: 'r', verify: null, builders: [docs] }, '/w/docs');
    expect(p).toContain('Files this component owns: (not listed in the design');
    expect(p).not.toContain('Other components');
    expect(p).not.toContain('Done when');
    expect(p).toContain('3. Make sure every test passes\n');
  });

  it("a project's builder.md replaces the text, with every documented placeholder filled", () => {
    const dir = project();
    writeFileSync(templateFile(dir, 'builder'), '{{id}}|{{description}}|{{requirement}}|{{design_file}}|{{paths}}|{{siblings}}|{{acceptance}}|{{verify}}|{{worktree}}|{{branch}}');
    const k = builderPromptKind(dir, 'preset', {});
    expect(() => checkBuilderTemplate(k)).not.toThrow();
    expect(promptFor(k, ctx, ui, '/w/ui')).toBe('ui|The UI|Build a calculator CLI|.argo/design.md|src/ui/**|- core: src/core/**, src/index.ts\n- docs: (paths not listed)|(not given)|npm test|/w/ui|argo-builder-ui');
  });

  it('a template with an unknown placeholder is refused, naming it and the file', () => {
    const dir = project();
    writeFileSync(templateFile(dir, 'builder'), 'Build {{id}} with {{requirment}}');
    const k = builderPromptKind(dir, 'command', {});
    expect(() => checkBuilderTemplate(k)).toThrow(/builder\.md: unknown placeholder \{\{requirment\}\}; accepted: \{\{id\}\}/);
    expect(unknownPlaceholders('{{id}} {{requirment}} {{paths}}')).toEqual(['requirment']);
  });
});

describe('the design file', () => {
  it('holds the requirement, the summary and the plan as a readable list', () => {
    const dir = project();
    const text = designMarkdown(dir, { summary: 'Three parts around a core.' }, ctx, [core, ui]);
    expect(text).toContain('Build a calculator CLI');
    expect(text).toContain('Three parts around a core.');
    expect(text).toContain('- core: The core\n  - owns: src/core/**, src/index.ts\n  - done when: npm test passes for core');
    expect(text).toContain('- ui: The UI\n  - owns: src/ui/**\n  - depends on: core');
  });

  it("uses the whole answer when design_program kept it in a file - only a file under the project's design folder", () => {
    const dir = project();
    mkdirSync(join(dir, '.argo-project', 'design'), { recursive: true });
    const kept = join(dir, '.argo-project', 'design', 'answer-1.txt');
    writeFileSync(kept, 'THE WHOLE ANSWER');
    expect(designMarkdown(dir, { summary: 'cut', answer_file: kept }, ctx, [core])).toContain('THE WHOLE ANSWER');
    const elsewhere = join(dir, 'secret.txt');
    writeFileSync(elsewhere, 'SECRET');
    const text = designMarkdown(dir, { summary: 'cut', answer_file: elsewhere }, ctx, [core]);
    expect(text).not.toContain('SECRET');
    expect(text).toContain('cut');
  });
});
