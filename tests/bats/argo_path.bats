#!/usr/bin/env bats
# Issue 23 item 4: `argo` on PATH the documented way (docs/CI.md, "argo on PATH"): `npm
# install -g <checkout>` links the checkout's package into a prefix and its bin (compat/argo)
# into <prefix>/bin; `argo --version` prints the package's version.
bats_require_minimum_version 1.5.0

setup() {
  load helpers
}

@test "npm install -g <checkout> into a prefix puts argo on PATH; argo --version prints package.json's version from any folder" {
  local prefix="$BATS_TEST_TMPDIR/prefix" elsewhere="$BATS_TEST_TMPDIR/elsewhere"
  mkdir -p "$elsewhere"
  # A folder installs as a link to the checkout: nothing is fetched, the checkout is untouched
  # (--ignore-scripts: the checkout is built already; a fresh clone runs `npm ci` first).
  run -0 npm install -g --prefix "$prefix" --offline --ignore-scripts --no-audit --no-fund "$ROOT"
  [ -L "$prefix/bin/argo" ]
  cd "$elsewhere"
  # PATH: the prefix's bin and the folders of node, the core utilities the launcher uses
  # (readlink, dirname) and git only — no checkout on it. (Node's folder holds no coreutils
  # where node comes from npm's `node` package, as in CI's Node 24 run.)
  local path="$prefix/bin:$(dirname "$(command -v node)"):$(dirname "$(command -v readlink)"):$(dirname "$(command -v dirname)"):$(dirname "$(command -v git)")"
  PATH="$path" run -0 argo --version
  assert_output "argo-ts $(jq -r .version "$ROOT/package.json")"
  PATH="$path" run -0 argo -V
  assert_output "argo-ts $(jq -r .version "$ROOT/package.json")"
  PATH="$path" run -0 argo --help
  assert_line --partial 'argo --version'
  assert_line --partial 'argo start'
}
