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
