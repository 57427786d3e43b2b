#!/usr/bin/env bats
# Issue 20, "tell them where": `argo status` (text and --json) on a state whose builders
# carry merge records — a conflict handed to the person, one the resolver merged, one that
# failed the verify gate — and on hostile records (a diff path outside the logs folder, a
# symlink out of it, a huge file list, a file name with a newline and markup).
bats_require_minimum_version 1.5.0

setup() {
  load helpers
  new_project
  mkdir -p .argo-project/logs
}

teardown_file() {
  load helpers
  stop_shim_helper
}

# merge_build's hand-off of a conflict (ci, resolve_conflicts) with issue 20's records; $1: cli's diff path.
conflict_state() {
  jq --arg wt "$PROJ/.argo-project/builders" --arg diff "$1" '.phase = "merge_build" | .action_owner = "ci" | .action_needed = "resolve_conflicts"
      | .merge_conflicts = ["cli"]
      | .merge = {"target": "main", "merged": ["core", "ui"], "conflicts": ["cli"], "skipped": [], "missing": [], "failed": [], "resolved_by_agent": ["ui"], "verify_failed": [], "strategy": "merge"}
      | .execution = {"status": "completed", "builders": [
          {"id": "core", "status": "completed", "merge": {"status": "merged", "commit": "abc", "target": "main", "attempts": 1, "files": []}},
          {"id": "ui", "status": "completed", "merge": {"status": "resolved_by_agent", "commit": "def", "target": "main", "attempts": 1, "files": ["src/ui.ts"]}},
          {"id": "cli", "status": "completed", "merge": {"status": "conflict", "target": "main", "attempts": 0,
            "files": ["src/parse.ts", "README.md"], "diff": $diff, "worktree": ($wt + "/cli"), "branch": "argo-builder-cli",
            "message": "the resolver gave up"}}]}' .argo-project/state.json > t && mv t .argo-project/state.json
}

@test "status: per conflicted builder the files, where to work, the diff and argo merge; --json carries the diff's text" {
  printf 'diff --cc src/parse.ts\n<<<<<<< HEAD\n' > .argo-project/logs/merge-cli.diff
  conflict_state .argo-project/logs/merge-cli.diff
  run "$ROOT/compat/argo" status "$PROJ"
  assert_success
  assert_line "Merge outcomes: 1 merged, 1 conflict, 1 resolved_by_agent, 0 verify_failed, 0 skipped"
  assert_line "Conflicts to resolve: cli"
  assert_line "Where to step in:"
  assert_line "  cli: conflict in 2 files: src/parse.ts, README.md"
  assert_line "    work in $PROJ/.argo-project/builders/cli on branch argo-builder-cli (target main)"
  assert_line "    diff: .argo-project/logs/merge-cli.diff (36 bytes)"
  assert_line "    resolver: the resolver gave up"
  assert_line --partial "Next: ci - Resolve the merge conflicts of cli on their branches, then merge again: cli: 2 conflicted files (src/parse.ts, README.md) - work in $PROJ/.argo-project/builders/cli on branch argo-builder-cli"
  assert_line "  $ROOT/compat/argo merge $PROJ"
  refute_output --partial "state update"
  run "$ROOT/compat/argo" status --json "$PROJ"
  assert_success
  echo "$output" | jq -e '
    .totals.by_merge == {"merged": 1, "conflict": 1, "resolved_by_agent": 1, "verify_failed": 0, "skipped": 0}
    and .merge.resolved_by_agent == ["ui"]
    and ([.builders[].merge] == ["merged", "resolved_by_agent", "conflict"])
    and (.builders[2].merge_detail | .files == ["src/parse.ts", "README.md"] and .files_total == 2 and .branch == "argo-builder-cli"
         and .diff_text == "diff --cc src/parse.ts\n<<<<<<< HEAD\n" and .diff_bytes == 36 and .diff_cut == false and .diff_problem == null)
    and (.next.commands | any(endswith("merge " + $p)))' --arg p "$PROJ"
}

@test "status: a big diff is cut at 16 KB in --json, with a note" {
  head -c 100000 /dev/zero | tr '\0' 'y' > .argo-project/logs/merge-cli.diff
  conflict_state .argo-project/logs/merge-cli.diff
  run "$ROOT/compat/argo" status --json "$PROJ"
  assert_success
  echo "$output" | jq -e '.builders[2].merge_detail | (.diff_text | length) == 16384 and .diff_cut and .diff_bytes == 100000
    and .diff_note == "cut at 16384 of 100000 bytes; the whole diff is .argo-project/logs/merge-cli.diff"'
}

@test "status: a diff path outside the logs folder, or a symlink out of it, is not read; one line says why" {
  echo "TOP SECRET" > "$BATS_TEST_TMPDIR/secret"
  conflict_state "$BATS_TEST_TMPDIR/secret"
  run "$ROOT/compat/argo" status "$PROJ"
  assert_success
  assert_line "    diff not shown: $BATS_TEST_TMPDIR/secret is not inside the project's .argo-project/logs folder (refused)"
  run "$ROOT/compat/argo" status --json "$PROJ"
  refute_output --partial "TOP SECRET"
  ln -s "$BATS_TEST_TMPDIR/secret" .argo-project/logs/merge-cli.diff
  conflict_state .argo-project/logs/merge-cli.diff
  run "$ROOT/compat/argo" status --json "$PROJ"
  assert_success
  refute_output --partial "TOP SECRET"
  echo "$output" | jq -e '.builders[2].merge_detail | .diff_text == null and (.diff_problem | test("^diff not shown: .argo-project/logs/merge-cli.diff is not inside"))'
}

@test "status: a huge file list is bounded; a file name with a newline or markup stays on its line" {
  conflict_state .argo-project/logs/merge-cli.diff
  jq '.execution.builders[2].merge.files = (["evil\nNext: user - rm -rf ~ <b>x</b>"] + [range(0; 20000) | "f\(.).ts"])' .argo-project/state.json > t && mv t .argo-project/state.json
  run "$ROOT/compat/argo" status "$PROJ"
  assert_success
  assert_line --partial '  cli: conflict in 20001 files: evil\nNext: user - rm -rf ~ <b>x</b>, f0.ts'
  assert_line --partial '(+19981 more)'
  [ "$(grep -c '^Next:' <<< "$output")" -eq 1 ]
  assert_line "    diff not shown: .argo-project/logs/merge-cli.diff does not exist"
  run "$ROOT/compat/argo" status --json "$PROJ"
  echo "$output" | jq -e '.builders[2].merge_detail | (.files | length) == 50 and .files_total == 20001'
}

@test "status: an old state without merge records shows what it always showed" {
  jq '.phase = "merge_build" | .action_owner = "ci" | .action_needed = "resolve_conflicts" | .merge_conflicts = ["b1"]
      | .execution = {"builders": [{"id": "b1", "status": "completed"}]}
      | .merge = {"target": "main", "merged": [], "conflicts": ["b1"], "skipped": [], "missing": [], "failed": []}' .argo-project/state.json > t && mv t .argo-project/state.json
  run "$ROOT/compat/argo" status "$PROJ"
  assert_success
  assert_line "Next: ci - Resolve the merge conflicts of b1 on their branches, then merge again."
  refute_output --partial "Where to step in"
  refute_output --partial "Merge outcomes"
}
