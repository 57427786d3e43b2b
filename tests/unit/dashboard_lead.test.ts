// Issue 21, item 5: the page's pure decisions — which project it opens on, "who acts" in
// words, a failed builder's reason (dashboard/static/render.js runs in the browser; these
// functions touch no DOM).
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module of the page, without types
import { failureReason, leadingProject, openingProject, projectFromHash, whoText } from '../../dashboard/static/render.js';

const p = (id: string, who: string, last: string) => ({ id, view: { next: { who }, last_update: last } });

describe('the page leads', () => {
  it('opens on the project that needs a person, then the most recently active', () => {
    expect(leadingProject([p('a', 'code', '2026-01-02T00:00:00Z'), p('b', 'user', '2026-01-01T00:00:00Z'), p('c', 'nobody', '2026-01-03T00:00:00Z')])).toBe('b');
    expect(leadingProject([p('a', 'user', '2026-01-01T00:00:00Z'), p('b', 'ci', '2026-01-02T00:00:00Z')])).toBe('b');
    expect(leadingProject([p('a', 'code', '2026-01-01T00:00:00Z'), p('b', 'nobody', '2026-01-05T00:00:00Z'), { id: 'broken', view: null }])).toBe('b');
    expect(leadingProject([])).toBeNull();
  });
  it('"who acts" reads as you or the CI tool, never the bare owner', () => {
    expect(whoText('user')).toBe('You');
    expect(whoText('ci')).toMatch(/^The CI tool/);
    expect(whoText('code')).toMatch(/^argo/);
    expect(whoText('__proto__')).toBe('__proto__');
  });
  it("a failed builder's reason: its message, else its exit status", () => {
    expect(failureReason({ failure_message: 'verify.command failed with exit status 2', exit_code: 2 })).toBe('verify.command failed with exit status 2');
    expect(failureReason({ failure_message: null, exit_code: 3 })).toBe('exited with status 3');
    expect(failureReason({ failure_message: null, exit_code: null })).toMatch(/no reason recorded/);
  });
});

describe("a notification's link opens its project (issue 21, item 6)", () => {
  it('#project=<path> names the project by its path; without it, or naming none, the leading one', () => {
    expect(projectFromHash('#project=%2Fwork%2Fcalc&token=x')).toBe('/work/calc');
    expect(projectFromHash('#token=x')).toBeNull();
    expect(projectFromHash('')).toBeNull();
    const list = [
      { id: 'a', path: '/work/a', view: { project: { path: '/work/a' }, next: { who: 'user' }, last_update: '2026-01-02T00:00:00Z' } },
      { id: 'b', path: '/work/b', view: { project: { path: '/work/b' }, next: { who: 'nobody' }, last_update: '2026-01-01T00:00:00Z' } },
      { id: 'c', path: '/work/c', view: null },
    ];
    expect(openingProject(list, '/work/b')).toBe('b');
    expect(openingProject(list, '/work/c')).toBe('c'); // a project whose state cannot be read is still opened
    expect(openingProject(list, '/elsewhere')).toBe('a');
    expect(openingProject(list, null)).toBe('a');
  });
});
