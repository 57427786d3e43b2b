#!/usr/bin/env bats
# The suite's own wait (helpers.bash wait_state): exact, and cheap while it waits — jq
# starts only when the state's text changed and, for `.path == "text"` conditions, only
# once that text is in the file.
bats_require_minimum_version 1.5.0

setup() {
  load helpers
  T=$(mktemp -d "$BATS_TEST_TMPDIR/wait.XXXXXX")
  PROJ=$T/proj
  mkdir -p "$PROJ/.argo-project" "$T/bin"
  # jq, counted: each start appends a line
  printf '#!/bin/bash\necho x >> %q\nexec %q "$@"\n' "$T/jq.calls" "$(command -v jq)" > "$T/bin/jq"
  chmod +x "$T/bin/jq"
  : > "$T/jq.calls"
}

put_state() { printf '{"phase": "%s", "action_needed": "%s"}\n' "$1" "$2" > "$PROJ/.argo-project/state.json"; }
calls() { wc -l < "$T/jq.calls"; }

@test "wait_state: an == condition starts no jq until its text is in the file, then holds" {
  put_state design approve_design
  PATH=$T/bin:$PATH run wait_state '.phase == "storage"' 1
  [ "$status" -eq 1 ]
  [[ $output == *'timed out waiting for .phase == "storage"'* ]]
  [ "$(calls)" -eq 1 ] # the one jq of the timeout message
  : > "$T/jq.calls"
  put_state storage none
  PATH=$T/bin:$PATH run wait_state '.phase == "storage"' 5
  [ "$status" -eq 0 ]
  [ "$(calls)" -eq 1 ]
}

@test "wait_state: the text elsewhere in the file is not enough (jq decides); two tests joined by and need both" {
  put_state design storage # "storage" is there, but not as the phase
  PATH=$T/bin:$PATH run wait_state '.phase == "storage"' 1
  [ "$status" -eq 1 ]
  [ "$(calls)" -eq 2 ] # jq looked once, then the timeout message
  : > "$T/jq.calls"
  put_state storage approve_design
  PATH=$T/bin:$PATH run wait_state '.phase == "storage" and .action_needed == "none"' 1
  [ "$status" -eq 1 ]
  [ "$(calls)" -eq 1 ] # "none" absent: no look, only the message
  put_state storage none
  PATH=$T/bin:$PATH run wait_state '.phase == "storage" and .action_needed == "none"' 5
  [ "$status" -eq 0 ]
}

@test "wait_state: any other condition is jq's every time the text changes (or, !=, no literal)" {
  put_state design approve_design
  PATH=$T/bin:$PATH run wait_state '.phase == "storage" or .action_needed == "approve_design"' 5
  [ "$status" -eq 0 ]
  [ "$(calls)" -eq 1 ]
  : > "$T/jq.calls"
  PATH=$T/bin:$PATH run wait_state '.phase != "storage"' 5
  [ "$status" -eq 0 ]
  [ "$(calls)" -eq 1 ]
}
