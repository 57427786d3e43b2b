#!/usr/bin/env bats
# A design as a plan (issue 18): the follow-up when the answer has no component list, what
# status offers then, the plan check at approval (a cycle refused, warnings printed and
# kept), and which design prompt `argo doctor` reports.
bats_require_minimum_version 1.5.0

setup() {
  load helpers
  unset CI_COMMAND ARGO_AGENT
  new_project
  export PATH="$ROOT/tests/fixtures/agents:$PATH"
  export FAKE_AGENT_LOG="$PROJ/calls"
}

teardown_file() {
  load helpers
  stop_shim_helper
}

# awaiting COMPONENTS_JSON: a design awaiting approval with these components
awaiting() {
  jq --argjson c "$1" '.design = {"summary": "s", "components": $c, "created": "t", "approved": false} | .action_owner = "ci" | .phase = "design" | .action_needed = "approve_design"' .argo-project/state.json > t && mv t .argo-project/state.json
}

@test "a prose design, still prose after one follow-up: status says so and offers the editor, never the plain argo approve" {
  "$ROOT/compat/argo" state update user_query "Build a calculator" >/dev/null
  ARGO_AGENT=claude FAKE_AGENT_PROSE=always run -0 "$ROOT/phases/design_program.sh" "$PROJ"
  assert_line --partial 'The answer carries no component list: asking claude'
  [ "$(ls "$FAKE_AGENT_LOG"/*.argv | wc -l)" -eq 2 ]
  [ "$(state '.design.plan_followup')" = true ]
  [ "$(state '.design.components | length')" = 0 ]
  run -0 "$ROOT/compat/argo" status "$PROJ"
  assert_output --partial "Next: ci - The design has no component list (the CI tool was asked twice): add the components in the editor (the dashboard's component editor, or a file components.json holding a JSON list such as [{\"id\": \"core\""
  assert_line "  $ROOT/compat/argo approve --components components.json $PROJ"
  refute_line "  $ROOT/compat/argo approve $PROJ"
  run -0 "$ROOT/compat/argo" status --json "$PROJ"
  [ "$(jq -c '.next.commands[:1]' <<< "$output")" = "[\"$ROOT/compat/argo approve --components components.json $PROJ\"]" ]
  [ "$(jq -r '.design.plan_followup' <<< "$output")" = true ]
}

@test "argo approve refuses a plan with a dependency cycle: one ERROR line naming it, nothing changed" {
  awaiting '[{"id": "a", "description": "A", "depends_on": ["b"]}, {"id": "b", "description": "B", "depends_on": ["a"]}]'
  before=$(cat .argo-project/state.json)
  run -1 "$ROOT/compat/argo" approve "$PROJ"
  assert_output "ERROR: the plan in $PROJ/.argo-project/state.json has a dependency cycle: a → b → a (a cycle can never run: change depends_on); nothing changed"
  [ "$(cat .argo-project/state.json)" = "$before" ]
  echo '[{"id": "x", "description": "X", "depends_on": ["y"]}, {"id": "y", "description": "Y", "depends_on": ["x"]}]' > cycle.json
  run -1 "$ROOT/compat/argo" approve --components cycle.json "$PROJ"
  assert_output "ERROR: the plan in cycle.json has a dependency cycle: x → y → x (a cycle can never run: change depends_on); nothing changed"
  [ "$(cat .argo-project/state.json)" = "$before" ]
  run -0 "$ROOT/compat/argo" status "$PROJ"
  assert_output --partial 'The plan has a dependency cycle (a → b → a), which can never run'
  refute_line "  $ROOT/compat/argo approve $PROJ"
}

@test "argo approve --components checks the plan: warnings printed and kept in design.warnings, unknown dependencies dropped" {
  awaiting '[]'
  cat > plan.json <<'JSON'
[{"id": "core", "description": "C", "paths": ["src/core/**", "/etc/passwd"], "depends_on": ["ghost"], "acceptance": "npm test"},
 {"id": "ui", "description": "U", "paths": ["src/core/ui.ts"], "depends_on": ["core"], "acceptance": 3}]
JSON
  run -0 "$ROOT/compat/argo" approve --components plan.json "$PROJ"
  assert_line 'Plan warnings: 4'
  assert_line "  component 'ui': \"acceptance\" must be a non-empty string, got 3 (ignored)"
  assert_line "  component 'core' depends on 'ghost', which is not a component of the plan (dropped)"
  assert_line "  component 'core' owns '/etc/passwd', which is outside the repository (dropped)"
  assert_line "  components 'core' and 'ui' both own 'src/core/**' / 'src/core/ui.ts': their builders may edit the same files"
  assert_line 'Design approved (2 components); design_build comes next'
  [ "$(state '.design.warnings | length')" = 4 ]
  [ "$(jq -c '.design.components' .argo-project/state.json)" = '[{"id":"core","description":"C","paths":["src/core/**"],"depends_on":[],"acceptance":"npm test"},{"id":"ui","description":"U","paths":["src/core/ui.ts"],"depends_on":["core"]}]' ]
}

@test "status shows the plan warnings beside the approval; argo approve prints them and keeps them" {
  awaiting '[{"id": "a", "description": "A"}]'
  jq '.design.warnings = ["components '"'"'a'"'"' and '"'"'b'"'"' both own '"'"'src'"'"'"]' .argo-project/state.json > t && mv t .argo-project/state.json
  run -0 "$ROOT/compat/argo" status "$PROJ"
  assert_line 'Plan warnings (1):'
  assert_line "  components 'a' and 'b' both own 'src'"
  assert_output --partial 'Review the design (1 components, 1 plan warning) and approve it.'
  assert_line "  $ROOT/compat/argo approve $PROJ"
  run -0 "$ROOT/compat/argo" approve "$PROJ"
  assert_line 'Plan warnings: 1'
  assert_line "  components 'a' and 'b' both own 'src'"
  [ "$(state '.design.warnings | length')" = 1 ]
}

@test "argo doctor names the design prompt in use, and flags a bad design.md or design.plan" {
  CI_COMMAND=true run "$ROOT/compat/argo" doctor "$PROJ"
  assert_line "ok   design prompt: built-in, the original's text (a single-word CI tool; design.plan: true asks it for a plan)"
  ARGO_AGENT=claude run "$ROOT/compat/argo" doctor "$PROJ"
  assert_line "ok   design prompt: built-in plan prompt (components with paths, depends_on, acceptance; the plan through the CLI's structured output)"
  mkdir -p .argo-project/prompts
  echo 'Plan {{requirement}} as {{schema}}' > .argo-project/prompts/design.md
  CI_COMMAND=true run -0 "$ROOT/compat/argo" doctor "$PROJ"
  assert_line "ok   design prompt: $PROJ/.argo-project/prompts/design.md (the project's template; no plan asked)"
  echo 'Plan {{requirement}} for {{team}}' > .argo-project/prompts/design.md
  CI_COMMAND=true run -1 "$ROOT/compat/argo" doctor "$PROJ"
  assert_line "FAIL design prompt: $PROJ/.argo-project/prompts/design.md has an unknown placeholder {{team}} (accepted: {{requirement}}, {{schema}}, {{format}})"
  rm .argo-project/prompts/design.md
  echo '{"design": {"plan": "yes"}}' > .argo-project/config.json
  CI_COMMAND=true run -1 "$ROOT/compat/argo" doctor "$PROJ"
  assert_line 'FAIL design prompt: ERROR: design.plan must be true or false, got "yes"'
}

@test "design.plan not a boolean: design_program refuses with one ERROR line, nothing asked" {
  "$ROOT/compat/argo" state update user_query "Build a calculator" >/dev/null
  echo '{"design": {"plan": 1}}' > .argo-project/config.json
  ARGO_AGENT=claude run -1 --separate-stderr "$ROOT/phases/design_program.sh" "$PROJ"
  [ "$stderr" = 'ERROR: design.plan must be true or false, got 1' ]
  [ ! -d "$FAKE_AGENT_LOG" ]
  [ "$(state '.design')" = null ]
}
