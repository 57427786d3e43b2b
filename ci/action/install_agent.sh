#!/usr/bin/env bash
# action.yml, step "Install the agent CLI": the npm package of the chosen preset (or
# agent-package). `none` installs nothing: the project's configuration (or CI_COMMAND)
# names the agent. The agent's key comes from the workflow's secrets, as its own variable
# (ANTHROPIC_API_KEY, CODEX_API_KEY …): never an input, never written anywhere.
set -euo pipefail
agent=${ARGO_INPUT_AGENT:-claude}
package=${ARGO_INPUT_AGENT_PACKAGE:-}
if [[ $agent == none ]]; then
  echo "agent: none (the project's configuration names it)"
  exit 0
fi
if [[ -z $package ]]; then
  case $agent in
    claude) package=@anthropic-ai/claude-code ;;
    codex) package=@openai/codex ;;
    gemini) package=@google/gemini-cli ;;
    opencode) package=opencode-ai ;;
    *)
      echo "ERROR: agent '$agent' has no npm package known to this action; accepted: claude, codex, gemini, opencode, none, or agent-package naming the package (or install it in an earlier step and use none)" >&2
      exit 4
      ;;
  esac
fi
# An npm package spec only: a name, a scope, a version; never an option or a path.
if [[ ! $package =~ ^(@[a-z0-9][a-z0-9._-]*/)?[a-z0-9][a-z0-9._-]*(@[A-Za-z0-9._^~<>=*-]+)?$ ]]; then
  echo "ERROR: agent-package is '$package'; accepted: an npm package name, optionally @version" >&2
  exit 4
fi
npm install -g --no-audit --no-fund "$package"
