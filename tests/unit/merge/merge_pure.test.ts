// The integration engine's pure parts: the merge order, the merge.* settings, and what
// the target's history and the journal say.
import { describe, expect, it } from 'vitest';
import { mergeOrder, type OrderRow } from '../../../merge/order.js';
import { readMergeSettings, usesEngine, validTarget } from '../../../merge/settings.js';
import { builderOfSubject } from '../../../merge/history.js';
import { pendingOf, rowMerge } from '../../../merge/records.js';
import { mergeMessage, squashMessage } from '../../../merge/integration.js';

const row = (id: string, completed: string | null = null, depends_on: string[] = []): OrderRow => ({ id, completed, depends_on });

describe('mergeOrder', () => {
  it('keeps the row order when nothing else decides', () => {
    expect(mergeOrder([row('a'), row('b'), row('c')])).toEqual(['a', 'b', 'c']);
  });
  it('merges the builder that finished first first; no timestamp goes last', () => {
    expect(mergeOrder([row('a', '2026-01-01T00:00:03Z'), row('b'), row('c', '2026-01-01T00:00:01Z')])).toEqual(['c', 'a', 'b']);
  });
  it('puts every builder after those it depends on, even when it finished first', () => {
    const rows = [row('ui', '2026-01-01T00:00:01Z', ['core']), row('core', '2026-01-01T00:00:05Z'), row('cli', '2026-01-01T00:00:02Z', ['ui'])];
    expect(mergeOrder(rows)).toEqual(['core', 'ui', 'cli']);
  });
  it('a ready builder that finished earlier goes before one that waited on a dependency', () => {
    const rows = [row('a', '2026-01-01T00:00:04Z'), row('b', '2026-01-01T00:00:01Z', ['a']), row('c', '2026-01-01T00:00:02Z')];
    expect(mergeOrder(rows)).toEqual(['c', 'a', 'b']);
  });
  it('ignores dependencies on ids that are not rows, and leaves no row out of a cycle', () => {
    expect(mergeOrder([row('a', null, ['gone']), row('b')])).toEqual(['a', 'b']);
    expect(mergeOrder([row('a', '2026-01-01T00:00:02Z', ['b']), row('b', '2026-01-01T00:00:01Z', ['a']), row('c')]).sort()).toEqual(['a', 'b', 'c']);
  });
  it('lists a repeated id once', () => {
    expect(mergeOrder([row('a'), row('a'), row('b')])).toEqual(['a', 'b']);
  });
});

describe('readMergeSettings', () => {
  it('defaults: the original target, merge, no gate — and no engine', () => {
    const r = readMergeSettings({});
    expect(r).toEqual({ settings: { target: null, strategy: 'merge', gate: null, gateKey: null } });
    expect(usesEngine((r as { settings: never }).settings)).toBe(false);
    // a resolver agent for conflicts (merge.resolver, or the builders' preset) is enough
    expect(usesEngine((r as { settings: never }).settings, true)).toBe(true);
  });
  it('the gate: verify.merge_command, else verify.command', () => {
    expect(readMergeSettings({ verify: { command: 'npm test' } })).toMatchObject({ settings: { gate: 'npm test', gateKey: 'verify.command' } });
    expect(readMergeSettings({ verify: { command: 'npm test', merge_command: 'npm run ci' } })).toMatchObject({ settings: { gate: 'npm run ci', gateKey: 'verify.merge_command' } });
    expect(readMergeSettings({ verify: { command: '' } })).toMatchObject({ settings: { gate: null } });
  });
  it('takes a strategy and an argo/ target; squash alone is enough for the engine', () => {
    const r = readMergeSettings({ merge: { target: 'argo/next-1', strategy: 'squash' } });
    expect(r).toEqual({ settings: { target: 'argo/next-1', strategy: 'squash', gate: null, gateKey: null } });
    expect(usesEngine((r as { settings: never }).settings)).toBe(true);
  });
  it('refuses each bad value with the key, the value and what is accepted', () => {
    const r = readMergeSettings({ merge: { target: 'main', strategy: 'octopus' }, verify: { merge_command: 3 } });
    expect(r).toEqual({
      problems: [
        expect.stringMatching(/^merge\.target is "main" in config\.json; accepted: a branch name "argo\/<slug>"/),
        'merge.strategy is "octopus" in config.json; accepted: merge, squash, rebase',
        'verify.merge_command is 3 in config.json; accepted: a shell command (a non-empty string), or absent',
      ],
    });
    expect(readMergeSettings({ merge: 'squash' })).toEqual({ problems: [expect.stringMatching(/^merge is "squash" in config\.json; accepted: an object/)] });
  });
  it('validTarget: argo/<slug> as git takes it, nothing else', () => {
    for (const ok of ['argo/x', 'argo/next', 'argo/team/v1.2', 'argo/a_b-c']) expect(validTarget(ok)).toBe(true);
    for (const bad of ['argo/', 'argo', 'main', 'feature/x', 'argo/-x', 'argo/.x', 'argo/a..b', 'argo/x.lock', 'argo/x.', 'argo/a b', 'argo/a~1', 'argo//x', 'argo/x/']) expect(validTarget(bad)).toBe(false);
  });
});

describe('the target history and the journal', () => {
  it('names the builder of the engine\'s commit subjects', () => {
    expect(builderOfSubject(mergeMessage('core'))).toBe('core');
    expect(builderOfSubject(squashMessage('ui', 'The UI: buttons'))).toBe('ui');
    expect(builderOfSubject(squashMessage('ui', null))).toBe('ui');
    expect(builderOfSubject('Add a button')).toBeNull();
  });
  it('pendingOf reads a journal entry and nothing else', () => {
    const p = { id: 'a', tip: '1', old: '2', next: '3', row: rowMerge({ status: 'merged' }) };
    expect(pendingOf({ merged: [], pending: p })).toEqual(p);
    expect(pendingOf({ pending: { id: 'a' } })).toBeNull();
    expect(pendingOf(null)).toBeNull();
  });
});
