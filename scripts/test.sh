#!/usr/bin/env bash
# Quick start, part 2: install what is missing, build with warnings as errors, and run the whole
# test suite (unit, BPF integration against the real kernel, CLI end to end) with ctest.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
"$top/scripts/install-deps.sh" --test
BUILD_DIR=$build "$top/scripts/build.sh" -DEDGEWATCH_WERROR=ON
echo "== kernel $(uname -r), $(id -un), BTF: $([[ -r /sys/kernel/btf/vmlinux ]] && echo yes || echo no)"
# clang-tidy (every finding is an error, see .clang-tidy) takes minutes: in CI, or on request.
if [[ "${CI:-}" == "true" || "${EDGEWATCH_TIDY:-}" == "1" ]]; then
  BUILD_DIR=$build "$top/scripts/lint.sh" --tidy
fi
cd "$build"
status=0
ctest --output-on-failure --timeout 300 -j"${TEST_JOBS:-1}" "$@" || status=$?
# The scenario suite's table (cause and scope right, compression, time to alert), when it ran.
log=$build/Testing/Temporary/LastTest.log
if [[ -f $log ]] && grep -q '^scenario  ' "$log"; then
  echo "== root-cause scenarios (tests/scenarios)"
  sed -n '/^scenario  /,/^total/p' "$log"
fi
exit $status
