#!/usr/bin/env bash
# cpu_time.sh CMD...: runs CMD in a cgroup of its own and appends one line to $CPU_LOG (default
# stderr): "user system total wall LABEL" in seconds, LABEL = $CPU_LABEL or CMD's last word.
# A cgroup counts every descendant, the detached orchestrators and helpers too (`time` and
# getrusage miss those). As the bats wrapper: ARGO_BATS_WRAPPER=tests/cpu_time.sh (docs/TESTING.md,
# "The suite's speed"). Needs write access to the cgroup tree (root); cgroup v1 (cpuacct) or v2.
# Nested calls nest: a whole run's line includes its files' lines.
set -uo pipefail
if [[ -d /sys/fs/cgroup/cpuacct ]]; then
  parent=/sys/fs/cgroup/cpuacct$(awk -F: '$2 == "cpuacct" {print $3}' /proc/self/cgroup)
else
  parent=/sys/fs/cgroup$(awk -F: '$1 == "0" {print $3}' /proc/self/cgroup)
fi
cg=${parent%/}/argo-cpu-$$
mkdir "$cg" 2>/dev/null && echo $BASHPID > "$cg/cgroup.procs" || {
  echo "cpu_time.sh: cannot make a cgroup under $parent (root and a writable cgroup tree needed)" >&2
  exec "$@"
}
t0=$EPOCHREALTIME
"$@"
rc=$?
t1=$EPOCHREALTIME
if [[ -f $cg/cpuacct.stat ]]; then # USER_HZ ticks; total in ns
  read -r _ user < <(grep '^user' "$cg/cpuacct.stat")
  read -r _ sys < <(grep '^system' "$cg/cpuacct.stat")
  hz=$(getconf CLK_TCK)
  read -r total < "$cg/cpuacct.usage"
  line=$(awk -v u="$user" -v s="$sys" -v hz="$hz" -v t="$total" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f %.1f %.1f %.1f", u / hz, s / hz, t / 1e9, b - a}')
else # v2 cpu.stat: microseconds
  line=$(awk -v a="$t0" -v b="$t1" '$1 == "user_usec" {u = $2} $1 == "system_usec" {s = $2} $1 == "usage_usec" {t = $2}
    END {printf "%.1f %.1f %.1f %.1f", u / 1e6, s / 1e6, t / 1e6, b - a}' "$cg/cpu.stat")
fi
if [[ -n ${CPU_LOG:-} ]]; then
  printf '%s %s\n' "$line" "${CPU_LABEL:-${*: -1}}" >> "$CPU_LOG"
else
  printf '%s %s\n' "$line" "${CPU_LABEL:-${*: -1}}" >&2
fi
# Back to the parent; the cgroup (and those nested calls left behind) goes once nothing of
# CMD is left in it: a process CMD left running keeps its cgroup.
echo $BASHPID > "$parent/cgroup.procs"
find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
exit $rc
