// Workflow templates as data (issue 22): the schema's one-line errors, the lookup order
// (project > user > built-in), the overlay (project config > template > built-in defaults)
// as every reader of config.json sees it, the prompts and design.agent it sets.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, ROOT } from './helpers.js';
import { validateTemplate } from '../../template_files/schema.js';
import { builtinTemplatesDir, findTemplate, listTemplates, loadTemplate, templateDirs, userTemplatesDir } from '../../template_files/find.js';
import { keySources, mergeConfig, templateOverlay } from '../../template_files/overlay.js';
import { readConfigLayers, readConfigObject } from '../../store/config_object.js';
import { readConfig } from '../../store/config.js';
import { argoPaths } from '../../store/layout.js';
import { promptSource } from '../../workflow/prompt_template.js';
import { designChoice } from '../../agents/select.js';
import { resolverPrompt, resolverPromptFor } from '../../merge/resolver_prompt.js';
import { templateSettingsProblem } from '../../view/template_use.js';
import { templateOption } from '../../start_workflow.js';
import { starterTemplate } from '../../templates/templates_cli.js';
import { handle, type Deps, type Req } from '../../dashboard/handlers.js';
import { startWithCli, type ArgoRunner } from '../../dashboard/actions.js';
import { offeredTemplates } from '../../dashboard/server.js';
import type { StartRequest } from '../../dashboard/messages.js';

const base = { name: 't', description: 'd', when: 'w' };
const check = (doc: unknown) => () => validateTemplate(doc, '/x/t.json', 't');

describe('the template schema', () => {
  it('accepts a full template and fills the optional parts', () => {
    const t = validateTemplate({ ...base, _comment: ['note'], phases: ['design'], prompts: { builder: 'Do {{id}}' }, defaults: { limits: { max_parallel_builders: 2 } }, agents: { design: 'claude', builders: ['claude', 'codex'], judge: 'codex' } }, '/x/t.json', 't');
    expect(t.prompts.builder).toBe('Do {{id}}');
    expect(t.agents.builders).toEqual(['claude', 'codex']);
    expect(validateTemplate(base, '/x/t.json', 't')).toMatchObject({ prompts: {}, defaults: {}, agents: {} });
  });

  it.each([
    [{ ...base, colour: 'red' }, 'template /x/t.json: colour is "red"; accepted: only the keys name, description, when, phases, prompts, defaults, agents, _comment'],
    [{ ...base, name: 'other' }, 'template /x/t.json: name is "other"; accepted: the file\'s name without .json ("t")'],
    [{ ...base, description: '' }, 'template /x/t.json: description is ""; accepted: a non-empty string'],
    [{ name: 't', description: 'd' }, 'template /x/t.json: when is missing; accepted: a non-empty string'],
    [{ ...base, defaults: [1] }, 'template /x/t.json: defaults is [1]; accepted: an object holding config.json keys'],
    [{ ...base, defaults: { workflow: { template: 'x' } } }, 'defaults.workflow.template is "x"; accepted: nothing'],
    [{ ...base, prompts: { planner: 'x' } }, 'prompts.planner is "x"; accepted: only the roles design, builder, resolver, reviewer'],
    [{ ...base, prompts: { builder: 3 } }, 'prompts.builder is 3; accepted: the prompt as a non-empty string'],
    [{ ...base, agents: { builders: [] } }, 'agents.builders is []; accepted: one agent preset or command'],
    [{ ...base, agents: { tester: 'claude' } }, 'agents.tester is "claude"; accepted: only the roles design, builders, resolver, judge'],
    [{ ...base, phases: 'design' }, 'phases is "design"; accepted: a list'],
    [{ ...base, _comment: 4 }, '_comment is 4; accepted: a string or a list of strings'],
    [[1], 'the document is [1]; accepted: a JSON object'],
  ])('refuses %j with one sentence naming the file, the key, the value and what is accepted', (doc, message) => {
    expect(check(doc)).toThrow(message);
  });

  it('checks what the keys mean: an unknown workflow.kind, a builders agent that is no preset, a bad limit', () => {
    const at = (t: object) => ({ name: 't', file: '/x/t.json', where: 'project' as const, template: validateTemplate({ ...base, ...t }, '/x/t.json', 't') });
    expect(templateSettingsProblem(at({ defaults: { workflow: { kind: 'quick' } } }))?.message).toBe('template /x/t.json: defaults.workflow.kind is "quick"; accepted: feature, bugfix, best_of_n, slices, review, or absent (feature)');
    expect(templateSettingsProblem(at({ agents: { builders: ['claude', 'my-bot'] } }))?.message).toContain('agents.builders is ["claude","my-bot"]; accepted: agent presets (claude, codex');
    expect(templateSettingsProblem(at({ agents: { builders: 'codex' } }))).toBeNull();
    expect(templateSettingsProblem(at({ defaults: { limits: { max_cost_usd: -1 } } }))?.message).toMatch(/^template \/x\/t\.json: defaults\.limits\.max_cost_usd is -1; accepted: /);
  });

  it('the starting file of `argo templates new` is a valid template (today\'s workflow)', () => {
    const t = validateTemplate(starterTemplate('mine'), '/x/mine.json', 'mine');
    expect(templateOverlay(t)).toEqual({});
  });
});

describe('the built-in templates', () => {
  const builtins = listTemplates([{ where: 'built-in', dir: builtinTemplatesDir() }]);
  const overlayOf = (name: string) => templateOverlay(loadTemplate(name, [{ where: 'built-in', dir: builtinTemplatesDir() }]).template);

  it('are the seven of issue 22, each valid, found under the install root', () => {
    expect(builtinTemplatesDir()).toBe(join(ROOT, 'templates', 'workflows'));
    expect(builtins.map((t) => t.name)).toEqual(['best-of-n', 'bugfix', 'docs', 'feature', 'refactor', 'review', 'tests']);
    for (const f of builtins) expect(templateSettingsProblem(loadTemplate(f.name, [{ where: 'built-in', dir: builtinTemplatesDir() }]))).toBeNull();
  });

  it('set exactly the contract\'s config keys; feature sets none (today\'s workflow)', () => {
    expect(overlayOf('feature')).toEqual({});
    expect(overlayOf('bugfix')).toEqual({ workflow: { kind: 'bugfix' } });
    expect(overlayOf('best-of-n')).toEqual({ workflow: { kind: 'best_of_n' }, best_of_n: { count: 2 } });
    expect(overlayOf('review')).toEqual({ workflow: { kind: 'review' } });
    expect(overlayOf('refactor')).toEqual({ workflow: { kind: 'slices' }, slices: { per: 'file' } });
    expect(overlayOf('tests')).toEqual({ workflow: { kind: 'slices' }, slices: { per: 'dir' } });
    expect(overlayOf('docs')).toEqual({ workflow: { kind: 'slices' }, slices: { per: 'dir' } });
  });
});

describe('the overlay', () => {
  it('maps agents per role onto config keys, and phases onto workflow.phases', () => {
    const t = validateTemplate({ ...base, phases: ['design', 'x.sh'], defaults: { ci: { agent: 'gemini', model: 'm' } }, agents: { design: 'codex', builders: 'claude', resolver: 'none', judge: 'codex' } }, '/x/t.json', 't');
    expect(templateOverlay(t)).toEqual({ ci: { agent: 'claude', model: 'm' }, design: { agent: 'codex' }, merge: { resolver: 'none' }, best_of_n: { judge: 'codex' }, workflow: { phases: ['design', 'x.sh'] } });
    const list = validateTemplate({ ...base, agents: { builders: ['claude', 'codex'] } }, '/x/t.json', 't');
    expect(templateOverlay(list)).toEqual({ best_of_n: { builders: ['claude', 'codex'] } });
  });

  it('the project wins: objects merged key by key, arrays and scalars replaced whole', () => {
    const template = { limits: { max_parallel_builders: 2, max_cost_usd: 5 }, slices: { paths: ['a/*', 'b/*'] }, ci: { agent: 'codex' } };
    const project = { limits: { max_cost_usd: 1 }, slices: { paths: ['c'] }, ci: 'x' };
    expect(mergeConfig(template, project)).toEqual({ limits: { max_parallel_builders: 2, max_cost_usd: 1 }, slices: { paths: ['c'] }, ci: 'x' });
    expect(template.limits.max_cost_usd).toBe(5); // nothing of the template changed
  });

  it('says where each key comes from: project, template, default', () => {
    const s = keySources({ ci: { agent: 'codex' } }, { ci: { agent: 'claude' }, limits: { max_parallel_builders: 2 } }, { git: { auto_commit: false } });
    expect(s).toEqual([
      { key: 'ci.agent', from: 'project', value: 'codex' },
      { key: 'limits.max_parallel_builders', from: 'template', value: 2 },
      { key: 'git.auto_commit', from: 'default', value: false },
    ]);
  });
});

/** A project folder with a config.json and templates in its own folder, the user's and none built in. */
function project(config: object, own: Record<string, object> = {}) {
  const dir = tempDir();
  const p = argoPaths(dir);
  mkdirSync(p.templates, { recursive: true });
  writeFileSync(p.config, JSON.stringify(config));
  for (const [name, t] of Object.entries(own)) writeFileSync(join(p.templates, `${name}.json`), JSON.stringify(t));
  return { dir, p };
}

describe('finding a template', () => {
  it('looks in the project, then the user\'s folder (XDG_CONFIG_HOME, else ~/.config), then the built-ins', () => {
    const home = tempDir();
    expect(userTemplatesDir({ HOME: home })).toBe(join(home, '.config', 'argo', 'templates'));
    expect(userTemplatesDir({ HOME: home, XDG_CONFIG_HOME: '/xdg' })).toBe('/xdg/argo/templates');
    expect(templateDirs('/p/t', { HOME: home }).map((d) => d.where)).toEqual(['project', 'user', 'built-in']);
    expect(templateDirs(null, { HOME: home }).map((d) => d.where)).toEqual(['user', 'built-in']);
  });

  it('a project template overrides a user one and a built-in of the same name; list says what it hides', () => {
    const home = tempDir();
    const user = userTemplatesDir({ HOME: home });
    mkdirSync(user, { recursive: true });
    writeFileSync(join(user, 'bugfix.json'), JSON.stringify({ ...base, name: 'bugfix' }));
    writeFileSync(join(user, 'mine.json'), JSON.stringify({ ...base, name: 'mine' }));
    const { p } = project({}, { bugfix: { ...base, name: 'bugfix' } });
    const dirs = templateDirs(p.templates, { HOME: home });
    expect(findTemplate('bugfix', dirs)).toEqual({ name: 'bugfix', file: join(p.templates, 'bugfix.json'), where: 'project' });
    expect(findTemplate('mine', dirs)?.where).toBe('user');
    expect(findTemplate('feature', dirs)?.where).toBe('built-in');
    expect(findTemplate('nothing', dirs)).toBeNull();
    const bugfix = listTemplates(dirs).find((t) => t.name === 'bugfix')!;
    expect(bugfix.shadows).toEqual([join(user, 'bugfix.json'), join(builtinTemplatesDir(), 'bugfix.json')]);
  });

  it('refuses a name that could leave the folder, and a YAML file (no YAML parser ships)', () => {
    const { p } = project({});
    expect(() => findTemplate('../x', templateDirs(p.templates, {}))).toThrow('template name "../x" is not usable; accepted: letters, digits');
    writeFileSync(join(p.templates, 'y.yaml'), 'name: y\n');
    expect(() => findTemplate('y', templateDirs(p.templates, {}))).toThrow(`template ${join(p.templates, 'y.yaml')}: a YAML file; accepted: JSON (y.json)`);
  });

  it('an unknown name is an error listing the known ones; a file that is no JSON names itself', () => {
    const { p } = project({}, {});
    expect(() => loadTemplate('nope', [{ where: 'project', dir: p.templates }])).toThrow(`template is "nope", but no such template is in ${p.templates}; accepted: (none found)`);
    writeFileSync(join(p.templates, 'broken.json'), '{"name": ');
    expect(() => loadTemplate('broken', [{ where: 'project', dir: p.templates }])).toThrow(`template ${join(p.templates, 'broken.json')}: not valid JSON`);
  });
});

describe('every reader of config.json sees the template it names', () => {
  const tpl = { ...base, name: 'team', defaults: { limits: { max_parallel_builders: 2, max_cost_usd: 5 }, ci: { model: 'small' } }, agents: { design: 'codex' }, prompts: { builder: 'Template builds {{id}}', design: 'Template designs {{requirement}}' } };

  it('readConfigObject: project config > template defaults; no template named: the file as it is', async () => {
    const { p } = project({ workflow: { template: 'team' }, limits: { max_cost_usd: 1 } }, { team: tpl });
    expect(readConfigObject(p.config)).toEqual({ workflow: { template: 'team' }, limits: { max_parallel_builders: 2, max_cost_usd: 1 }, ci: { model: 'small' }, design: { agent: 'codex' } });
    expect(readConfigLayers(p.config).template?.where).toBe('project');
    // read_config (the bash doors) too
    expect(await readConfig(p.config, 'limits.max_parallel_builders')).toBe('2');
    expect(await readConfig(p.config, 'limits.max_cost_usd')).toBe('1');
    const plain = project({ limits: { max_cost_usd: 1 } }, { team: tpl });
    expect(readConfigObject(plain.p.config)).toEqual({ limits: { max_cost_usd: 1 } });
    expect(await readConfig(plain.p.config, 'limits.max_parallel_builders', 'none')).toBe('none');
  });

  it('a pinned template that is missing or a bad pin is an error naming config.json, never ignored', () => {
    const { p } = project({ workflow: { template: 'gone' } });
    expect(() => readConfigObject(p.config)).toThrow(`workflow.template in ${p.config} is "gone", but no such template is in`);
    const bad = project({ workflow: { template: 7 } });
    expect(() => readConfigObject(bad.p.config)).toThrow(`workflow.template is 7 in ${bad.p.config}; accepted: a template name`);
    expect(readConfigObject(project({ workflow: { template: null } }).p.config)).toEqual({ workflow: { template: null } });
  });

  it('prompts: the project\'s own prompts/<role>.md first, else the template\'s', () => {
    const { dir, p } = project({ workflow: { template: 'team' } }, { team: tpl });
    expect(promptSource(dir, 'builder')).toEqual({ file: `${join(p.templates, 'team.json')} (prompts.builder)`, text: 'Template builds {{id}}' });
    expect(promptSource(dir, 'resolver')).toBeNull();
    mkdirSync(p.prompts, { recursive: true });
    writeFileSync(join(p.prompts, 'builder.md'), 'Own {{id}}');
    expect(promptSource(dir, 'builder')).toEqual({ file: join(p.prompts, 'builder.md'), text: 'Own {{id}}' });
    expect(promptSource(project({}).dir, 'design')).toBeNull();
  });

  it('the resolver prompt: the project\'s prompts/resolver.md, else the template\'s, else built in; an unknown placeholder refused', () => {
    const brief = { target: 'main', incoming: { id: 'ui', description: 'the page', paths: ['ui/'], acceptance: null }, merged: [], files: ['a.ts'], verify: 'npm test' };
    const resolver = 'Merge {{incoming_id}} into {{target}}:\n{{files}}\n{{incoming}}\n{{merged}}\nthen {{verify}}';
    const { dir, p } = project({ workflow: { template: 'team' } }, { team: { ...tpl, prompts: { resolver } } });
    expect(resolverPromptFor(dir, brief)).toBe('Merge ui into main:\n- "a.ts"\n- ui: the page\n  owns: ui/\n  acceptance: (none given)\n- (none recorded)\nthen npm test');
    mkdirSync(p.prompts, { recursive: true });
    writeFileSync(join(p.prompts, 'resolver.md'), 'Own: {{target}} {{colour}}');
    expect(() => resolverPromptFor(dir, brief)).toThrow(`${join(p.prompts, 'resolver.md')}: unknown placeholder {{colour}}; accepted: {{target}}, {{incoming_id}}`);
    expect(resolverPromptFor(project({}).dir, brief)).toBe(resolverPrompt(brief));
  });

  it('design.agent: the design phase\'s own agent when set, else the builders\' choice as before', () => {
    expect(designChoice({}, { design: { agent: 'codex' }, ci: { agent: 'claude' } })).toMatchObject({ kind: 'preset', source: 'design.agent', preset: { name: 'codex' } });
    expect(designChoice({}, { design: { agent: 'my-planner --fast' } })).toEqual({ kind: 'command', words: ['my-planner', '--fast'], source: 'design.agent' });
    expect(designChoice({ CI_COMMAND: 'x' }, { design: { plan: true }, ci: { agent: 'claude' } })).toEqual({ kind: 'word', tool: 'x', source: 'CI_COMMAND' });
    expect(() => designChoice({}, { design: { agent: 3 } })).toThrow('design.agent is 3; accepted: an agent preset');
  });
});

describe('argo start --template', () => {
  it('is an option only before a query and a path, so a query reading "--template" stays one (COMPAT)', () => {
    expect(templateOption(['--template', 'bugfix', 'Fix it', '/p'])).toEqual({ template: 'bugfix', rest: ['Fix it', '/p'] });
    expect(templateOption(['--template', 'bugfix', 'Fix it'])).toEqual({ template: 'bugfix', rest: ['Fix it'] });
    expect(templateOption(['--template', '/p'])).toEqual({ template: null, rest: ['--template', '/p'] });
    expect(templateOption(['Build it', '--template'])).toEqual({ template: null, rest: ['Build it', '--template'] });
  });
});

describe("the dashboard's start form offers the templates", () => {
  const TOKEN = 'tok-123456';
  const req = (method: string, url: string, body: unknown = ''): Req => ({
    method,
    url,
    headers: { host: '127.0.0.1:7787', origin: 'http://127.0.0.1:7787', 'sec-fetch-site': 'same-origin', authorization: `Bearer ${TOKEN}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const deps = (started: StartRequest[]): Deps => ({
    token: TOKEN,
    projects: () => [],
    project: () => undefined,
    asset: () => undefined,
    act: async () => ({ ok: true, output: '' }),
    start: async (r) => (started.push(r), { ok: true, output: 'Workflow started' }),
    templates: offeredTemplates,
    mergeDiff: () => undefined,
    review: async () => undefined,
  });

  it('GET /api/templates lists the built-ins with their descriptions', async () => {
    const res = await handle(req('GET', '/api/templates'), deps([]));
    const names = (JSON.parse(res.body).templates as { name: string; where: string; description: string }[]).filter((t) => t.where === 'built-in');
    expect(names.map((t) => t.name)).toEqual(['best-of-n', 'bugfix', 'docs', 'feature', 'refactor', 'review', 'tests']);
    expect(names.find((t) => t.name === 'feature')!.description).toMatch(/^Today's workflow/);
  });

  it('POST /api/start takes a template name, checked; argo start gets --template before the query', async () => {
    const started: StartRequest[] = [];
    const good = { query: '--template', path: '/work/todo', template: 'bugfix' };
    expect((await handle(req('POST', '/api/start', good), deps(started))).status).toBe(200);
    expect((await handle(req('POST', '/api/start', { ...good, template: '' }), deps(started))).status).toBe(200);
    for (const template of ['../x', 7, 'a b']) {
      const res = await handle(req('POST', '/api/start', { ...good, template }), deps(started));
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body).error).toBe(`template is ${JSON.stringify(template)}; accepted: a template name (letters, digits, "-" and "_" (at most 64, starting with a letter or digit)) or none`);
    }
    expect(started).toEqual([good, { query: '--template', path: '/work/todo' }]);
    const calls: string[][] = [];
    const run: ArgoRunner = async (_root, args) => (calls.push(args), { ok: true, output: '' });
    await startWithCli('/install', run)(good);
    await startWithCli('/install', run)({ query: '--template', path: '/work/todo' });
    expect(calls).toEqual([
      ['start', '--template', 'bugfix', '--template', '/work/todo'],
      ['start', '--template', '/work/todo'],
    ]);
    // and start reads them so: the query stays the query
    expect(templateOption(calls[0]!.slice(1))).toEqual({ template: 'bugfix', rest: ['--template', '/work/todo'] });
    expect(templateOption(calls[1]!.slice(1))).toEqual({ template: null, rest: ['--template', '/work/todo'] });
  });
});
