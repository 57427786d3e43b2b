#!/usr/bin/env bats
# Never destroy a user's work (issue 6, data points 1–5; docs/SAFETY.md): worktree
# removal only of what is proven ours, cleanup that keeps unmerged work, builders'
# leftovers committed, a stopped merge that resumes, and a user's checkout that
# merge_build never touches. Every test asserts what must NOT happen, on real repos.

bats_require_minimum_version 1.5.0

setup() {
  load helpers
  [[ -f $ROOT/dist/phases/merge_build.js ]] || fail "dist/ is missing: run npm run build first"
  TMP=$(mktemp -d "$BATS_TEST_TMPDIR/safety.XXXXXX")
  PROJ=$TMP/repo
  export ARGO_PROJECTS_REGISTRY=$TMP/projects.json ARGO_SHIM_SERVER=0
  unset CI_COMMAND STANDIN_CI_FAIL STANDIN_CI_DELAY STANDIN_CI_COMPONENTS
  STARTED=()
}

teardown() {
  local pid
  touch "$TMP/release" # ends a lock holder the test started
  for pid in "${STARTED[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  cd /
}

state() { jq -r "$1" "$PROJ/.argo-project/state.json"; }
set_state() { jq "$1" "$PROJ/.argo-project/state.json" > "$PROJ/.argo-project/state.json.tmp" && mv "$PROJ/.argo-project/state.json.tmp" "$PROJ/.argo-project/state.json"; }

# a repo on master with one commit and a committed .gitignore (project_setup's), cwd = repo
repo_with_project() {
  mkdir -p "$PROJ" && cd "$PROJ"
  git init -q -b "${1:-master}"
  git config user.name Test && git config user.email test@example.invalid
  echo main > main.txt && git add main.txt && git commit -qm initial
  "$ROOT/templates/project_setup.sh" demo "$PROJ" >/dev/null
  git add .gitignore && git commit -qm ignore
}

ci_stub() { printf '#!/bin/bash\n%s\n' "$1" > "$TMP/ci.sh" && chmod +x "$TMP/ci.sh"; export CI_COMMAND=$TMP/ci.sh; }

# builders made by design_build itself (real worktrees), then run by execution
design_and_build() {
  local id list=''
  for id in "$@"; do list+="${list:+,}{\"id\": \"$id\", \"description\": \"the $id\"}"; done
  set_state ".design = {\"summary\": \"s\", \"components\": [$list], \"created\": \"T\", \"approved\": true} | .phase = \"design\""
  "$ROOT/phases/design_build.sh" "$PROJ" >/dev/null
}

# completed builders whose branches already exist (no worktrees)
completed_builders() {
  local id list=''
  for id in "$@"; do list+="${list:+,}{\"id\": \"$id\", \"status\": \"completed\", \"branch\": \"argo-builder-$id\", \"worktree\": null}"; done
  set_state ".execution = {\"builders\": [$list], \"status\": \"completed\"} | .phase = \"merge_build\" | .action_owner = \"code\" | .action_needed = \"merge_branches\""
}

# builder_branch ID...: argo-builder-<id> for each id, adding <id>.txt ("<id>") on top of
# $BASE (master), HEAD and the index untouched: one `git fast-import` for them all (made one
# by one with plumbing, 100 branches were ≈ 900 processes and 2 CPU-seconds).
builder_branch() {
  local base who id
  base=$(git rev-parse --verify "${BASE:-master}^{commit}") || return 1
  who=$(git var GIT_COMMITTER_IDENT) || return 1
  for id in "$@"; do
    printf 'commit refs/heads/argo-builder-%s\ncommitter %s\ndata %d\nadd %s\nfrom %s\nM 100644 inline %s.txt\ndata %d\n%s\n\n' \
      "$id" "$who" $((5 + ${#id})) "$id" "$base" "$id" $((1 + ${#id})) "$id"
  done | git fast-import --quiet
}

# wait_for 'shell condition' SECONDS
wait_for() {
  local end=$((SECONDS + $2 * WAIT_SCALE))
  until eval "$1"; do
    ((SECONDS < end)) || { echo "timed out waiting for: $1" >&2; return 1; }
    sleep 0.02
  done
}

# one read of /proc/PID/stat: ended, or a zombie not reaped yet
gone() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0; s=${s##*) }; [[ -z $s || $s == [ZX]* ]]; }

# every file's content, tracked or not (but .git and .argo-project), as one checksum list
tree_snapshot() { (cd "$1" && find . -path ./.git -prune -o -path ./.argo-project -prune -o -type f -print0 | sort -z | xargs -0 sha1sum); }

# ------------------------------------------------------------ 1. worktree removal

@test "merge_build: an agent that points its worktree at a folder outside the project → folder kept, refusal logged" {
  repo_with_project
  mkdir -p "$TMP/outside" && echo precious > "$TMP/outside/keep.txt"
  design_and_build api
  ci_stub "echo api > api.txt; git add api.txt; git commit -qm api; update_state 'execution.builders[0].worktree' '$TMP/outside'"
  run -0 timeout 30 "$ROOT/phases/execution.sh" "$PROJ"
  [ "$(state .execution.builders[0].worktree)" = "$TMP/outside" ]
  run -0 "$ROOT/phases/merge_build.sh" "$PROJ"
  [ "$(cat "$TMP/outside/keep.txt")" = precious ]
  assert_line "WARNING: not removing $TMP/outside: $TMP/outside is not under $PROJ/.argo-project/builders"
  grep -q "\[BUILDER\] \[api\] refused - Not removing $TMP/outside" .argo-project/logs/workflow.log
  # the real worktree (git lists it, under builders/) is removed, the merge done
  [ ! -e .argo-project/builders/api ]
  [ -f api.txt ]
  [ "$(state .phase)" = storage ]
}

@test "merge_build: an agent that points its worktree at the project root → repository intact, refusal logged" {
  repo_with_project
  design_and_build api
  ci_stub "echo api > api.txt; git add api.txt; git commit -qm api; update_state 'execution.builders[0].worktree' '$PROJ'"
  run -0 timeout 30 "$ROOT/phases/execution.sh" "$PROJ"
  run -0 "$ROOT/phases/merge_build.sh" "$PROJ"
  [ -d "$PROJ/.git" ]
  [ -f "$PROJ/main.txt" ]
  [ "$(git -C "$PROJ" log -1 --format=%s)" = 'Merge builder: api' ]
  grep -q "\[BUILDER\] \[api\] refused - Not removing $PROJ:" .argo-project/logs/workflow.log
}

@test "a project copied with cp -a: merge_build and every cleanup in the copy leave the original's worktrees alone" {
  repo_with_project
  design_and_build api web
  ci_stub 'id=$(basename "$PWD"); echo "$id" > "$id.txt"; git add "$id.txt"; git commit -qm "$id"'
  run -0 timeout 30 "$ROOT/phases/execution.sh" "$PROJ"
  cp -a "$PROJ" "$TMP/copy"
  before=$(git -C "$PROJ" worktree list --porcelain)
  run "$ROOT/phases/merge_build.sh" "$TMP/copy"
  for t in partial full nuclear; do run "$ROOT/templates/project_cleanup.sh" "$TMP/copy" "$t"; done
  [ -f "$PROJ/.argo-project/builders/api/api.txt" ]
  [ -f "$PROJ/.argo-project/builders/web/web.txt" ]
  [ "$(git -C "$PROJ" worktree list --porcelain)" = "$before" ]
  [ "$(git -C "$PROJ/.argo-project/builders/api" status --porcelain)" = '?? .build_result' ]
  git -C "$PROJ" rev-parse --verify -q argo-builder-api >/dev/null
}

# ------------------------------------------------------------ 2. cleanup keeps unmerged work

# api merged; web failed after a WIP commit, and work it never committed (stopped
# before the wrapper could save it) is still in its worktree
failing_builder() {
  repo_with_project
  design_and_build api web
  ci_stub 'id=$(basename "$PWD"); echo "$id" > "$id.txt"; git add "$id.txt"; git commit -qm "$id"; [ "$id" = web ] || exit 0; echo wip > wip.txt; git add wip.txt; git commit -qm "WIP web"; exit 1'
  run -0 timeout 30 "$ROOT/phases/execution.sh" "$PROJ"
  run -0 "$ROOT/phases/merge_build.sh" "$PROJ"
  [ "$(state .merge.skipped[0])" = web ]
  echo "not committed" > .argo-project/builders/web/scratch.txt
  echo "changed" >> .argo-project/builders/web/main.txt
  git branch argo-builder-old master # merged long ago, never deleted
  git rev-list --all | sort > "$TMP/before"
}

# every commit reachable before is reachable now; the worktree's uncommitted work is in the kept ref
assert_nothing_lost() {
  [ -z "$(git rev-list --all | sort | comm -23 "$TMP/before" -)" ]
  [ "$(git log -1 --format=%s refs/argo/kept/web)" = 'argo: uncommitted work left by builder web' ]
  [ "$(git show refs/argo/kept/web:scratch.txt)" = 'not committed' ]
  [ "$(git show refs/argo/kept/web:main.txt | tail -1)" = changed ]
  [ "$(git show refs/argo/kept/web:wip.txt)" = wip ]
  [ -z "$(git branch --list 'argo-builder-*')" ]
  [ "$(git for-each-ref "--format=%(refname)" refs/argo/kept/)" = refs/argo/kept/web ]
  [ "$(git worktree list | wc -l)" = 1 ]
  assert_line --partial "  - Committed uncommitted work in $PROJ/.argo-project/builders/web to argo-builder-web"
  assert_line 'Kept unmerged work (its commits stay reachable):'
  assert_line --regexp '^  refs/argo/kept/web  [0-9a-f]{12}  \(was argo-builder-web\)$'
  assert_line "  To drop all:    templates/project_cleanup.sh $PROJ <type> --discard-unmerged"
}

@test "project_cleanup partial after a failing builder with a WIP commit and uncommitted files: no commit lost" {
  failing_builder
  run -0 "$ROOT/templates/project_cleanup.sh" "$PROJ" partial
  assert_line --index 0 "Cleaning up Argo project: $PROJ"
  assert_line 'Partial cleanup complete'
  assert_nothing_lost
  [ ! -e .argo-project/builders ]
  [ -d .argo-project/logs ]
}

@test "project_cleanup full after a failing builder with a WIP commit and uncommitted files: no commit lost" {
  failing_builder
  run -0 "$ROOT/templates/project_cleanup.sh" "$PROJ" full
  assert_line 'Full cleanup complete'
  assert_nothing_lost
  [ ! -e .argo-project/logs ]
}

@test "project_cleanup nuclear after a failing builder with a WIP commit and uncommitted files: no commit lost" {
  failing_builder
  run -0 "$ROOT/templates/project_cleanup.sh" "$PROJ" nuclear
  assert_line 'Nuclear cleanup complete'
  assert_nothing_lost
  [ ! -e .argo-project ]
}

@test "project_cleanup --discard-unmerged deletes unmerged builder branches and what earlier cleanups kept" {
  failing_builder
  run -0 "$ROOT/templates/project_cleanup.sh" "$PROJ" partial
  git rev-parse -q --verify refs/argo/kept/web >/dev/null
  git branch argo-builder-late "$(git rev-parse refs/argo/kept/web)"
  run -0 "$ROOT/templates/project_cleanup.sh" "$PROJ" --discard-unmerged partial
  assert_line --regexp '^  - Deleted unmerged branch argo-builder-late \([0-9a-f]{12}\): --discard-unmerged$'
  assert_line --regexp '^  - Deleted refs/argo/kept/web \([0-9a-f]{12}\): --discard-unmerged$'
  [ -z "$(git for-each-ref refs/argo/ 'refs/heads/argo-builder-*')" ]
  [ "$(git log -1 --format=%s master)" = 'Merge builder: api' ]
}

@test "project_cleanup twice, each with another unmerged commit of the same builder: refs/argo/kept/<id> and <id>-2, both reachable" {
  repo_with_project
  builder_branch web
  first=$(git rev-parse argo-builder-web)
  run -0 "$ROOT/templates/project_cleanup.sh" "$PROJ" partial
  assert_line --regexp "^  refs/argo/kept/web  ${first:0:12}  \(was argo-builder-web\)$"
  # the same builder id again, with a commit that does not contain the first one
  git branch argo-builder-web "$(git commit-tree -p master -m 'web, second try' 'master^{tree}')"
  second=$(git rev-parse argo-builder-web)
  run -0 "$ROOT/templates/project_cleanup.sh" "$PROJ" partial
  assert_line --regexp "^  refs/argo/kept/web-2  ${second:0:12}  \(was argo-builder-web\)$"
  [ "$(git rev-parse refs/argo/kept/web)" = "$first" ]
  [ "$(git rev-parse refs/argo/kept/web-2)" = "$second" ]
  [ -z "$(git branch --list 'argo-builder-*')" ]
}

@test "project_cleanup: a worktree git will not remove is kept with its files (and its *.lock files)" {
  repo_with_project
  design_and_build api
  git worktree lock .argo-project/builders/api
  echo lockfile > .argo-project/builders/api/yarn.lock
  run -0 "$ROOT/templates/project_cleanup.sh" "$PROJ" nuclear
  assert_line --partial "  - Kept worktree $PROJ/.argo-project/builders/api: git worktree remove"
  [ "$(cat .argo-project/builders/api/yarn.lock)" = lockfile ]
  [ ! -e .argo-project/state.json ]
  [ "$(git -C .argo-project/builders/api log -1 --format=%s)" = 'argo: uncommitted work left by builder api' ]
}

# ------------------------------------------------------------ 3. leftovers of a builder

@test "builder wrapper: a file the builder wrote but never committed ends on main after the merge" {
  repo_with_project
  design_and_build api
  ci_stub 'echo "left behind" > notes.txt; echo changed >> main.txt'
  run -0 timeout 30 "$ROOT/phases/execution.sh" "$PROJ"
  [ "$(git log -1 --format=%s argo-builder-api)" = 'argo: uncommitted work left by builder api' ]
  grep -q 'argo: committed the uncommitted work builder api left' .argo-project/logs/builder-api.log
  run -0 "$ROOT/phases/merge_build.sh" "$PROJ"
  [ "$(git rev-parse --abbrev-ref HEAD)" = master ]
  [ "$(cat notes.txt)" = 'left behind' ]
  [ "$(tail -1 main.txt)" = changed ]
  # the wrapper's own result file is never committed
  [ -z "$(git log --all --format= --name-only | grep -x .build_result)" ]
  [ "$(state .phase)" = storage ]
}

@test "builder wrapper: no git identity configured → committed as argo-ts; a worktree field naming the user's checkout → nothing committed there" {
  mkdir -p "$PROJ" && cd "$PROJ"
  export HOME=$TMP/home GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=$TMP/home/.gitconfig
  mkdir -p "$HOME" && : > "$GIT_CONFIG_GLOBAL"
  git init -q -b master
  echo main > main.txt && git add main.txt && git -c user.name=u -c user.email=u@x commit -qm initial
  "$ROOT/templates/project_setup.sh" demo "$PROJ" >/dev/null
  git add .gitignore && git -c user.name=u -c user.email=u@x commit -qm ignore
  run ! git var GIT_COMMITTER_IDENT
  design_and_build api user
  set_state ".execution.builders[1].worktree = \"$PROJ\""
  ci_stub 'echo "$(basename "$PWD")" > "left-$(basename "$PWD").txt"'
  run -0 timeout 30 "$ROOT/phases/execution.sh" "$PROJ"
  [ "$(git log -1 --format='%an <%ae> %s' argo-builder-api)" = 'argo-ts <argo-ts@localhost> argo: uncommitted work left by builder api' ]
  # the builder that ran in the user's checkout: its file is left there, uncommitted
  [ "$(git log -1 --format=%s master)" = ignore ]
  [ "$(git status --porcelain | paste -sd,)" = '?? .build_result,?? left-repo.txt' ]
}

# ------------------------------------------------------------ 4. resumable merge

@test "merge_build stopped (SIGTERM to its process group) in the middle of 100 builders, run again → storage, each merged exactly once" {
  repo_with_project
  ids=()
  for i in $(seq 1 100); do ids+=("p$i"); done
  builder_branch "${ids[@]}"
  completed_builders "${ids[@]}"
  setsid "$ROOT/phases/merge_build.sh" "$PROJ" > "$TMP/first.out" 2>&1 &
  pid=$!; STARTED+=("$pid")
  wait_state '(.merge.merged // []) | length >= 20' 60
  kill -TERM -- "-$pid"
  rc=0; wait "$pid" || rc=$?
  [ "$rc" = 143 ]
  done_first=$(state '.merge.merged | length')
  [ "$done_first" -lt 100 ]
  [ "$(state .phase)" = merge_build ]
  [ ! -f .git/MERGE_HEAD ]
  run -0 "$ROOT/phases/merge_build.sh" "$PROJ"
  [ "$(state '[.phase, .action_owner, .action_needed] | join(" ")')" = 'storage user none' ]
  [ "$(state '.merge.merged | length')" = 100 ]
  # exactly one merge commit per builder, every file there, no branch left
  [ "$(git log --merges --format=%s master | sort | uniq -c | awk '$1 != 1' | wc -l)" = 0 ]
  [ "$(git log --merges --format=%s master | wc -l)" = 100 ]
  for i in $(seq 1 100); do [ -f "p$i.txt" ] || fail "p$i.txt missing"; done
  [ -z "$(git branch --list 'argo-builder-*')" ]
}

@test "orchestrator stopped during a 100-builder merge and started again → storage, each builder merged exactly once" {
  repo_with_project
  ids=()
  for i in $(seq 1 100); do ids+=("p$i"); done
  builder_branch "${ids[@]}"
  completed_builders "${ids[@]}"
  "$ROOT/orchestrator.sh" "$PROJ" >/dev/null 2>&1 &
  orch=$!; STARTED+=("$orch")
  wait_state '(.merge.merged // []) | length >= 20' 60
  handler=$(pgrep -P "$orch" | head -1)
  [ -n "$handler" ]
  kill -TERM "$orch"
  wait_for "gone $orch" 20
  [ "$(state .phase)" = merge_build ]
  [ "$(state '.merge.merged | length')" -lt 100 ]
  # started again at once: the stopped handler may still be finishing its last merge
  # (merge.lock makes the new one wait for it)
  "$ROOT/orchestrator.sh" "$PROJ" >/dev/null 2>&1 &
  orch=$!; STARTED+=("$orch")
  # the deadline is a hang guard only: under a loaded CI the ≈ 80 merges left took over 120 s
  wait_state '.phase == "storage"' 400
  [ "$(git log --merges --format=%s master | sort | uniq -c | awk '$1 != 1' | wc -l)" = 0 ]
  [ "$(git log --merges --format=%s master | wc -l)" = 100 ]
  [ "$(state '.merge.merged | length')" = 100 ]
  gone "$handler"
}

@test "merge_build waits while another merge_build holds .argo-project/merge.lock, then merges" {
  repo_with_project
  builder_branch a
  completed_builders a
  flock .argo-project/merge.lock bash -c "touch '$TMP/held'; until [ -e '$TMP/release' ]; do sleep 0.02; done" &
  STARTED+=($!)
  wait_for '[ -e "$TMP/held" ]' 10
  "$ROOT/phases/merge_build.sh" "$PROJ" > "$TMP/out" 2>&1 &
  pid=$!; STARTED+=("$pid")
  wait_for 'grep -q "^Waiting for the merge_build holding $PROJ/.argo-project/merge.lock to finish" "$TMP/out"' 20
  [ "$(git log --merges --oneline | wc -l)" = 0 ]
  touch "$TMP/release"
  wait "$pid"
  [ "$(git log -1 --format=%s)" = 'Merge builder: a' ]
  [ "$(state .phase)" = storage ]
}

@test "merge_build: a half-done merge of ours is aborted and redone; someone else's is refused and left as it is" {
  repo_with_project
  builder_branch a
  builder_branch b
  completed_builders a b
  git merge -q --no-ff --no-commit -m 'Merge builder: a' argo-builder-a
  [ -f .git/MERGE_HEAD ]
  run -0 "$ROOT/phases/merge_build.sh" "$PROJ"
  assert_line 'Aborting the half-done merge of builder a left by a stopped run'
  [ "$(git log --merges --format=%s | sort | paste -sd,)" = 'Merge builder: a,Merge builder: b' ]
  [ "$(state .phase)" = storage ]

  # someone else's merge in progress on master
  git checkout -q -b feature master~2 && echo f > f.txt && git add f.txt && git commit -qm feature && git checkout -q master
  builder_branch c
  completed_builders c
  git merge -q --no-ff --no-commit feature
  mh=$(cat .git/MERGE_HEAD)
  run -1 "$ROOT/phases/merge_build.sh" "$PROJ"
  assert_line --partial "ERROR: $PROJ is on master with uncommitted changes (or a merge in progress)"
  [ "$(cat .git/MERGE_HEAD)" = "$mh" ]
  [ "$(state .action_owner)" = user ]
  [ "$(state .error_recovery.last_error)" = "$PROJ is on master with uncommitted changes (or a merge in progress): commit or stash them, then set action_owner to code to merge" ]
  grep -q '\[ERROR\] merge_build: ' .argo-project/logs/workflow.log
  git rev-parse --verify -q argo-builder-c >/dev/null
}

# ------------------------------------------------------------ 5. the user's checkout

@test "merge_build on a feature branch with uncommitted changes: checkout untouched, builders land on main (temporary worktree)" {
  repo_with_project main
  BASE=main builder_branch api
  BASE=main builder_branch web
  completed_builders api web
  git checkout -q -b feature && echo feat > feat.txt && git add feat.txt && git commit -qm feat
  echo "edited, not staged" >> main.txt
  echo "staged" > staged.txt && git add staged.txt
  echo "untracked" > scratch.txt
  status_before=$(git status --porcelain)
  files_before=$(tree_snapshot "$PROJ")
  head_before=$(git rev-parse HEAD)
  run -0 "$ROOT/phases/merge_build.sh" "$PROJ"
  [ "$(git rev-parse --abbrev-ref HEAD)" = feature ]
  [ "$(git rev-parse HEAD)" = "$head_before" ]
  [ "$(git status --porcelain)" = "$status_before" ]
  [ "$(tree_snapshot "$PROJ")" = "$files_before" ]
  [ "$(git log --merges --format=%s main | sort | paste -sd,)" = 'Merge builder: api,Merge builder: web' ]
  [ "$(git show main:api.txt)" = api ]
  [ "$(state .merge.target)" = main ]
  [ "$(state .phase)" = storage ]
  [ "$(git worktree list | wc -l)" = 1 ]
  [ ! -e .argo-project/merging ]
  [ -z "$(git branch --list 'argo-builder-*')" ]
  assert_line "Merging into main in a temporary worktree (.argo-project/merging/main): $PROJ stays as it is (feature)"
}

@test "merge_build stopped while merging in its temporary worktree: the next run reuses it; a cleanup instead removes it, nothing lost" {
  repo_with_project
  ids=()
  for i in $(seq 1 40); do ids+=("p$i"); done
  builder_branch "${ids[@]}"
  completed_builders "${ids[@]}"
  git checkout -q -b feature && echo "mine" >> main.txt
  setsid "$ROOT/phases/merge_build.sh" "$PROJ" > "$TMP/first.out" 2>&1 &
  pid=$!; STARTED+=("$pid")
  wait_state '(.merge.merged // []) | length >= 5' 60
  kill -TERM -- "-$pid"
  rc=0; wait "$pid" || rc=$?
  [ "$rc" = 143 ]
  [ "$(git -C .argo-project/merging/master rev-parse --abbrev-ref HEAD)" = master ]
  cp -a "$PROJ" "$TMP/twin" # the same moment, for the cleanup below

  run -0 "$ROOT/phases/merge_build.sh" "$PROJ"
  [ "$(state .phase)" = storage ]
  [ "$(git log --merges --format=%s master | sort | uniq -c | awk '$1 != 1' | wc -l)" = 0 ]
  [ "$(git log --merges --format=%s master | wc -l)" = 40 ]
  [ "$(git rev-parse --abbrev-ref HEAD)" = feature ]
  [ "$(git status --porcelain --untracked-files=no)" = ' M main.txt' ]
  [ "$(git worktree list | wc -l)" = 1 ]

  cd "$TMP/twin"
  git worktree repair .argo-project/merging/master 2>/dev/null # the copy's worktree points back at the copy
  [ "$(git worktree list --porcelain | grep -c '^worktree ')" = 2 ]
  git worktree list --porcelain | grep -qx "worktree $TMP/twin/.argo-project/merging/master"
  git rev-list --all | sort > "$TMP/before"
  run -0 "$ROOT/templates/project_cleanup.sh" "$TMP/twin" partial
  [ "$(git worktree list | wc -l)" = 1 ]
  [ ! -e .argo-project/merging ]
  [ -z "$(git rev-list --all | sort | comm -23 "$TMP/before" -)" ]
  [ "$(git rev-parse --abbrev-ref HEAD)" = feature ]
}

@test "merge_build: on main with uncommitted changes, or main checked out in another worktree → one ERROR, handed to user, nothing touched" {
  repo_with_project main
  git branch -q argo-builder-api main
  completed_builders api
  echo dirty >> main.txt
  run -1 "$ROOT/phases/merge_build.sh" "$PROJ"
  [ "$(printf '%s\n' "$output" | grep -c '^ERROR: ')" = 1 ]
  assert_line "ERROR: $PROJ is on main with uncommitted changes (or a merge in progress): commit or stash them, then set action_owner to code to merge"
  [ "$(git status --porcelain)" = ' M main.txt' ]
  [ "$(git log --merges --oneline | wc -l)" = 0 ]
  [ "$(state '.action_owner')" = user ]
  [ -n "$(state .error_recovery.last_error)" ]

  git checkout -q main.txt
  git checkout -q -b feature
  git worktree add -q "$TMP/elsewhere" main
  set_state '.action_owner = "code"'
  run -1 "$ROOT/phases/merge_build.sh" "$PROJ"
  assert_line "ERROR: main is checked out in $TMP/elsewhere and $PROJ is on feature: cannot merge into main without touching either; free main there, then set action_owner to code"
  [ "$(git rev-parse --abbrev-ref HEAD)" = feature ]
  [ "$(state .error_recovery.last_error)" = "main is checked out in $TMP/elsewhere and $PROJ is on feature: cannot merge into main without touching either; free main there, then set action_owner to code" ]
  [ "$(git log --merges --oneline main | wc -l)" = 0 ]
}

@test "merge_build: main preferred over master (COMPAT §8), recorded in merge.target" {
  repo_with_project master
  git branch main master
  builder_branch api
  completed_builders api
  run -0 "$ROOT/phases/merge_build.sh" "$PROJ"
  [ "$(state .merge.target)" = main ]
  [ "$(git log -1 --format=%s main)" = 'Merge builder: api' ]
  [ "$(git log -1 --format=%s master)" = ignore ]
  [ "$(git rev-parse --abbrev-ref HEAD)" = master ]
}
