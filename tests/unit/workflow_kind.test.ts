import { describe, expect, it } from 'vitest';
import { readWorkflowKind } from '../../workflow/kind.js';

describe('workflow.kind', () => {
  it('absent is feature (COMPAT: no template behaves as before)', () => {
    expect(readWorkflowKind({})).toEqual({ kind: 'feature' });
    expect(readWorkflowKind({ workflow: {} })).toEqual({ kind: 'feature' });
    expect(readWorkflowKind(null)).toEqual({ kind: 'feature' });
  });
  it('each kind is read as written', () => {
    for (const kind of ['feature', 'bugfix', 'best_of_n', 'slices', 'review']) expect(readWorkflowKind({ workflow: { kind } })).toEqual({ kind });
  });
  it('a bad value is one problem naming the key, the value and what is accepted', () => {
    expect(readWorkflowKind({ workflow: { kind: 'best-of-n' } })).toEqual({ problem: 'workflow.kind is "best-of-n" in config.json; accepted: feature, bugfix, best_of_n, slices, review, or absent (feature)' });
    expect(readWorkflowKind({ workflow: 'bugfix' })).toEqual({ problem: expect.stringContaining('workflow is "bugfix"') });
  });
});
