// argo templates list|show|new: the workflow templates a project can start with (issue 22).
// Found in the project's .argo-project/templates/, the user's ~/.config/argo/templates/,
// then the built-ins (template_files/find.ts); the first of a name wins.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runIfEntry } from '../core/cli.js';
import { ArgoError, errorMessage } from '../core/errors.js';
import { argoPaths } from '../store/layout.js';
import { isDir, resolveProjectDir } from '../store/project_dir.js';
import { listTemplates, readTemplateFile } from '../template_files/find.js';
import { pinnedTemplate, templateOverlay } from '../template_files/overlay.js';
import { readProjectConfigFile } from '../store/config_object.js';
import { NAME_ACCEPTED, TEMPLATE_NAME } from '../template_files/schema.js';
import { checkedTemplate, lookupDirs, templateSettingsProblem } from '../view/template_use.js';

const out = (line = '') => void process.stdout.write(line + '\n');
const err = (line: string) => void process.stderr.write(line + '\n');

const USAGE = [
  'Usage: argo templates list [project_path]',
  '       argo templates show NAME [project_path]',
  '       argo templates new NAME [project_path]',
];

/** The project folder an argument names (default: here), or null when it has no .argo-project/. */
function projectOf(arg: string | undefined): string | null {
  const dir = resolveProjectDir(arg ?? '.');
  return dir && isDir(argoPaths(dir).dir) ? dir : null;
}

/** The template the project's config.json pins, or null (a bad pin is doctor's and the workflow's to refuse). */
function pinnedIn(project: string | null): string | null {
  if (!project) return null;
  const file = argoPaths(project).config;
  try {
    return pinnedTemplate(readProjectConfigFile(file), file);
  } catch {
    return null;
  }
}

function list(project: string | null): number {
  const found = listTemplates(lookupDirs(project));
  const pinned = pinnedIn(project);
  let bad = 0;
  const width = Math.max(4, ...found.map((t) => t.name.length));
  for (const f of found) {
    try {
      const t = readTemplateFile(f);
      const problem = templateSettingsProblem(t);
      if (problem) throw problem;
      const over = f.shadows.length > 0 ? ` (overrides ${f.shadows.join(', ')})` : '';
      const use = f.name === pinned ? ' [in use: workflow.template]' : '';
      out(`${f.name.padEnd(width)}  ${f.where.padEnd(8)}  ${t.template.description}${over}${use}`);
    } catch (e) {
      bad++;
      err(`ERROR: ${errorMessage(e)}`);
    }
  }
  return bad === 0 ? 0 : 1;
}

function show(name: string, project: string | null): number {
  const t = checkedTemplate(project, name);
  out(`name:        ${t.name}`);
  out(`file:        ${t.file} (${t.where})`);
  out(`description: ${t.template.description}`);
  out(`when:        ${t.template.when}`);
  const overlay = templateOverlay(t.template);
  out(`config:      ${Object.keys(overlay).length === 0 ? '(no keys: the built-in defaults, today\'s workflow)' : JSON.stringify(overlay)}`);
  const roles = Object.keys(t.template.prompts);
  out(`prompts:     ${roles.length === 0 ? '(none: the built-in prompts, or the project\'s .argo-project/prompts/)' : roles.join(', ')}`);
  for (const [role, text] of Object.entries(t.template.prompts)) {
    out();
    out(`--- prompts.${role} ---`);
    out(text);
  }
  return 0;
}

/** The starting file of `argo templates new`: valid as it is (today's workflow), every key explained. */
export function starterTemplate(name: string): Record<string, unknown> {
  return {
    _comment: [
      'A workflow template (docs/TEMPLATES.md). JSON has no comments: argo ignores this _comment key.',
      'name: must equal the file name without .json. description and when: shown by `argo templates list` / `show`.',
      'defaults: any config.json keys (config.json of the project still wins over them), e.g.',
      '  {"workflow": {"kind": "bugfix"}, "verify": {"command": "npm test"}, "limits": {"max_cost_usd": 5}}',
      '  workflow.kind: feature (default), bugfix, best_of_n, slices, review.',
      'agents: per role: design -> design.agent, builders -> ci.agent (one preset) or best_of_n.builders (a list),',
      '  resolver -> merge.resolver, judge -> best_of_n.judge. E.g. {"design": "claude", "builders": ["claude", "codex"]}.',
      'prompts: design, builder, resolver, reviewer: the prompt text with {{placeholders}} as in .argo-project/prompts/<role>.md;',
      '  used when the project has no .argo-project/prompts/<role>.md of its own.',
      'phases: the workflow\'s phases in order (config workflow.phases, docs/HANDLERS.md); leave it out for the built-in ones.',
      `Use it: argo start --template ${name} "query" [project_path]`,
    ],
    name,
    description: 'What this template does (one line).',
    when: 'When to use it.',
    defaults: {},
    agents: {},
    prompts: {},
  };
}

function create(name: string, project: string | null): number {
  if (!TEMPLATE_NAME.test(name)) throw new ArgoError(`template name ${JSON.stringify(name)} is not usable; accepted: ${NAME_ACCEPTED}`);
  if (!project) throw new ArgoError('no .argo-project/ here: argo templates new writes into a project (argo setup first, or name the project folder)');
  const dir = argoPaths(project).templates;
  const file = join(dir, `${name}.json`);
  if (existsSync(file)) throw new ArgoError(`${file} already exists; nothing was written (edit it, or choose another name)`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, JSON.stringify(starterTemplate(name), null, 2) + '\n', { flag: 'wx' });
  out(`Wrote ${file}`);
  out(`Edit it, then: argo templates show ${name}; argo start --template ${name} "query"`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  try {
    if (verb === 'list' && rest.length <= 1) return list(projectOf(rest[0]));
    if (verb === 'show' && rest[0] && rest.length <= 2) return show(rest[0], projectOf(rest[1]));
    if (verb === 'new' && rest[0] && rest.length <= 2) return create(rest[0], projectOf(rest[1]));
  } catch (e) {
    err(`ERROR: ${errorMessage(e)}`);
    return 1;
  }
  if (verb === '--help' || verb === '-h') {
    out(USAGE.join('\n'));
    return 0;
  }
  err(verb === undefined ? 'ERROR: a subcommand is required' : `ERROR: unknown use of argo templates: ${argv.join(' ')}; accepted: list, show NAME, new NAME`);
  for (const l of USAGE) err(l);
  return 2;
}

runIfEntry('templates/templates_cli', main);
