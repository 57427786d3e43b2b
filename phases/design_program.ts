// design_program: asks the CI tool for a design and hands it to `ci` for approval.
import { closeSync, fstatSync, openSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';
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

/** How much of the answer the state keeps in design.summary. */
export const SUMMARY_BYTES = 64 * 1024;
/** How much of a large answer file is searched for the component list (its head, then its tail). */
export const COMPONENT_SEARCH_BYTES = 2 * 1024 * 1024;

/** The head and the tail of a large answer file, each at most COMPONENT_SEARCH_BYTES (bounded reads). */
export function answerExcerpts(file: string): string[] {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const read = (at: number, length: number) => {
      const buf = Buffer.alloc(length);
      const n = readSync(fd, buf, 0, length, at);
      return buf.subarray(0, n).toString('utf8');
    };
    if (size <= 2 * COMPONENT_SEARCH_BYTES) return [read(0, size)];
    return [read(0, COMPONENT_SEARCH_BYTES), read(size - COMPONENT_SEARCH_BYTES, COMPONENT_SEARCH_BYTES)];
  } finally {
    closeSync(fd);
  }
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
  // The answer streams to a file; memory and state keep a bounded excerpt (issue 6 point 8).
  const answerFile = join(project.dir, '.argo-project', 'design', `answer-${utcTimestamp().replace(/[-:]/g, '')}-${process.pid}.txt`);
  const answer = await runCiCaptured(tool, designPrompt(query), project.dir, process.env, { file: answerFile, keepBytes: SUMMARY_BYTES });
  const { code, output } = answer;
  if (code !== 0 || !answer.truncated) rmSync(answerFile, { force: true }); // all of it is in the summary (or failed)
  if (code !== 0) {
    complain(`ERROR: CI query failed with exit code ${code}`);
    await recordError(project, 'CI query failed');
    return 1;
  }
  say('CI tool answered');
  if (answer.fileError) {
    if (answer.truncated) say(`WARNING: ${answer.fileError}: the design keeps only the first ${SUMMARY_BYTES} of ${answer.bytes} bytes`);
    rmSync(answerFile, { force: true }); // a partial copy would pass for the answer
  } else if (answer.truncated) {
    say(`The answer is ${answer.bytes} bytes: the design keeps its first ${SUMMARY_BYTES} bytes, the whole text is in ${answerFile}`);
  }

  let components: Component[] = [];
  let rejected: RejectedComponent[] = [];
  try {
    const texts = answer.truncated && !answer.fileError ? answerExcerpts(answerFile) : [output];
    for (const text of texts) {
      const found = extractComponentsLenient(text);
      if (found) {
        ({ components, rejected } = found);
        break;
      }
    }
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
  if (answer.truncated && !answer.fileError) {
    plain.answer_file = answerFile;
    plain.answer_bytes = answer.bytes;
  }
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
