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
# It is CPU work while the tests mostly wait (on the kernel's timers, the Kafka broker, the
# scenarios' windows), so it runs beside them at the lowest priority; its verdict counts as the
# tests' do, and its output follows theirs.
tidy_pid=
tidy_log=$build/clang-tidy.log
if [[ "${CI:-}" == "true" || "${EDGEWATCH_TIDY:-}" == "1" ]]; then
  # Its own process group, so that an interrupted run stops it too.
  BUILD_DIR=$build setsid nice -n 19 "$top/scripts/lint.sh" --tidy >"$tidy_log" 2>&1 &
  tidy_pid=$!
  trap 'kill -- "-$tidy_pid" 2>/dev/null || true' EXIT
fi
cd "$build"
status=0
ctest --output-on-failure --timeout 300 -j"${TEST_JOBS:-1}" "$@" || status=$?
if [[ -n $tidy_pid ]]; then
  tidy_status=0
  wait "$tidy_pid" || tidy_status=$?
  if [[ $tidy_status -eq 0 ]]; then
    echo "== clang-tidy: no findings ($(grep -c '^clang-tidy' "$tidy_log") files; output in $tidy_log)"
  else
    echo "== clang-tidy failed (exit $tidy_status; full output in $tidy_log)"
    grep -E -A3 '(error|warning): ' "$tidy_log" | head -n 400 || tail -n 50 "$tidy_log"
    status=1
  fi
fi
# The scenario suite's table (cause and scope right, compression, time to alert), when it ran.
log=$build/Testing/Temporary/LastTest.log
if [[ -f $log ]] && grep -q '^scenario  ' "$log"; then
  echo "== root-cause scenarios (tests/scenarios)"
  sed -n '/^scenario  /,/^total/p' "$log"
fi
exit $status
