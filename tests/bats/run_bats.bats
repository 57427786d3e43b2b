#!/usr/bin/env bats
# tests/run_bats.mjs, the runner npm test uses for bats files several at once: one TAP
# stream in the order the files were named, numbered through, each block under
# "# file PATH"; the status says whether every file passed; the files really overlap.
bats_require_minimum_version 1.5.0

setup() {
  load helpers
  unset ARGO_BATS_WRAPPER ARGO_TEST_JOBS
  T=$(mktemp -d "$BATS_TEST_TMPDIR/runner.XXXXXX")
  mkdir -p "$T/suite/sub"
  # a.bats waits (with a deadline) for a marker b.bats writes: it passes only when b
  # runs while a is still running. a is the larger file, so it starts first.
  cat > "$T/suite/a.bats" <<BATS
@test "a waits for b" {
  for ((i = 0; i < 200; i++)); do [[ -e "$T/b.ran" ]] && return 0; sleep 0.05; done
  echo "b never ran alongside a"; false
}
@test "a passes" { true; }
# padding, so that a is the larger file and starts first ...................................
BATS
  printf '@test "b writes its marker" { touch "%s/b.ran"; }\n' "$T" > "$T/suite/sub/b.bats"
  printf '@test "c fails" { false; }\n@test "c skips" { skip "no reason at all"; }\n' > "$T/c.bats"
}

@test "run_bats.mjs: files at once, one stream in the order named, numbered through, plan last; status 0 when all pass" {
  run -0 node "$ROOT/tests/run_bats.mjs" -j 2 "$T/suite"
  [ "${lines[0]}" = "# file $(realpath --relative-to="$ROOT" "$T/suite/a.bats")" ]
  [[ ${lines[1]} =~ ^ok\ 1\ a\ waits\ for\ b\ in\ [0-9]+ms$ ]]
  [[ ${lines[2]} =~ ^ok\ 2\ a\ passes\ in\ [0-9]+ms$ ]]
  [[ ${lines[3]} =~ a\.bats:\ 2\ test\(s\)\ in\ [0-9.]+\ s$ ]]
  [ "${lines[4]}" = "# file $(realpath --relative-to="$ROOT" "$T/suite/sub/b.bats")" ]
  [[ ${lines[5]} =~ ^ok\ 3\ b\ writes\ its\ marker\ in\ [0-9]+ms$ ]]
  [ "${lines[-1]}" = 1..3 ]
}

@test "run_bats.mjs -j 1 runs one file at a time (the overlap test above then fails); a failing file makes the status 1; --except leaves a file out" {
  run -1 node "$ROOT/tests/run_bats.mjs" -j 1 "$T/suite"
  assert_line --regexp '^not ok 1 a waits for b in [0-9]+ms$'
  assert_line --partial 'b never ran alongside a'
  rm -f "$T/b.ran"
  run -1 node "$ROOT/tests/run_bats.mjs" --except "$T/suite/a.bats" -j 2 "$T/c.bats" "$T/suite"
  refute_output --partial 'a passes'
  [[ ${lines[1]} =~ ^not\ ok\ 1\ c\ fails ]]
  assert_line --regexp '^ok 2 c skips in [0-9]+ms # skip no reason at all$'
  assert_line --regexp '^ok 3 b writes its marker in [0-9]+ms$'
  [ "${lines[-1]}" = 1..3 ]
  run -2 node "$ROOT/tests/run_bats.mjs" -j 0 "$T/c.bats"
  assert_output 'ERROR: -j 0: the number of files at once must be a whole number ≥ 1'
}

@test "run_bats.mjs: a file whose bats dies without naming a failed test still counts as one failure" {
  printf '@test "never" { true\n' > "$T/broken.bats" # unbalanced: bats cannot preprocess it
  run -1 node "$ROOT/tests/run_bats.mjs" "$T/broken.bats"
  assert_line --regexp "^not ok 1 .*broken\.bats: bats exited with status [0-9]+ after 0 test\(s\)$"
}

@test "run_bats.mjs --split FILE: that file's own tests run at once too (without it the first test here waits in vain)" {
  cat > "$T/w.bats" <<BATS
@test "first waits for the second" {
  for ((i = 0; i < 200; i++)); do [[ -e "$T/second.ran" ]] && return 0; sleep 0.05; done
  echo "the second never ran alongside the first"; false
}
@test "second writes its marker" { touch "$T/second.ran"; }
BATS
  run -0 node "$ROOT/tests/run_bats.mjs" --split "$T/w.bats" "$T/w.bats"
  assert_line --regexp '^ok 1 first waits for the second in [0-9]+ms$'
  assert_line --regexp '^ok 2 second writes its marker in [0-9]+ms$'
}

@test "cpu_time.sh as ARGO_BATS_WRAPPER: one line per file with its CPU seconds, a detached process counted, the file's status kept" {
  require_tool "a writable cgroup tree" "run as root with /sys/fs/cgroup writable" bash -c 'd=/sys/fs/cgroup/cpuacct; [[ -d $d ]] || d=/sys/fs/cgroup; mkdir "$d/argo-cpu-probe-$$" && rmdir "$d/argo-cpu-probe-$$"'
  # a process the test leaves detached burns 1 s of CPU, out of reach of `time`; the
  # file's bats waits for it only through the marker it writes at its end
  cat > "$T/burn.bats" <<BATS
@test "leaves a busy process behind" {
  setsid node -e 'do for (let i = 0; i < 1e7; i++); while (process.cpuUsage().user < 1e6); require("fs").writeFileSync("$T/burnt", "")' >/dev/null 2>&1 < /dev/null &
  for ((i = 0; i < 1200; i++)); do [[ -e "$T/burnt" ]] && return 0; sleep 0.05; done
  false
}
BATS
  run -1 env -u CPU_LABEL ARGO_BATS_WRAPPER="$ROOT/tests/cpu_time.sh" CPU_LOG="$T/cpu.log" node "$ROOT/tests/run_bats.mjs" "$T/burn.bats" "$T/c.bats"
  [ "$(wc -l < "$T/cpu.log")" = 2 ]
  grep -qE "^[0-9.]+ [0-9.]+ [0-9.]+ [0-9.]+ $T/burn.bats\$" "$T/cpu.log"
  grep -qE "^[0-9.]+ [0-9.]+ [0-9.]+ [0-9.]+ $T/c.bats\$" "$T/cpu.log"
  # total CPU of burn.bats: at least the 1 s of its busy process
  awk -v f="$T/burn.bats" '$5 == f && $3 >= 1 {ok = 1} END {exit !ok}' "$T/cpu.log"
}
