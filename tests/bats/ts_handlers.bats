#!/usr/bin/env bats
# TypeScript phase handlers written by users (phases/<name>.ts through
# 'argo-ts/handler'), beside legacy bash handlers and our built-ins.
bats_require_minimum_version 1.5.0

setup() {
  load helpers
  export CI_COMMAND="$ROOT/compat/standin_ci"
  git_work_project
  # A user's install: our files, with their own phases/ folder.
  INSTALL="$WORK/install"
  mkdir -p "$INSTALL/phases" "$INSTALL/templates"
  for f in dist lib compat node_modules package.json tsconfig.json start_workflow.sh orchestrator.sh status.sh stop_workflow.sh; do ln -s "$ROOT/$f" "$INSTALL/$f"; done
  for f in "$ROOT"/templates/*.sh; do ln -s "$f" "$INSTALL/templates/"; done
}

teardown() {
  [[ -n $ORCH ]] && kill "$ORCH" 2>/dev/null || true
  true
}

teardown_file() {
  load helpers
  stop_shim_helper
}

@test "a user's TypeScript design_program, a legacy bash design_build and the built-ins serve one workflow to storage" {
  # Our built-in shim for design_program stays beside the user's .ts: the .ts must win over it.
  for p in design_program execution merge_build; do ln -s "$ROOT/phases/$p.sh" "$INSTALL/phases/$p.sh"; done
  install -m 755 "$ROOT/tests/fixtures/ts_design_program.ts" "$INSTALL/phases/design_program.ts"
  cp "$ROOT/tests/fixtures/legacy_design_build.sh" "$INSTALL/phases/design_build.sh"
  "$INSTALL/templates/project_setup.sh" demo "$PROJ" >/dev/null
  "$INSTALL/start_workflow.sh" "Build a calculator" "$PROJ" >/dev/null
  ORCH=$(cat .argo-project/orchestrator.pid)
  wait_state '.action_needed == "approve_design"' 60
  [[ $(jq -r .design.summary .argo-project/state.json) == "TS design for: Build a calculator (at "* ]]
  [ "$(jq -r '.design.components | map(.id) | join(",")' .argo-project/state.json)" = core,cli,docs ]
  "$INSTALL/compat/argo" approve "$PROJ" >/dev/null
  wait_state '.phase == "storage"' 90
  grep -q '\[TS\] ts design_program made 3 components' .argo-project/logs/workflow.log
  grep -q '\[STATE\] Phase transition: init -> design' .argo-project/logs/workflow.log
  grep -q '\[LEGACY\] legacy design_build made 3 builders' .argo-project/logs/workflow.log
  for f in core cli docs; do [ -f "$f.txt" ]; done
  [ "$(git log --merges --format=%s | sort | tr '\n' ,)" = "Merge builder: cli,Merge builder: core,Merge builder: docs," ]
}

@test "the handler template type-checks against 'argo-ts/handler' and runs as a step" {
  install -m 755 "$ROOT/templates/handler.ts" "$INSTALL/phases/my_step.ts"
  install -m 755 "$ROOT/tests/fixtures/ts_design_program.ts" "$INSTALL/phases/design_program.ts"
  cat > "$INSTALL/tsconfig.handlers.json" <<'JSON'
{ "compilerOptions": { "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true,
    "noEmit": true, "skipLibCheck": true, "types": ["node"] }, "include": ["phases/*.ts"] }
JSON
  run "$ROOT/node_modules/.bin/tsc" -p "$INSTALL/tsconfig.handlers.json"
  assert_success
  "$INSTALL/templates/project_setup.sh" demo "$PROJ" >/dev/null
  echo hello > a.txt && git add a.txt
  ARGO_SHIM_SERVER=0 "$INSTALL/compat/argo" call update_state user_query "Say hi"
  run node --import "$ROOT/node_modules/tsx/dist/loader.mjs" "$INSTALL/phases/my_step.ts" "$PROJ"
  assert_success
  [ "$(jq -c '[.my_step.files, .my_step.done, .action_owner, .action_needed]' .argo-project/state.json)" = '[1,true,"user","review_my_step"]' ]
  grep -q "\[INFO\] my_step: working on \"Say hi\" in $PROJ" .argo-project/logs/workflow.log
}

@test "a chained TypeScript handler: step_one hands to code, the orchestrator runs step_two next, which hands to the user" {
  cat > "$INSTALL/phases/step_one.ts" <<'TS'
import { log, state } from 'argo-ts/handler';
await state.set({ 'chain.one': true });
log.info('step_one done');
await state.handOff({ owner: 'code', action: 'step_two' });
TS
  cat > "$INSTALL/phases/step_two.ts" <<'TS'
import { log, state } from 'argo-ts/handler';
await state.set({ 'chain.two': await state.read('chain.one') });
log.info('step_two done');
await state.handOff({ phase: 'review', owner: 'user', action: 'look_at_chain' });
TS
  chmod +x "$INSTALL/phases/step_one.ts" "$INSTALL/phases/step_two.ts"
  "$INSTALL/templates/project_setup.sh" demo "$PROJ" >/dev/null
  ARGO_SHIM_SERVER=0 "$INSTALL/compat/argo" call update_state action_needed step_one
  ARGO_SHIM_SERVER=0 "$INSTALL/compat/argo" call update_state action_owner code
  "$INSTALL/orchestrator.sh" "$PROJ" >/dev/null 2>&1 &
  ORCH=$!
  wait_state '.action_needed == "look_at_chain"' 60
  [ "$(jq -c '[.chain.one, .chain.two, .phase, .action_owner]' .argo-project/state.json)" = '[true,"true","review","user"]' ]
  grep -q '\[INFO\] step_one done' .argo-project/logs/workflow.log
  grep -q '\[INFO\] step_two done' .argo-project/logs/workflow.log
}

@test "a handler handing off to an owner outside code, ci, user: one ERROR line, exit 1, nothing written" {
  cat > "$INSTALL/phases/bad_owner.mjs" <<'JS'
import { state } from 'argo-ts/handler';
await state.handOff({ owner: 'robot', action: 'next' });
JS
  "$INSTALL/templates/project_setup.sh" demo "$PROJ" >/dev/null
  before=$(cat .argo-project/state.json)
  run node "$INSTALL/phases/bad_owner.mjs" "$PROJ"
  assert_failure 1
  assert_output 'ERROR: state.handOff: owner "robot" is not one of code, ci, user (code: the orchestrator runs the next handler; ci or user: it waits for them); nothing changed'
  [ "$(cat .argo-project/state.json)" = "$before" ]
}
