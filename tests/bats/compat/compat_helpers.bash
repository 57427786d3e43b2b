# The original phase-2 suite's scenarios (COMPAT.md §6.4), one bats test each.
# Differences on purpose: where the original passes vacuously we assert for real,
# waits poll up to the original's sleep instead of always sleeping it, and every
# process a test starts is ended by its PID (the original pkills by name). The
# original's fixed /tmp files (mock_ci.sh, ci_was_called, argo_phase_was_called,
# builder_was_spawned) live in each test's own $TEST_TMP_DIR, so two runs on one
# machine cannot collide; only the handlers these tests drop into phases/ are
# shared, by the runs of one checkout.
load ../helpers

ORIG_PHASES="$ROOT/phases"
STARTED=()

compat_setup() {
  TEST_TMP_DIR=$(mktemp -d /tmp/argo_test.XXXXXX)
  mkdir -p "$TEST_TMP_DIR/sessions"
  export TEST_TMP_DIR ARGO_PROJECTS_REGISTRY="$TEST_TMP_DIR/.argo/projects.json"
  unset CI_COMMAND
}

compat_teardown() {
  local pid f
  for f in "$TEST_TMP_DIR"/*/.argo-project/orchestrator.pid; do
    [[ -f $f ]] && STARTED+=("$(cat "$f")")
  done
  for pid in "${STARTED[@]}"; do
    [[ $pid =~ ^[0-9]+$ ]] && kill "$pid" 2>/dev/null || true
  done
  for pid in "${STARTED[@]}"; do
    [[ $pid =~ ^[0-9]+$ ]] && wait_gone "$pid" 3
  done
  rm -f "$ORIG_PHASES/test_phase.sh" "$ORIG_PHASES/design.sh" "$ORIG_PHASES/test_poll.sh"
  cd /
  rm -rf "$TEST_TMP_DIR"
}

# setup_project NAME: the original's "setup" (project folder, cwd, registry, project_setup).
setup_project() {
  PROJ="$TEST_TMP_DIR/${1:-test_project}"
  mkdir -p "$PROJ"
  cd "$PROJ"
  "$ROOT/templates/project_setup.sh" "${1:-test_project}" "$PROJ" >/dev/null
}

git_repo() {
  PROJ="$TEST_TMP_DIR/${1:-test_project}"
  mkdir -p "$PROJ" && cd "$PROJ"
  git init -q
  git config user.name "Test User"
  git config user.email test@example.com
  echo "initial" > main.txt
  git add main.txt
  git commit -q -m "Initial commit"
}

# Rewrites state.json the way the original tests do (jq into state.json.tmp, then mv).
set_state() {
  jq "$1" .argo-project/state.json > .argo-project/state.json.tmp && mv .argo-project/state.json.tmp .argo-project/state.json
}

orchestrator_pid() { cat "$PROJ/.argo-project/orchestrator.pid" 2>/dev/null; }
