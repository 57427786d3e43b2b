// The design asked for as a plan (issue 18 item 1): the prompt per CI choice, the CLIs'
// structured output, the one follow-up in the same session, design.plan and the project's
// design.md. design_program runs for real (node + tsx on the sources) with the fake
// agents of tests/fixtures/agents first on PATH, each call's argv recorded.
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { built } from './built.js';
import { designAsk, designPrompt } from '../../phases/design_program.js';
import { PLAN_SCHEMA_TEXT, planSetting, FOLLOW_UP_MARKER } from '../../workflow/plan_prompt.js';
import { chooseCi } from '../../agents/select.js';
import { claudeParser } from '../../agents/presets/claude.js';
import { parseOutput } from '../../agents/presets/contract.js';
import { invocationFor } from '../../agents/invocation.js';
import { tempDir, ROOT } from './helpers.js';

const AGENTS = join(ROOT, 'tests', 'fixtures', 'agents');
const Q = 'Build a calculator';

function project(config: Record<string, unknown> = {}): string {
  const dir = join(tempDir(), 'proj');
  mkdirSync(join(dir, '.argo-project', 'logs'), { recursive: true });
  writeFileSync(join(dir, '.argo-project', 'config.json'), JSON.stringify(config));
  const state = { project_name: 'demo', phase: 'init', action_owner: 'code', action_needed: 'design_program', last_update: '2026-01-01T00:00:00Z', design: null, user_query: Q, error_recovery: { last_error: null, retry_count: 0, recovery_action: null } };
  writeFileSync(join(dir, '.argo-project', 'state.json'), JSON.stringify(state, null, 2) + '\n');
  return dir;
}
const state = (dir: string) => JSON.parse(readFileSync(join(dir, '.argo-project', 'state.json'), 'utf8'));

/** Runs design_program; returns its output and every call the fake agents recorded (argv, oldest first). */
function design(dir: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string; calls: string[][] }> {
  const log = join(dir, '..', 'calls');
  const full: Record<string, string | undefined> = { ...process.env, ARGO_SHIM_SERVER: '0', PATH: `${AGENTS}:${process.env.PATH}`, FAKE_AGENT_LOG: log, ...env };
  for (const k of ['CI_COMMAND', 'ARGO_AGENT', 'STATE_FILE', 'STATE_LOCK', 'CONFIG_FILE', 'ARGO_STATE_LOCK_HELD']) if (!(k in env)) delete full[k];
  return new Promise((done) => {
    execFile(process.execPath, [built('phases/design_program.ts'), dir], { env: full }, (err, stdout, stderr) => {
      let files: string[] = [];
      try {
        files = readdirSync(log).filter((f) => f.endsWith('.argv')).sort();
      } catch {
        /* no call */
      }
      const calls = files.map((f) => readFileSync(join(log, f), 'utf8').split('\0').slice(0, -1));
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr, calls });
    });
  });
}

const choice = (env: Record<string, string>, config: Record<string, unknown> = {}) => chooseCi(env, config);
const after = (argv: string[], flag: string) => argv[argv.indexOf(flag) + 1];

describe('the design prompt per CI choice', () => {
  it('a single word keeps the original text exactly (COMPAT §5.5); design.plan: true opts in', () => {
    const dir = tempDir();
    expect(designAsk(dir, choice({ CI_COMMAND: 'ci' }), {}, Q)).toEqual({ plan: null, prompt: designPrompt(Q) });
    expect(designPrompt(Q)).toBe(
      'Please create a high-level software design for the following requirement.\n\nRequirement: Build a calculator\n\nProvide:\n1. A short overview of the approach\n2. The main components to build\n3. Key technologies or design patterns worth using\n\nKeep it high-level and focus on the decomposition into components.',
    );
    const opted = designAsk(dir, choice({ CI_COMMAND: 'ci' }), { design: { plan: true } }, Q);
    expect(opted.plan).toBe('fenced');
    expect(opted.prompt).toContain('```json');
  });

  it('a preset or a command line is asked for a plan: the fields, the schema, the form to answer in', () => {
    const dir = tempDir();
    const claude = designAsk(dir, choice({ ARGO_AGENT: 'claude' }), {}, Q);
    expect(claude.plan).toBe('structured');
    const line = designAsk(dir, choice({ CI_COMMAND: 'my-agent --fast' }), {}, Q);
    expect(line.plan).toBe('fenced');
    for (const p of [claude.prompt, line.prompt]) {
      expect(p).toContain(`\nRequirement: ${Q}\n`);
      for (const field of ['"id"', '"description"', '"paths"', '"depends_on"', '"acceptance"']) expect(p).toContain(field);
      expect(p).toContain(PLAN_SCHEMA_TEXT);
      // the fake agents (and keyword-matching CIs) tell a builder prompt by these
      expect(p).not.toContain('Implement');
    }
    expect(claude.prompt).toContain('structured output');
    expect(line.prompt).toContain('fenced ```json block');
    // gemini has no structured output: the fenced block
    expect(designAsk(dir, choice({ ARGO_AGENT: 'gemini' }), {}, Q).plan).toBe('fenced');
  });

  it('design.plan: false keeps the original text for presets and command lines too', () => {
    const off = { design: { plan: false } };
    expect(designAsk(tempDir(), choice({ ARGO_AGENT: 'claude' }), off, Q)).toEqual({ plan: null, prompt: designPrompt(Q) });
    expect(designAsk(tempDir(), choice({ CI_COMMAND: 'a b' }), off, Q)).toEqual({ plan: null, prompt: designPrompt(Q) });
  });

  it('design.plan of another type is refused, naming the key, the value and what is accepted', () => {
    expect(() => planSetting({ design: { plan: 'yes' } })).toThrow('design.plan must be true or false, got "yes"');
    expect(() => planSetting({ design: 1 })).toThrow('design must be an object (e.g. {"plan": true}), got 1');
    expect(planSetting({})).toBeNull();
  });

  it('the project\'s design.md replaces the prompt; an unknown placeholder is refused naming it', () => {
    const dir = tempDir();
    mkdirSync(join(dir, '.argo-project', 'prompts'), { recursive: true });
    writeFileSync(join(dir, '.argo-project', 'prompts', 'design.md'), 'Plan {{requirement}} as {{schema}}. {{format}}');
    const a = designAsk(dir, choice({ ARGO_AGENT: 'codex' }), {}, Q);
    expect(a.prompt).toBe(`Plan ${Q} as ${PLAN_SCHEMA_TEXT}. Return the plan through the structured output you are given: the overview and the component list.`);
    writeFileSync(join(dir, '.argo-project', 'prompts', 'design.md'), 'Plan {{requirement}} for {{team}}');
    expect(() => designAsk(dir, choice({ ARGO_AGENT: 'codex' }), {}, Q)).toThrow(/design\.md: unknown placeholder \{\{team\}\}; accepted: \{\{requirement\}\}, \{\{schema\}\}, \{\{format\}\}/);
  });
});

describe('structured output', () => {
  it("claude's structured_output is read from the result object", () => {
    const doc = { type: 'result', subtype: 'success', is_error: false, result: '{"components":[]}', session_id: 's', structured_output: { overview: 'o', components: [{ id: 'a' }] } };
    expect(parseOutput(claudeParser, JSON.stringify(doc), 0).structured).toEqual({ overview: 'o', components: [{ id: 'a' }] });
    expect(parseOutput(claudeParser, JSON.stringify({ ...doc, structured_output: undefined }), 0).structured).toBeUndefined();
  });

  it('codex gets --output-schema with a file holding the schema; the follow-up resumes read-only', () => {
    const codex = choice({ ARGO_AGENT: 'codex' });
    const file = join(tempDir(), 'schema.json');
    const write = () => (writeFileSync(file, PLAN_SCHEMA_TEXT), file);
    const inv = invocationFor(codex, 'design', { prompt: 'P', worktree: '/p', schema: PLAN_SCHEMA_TEXT, writeSchema: write, writePrompt: () => '' }, {});
    expect(after(inv.argv, '--output-schema')).toBe(file);
    expect(readFileSync(file, 'utf8')).toBe(PLAN_SCHEMA_TEXT);
    const again = invocationFor(codex, 'design_resume', { prompt: 'P', worktree: '/p', sessionId: 't1', schema: PLAN_SCHEMA_TEXT, writeSchema: write, writePrompt: () => '' }, {});
    expect(again.argv).toEqual(['codex', 'exec', '--json', '--sandbox', 'read-only', '--output-schema', file, '-C', '/p', 'resume', 't1', 'P']);
    // claude's follow-up keeps plan mode (never the builder's bypassPermissions)
    const c = invocationFor(choice({ ARGO_AGENT: 'claude' }), 'design_resume', { prompt: 'P', worktree: '/p', sessionId: 's1', schema: '{}', writePrompt: () => '' }, {});
    expect(c.argv).toEqual(['claude', '-p', 'P', '--resume', 's1', '--output-format', 'json', '--permission-mode', 'plan', '--json-schema', '{}']);
  });
});

describe('the follow-up argv can be overridden', () => {
  it('ci.agents.<name>.args.design_resume replaces it; null makes the follow-up a fresh design run', () => {
    const over = (v: unknown) => chooseCi({ ARGO_AGENT: 'claude' }, { ci: { agents: { claude: { args: { design_resume: v } } } } });
    const input = { prompt: 'P', worktree: '/p', sessionId: 's1', writePrompt: () => '' };
    expect(invocationFor(over(['-p', '{prompt}', '-r', '{session_id}']), 'design_resume', input, {}).argv).toEqual(['claude', '-p', 'P', '-r', 's1']);
    const fresh = invocationFor(over(null), 'design_resume', input, {});
    expect(fresh.resumed).toBe(false);
    expect(fresh.argv).toEqual(['claude', '-p', 'P', '--output-format', 'json', '--permission-mode', 'plan']);
    expect(() => over('x')).toThrow('ci.agents.claude.args.design_resume must be a list of strings (or lists of strings), got "x"');
  });
});

describe('design_program with a plan', () => {
  it('claude: --json-schema with the schema, the components from structured_output, no follow-up', async () => {
    const dir = project();
    const r = await design(dir, { ARGO_AGENT: 'claude' });
    expect(r.code).toBe(0);
    expect(r.calls).toHaveLength(1);
    expect(after(r.calls[0]!, '--json-schema')).toBe(PLAN_SCHEMA_TEXT);
    const s = state(dir);
    expect(s.design.components.map((c: { id: string }) => c.id)).toEqual(['part-1', 'part-2', 'part-3']);
    expect(s.design.plan_followup).toBeUndefined();
    // the plan's JSON reads as its overview and a fenced list
    expect(s.design.summary).toBe(`Design by claude\n\n\`\`\`json\n${JSON.stringify({ components: s.design.components }, null, 2)}\n\`\`\``);
  });

  it('codex: --output-schema FILE, the file under .argo-project/prompts holds the schema', async () => {
    const dir = project();
    const r = await design(dir, { ARGO_AGENT: 'codex' });
    expect(r.code).toBe(0);
    const file = after(r.calls[0]!, '--output-schema')!;
    expect(file).toBe(join(dir, '.argo-project', 'prompts', 'plan-schema.json'));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(JSON.parse(PLAN_SCHEMA_TEXT));
    expect(state(dir).design.components).toHaveLength(3);
    expect(state(dir).design.summary).toMatch(/^Design by codex\n\n```json\n\{\n  "components": \[/);
  });

  it('a prose answer: exactly one follow-up in the same session (read-only), its list saved, its usage added', async () => {
    const dir = project();
    const r = await design(dir, { ARGO_AGENT: 'claude', FAKE_AGENT_PROSE: '1' });
    expect(r.code).toBe(0);
    expect(r.calls).toHaveLength(2);
    const again = r.calls[1]!;
    expect(after(again, '--resume')).toBe('sess-claude-design');
    expect(after(again, '--permission-mode')).toBe('plan');
    expect(after(again, '-p')).toContain(FOLLOW_UP_MARKER);
    expect(r.stdout).toContain('The answer carries no component list: asking');
    const s = state(dir);
    expect(s.design.components.map((c: { id: string }) => c.id)).toEqual(['part-1', 'part-2', 'part-3']);
    expect(s.design.plan_followup).toBe(true);
    expect(s.design.summary).toContain('prose only'); // the design itself is the first answer
    expect(s.design.usage).toMatchObject({ cost_usd: 0.0246, input_tokens: 2000, output_tokens: 1000, session_id: 'sess-claude-design', agent: 'claude' });
  });

  it('codex: the resumed thread reports the whole thread; the follow-up counts only its share', async () => {
    const dir = project();
    const r = await design(dir, { ARGO_AGENT: 'codex', FAKE_AGENT_PROSE: '1' });
    expect(r.calls).toHaveLength(2);
    expect(r.calls[1]!.slice(-3, -1)).toEqual(['resume', 'sess-codex-design']);
    expect(state(dir).design.usage).toMatchObject({ input_tokens: 2000, output_tokens: 1000, cache_read_tokens: 400 });
  });

  it('a command line (no session): the follow-up stands alone, quoting the requirement and the first answer', async () => {
    const dir = project();
    const r = await design(dir, { CI_COMMAND: 'fake_agent --fast', FAKE_AGENT_PROSE: '1' });
    expect(r.code).toBe(0);
    expect(r.calls).toHaveLength(2);
    const prompt = r.calls[1]!.at(-1)!;
    expect(prompt).toContain(`Requirement: ${Q}`);
    expect(prompt).toContain('Design by fake_agent: a core, then a user interface on top of it (prose only).');
    expect(prompt).toContain(FOLLOW_UP_MARKER);
    expect(state(dir).design.components).toHaveLength(3);
  });

  it('still prose after the follow-up: no third question, 0 components, said so', async () => {
    const dir = project();
    const r = await design(dir, { ARGO_AGENT: 'claude', FAKE_AGENT_PROSE: 'always' });
    expect(r.code).toBe(0);
    expect(r.calls).toHaveLength(2);
    expect(r.stdout).toContain('WARNING: still no component list');
    const s = state(dir);
    expect(s.design.components).toEqual([]);
    expect(s.design.plan_followup).toBe(true);
    expect([s.phase, s.action_owner, s.action_needed]).toEqual(['design', 'ci', 'approve_design']);
  });

  it('a single word keeps the original: its prompt exactly, no follow-up for a prose answer', async () => {
    const dir = project();
    const seen = join(dir, '..', 'prompts');
    const ci = join(dir, '..', 'word_ci');
    writeFileSync(ci, `#!/bin/bash\nprintf '%s\\0' "$1" >> ${seen}\necho "A design in prose."\n`);
    chmodSync(ci, 0o755);
    const r = await design(dir, { CI_COMMAND: ci });
    expect(r.code).toBe(0);
    expect(readFileSync(seen, 'utf8').split('\0').slice(0, -1)).toEqual([designPrompt(Q)]);
    expect(state(dir).design.plan_followup).toBeUndefined();
    // opted in: the plan prompt, and one follow-up
    const opted = project({ design: { plan: true } });
    writeFileSync(seen, '');
    await design(opted, { CI_COMMAND: ci });
    const asked = readFileSync(seen, 'utf8').split('\0').slice(0, -1);
    expect(asked).toHaveLength(2);
    expect(asked[0]).toContain(PLAN_SCHEMA_TEXT);
    expect(asked[1]).toContain(FOLLOW_UP_MARKER);
  });

  it('design.plan not a boolean: one ERROR line naming it, exit 1, nothing asked', async () => {
    const dir = project({ design: { plan: 'yes' } });
    const r = await design(dir, { ARGO_AGENT: 'claude' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual(['ERROR: design.plan must be true or false, got "yes"']);
    expect(r.calls).toHaveLength(0);
    expect(state(dir).design).toBeNull();
  });

  it('a design.md with an unknown placeholder: one ERROR line, nothing asked', async () => {
    const dir = project();
    mkdirSync(join(dir, '.argo-project', 'prompts'), { recursive: true });
    writeFileSync(join(dir, '.argo-project', 'prompts', 'design.md'), '{{requirement}} {{nope}}');
    const r = await design(dir, { ARGO_AGENT: 'claude' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ERROR: .*design\.md: unknown placeholder \{\{nope\}\}/);
    expect(r.calls).toHaveLength(0);
  });

  it('plan warnings are kept in design.warnings (an unknown dependency dropped)', async () => {
    const dir = project();
    const ci = join(dir, '..', 'plan_ci');
    writeFileSync(ci, `#!/bin/bash\necho '\`\`\`json'\necho '[{"id":"a","description":"A","depends_on":["ghost"],"paths":["src/**"]},{"id":"b","description":"B","paths":["src/b.ts"]}]'\necho '\`\`\`'\n`);
    chmodSync(ci, 0o755);
    const r = await design(dir, { CI_COMMAND: ci });
    expect(r.code).toBe(0);
    const s = state(dir);
    expect(s.design.components[0].depends_on).toEqual([]);
    expect(s.design.warnings).toEqual([
      "component 'a' depends on 'ghost', which is not a component of the plan (dropped)",
      "components 'a' and 'b' both own 'src/**' / 'src/b.ts': their builders may edit the same files",
    ]);
    expect(r.stdout).toContain("WARNING: plan: component 'a' depends on 'ghost'");
  });
});
