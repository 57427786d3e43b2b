#!/usr/bin/env bats
# examples/handlers/: each example handler, copied into an install's phases/ as the README says,
# serves its step of a workflow run by the orchestrator with the stand-in CI; workflow.phases
# puts it between (or after) the built-ins. Also: a bad workflow.phases is refused.
bats_require_minimum_version 1.5.0

setup() {
  load helpers
  export CI_COMMAND="$ROOT/compat/standin_ci" STANDIN_CI_COMPONENTS=2
  git_work_project
  # A user's install: our files, with their own phases/ folder (as ts_handlers.bats).
  INSTALL="$WORK/install"
  mkdir -p "$INSTALL/phases" "$INSTALL/templates"
  for f in dist lib compat node_modules package.json tsconfig.json start_workflow.sh orchestrator.sh status.sh stop_workflow.sh; do ln -s "$ROOT/$f" "$INSTALL/$f"; done
  for f in "$ROOT"/templates/*.sh; do ln -s "$f" "$INSTALL/templates/"; done
  for p in design_program design_build execution merge_build; do ln -s "$ROOT/phases/$p.sh" "$INSTALL/phases/$p.sh"; done
  "$INSTALL/templates/project_setup.sh" demo "$PROJ" >/dev/null
}

teardown() {
  end_project_orchestrator
  true
}

teardown_file() {
  load helpers
  stop_shim_helper
}

# install_example NAME…: as examples/handlers/README.md says (cp, chmod +x).
install_example() {
  local f
  for f in "$@"; do cp "$ROOT/examples/handlers/$f" "$INSTALL/phases/" && chmod +x "$INSTALL/phases/$f"; done
}

phases() { config ".workflow.phases = $1"; }

start_approved() {
  "$INSTALL/start_workflow.sh" "Build a calculator" "$PROJ" >/dev/null
  wait_state '.action_needed == "approve_design"' 60
  "$INSTALL/compat/argo" approve "$PROJ" >/dev/null
}

@test "security_scan (bash) and lint_check (TypeScript) before merge_build, changelog (TypeScript) after it: one workflow to storage" {
  install_example security_scan.sh lint_check.ts changelog.ts
  phases '["design_program", "design_build", "execution", "security_scan", "lint_check", "merge_build", "changelog"]'
  config '.lint_check.command = "grep -q \"Built by\" *.txt"'
  start_approved
  wait_state '.phase == "storage"' 90
  [ "$(jq -c '[.action_owner, .action_needed, .security_scan.findings, .lint_check.checked, .lint_check.failed]' .argo-project/state.json)" = '["user","none","0",["part-1","part-2"],{}]' ]
  # In the list's order: the scan, then the lint, before any merge; the changelog after the last, then the end.
  run grep -o -e 'security_scan: no findings' -e 'lint_check: .* passed for 2' -e '\[part-[12]\] merged' -e 'changelog: entry for 2' -e 'merge_build -> storage' .argo-project/logs/workflow.log
  assert_output 'security_scan: no findings
lint_check: `grep -q "Built by" *.txt` passed for 2
[part-1] merged
[part-2] merged
changelog: entry for 2
merge_build -> storage'
  # The changelog is committed on the merge target, above the merges.
  [ "$(git log -1 --format=%s)" = "changelog: Build a calculator" ]
  [ "$(git log -1 --format=%H)" = "$(jq -r .changelog.commit .argo-project/state.json)" ]
  run sed -n '1p;3p;5,6p' CHANGELOG.md
  assert_output "# Changelog
## $(date -u +%F): Build a calculator
- part-1: Part 1 of the work
- part-2: Part 2 of the work"
  [ "$(git log --merges --format=%s | sort | tr '\n' ,)" = "Merge builder: part-1,Merge builder: part-2," ]
}

@test "security_scan finds a secret a builder added: a person gets the findings, nothing is merged; handed back to merge_branches, the workflow ends" {
  install_example security_scan.sh
  phases '["design_program", "design_build", "execution", "security_scan", "merge_build"]'
  # The stand-in CI, but builder part-2 also commits an AWS-style access key (AWS's documented example).
  cat > "$WORK/leaky_ci" <<SH
#!/bin/bash
"$ROOT/compat/standin_ci" "\$@" || exit
if [[ -f part-2.txt && \$1 == *Implement* ]]; then
  echo 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE' > settings.ini
  git add settings.ini && git -c user.name=t -c user.email=t@t commit -q -m 'settings'
fi
SH
  chmod +x "$WORK/leaky_ci"
  export CI_COMMAND="$WORK/leaky_ci"
  start_approved
  wait_state '.action_needed == "review_security_findings"' 90
  [ "$(jq -c '[.phase, .action_owner, .security_scan.findings]' .argo-project/state.json)" = '["merge_build","user","1"]' ]
  run cat .argo-project/security_scan.md
  assert_output --partial '## part-2 (argo-builder-part-2)'
  assert_output --partial '    settings.ini: aws_access_key_id = AKIAIOSFODNN7EXAMPLE'
  refute_output --partial 'part-1'
  grep -q '\[SECURITY\] security_scan: 1 finding(s)' .argo-project/logs/workflow.log
  [ -z "$(git log --merges --format=%s)" ]
  # The person accepts (or has fixed the branch) and hands back to the merge.
  "$INSTALL/compat/argo" state update action_needed merge_branches
  "$INSTALL/compat/argo" state update action_owner code
  wait_state '.phase == "storage"' 60
  [ "$(git log --merges --format=%s | sort | tr '\n' ,)" = "Merge builder: part-1,Merge builder: part-2," ]
}

@test "lint_check fails for a builder: one ERROR line, and after the retries the person gets it in last_error; nothing merged" {
  install_example lint_check.ts
  phases '["design_program", "design_build", "execution", "lint_check", "merge_build"]'
  config '.lint_check.command = "test ! -f part-1.txt || { echo part-1 breaks the rule >&2; exit 1; }" | .limits.max_builder_retries = 0'
  start_approved
  wait_state '.action_needed == "lint_check" and .action_owner == "user"' 90
  [ "$(jq -r .error_recovery.last_error .argo-project/state.json)" = 'lint_check: lint_check: `test ! -f part-1.txt || { echo part-1 breaks the rule >&2; exit 1; }` failed for part-1 (their output: state lint_check.failed)' ]
  [ "$(jq -r '.lint_check.failed["part-1"]' .argo-project/state.json)" = 'part-1 breaks the rule' ]
  [ "$(jq -c '.lint_check.checked' .argo-project/state.json)" = '["part-1","part-2"]' ]
  [ -z "$(git log --merges --format=%s)" ]
}

@test "checklist: a person gets the list, a partly ticked list comes back to them, a ticked one hands on to merge_build" {
  install_example checklist.sh
  phases '["design_program", "design_build", "execution", "checklist", "merge_build"]'
  config '.checklist.items = ["Diffs read", "Docs updated"]'
  start_approved
  wait_state '.action_needed == "checklist" and .action_owner == "user"' 90
  run cat .argo-project/checklist.md
  assert_output '# Checklist: Build a calculator

Tick each item ("- [x]"), then: argo state update action_owner code

- [ ] Diffs read
- [ ] Docs updated'
  sed -i 's/^- \[ \] Diffs read/- [x] Diffs read/' .argo-project/checklist.md
  "$INSTALL/compat/argo" state update action_owner code
  wait_state '.checklist.open == "Docs updated" and .action_owner == "user"' 30
  [ -z "$(git log --merges --format=%s)" ]
  sed -i 's/^- \[ \] /- [x] /' .argo-project/checklist.md
  "$INSTALL/compat/argo" state update action_owner code
  wait_state '.phase == "storage"' 60
  [ "$(jq -c '[.checklist.status, .checklist.open, .action_needed]' .argo-project/state.json)" = '["done","","none"]' ]
  [ "$(git log --merges --format=%s | sort | tr '\n' ,)" = "Merge builder: part-1,Merge builder: part-2," ]
}

@test "a bad workflow.phases: start_workflow refuses with one ERROR line and changes nothing" {
  before=$(cat .argo-project/state.json)
  phases '["design_program", "execution", "design_build", "merge_build"]'
  run "$INSTALL/start_workflow.sh" "Build a calculator" "$PROJ"
  assert_failure 1
  assert_output 'ERROR: workflow.phases is ["design_program","execution","design_build","merge_build"] in config.json: its built-ins are [design_program, execution, design_build, merge_build]; accepted: a list of the built-ins design_program, design_build, execution, merge_build (each once, in this order) with handler names (letters, digits, _ and -, starting with a letter) between or after them; the workflow was not started'
  # A handler that is not installed (or a typo of a built-in) is named with the folder it was looked for in.
  phases '["design_program", "design_build", "execution", "security_scan", "merge_build"]'
  run "$INSTALL/start_workflow.sh" "Build a calculator" "$PROJ"
  assert_failure 1
  assert_output --regexp "^ERROR: workflow.phases names \"security_scan\" in config.json, which is neither a built-in \(design_program, design_build, execution, merge_build\) nor a handler in $INSTALL/phases \(an executable security_scan.sh, security_scan.ts or security_scan.mjs\); accepted: .*; the workflow was not started$"
  [ "${#lines[@]}" -eq 1 ]
  run "$INSTALL/compat/argo" doctor "$PROJ"
  assert_failure
  assert_line --regexp '^FAIL steps: ERROR: workflow.phases names "security_scan" in config.json, which is neither a built-in'
  [ "$(cat .argo-project/state.json)" = "$before" ]
  [ ! -e .argo-project/orchestrator.pid ]
}

@test "workflow.phases gone bad after the start (a handler removed): the orchestrator runs no step and hands to the user, naming it" {
  install_example security_scan.sh
  phases '["design_program", "design_build", "execution", "security_scan", "merge_build"]'
  rm "$INSTALL/phases/security_scan.sh"
  ARGO_SHIM_SERVER=0 "$INSTALL/compat/argo" call update_state action_needed design_program
  ARGO_SHIM_SERVER=0 "$INSTALL/compat/argo" call update_state action_owner code
  "$INSTALL/orchestrator.sh" "$PROJ" >/dev/null 2>&1 &
  wait_state '.action_owner == "user"' 30
  [ "$(jq -r .error_recovery.last_error .argo-project/state.json)" = "workflow.phases names \"security_scan\" in config.json, which is neither a built-in (design_program, design_build, execution, merge_build) nor a handler in $INSTALL/phases (an executable security_scan.sh, security_scan.ts or security_scan.mjs); accepted: a list of the built-ins design_program, design_build, execution, merge_build (each once, in this order) with handler names (letters, digits, _ and -, starting with a letter) between or after them" ]
  [ "$(jq -r '.design // "none"' .argo-project/state.json)" = none ]
  grep -q '\[ERROR\] workflow.phases names "security_scan"' .argo-project/logs/workflow.log
}

@test "handOffNext (TypeScript) and hand_off_next (the bash examples) outside the orchestrator: one ERROR line, exit 1, the relay unchanged" {
  install_example security_scan.sh
  before=$(cat .argo-project/state.json)
  cat > "$INSTALL/phases/next_only.ts" <<'TS'
import { state } from 'argo-ts/handler';
await state.handOffNext();
TS
  run env -u ARGO_NEXT_OWNER -u ARGO_NEXT_ACTION node --import "$ROOT/node_modules/tsx/dist/loader.mjs" "$INSTALL/phases/next_only.ts" "$PROJ"
  assert_failure 1
  assert_output 'ERROR: state.handOffNext: ARGO_NEXT_OWNER and ARGO_NEXT_ACTION are not set (the orchestrator sets them for a step named in workflow.phases); nothing changed'
  [ "$(cat .argo-project/state.json)" = "$before" ]
  # The bash examples' hand_off_next: the scan itself runs (no builders: no findings), the hand-off is refused.
  relay=$(jq -c '[.phase, .action_owner, .action_needed]' .argo-project/state.json)
  run env -u ARGO_NEXT_OWNER -u ARGO_NEXT_ACTION "$INSTALL/phases/security_scan.sh" "$PROJ"
  assert_failure 1
  assert_line 'ERROR: security_scan.sh: ARGO_NEXT_OWNER and ARGO_NEXT_ACTION are not set (the orchestrator sets them for a step named in workflow.phases); nothing changed'
  [ "$(jq -c '[.phase, .action_owner, .action_needed]' .argo-project/state.json)" = "$relay" ]
}

@test "the TypeScript examples type-check against 'argo-ts/handler'" {
  install_example lint_check.ts changelog.ts
  cat > "$INSTALL/tsconfig.handlers.json" <<'JSON'
{ "compilerOptions": { "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true,
    "noEmit": true, "skipLibCheck": true, "types": ["node"] }, "include": ["phases/*.ts"] }
JSON
  run "$ROOT/node_modules/.bin/tsc" -p "$INSTALL/tsconfig.handlers.json"
  assert_success
}

@test "handlers before design_program, after it (once approved) and between design_build and execution: each built-in hands to the list's next step" {
  cat > "$INSTALL/phases/prep.sh" <<'SH'
#!/bin/bash
source "${BASH_SOURCE[0]%/*}/../lib/state_file.sh"; source "${BASH_SOURCE[0]%/*}/../lib/logging_enhanced.sh"
cd "$1" && write_log STEP "prep -> $ARGO_NEXT_OWNER $ARGO_NEXT_ACTION" && update_state action_needed "$ARGO_NEXT_ACTION"
SH
  for name in after_design before_exec; do
    printf '%s\n' "import { log, state } from 'argo-ts/handler';" \
      "log.write('STEP', \`$name -> \${process.env.ARGO_NEXT_OWNER} \${process.env.ARGO_NEXT_ACTION}\`);" \
      'await state.handOffNext();' > "$INSTALL/phases/$name.mjs"
  done
  chmod +x "$INSTALL/phases/prep.sh" "$INSTALL/phases/after_design.mjs" "$INSTALL/phases/before_exec.mjs"
  phases '["prep", "design_program", "after_design", "design_build", "before_exec", "execution", "merge_build"]'
  "$INSTALL/start_workflow.sh" "Build a calculator" "$PROJ" >/dev/null
  wait_state '.action_needed == "approve_design"' 60
  run "$INSTALL/compat/argo" approve "$PROJ"
  assert_output 'Design approved (2 components); after_design comes next'
  wait_state '.phase == "storage"' 90
  run grep -o -e '\[STEP\] .*' -e 'Design approved' -e 'Phase transition: .*' .argo-project/logs/workflow.log
  assert_output 'Phase transition: idle -> init
[STEP] prep -> code design_program
Phase transition: init -> design
Design approved
[STEP] after_design -> code design_build
Phase transition: design -> execution
[STEP] before_exec -> code spawn_builders
Phase transition: execution -> merge_build
Phase transition: merge_build -> storage'
  [ "$(git log --merges --format=%s | sort | tr '\n' ,)" = "Merge builder: part-1,Merge builder: part-2," ]
}
