// The supervisor's pure parts: the handlers' environment taken from the anchor, and the
// bytes an anchor sent after its request (its `stop`) kept for the supervisor.
import { describe, expect, it } from 'vitest';
import { anchorEnv } from '../../compat/supervisor.js';
import { RequestReader, encodeRequest } from '../../compat/shim_server.js';

describe('anchorEnv: what a node orchestrator started by that anchor would have had', () => {
  it("the anchor's starting environment, the install's ARGO_ROOT and ARGO_NODE, never the anchor's own bookkeeping", () => {
    const environ = ['PATH=/usr/bin', 'KEY=a=b', 'ARGO_ANCHOR_RESUMED=2', 'EMPTY=', 'noequals', ''].join('\0');
    expect(anchorEnv(environ, { ARGO_ROOT: '/opt/argo', ARGO_NODE: '/usr/bin/node', OTHER: 'x' })).toEqual({
      PATH: '/usr/bin',
      KEY: 'a=b',
      EMPTY: '',
      ARGO_ROOT: '/opt/argo',
      ARGO_NODE: '/usr/bin/node',
    });
  });

  it("the install's values win over the anchor's", () => {
    expect(anchorEnv('ARGO_ROOT=/elsewhere\0', { ARGO_ROOT: '/opt/argo' }).ARGO_ROOT).toBe('/opt/argo');
    expect(anchorEnv('ARGO_ROOT=/elsewhere\0', {}).ARGO_ROOT).toBe('/elsewhere');
  });
});

describe('RequestReader.rest', () => {
  it('keeps what follows the request in the same chunk (an anchor that asked to stop at once)', () => {
    const req = encodeRequest({ token: 't', cwd: '/', env: {}, fn: 'orchestrate', args: ['/p', '42', '0'] });
    const reader = new RequestReader(() => 1 << 20);
    expect(reader.push(Buffer.concat([req, Buffer.from('stop\0')]))).toBe(true);
    expect(reader.fields.slice(-3)).toEqual(['/p', '42', '0']);
    expect(reader.rest.toString()).toBe('stop\0');
  });

  it('is empty when the request ends the chunk', () => {
    const reader = new RequestReader(() => 1 << 20);
    reader.push(encodeRequest({ token: 't', cwd: '/', env: {}, fn: 'read_state', args: ['phase'] }));
    expect(reader.rest.length).toBe(0);
  });
});
