# Shared by the bats suites: paths, a private shim helper per test file, temp projects.
ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
[[ -d $ROOT/node_modules ]] || ROOT=$(cd "$BATS_TEST_DIRNAME/../../.." && pwd)
# bats-support and bats-assert, file by file in the order of their load.bash: those run
# `dirname` once per file (15 processes), and this runs for every test.
for __f in support/src/{output,error,lang} assert/src/{assert,refute,assert_equal,assert_not_equal,assert_success,assert_failure,assert_output,refute_output,assert_line,refute_line,assert_regex,refute_regex}; do
  source "$ROOT/node_modules/bats-$__f.bash" || return 1
done
unset __f
source "$ROOT/tests/bats/require_tool.bash"

# Each test file gets its own helper runtime folder, so it only ever talks to (and
# stops) the helper process it started itself.
export XDG_RUNTIME_DIR="${BATS_FILE_TMPDIR}/run"

# Port file: "port token pid start-time lock-fd"; the pid is signalled only while /proc
# shows the same process (same start time), never a recycled pid.
stop_shim_helper() {
  local port_file _port _token pid start stat
  for port_file in "$XDG_RUNTIME_DIR"/argo-*/*.port; do
    [[ -f $port_file ]] && read -r _port _token pid start _ < "$port_file" && [[ -n $pid ]] || continue
    { IFS= read -r stat < "/proc/$pid/stat"; } 2>/dev/null || continue
    IFS=' ' read -r -a stat <<< "${stat##*) }"
    [[ ${stat[19]} == "$start" ]] && kill "$pid" 2>/dev/null || true
  done
  return 0
}

# A temp project with a fresh state file; cwd = the project.
new_project() {
  PROJ=$(mktemp -d "$BATS_TEST_TMPDIR/proj.XXXXXX")
  cd "$PROJ" || return 1
  ARGO_SHIM_SERVER=${ARGO_SHIM_SERVER:-1} "$ROOT/compat/argo" state init demo "$PROJ" >/dev/null
}

state() { jq -r "$1" "$PROJ/.argo-project/state.json"; }

# A git repository as the project, in a work folder of its own with a private projects
# registry: sets WORK, PROJ (the cwd) and ORCH=; extra arguments go to `git init`.
git_work_project() {
  WORK=$(mktemp -d "$BATS_TEST_TMPDIR/work.XXXXXX")
  export ARGO_PROJECTS_REGISTRY="$WORK/projects.json"
  PROJ="$WORK/repo"
  mkdir -p "$PROJ" && cd "$PROJ" || return 1
  git init -q "$@"
  git -c user.name=t -c user.email=t@t commit -q --allow-empty -m init
  ORCH=
}

# Ends the orchestrator $PROJ's pid file names, only while /proc shows it is the
# orchestrator of $PROJ (the file may name a pid recycled since).
end_project_orchestrator() {
  local pid cmd
  pid=$(cat "$PROJ/.argo-project/orchestrator.pid" 2>/dev/null) || return 0
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  cmd=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null) || return 0
  [[ $cmd == *orchestrator* && $cmd == *" $PROJ"* ]] && kill "$pid" 2>/dev/null || true
  return 0
}

# Every wait's deadline guards against a hang only; what a test asserts about time it
# measures itself. A CI runner is shared and was seen at 1.5-2x this machine's idle times
# (a test whose 60 s wait covers a whole workflow took 75 s there), so under CI each
# deadline is WAIT_SCALE times longer: ARGO_TEST_WAIT_SCALE, 3 unless set.
WAIT_SCALE=${ARGO_TEST_WAIT_SCALE:-$([[ -n ${CI:-} ]] && echo 3 || echo 1)}
[[ $WAIT_SCALE =~ ^[1-9][0-9]?$ ]] || { echo "ERROR: ARGO_TEST_WAIT_SCALE is '$WAIT_SCALE'; accepted: a whole number from 1 to 99" >&2; exit 1; }

# wait_state JQ_CONDITION SECONDS: until $PROJ's state satisfies the condition; on time
# out, says where the workflow stands. A test file may keep its own.
# jq runs only when the file's text changed since the last look (read with a builtin): a
# jq start costs 10-25 ms of CPU, and 20 looks a second while several test files wait at
# once took the CPU from the very processes being waited on.
# A condition of the form `.path == "text"` (or several joined by `and`) cannot hold while
# the file lacks one of those texts, quoted: then jq is not started at all (a workflow's
# state changes a few dozen times before it reaches "storage").
declare -F wait_state >/dev/null || wait_state() {
  local end=$((SECONDS + $2 * WAIT_SCALE)) file="$PROJ/.argo-project/state.json" text seen= lit needs=() rest=$1
  local test='\.[A-Za-z0-9_.]+(\[[0-9]+\])?[A-Za-z0-9_.]* == "([A-Za-z0-9_.: -]*)"'
  while [[ $rest =~ ^$test( and (.*))?$ ]]; do
    needs+=("\"${BASH_REMATCH[2]}\"")
    rest=${BASH_REMATCH[4]}
    [[ -n ${BASH_REMATCH[3]} ]] || break
  done
  [[ -z $rest || ${#needs[@]} -eq 0 ]] || needs=() # not that form: jq decides every time
  for ((;;)); do
    text=
    { IFS= read -r -d '' text < "$file"; } 2>/dev/null || true # status 1 at the end of the file, text read
    if [[ -n $text && $text != "$seen" ]]; then
      seen=$text
      local has_all=1
      for lit in "${needs[@]}"; do [[ $text == *"$lit"* ]] || has_all=; done
      if [[ -n $has_all ]] && jq -e "$1" <<< "$text" >/dev/null 2>&1; then return 0; fi
    fi
    ((SECONDS < end)) || { echo "timed out waiting for $1; state: $(jq -c '{phase,action_owner,action_needed,error_recovery,b:[.execution.builders[]?|{id,status,failure}]}' "$file")" >&2; return 1; }
    sleep 0.05
  done
}

# Waits are conditions with deadlines, never fixed sleeps (docs/TESTING.md). A test
# file that defines its own alive / wait_for / wait_gone before loading this keeps it.

# __poll_until SECONDS COMMAND...: polls COMMAND until it succeeds; fails when time is up.
__poll_until() {
  local limit=$1
  shift
  local end=$(($(date +%s%N) + limit * WAIT_SCALE * 1000000000))
  until "$@"; do
    (($(date +%s%N) < end)) || { echo "timed out after $((limit * WAIT_SCALE))s waiting for: $*" >&2; return 1; }
    sleep 0.05
  done
}

# alive PID: running, and not a zombie (an orphan init has not reaped yet has ended).
# One read of /proc/PID/stat: kill -0 then ps was two looks, and a zombie reaped between
# them looked alive.
__alive() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }; [[ -n $s && $s != [ZX]* ]]; }
ended() { ! __alive "$1"; }
declare -F alive >/dev/null || alive() { __alive "$@"; }

# wait_for SECONDS COMMAND... (whole seconds)
declare -F wait_for >/dev/null || wait_for() { __poll_until "$@"; }

# wait_gone PID SECONDS: until PID has ended.
declare -F wait_gone >/dev/null || wait_gone() { __poll_until "$2" ended "$1"; }

# The fake-agent workflow tests' shared steps (a test file may keep its own of each).
# fake_agents_project: a git project set up by project_setup.sh, the fake agent CLIs
# (tests/fixtures/agents) first on PATH under the real names, their calls logged in
# $FAKE_AGENT_LOG; no CI_COMMAND or ARGO_AGENT from outside.
declare -F fake_agents_project >/dev/null || fake_agents_project() {
  unset CI_COMMAND ARGO_AGENT
  export PATH="$ROOT/tests/fixtures/agents:$PATH"
  git_work_project
  export FAKE_AGENT_LOG="$WORK/calls"
  "$ROOT/templates/project_setup.sh" demo "$PROJ" >/dev/null
}
# config JQ: edits .argo-project/config.json with a jq program (cwd: the project).
declare -F config >/dev/null || config() {
  jq "$1" .argo-project/config.json > .argo-project/config.json.new && mv .argo-project/config.json.new .argo-project/config.json
}
# state_edit JQ: edits .argo-project/state.json with a jq program (cwd: the project).
declare -F state_edit >/dev/null || state_edit() {
  jq "$1" .argo-project/state.json > .argo-project/state.json.new && mv .argo-project/state.json.new .argo-project/state.json
}
# start_and_approve [QUERY]: starts the workflow (ORCH = its orchestrator), waits for the
# design and approves it as designed.
declare -F start_and_approve >/dev/null || start_and_approve() {
  "$ROOT/start_workflow.sh" "${1:-Build a calculator}" "$PROJ" >/dev/null
  ORCH=$(cat .argo-project/orchestrator.pid)
  wait_state '.action_needed == "approve_design"' 30
  "$ROOT/compat/argo" approve "$PROJ" >/dev/null
}
# commit_files PATH…: each file written ("content of PATH", folders made) and committed in one commit.
declare -F commit_files >/dev/null || commit_files() {
  for f in "$@"; do mkdir -p "$(dirname "$f")" && echo "content of $f" > "$f"; done
  git add -- "$@" && git -c user.name=t -c user.email=t@t commit -q -m "files: $*"
}
