#!/usr/bin/env bash
# action.yml, step "argo run": the inputs (ARGO_INPUT_*, from `env:`) become argo run's
# command line; the query is one argument after `--`. A budget is written into the
# project's config first (set up here when the checkout has none). The step's outputs
# (status, branch, pr_url, cost_usd) are written by argo run itself ($GITHUB_OUTPUT); this
# adds exit_code. A run that needs a person (2) fails the step like any non-zero code.
set -uo pipefail
query=${ARGO_INPUT_QUERY:-}
if [[ -z ${query//[[:space:]]/} ]]; then
  echo "ERROR: input query is empty; accepted: the requirement, what to build" >&2
  exit 4
fi
args=(run --approve "${ARGO_INPUT_APPROVE:-auto}")
[[ -n ${ARGO_INPUT_TEMPLATE:-} ]] && args+=(--template "$ARGO_INPUT_TEMPLATE")
[[ -n ${ARGO_INPUT_MAX_COMPONENTS:-} ]] && args+=(--max-components "$ARGO_INPUT_MAX_COMPONENTS")
[[ -n ${ARGO_INPUT_BRANCH:-} ]] && args+=(--branch "$ARGO_INPUT_BRANCH")
for flag in PUSH PR; do
  var=ARGO_INPUT_$flag
  case ${!var:-false} in
    true) args+=("--${flag,,}") ;;
    false | '') ;;
    *) echo "ERROR: input ${flag,,} is '${!var}'; accepted: true, false" >&2; exit 4 ;;
  esac
done
out=${RUNNER_TEMP:-${TMPDIR:-/tmp}}
mkdir -p "$out"
report="$out/argo-report.json"
args+=(--report "$report" --junit "$out/argo-junit.xml")
if [[ -n ${ARGO_INPUT_AGENT:-} && $ARGO_INPUT_AGENT != none ]]; then
  export ARGO_AGENT=$ARGO_INPUT_AGENT
fi
# Merge commits need an author; a CI runner has none configured.
git config user.name >/dev/null || git config user.name 'argo-ts'
git config user.email >/dev/null || git config user.email 'argo-ts@users.noreply.github.com'
if [[ -n ${ARGO_INPUT_BUDGET:-} ]]; then
  if [[ ! $ARGO_INPUT_BUDGET =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
    echo "ERROR: input budget is '$ARGO_INPUT_BUDGET'; accepted: a number of USD, e.g. 5 or 12.50" >&2
    exit 4
  fi
  [[ -d .argo-project ]] || argo setup "$(basename "$PWD")" "$PWD" >/dev/null || exit 4
  node -e '
    const fs = require("node:fs");
    const file = ".argo-project/config.json";
    const config = JSON.parse(fs.readFileSync(file, "utf8"));
    config.limits = { ...(config.limits ?? {}), max_cost_usd: Number(process.env.ARGO_INPUT_BUDGET) };
    fs.writeFileSync(file, JSON.stringify(config, null, 2) + "\n");
  ' || exit 4
fi
argo "${args[@]}" -- "$query"
code=$?
[[ -n ${GITHUB_OUTPUT:-} ]] && echo "exit_code=$code" >> "$GITHUB_OUTPUT"
exit "$code"
