// The supervisor's pure parts: the handlers' environment taken from the anchor, and the
// bytes an anchor sent after its request (its `stop`) kept for the supervisor.
import { describe, expect, it } from 'vitest';
import { anchorEnv } from '../../compat/supervisor.js';
import { RequestReader, encodeRequest } from '../../compat/shim_server.js';
import { workflowEnvOf } from '../../store/agent_env.js';

describe('anchorEnv: what a node orchestrator started by that anchor would have had', () => {
  it("the anchor's starting environment, the install's ARGO_ROOT and ARGO_NODE, never the anchor's own bookkeeping", () => {
    const environ = ['PATH=/usr/bin', 'KEY=a=b', 'ARGO_ANCHOR_RESUMED=2', 'ARGO_RUNTIME_VERIFIED=/run/argo-0', 'EMPTY=', 'noequals', ''].join('\0');
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

describe("the shim's private-folder mark", () => {
  it('is never recorded as part of the workflow environment (a later start checks the folder again)', () => {
    expect(workflowEnvOf({ ARGO_RUNTIME_VERIFIED: '/run/argo-0', PATH: '/bin' })).toEqual({ PATH: '/bin' });
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
