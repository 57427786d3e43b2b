#!/usr/bin/env bats
# Workflow templates (issue 22): argo templates list|show|new, argo start --template, a
# broken template's one ERROR line, a project template over a built-in of its name, and a
# pinned template seen by every reader (read_config, doctor, the design phase).

bats_require_minimum_version 1.5.0

setup() {
  load helpers
  export XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/xdg" # no templates of the person running the tests
  export CI_COMMAND="$ROOT/compat/standin_ci"
  git_work_project
  "$ROOT/templates/project_setup.sh" demo "$PROJ" >/dev/null
  ARGO="$ROOT/compat/argo"
  TPL="$PROJ/.argo-project/templates"
}

teardown() {
  [[ -n $ORCH ]] && kill "$ORCH" 2>/dev/null || true
  true
}

teardown_file() {
  load helpers
  stop_shim_helper
}

# template NAME JSON-BODY: writes the project's template NAME (name, description, when filled in).
template() {
  local body=${2:-'{}'}
  mkdir -p "$TPL"
  jq -n --arg n "$1" --argjson b "$body" '{name: $n, description: "team \($n)", when: "always"} + $b' > "$TPL/$1.json"
}

@test "argo templates list shows the seven built-ins, in a project and outside one" {
  run "$ARGO" templates list "$PROJ"
  assert_success
  [ "$(cut -d' ' -f1 <<< "$output" | tr '\n' ,)" = "best-of-n,bugfix,docs,feature,refactor,review,tests," ]
  assert_line --regexp '^feature +built-in +Today.s workflow'
  cd "$WORK"
  run "$ARGO" templates list
  assert_success
  [ "${#lines[@]}" -eq 7 ]
}

@test "argo templates show: the file, when to use it, the config keys it sets and its prompts" {
  run "$ARGO" templates show bugfix
  assert_success
  assert_line "file:        $ROOT/templates/workflows/bugfix.json (built-in)"
  assert_line 'config:      {"workflow":{"kind":"bugfix"}}'
  run "$ARGO" templates show docs
  assert_line '--- prompts.builder ---'
  run "$ARGO" templates show feature
  assert_line "config:      (no keys: the built-in defaults, today's workflow)"
  run ! "$ARGO" templates show nothing
  assert_output --partial 'ERROR: template is "nothing", but no such template is in'
  assert_output --partial 'accepted: best-of-n, bugfix, docs, feature, refactor, review, tests'
}

@test "argo templates new writes a commented starting file that is valid, and never overwrites one" {
  run "$ARGO" templates new team-fix "$PROJ"
  assert_success
  assert_line "Wrote $TPL/team-fix.json"
  [ "$(jq -r '._comment | length > 3' "$TPL/team-fix.json")" = true ]
  run "$ARGO" templates show team-fix
  assert_success
  assert_line "file:        $TPL/team-fix.json (project)"
  echo edited > "$TPL/team-fix.json"
  run ! "$ARGO" templates new team-fix
  assert_output "ERROR: $TPL/team-fix.json already exists; nothing was written (edit it, or choose another name)"
  [ "$(cat "$TPL/team-fix.json")" = edited ]
  run ! "$ARGO" templates new ../escape
  assert_output --partial 'ERROR: template name "../escape" is not usable'
}

@test "a broken template file: one ERROR line naming the file, the key and the value; start refuses it and changes nothing" {
  template bad '{"agents": {"builders": 7}}'
  run ! "$ARGO" templates show bad
  assert_output "ERROR: template $TPL/bad.json: agents.builders is 7; accepted: one agent preset or command (a string), or a non-empty list of presets (best-of-n)"
  run ! "$ARGO" templates list
  assert_line --index 0 --partial 'best-of-n'
  assert_line "ERROR: template $TPL/bad.json: agents.builders is 7; accepted: one agent preset or command (a string), or a non-empty list of presets (best-of-n)"
  cp .argo-project/config.json "$WORK/config.before"
  run ! "$ROOT/start_workflow.sh" --template bad "Fix it" "$PROJ"
  assert_output --partial "ERROR: template $TPL/bad.json: agents.builders is 7"
  assert_output --partial 'the workflow was not started'
  [ ! -e .argo-project/orchestrator.pid ]
  cmp .argo-project/config.json "$WORK/config.before"
  [ "$(state .phase)" = init ]
}

@test "a project template overrides the built-in of its name (list, show, start)" {
  template feature '{"defaults": {"limits": {"max_parallel_builders": 2}}}'
  run "$ARGO" templates list
  assert_line --regexp "^feature +project +team feature \(overrides $ROOT/templates/workflows/feature.json\)$"
  run "$ARGO" templates show feature
  assert_line "file:        $TPL/feature.json (project)"
  run "$ROOT/compat/argo" start --template feature "Build a calculator" "$PROJ"
  assert_success
  ORCH=$(cat .argo-project/orchestrator.pid)
  assert_line "Template: feature (project: $TPL/feature.json)"
  run "$ARGO" templates list
  assert_line --regexp '^feature +project .*\[in use: workflow.template\]$'
  refute_line --regexp '^bugfix .*in use'
  [ "$("$ARGO" call read_config limits.max_parallel_builders)" = 2 ]
}

@test "a template in the user's folder (XDG_CONFIG_HOME) is found; the project's own wins over it" {
  mkdir -p "$XDG_CONFIG_HOME/argo/templates"
  jq -n '{name: "mine", description: "from the user", when: "w"}' > "$XDG_CONFIG_HOME/argo/templates/mine.json"
  run "$ARGO" templates show mine
  assert_line "file:        $XDG_CONFIG_HOME/argo/templates/mine.json (user)"
  template mine
  run "$ARGO" templates show mine
  assert_line "file:        $TPL/mine.json (project)"
}

@test "argo start --template feature runs to storage with the stand-in CI exactly as without a template" {
  run "$ROOT/compat/argo" start --template feature "Build a calculator" "$PROJ"
  assert_success
  ORCH=$(cat .argo-project/orchestrator.pid)
  assert_line --index 0 '=== Starting Argo Workflow ==='
  assert_line --index 3 "Template: feature (built-in: $ROOT/templates/workflows/feature.json)"
  [ "$(jq -r .workflow.template .argo-project/config.json)" = feature ]
  wait_state '.action_needed == "approve_design"' 30
  [ "$(jq -r '.design.components | length' .argo-project/state.json)" = 3 ]
  "$ARGO" approve "$PROJ" >/dev/null
  wait_state '.phase == "storage"' 60
  [ "$(git log --merges --format=%s | sort | tr '\n' ,)" = "Merge builder: cli,Merge builder: core,Merge builder: docs," ]
  [ "$(jq -r '[.execution.builders[].status] | unique | join(",")' .argo-project/state.json)" = completed ]
  wait_gone "$ORCH" 10
}

@test "a pinned template is seen by every reader: read_config, doctor (where each key comes from), the design phase's agent and prompt" {
  cat > "$WORK/planner" <<SH
#!/usr/bin/env bash
printf '%s\n' "\$1" > "$WORK/planner.prompt"
exec "$ROOT/compat/standin_ci" "\$@"
SH
  chmod +x "$WORK/planner"
  template team "$(jq -n --arg p "$WORK/planner" '{defaults: {limits: {max_parallel_builders: 2, max_cost_usd: 9}, design: {plan: true}}, agents: {design: $p}, prompts: {design: "TEAM DESIGN PROMPT\nRequirement: {{requirement}}\n{{format}}"}}')"
  config '.workflow.template = "team" | .limits.max_cost_usd = 3'
  [ "$("$ARGO" call read_config limits.max_parallel_builders)" = 2 ]
  [ "$("$ARGO" call read_config limits.max_cost_usd)" = 3 ]
  run "$ARGO" doctor "$PROJ"
  assert_line "ok   template: team (project, $TPL/team.json)"
  assert_line 'note   limits.max_parallel_builders = 2 (template)'
  assert_line 'note   limits.max_cost_usd = 3 (project)'
  assert_line "note   design.agent = \"$WORK/planner\" (template)"
  "$ROOT/start_workflow.sh" "Build a calculator" "$PROJ" >/dev/null
  ORCH=$(cat .argo-project/orchestrator.pid)
  wait_state '.action_needed == "approve_design"' 30
  head -1 "$WORK/planner.prompt" | grep -qx 'TEAM DESIGN PROMPT'
}

@test "a pinned template that is not there: start refuses with one ERROR line naming config.json" {
  config '.workflow.template = "gone"'
  run ! "$ROOT/start_workflow.sh" "Build a calculator" "$PROJ"
  assert_output --partial "ERROR: workflow.template in $PROJ/.argo-project/config.json is \"gone\", but no such template is in"
  [ ! -e .argo-project/orchestrator.pid ]
}

@test "without --template, start writes nothing of templates: config.json unchanged, no Template line (COMPAT)" {
  cp .argo-project/config.json "$WORK/config.before"
  run "$ROOT/start_workflow.sh" "Build a calculator" "$PROJ"
  assert_success
  ORCH=$(cat .argo-project/orchestrator.pid)
  assert_line --index 2 'Query: Build a calculator'
  assert_line --index 3 'Workflow started'
  refute_output --partial 'Template:'
  cmp .argo-project/config.json "$WORK/config.before"
}
