// One thread of the shim helper's jq pool (compat/jq_pool.ts): runs jq-wasm's raw()
// off the helper's event loop, one job at a time.
import { parentPort } from 'node:worker_threads';
import { jqModule } from '../core/jq.js';

interface Job {
  input: string;
  program: string;
  flags: string[];
}

parentPort?.on('message', (job: Job) => {
  jqModule()
    .then((jq) => jq.raw(job.input, job.program, job.flags))
    .then(
      (text) => parentPort!.postMessage({ text }),
      (e: unknown) => parentPort!.postMessage({ error: e instanceof Error ? e.message : String(e) }),
    );
});
