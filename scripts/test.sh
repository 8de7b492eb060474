#!/usr/bin/env bash
# Runs every test and check of the repository; installs what a fresh machine lacks.
# Stages run in order and the first failure stops the run with its exit code.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(backend)
# Every stage's scripts are shell: checked once, first, in a second or two.
lint_shell
for stage in "${stages[@]}"; do
  script="$here/test-$stage.sh"
  [ -x "$script" ] || { echo "error: unknown test stage '$stage' (no $script)" >&2; exit 2; }
  printf '\n\033[1m######## stage: %s ########\033[0m\n' "$stage" >&2
  start=$(date +%s)
  "$script"
  printf '\033[1m######## stage %s passed in %ss ########\033[0m\n' "$stage" "$(( $(date +%s) - start ))" >&2
done
