import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { placeholdersOf, readTemplate, renderTemplate, templateFile } from '../../../workflow/prompt_template.js';

describe('prompt templates', () => {
  it('fills every placeholder, spaces inside the braces allowed', () => {
    expect(renderTemplate('Build {{id}} for {{ requirement }}.', { id: 'core', requirement: 'a CLI' }, 't')).toBe('Build core for a CLI.');
  });

  it('never expands a placeholder that comes in a value', () => {
    expect(renderTemplate('{{a}} and {{b}}', { a: '{{b}}', b: 'x' }, 't')).toBe('{{b}} and x');
  });

  it('refuses an unknown placeholder, naming it, the source and the accepted ones', () => {
    expect(() => renderTemplate('{{id}} {{nope}}', { id: 'x', paths: 'y' }, 'builder.md')).toThrow(
      'builder.md: unknown placeholder {{nope}}; accepted: {{id}}, {{paths}}',
    );
  });

  it('lists the placeholders once each, in order', () => {
    expect(placeholdersOf('{{b}} {{a}} {{b}} {x} {{ 1x }}')).toEqual(['b', 'a']);
  });

  it('reads the project template, or null when there is none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'argo-tpl-'));
    expect(readTemplate(dir, 'builder')).toBeNull();
    mkdirSync(join(dir, '.argo-project', 'prompts'), { recursive: true });
    writeFileSync(templateFile(dir, 'builder'), 'Hello {{id}}');
    expect(templateFile(dir, 'builder')).toBe(join(dir, '.argo-project', 'prompts', 'builder.md'));
    expect(readTemplate(dir, 'builder')).toBe('Hello {{id}}');
  });
});
