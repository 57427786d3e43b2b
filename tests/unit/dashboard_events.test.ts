// The event hub without a socket: every change is read once and serialised once, the
// same bytes go to every page, and a page whose socket takes nothing more is not
// written to (however many changes pass) until it drains, when it gets the whole
// current list once. That is what keeps an idle event stream O(1).
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ProjectSummary } from '../../dashboard/messages.js';
import { EventHub } from '../../dashboard/server.js';
import type { ProjectChange } from '../../store/watch.js';

/** A response whose socket takes `room` writes, then reports back-pressure (write → false). */
class FakeResponse extends EventEmitter {
  writes: Buffer[] = [];
  constructor(private room: number) {
    super();
  }
  writeHead() {
    return this;
  }
  write(chunk: Buffer) {
    this.writes.push(chunk);
    return this.writes.length <= this.room;
  }
  end() {}
  text(i: number) {
    return this.writes[i]!.toString('utf8');
  }
}

const summary = (n: number): ProjectSummary => ({ id: 'p1', name: `name-${n}`, path: '/nowhere', problem: null, view: null });

let hub: EventHub | undefined;
afterEach(() => hub?.close());

describe('EventHub', () => {
  it('one read and one serialisation per change for all pages; an idle page costs nothing until it drains', () => {
    let version = 0;
    const calls = { projects: 0, project: 0 };
    const changed: (() => void)[] = [];
    hub = new EventHub(
      () => (calls.projects++, [summary(version)]),
      () => (calls.project++, summary(version)),
      3,
      (_path, onChange) => (changed.push(onChange), () => undefined),
    );
    const fast = new FakeResponse(Infinity);
    const idle = new FakeResponse(0); // back-pressure from its very first write: it never reads
    const late = new FakeResponse(Infinity);
    hub.add(fast as unknown as ServerResponse);
    hub.add(idle as unknown as ServerResponse);
    expect(calls.projects).toBe(1); // the second page did not scan the registry again
    expect(idle.writes[0]).toBe(fast.writes[0]); // the very same bytes

    for (let i = 1; i <= 10; i++) {
      version = i;
      changed[0]!();
    }
    expect(calls.project).toBe(10); // one read per change, not per page
    expect(fast.writes).toHaveLength(11);
    expect(fast.text(10)).toContain('"name":"name-10"');
    expect(idle.writes).toHaveLength(1); // skipped while its socket is full

    hub.add(late as unknown as ServerResponse);
    expect(late.writes).toHaveLength(1);
    expect(late.text(0)).toMatch(/^event: projects\n/);
    expect(late.text(0)).toContain('"name":"name-10"'); // the list as it is now

    idle.emit('drain'); // it read at last: the whole current list, once
    expect(idle.writes).toHaveLength(2);
    expect(idle.writes[1]).toBe(late.writes[0]); // built once, shared
    idle.emit('drain'); // nothing missed since: nothing sent
    expect(idle.writes).toHaveLength(2);

    version = 11; // after a drain the socket may take one more write…
    changed[0]!();
    expect(fast.writes[11]).toBe(late.writes[1]);
    expect(idle.writes[2]).toBe(late.writes[1]);
    version = 12; // …which filled it again: skipped again
    changed[0]!();
    expect(fast.writes).toHaveLength(13);
    expect(idle.writes).toHaveLength(3);

    expect(hub.full).toBe(true);
    late.emit('close');
    expect(hub.full).toBe(false);
  });
});

describe('EventHub fed by typed changes', () => {
  const view = (running: boolean) => ({ builders: running ? [{ id: 'b', status: 'running', elapsed_seconds: 1 }] : [] }) as unknown as ProjectSummary['view'];
  const item = (id: string, running = false): ProjectSummary => ({ id, name: id, path: `/${id}`, problem: null, view: view(running) });

  it('a change builds only the project that changed; a tick builds only a project whose builders run; the backstop reads the registry only', () => {
    vi.useFakeTimers();
    try {
      let ids = ['p1', 'p2', 'p3'];
      const built: string[] = [];
      let listed = 0;
      let entries = 0;
      const onChange = new Map<string, (c: ProjectChange[]) => void>();
      hub = new EventHub(
        () => (listed++, ids.map((id) => item(id, id === 'p3'))),
        (id) => (built.push(id), item(id, id === 'p3')),
        3,
        (path, cb) => (onChange.set(path.slice(1), cb), () => undefined),
        () => (entries++, ids.map((id) => ({ id, path: `/${id}` }))),
      );
      const page = new FakeResponse(Infinity);
      hub.add(page as unknown as ServerResponse);
      expect(listed).toBe(1);
      onChange.get('p2')!([{ kind: 'state' }]);
      expect(built).toEqual(['p2']);
      onChange.get('p1')!([{ kind: 'tick' }]); // idle: nothing to build
      onChange.get('p3')!([{ kind: 'tick' }]); // a running builder's elapsed time
      expect(built).toEqual(['p2', 'p3']);
      vi.advanceTimersByTime(10_000); // five backstop looks, nothing registered meanwhile
      expect(entries).toBe(5);
      expect(built).toEqual(['p2', 'p3']);
      expect(listed).toBe(1);
      ids = ['p1', 'p2', 'p3', 'p4'];
      vi.advanceTimersByTime(2000);
      expect(built).toEqual(['p2', 'p3', 'p4']); // only the new one
      expect(page.text(page.writes.length - 1)).toMatch(/^event: projects\n/);
      expect(page.text(page.writes.length - 1)).toContain('"id":"p4"');
      expect(listed).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
