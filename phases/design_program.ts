// design_program: asks the CI tool for a design and hands it to `ci` for approval.
import { runIfEntry } from '../lib/cli.js';
import { getCiTool } from '../lib/config.js';
import { ciToolAvailable, runCiCaptured } from '../lib/ci_tool.js';
import { extractComponentsLenient, type Component, type RejectedComponent } from '../lib/components.js';
import { errorMessage } from '../lib/errors.js';
import { fromPlain } from '../lib/json_doc.js';
import { logStateTransition, writeLog } from '../lib/logging_enhanced.js';
import { mutateState, readState, updateState } from '../lib/state_file.js';
import { utcTimestamp } from '../lib/time.js';
import { complain, enterProject, recordError, say } from './handler.js';

export function designPrompt(query: string): string {
  return [
    'Please create a high-level software design for the following requirement.',
    '',
    `Requirement: ${query}`,
    '',
    'Provide:',
    '1. A short overview of the approach',
    '2. The main components to build',
    '3. Key technologies or design patterns worth using',
    '',
    'Keep it high-level and focus on the decomposition into components.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const project = enterProject(argv, 'design_program');
  if (typeof project === 'number') return project;
  // D14: the CI tool comes from this project's config, read after entering it.
  const tool = await getCiTool(process.env, project.configFile);

  // As the original: `read_state user_query` (so a multi-line or numeric query reads the same).
  const query = (await readState(project.state, 'user_query')).replace(/\n$/, '');
  if (query === '' || query === 'null') {
    complain('ERROR: No user query found in state');
    await recordError(project, 'Missing user query');
    return 1;
  }
  say(`User query: ${query}`);
  say(`Asking CI tool (${tool}) for a design...`);
  if (!ciToolAvailable(tool, project.dir, process.env)) {
    complain(`ERROR: CI tool not found: ${tool}`);
    await recordError(project, 'CI tool not available');
    return 1;
  }
  const { code, output } = await runCiCaptured(tool, designPrompt(query), project.dir, process.env);
  if (code !== 0) {
    complain(`ERROR: CI query failed with exit code ${code}`);
    await recordError(project, 'CI query failed');
    return 1;
  }
  say('CI tool answered');

  let components: Component[] = [];
  let rejected: RejectedComponent[] = [];
  try {
    ({ components, rejected } = extractComponentsLenient(output) ?? { components, rejected });
  } catch (e) {
    say(`WARNING: ignoring the component list in the answer: ${errorMessage(e)}`);
  }
  // One bad id costs only itself: the others are kept, each rejection is said, logged and kept in state.
  for (const r of rejected) {
    say(`WARNING: component rejected: ${r.reason}`);
    writeLog(project.logs, 'WARN', `Design component rejected: ${r.reason}`);
  }
  const plain: Record<string, unknown> = { summary: output.replace(/\n+$/, ''), components, created: utcTimestamp(), approved: false };
  if (rejected.length > 0) plain.rejected_components = rejected;
  const design = fromPlain(plain);
  try {
    await mutateState(project.state, (d) => void d.set('design', design));
  } catch (e) {
    complain(`ERROR: Failed to save design: ${errorMessage(e)}`);
    return 1;
  }
  say(`Design saved to state (${components.length} components)`);

  logStateTransition(project.logs, 'init', 'design');
  await updateState(project.state, 'phase', 'design');
  await updateState(project.state, 'action_owner', 'ci');
  await updateState(project.state, 'action_needed', 'approve_design');
  say('Design phase complete - awaiting design approval');
  say();
  return 0;
}

runIfEntry(import.meta.url, main);
