#!/usr/bin/env -S npx --no-install tsx
// A phase handler in TypeScript — a starting point (docs/HANDLERS.md).
//
// Copy it to phases/<action>.ts in your argo-ts install and make it executable:
//   cp templates/handler.ts phases/my_step.ts && chmod +x phases/my_step.ts
// The orchestrator then runs it whenever state says action_owner=code and
// action_needed=my_step, with the project folder as argument and working directory.
// Exit 0 when the step is done (after handing off); any other status is a failure
// that the orchestrator retries (limits.max_builder_retries) like a bash handler's.
import { $, log, project, state } from 'argo-ts/handler';

const query = await state.read('user_query'); // what `read_state user_query` prints
log.info(`my_step: working on "${query}" in ${project.dir}`);

// Shell steps with zx: arguments are quoted for you, a non-zero exit throws.
const files = (await $({ cwd: project.dir, nothrow: true })`git ls-files`).stdout.split('\n').filter(Boolean);

// JSON values at dotted keys, in one locked write (update_state stores strings only).
await state.set({ 'my_step.files': files.length, 'my_step.done': true });

// Who acts next: 'code' — the orchestrator runs the handler phases/<action>.* next;
// 'ci' — a CI system (or a person as one) must act; 'user' — a person must act.
await state.handOff({ owner: 'user', action: 'review_my_step' });
