// Dependency waves (workflow/waves.ts): the pure decision the engine takes at every look.
import { describe, expect, it } from 'vitest';
import { decideWaves, hasWaves, type WaveBuilder, type WaveStatus } from '../../../workflow/waves.js';

const b = (id: string, status: WaveStatus, ...depends_on: string[]): WaveBuilder => ({ id, status, depends_on });

describe('decideWaves (pure)', () => {
  it.each([
    ['no dependencies: every waiting builder is ready, in order', [b('a', 'waiting'), b('b', 'waiting')], [], { ready: ['a', 'b'], waiting: [], blocked: [], integrate: [], unknown: [] }],
    ['a dependency still waiting: its dependent waits for it', [b('core', 'waiting'), b('ui', 'waiting', 'core')], [], { ready: ['core'], waiting: [{ id: 'ui', for: ['core'] }], blocked: [], integrate: [], unknown: [] }],
    ['a dependency running: wait', [b('core', 'live'), b('ui', 'waiting', 'core')], [], { ready: [], waiting: [{ id: 'ui', for: ['core'] }], blocked: [], integrate: [], unknown: [] }],
    ['a dependency completed but not merged: merge it, the dependent still waits', [b('core', 'completed'), b('ui', 'waiting', 'core')], [], { ready: [], waiting: [{ id: 'ui', for: ['core'] }], blocked: [], integrate: ['core'], unknown: [] }],
    ['a dependency merged: ready', [b('core', 'completed'), b('ui', 'waiting', 'core')], ['core'], { ready: ['ui'], waiting: [], blocked: [], integrate: [], unknown: [] }],
    ['two dependencies, one merged: waits for the other only', [b('a', 'completed'), b('c', 'live'), b('ui', 'waiting', 'a', 'c')], ['a'], { ready: [], waiting: [{ id: 'ui', for: ['c'] }], blocked: [], integrate: [], unknown: [] }],
    ['a completed builder nobody waits for is not merged early', [b('a', 'completed'), b('b', 'waiting')], [], { ready: ['b'], waiting: [], blocked: [], integrate: [], unknown: [] }],
    ['a failed dependency: the dependent can never start', [b('core', 'failed'), b('ui', 'waiting', 'core')], [], { ready: [], waiting: [], blocked: [{ id: 'ui', message: 'dependency core failed' }], integrate: [], unknown: [] }],
    ['blocked spreads down the chain', [b('core', 'failed'), b('api', 'waiting', 'core'), b('ui', 'waiting', 'api')], [], {
      ready: [], waiting: [], blocked: [{ id: 'api', message: 'dependency core failed' }, { id: 'ui', message: 'dependency api cannot start (dependency core failed)' }], integrate: [], unknown: [] }],
    ['a cycle: its members fail naming it; one outside the cycle waiting on it too', [b('a', 'waiting', 'b'), b('b', 'waiting', 'a'), b('c', 'waiting', 'a'), b('d', 'waiting')], [], {
      ready: ['d'], waiting: [], blocked: [{ id: 'a', message: 'dependency cycle: a -> b -> a' }, { id: 'b', message: 'dependency cycle: b -> a -> b' }, { id: 'c', message: 'dependency a cannot start (dependency cycle: a -> b -> a)' }], integrate: [], unknown: [] }],
    ['a builder depending on itself is a cycle', [b('a', 'waiting', 'a')], [], { ready: [], waiting: [], blocked: [{ id: 'a', message: 'dependency cycle: a -> a' }], integrate: [], unknown: [] }],
    ['an unknown id is ignored and reported', [b('ui', 'waiting', 'ghost')], [], { ready: ['ui'], waiting: [], blocked: [], integrate: [], unknown: [{ id: 'ui', dependency: 'ghost' }] }],
    ['a merged dependency that later failed a retry still counts as merged', [b('core', 'failed'), b('ui', 'waiting', 'core')], ['core'], { ready: ['ui'], waiting: [], blocked: [], integrate: [], unknown: [] }],
  ] as const)('%s', (_n, builders, merged, want) => expect(decideWaves({ builders, merged: new Set(merged) })).toEqual(want));

  it('a dependency whose merge conflicted: the dependent fails naming the files', () => {
    const d = decideWaves({ builders: [b('core', 'completed'), b('ui', 'waiting', 'core')], merged: new Set(), unmergeable: new Map([['core', 'conflict in a.txt, b.txt']]) });
    expect(d.blocked).toEqual([{ id: 'ui', message: 'dependency core could not be merged into the base branch: conflict in a.txt, b.txt' }]);
    expect(d.integrate).toEqual([]);
  });

  it('hasWaves: only when some builder depends on another', () => {
    expect(hasWaves([b('a', 'waiting'), b('b', 'waiting')])).toBe(false);
    expect(hasWaves([b('a', 'waiting'), b('b', 'waiting', 'a')])).toBe(true);
  });
});
