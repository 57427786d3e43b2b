// The first prompt a builder gets, locally and on a worker alike.
import type { BuilderRecord } from '../store/builders.js';

export function builderPrompt(b: Pick<BuilderRecord, 'id' | 'description' | 'worktree'>): string {
  return [
    `You are building the '${b.id}' component.`,
    '',
    `Description: ${b.description ?? 'null'}`,
    '',
    'Tasks:',
    '1. Implement this component following the design',
    '2. Add tests for it',
    '3. Make sure every test passes',
    '4. Record completion in the workflow state',
    '',
    `Work in the directory: ${b.worktree ?? 'null'}`,
    'Commit your changes when done.',
  ].join('\n');
}
